//! Connect Link security (docs/spec/wire-2026.md §21): the same-browser cookie of an
//! attempt (§21.1), the CSRF tokens of the flow's forms, and the project settings that turn
//! them on.

use axum::http::{header, HeaderMap, HeaderValue};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::crypto::{hashes_equal, secret_hash};

/// What a browser is told when its callback does not carry the attempt's cookie (§21.1).
pub(crate) const OTHER_BROWSER: &str =
    "This connection was started from a different browser or device";

/// How long the same-browser cookie lives (§21.1: as long as the authorization request).
const BINDING_MAX_AGE_SECS: u64 = 3600;

/// The name of the cookie holding the browser's CSRF secret for `purpose`: one per form
/// (per attempt), so pages opened at once in one browser do not replace each other's.
fn csrf_cookie_name(purpose: &str) -> String {
    let digest = secret_hash(purpose);
    let id: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("composio_csrf_{id}")
}

/// The name of the hidden form field carrying the CSRF token.
pub(crate) const CSRF_FIELD: &str = "csrf_token";

/// Connect Link security settings of one project.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProjectSecurity {
    /// Same-browser binding on.
    pub browser_binding: bool,
    /// The callback identity verifier, when on.
    pub verifier_url: Option<String>,
}

/// Checks a project's `oauth_callback_verifier_url`: an absolute `https://` URL of a public
/// host (no loopback, private or link-local address, no `localhost`).
pub(crate) fn check_verifier_url(url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url)
        .map_err(|e| format!("oauth_callback_verifier_url `{url}` is not a URL: {e}"))?;
    if parsed.scheme() != "https" {
        return Err(format!(
            "oauth_callback_verifier_url `{url}` must be an https:// URL"
        ));
    }
    let public = match parsed.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d != "localhost" && !d.ends_with(".localhost") && d.contains('.')
        }
        Some(url::Host::Ipv4(ip)) => {
            !(ip.is_loopback()
                || ip.is_private()
                || ip.is_link_local()
                || ip.is_unspecified()
                || ip.is_broadcast())
        }
        Some(url::Host::Ipv6(ip)) => {
            !(ip.is_loopback() || ip.is_unspecified() || (ip.segments()[0] & 0xfe00) == 0xfc00)
        }
        None => false,
    };
    if !public {
        return Err(format!(
            "oauth_callback_verifier_url `{url}` must name a public host"
        ));
    }
    Ok(())
}

/// The value of cookie `name` in a request, if sent.
pub(crate) fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: host-only, `Path=/`, HttpOnly, SameSite=Lax, and Secure when the
/// server is reached over https.
fn set_cookie(name: &str, value: &str, max_age: Option<u64>, secure: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    // Names and values are ours: ASCII letters, digits, `_` and `-`.
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `Set-Cookie` value that deletes cookie `name` (`Max-Age=0`).
fn cleared_cookie(name: &str, public_url: &str) -> HeaderValue {
    set_cookie(name, "", Some(0), secure(public_url))
}

/// The `Set-Cookie` values that delete the cookies of link `token`'s attempt once it has
/// ended (its same-browser cookie and its form's CSRF cookie), so a browser that connects
/// many accounts does not carry every past attempt's cookies for an hour.
pub(crate) fn spent_link_cookies(token: &str, public_url: &str) -> [HeaderValue; 2] {
    [
        cleared_cookie(&binding_cookie_name(token), public_url),
        cleared_cookie(&csrf_cookie_name(token), public_url),
    ]
}

/// The `Set-Cookie` value that deletes the CSRF cookie of the form for `purpose` once the
/// form was submitted and accepted.
pub(crate) fn spent_csrf_cookie(purpose: &str, public_url: &str) -> HeaderValue {
    cleared_cookie(&csrf_cookie_name(purpose), public_url)
}

/// Whether cookies for `public_url` get the `Secure` attribute.
pub(crate) fn secure(public_url: &str) -> bool {
    public_url.starts_with("https://")
}

/// The same-browser cookie of the attempt of link `token` (§21.1: one per attempt, so
/// parallel links do not collide).
fn binding_cookie_name(token: &str) -> String {
    format!("composio_cb_{token}")
}

/// A new same-browser secret for the attempt of link `token`: its `Set-Cookie` header and
/// the SHA-256 hash to store with the attempt.
pub(crate) fn new_binding(token: &str, public_url: &str) -> (HeaderValue, [u8; 32]) {
    let value = crate::ids::random_string(43);
    let cookie = set_cookie(
        &binding_cookie_name(token),
        &value,
        Some(BINDING_MAX_AGE_SECS),
        secure(public_url),
    );
    (cookie, secret_hash(&value))
}

/// Whether the callback request comes from the browser that started the attempt: it sends
/// the attempt's cookie and its hash is the stored one.
pub(crate) fn same_browser(headers: &HeaderMap, token: &str, stored_hash: &[u8]) -> bool {
    match cookie(headers, &binding_cookie_name(token)) {
        Some(v) => hashes_equal(&secret_hash(v), stored_hash),
        None => false,
    }
}

/// The browser's CSRF secret for the form of `purpose` from its cookie, or a new one with
/// the `Set-Cookie` to send.
pub(crate) fn csrf_secret(
    headers: &HeaderMap,
    public_url: &str,
    purpose: &str,
) -> (String, Option<HeaderValue>) {
    let name = csrf_cookie_name(purpose);
    match cookie(headers, &name).filter(|v| v.len() >= 32) {
        Some(v) => (v.to_owned(), None),
        None => {
            let v = crate::ids::random_string(43);
            let c = set_cookie(&name, &v, Some(BINDING_MAX_AGE_SECS), secure(public_url));
            (v, Some(c))
        }
    }
}

/// The CSRF token of a form for `purpose` (the link token, the sandbox `state`): an HMAC,
/// with the server's form key, of the browser's secret and the purpose, so it is valid only
/// from that browser and for that attempt.
pub(crate) fn csrf_token(key: &[u8], browser_secret: &str, purpose: &str) -> String {
    use base64::Engine;
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(browser_secret.as_bytes());
    mac.update(&[0]);
    mac.update(purpose.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Whether a submitted form carries the CSRF token of this browser for `purpose`.
pub(crate) fn csrf_ok(
    key: &[u8],
    headers: &HeaderMap,
    purpose: &str,
    submitted: Option<&str>,
) -> bool {
    match (cookie(headers, &csrf_cookie_name(purpose)), submitted) {
        (Some(secret), Some(token)) if secret.len() >= 32 => {
            let expected = csrf_token(key, secret, purpose);
            hashes_equal(expected.as_bytes(), token.as_bytes())
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_urls_must_be_public_https() {
        assert!(check_verifier_url("https://app.example.com/composio/verify?x=1").is_ok());
        for bad in [
            "http://app.example.com/verify",
            "https://localhost/verify",
            "https://127.0.0.1/verify",
            "https://10.0.0.2/verify",
            "https://[::1]/verify",
            "not a url",
        ] {
            assert!(check_verifier_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn binding_and_csrf_hold_only_for_the_same_browser() {
        let (set, hash) = new_binding("lk_1", "https://h");
        let set = set.to_str().unwrap().to_owned();
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Secure"));
        let pair = set.split(';').next().unwrap().to_owned();
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("a=b; {pair}")).unwrap(),
        );
        assert!(same_browser(&h, "lk_1", &hash));
        assert!(!same_browser(&h, "lk_2", &hash));
        assert!(!same_browser(&HeaderMap::new(), "lk_1", &hash));

        let (secret, set) = csrf_secret(&HeaderMap::new(), "http://127.0.0.1", "lk_1");
        let set = set.unwrap().to_str().unwrap().to_owned();
        assert!(!set.contains("Secure"), "{set}");
        let token = csrf_token(b"k", &secret, "lk_1");
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(set.split(';').next().unwrap()).unwrap(),
        );
        assert!(csrf_ok(b"k", &h, "lk_1", Some(&token)));
        assert!(!csrf_ok(b"k", &h, "lk_2", Some(&token)));
        assert!(!csrf_ok(b"other", &h, "lk_1", Some(&token)));
        assert!(!csrf_ok(b"k", &h, "lk_1", None));
        assert!(!csrf_ok(b"k", &HeaderMap::new(), "lk_1", Some(&token)));
    }
}
