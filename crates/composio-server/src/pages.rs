//! Server-rendered HTML pages of the Connect Link flow: inline CSS (allowed by its hash in
//! the Content-Security-Policy), no script, no external assets except a project's logo,
//! readable on a 390 px phone, every dynamic value HTML-escaped, in the project's colours
//! ([`Brand`]).
//!
//! Terminal pages carry `<meta name="composio-result" content="…">` so tools such as
//! [`crate::sandbox::Browser`] can tell the outcome without scraping prose.
//!
//! [`security_headers`] is the one layer that puts the security headers on every response
//! of the flow (pages, redirects, the sandbox provider); a page tells it what its policy must
//! allow through a [`PagePolicy`] response extension.

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::catalog::{FieldDef, ToolkitDef};
use crate::util::html_escape as esc;

/// The accent colour when a project sets none.
const DEFAULT_ACCENT: &str = "#3b5bdb";

const CSS: &str = "*{box-sizing:border-box}body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;\
background:#f4f5f7;color:#1d1f23;margin:0;padding:16px}main{max-width:440px;margin:6vh auto;background:#fff;\
border-radius:12px;padding:24px;box-shadow:0 2px 12px rgba(0,0,0,.08);overflow-wrap:anywhere;word-break:break-word}\
header{display:flex;align-items:center;gap:10px;margin-bottom:16px;color:#5f6570;font-weight:600}\
header img{width:32px;height:32px;border-radius:6px;object-fit:contain}\
h1{font-size:1.35rem;margin:0 0 12px}p{line-height:1.5}\
.muted{color:#5f6570;font-size:.9rem}.badge{display:inline-block;background:#fff4ce;color:#6b5200;\
border-radius:6px;padding:2px 8px;font-size:.8rem;font-weight:600;margin-bottom:12px}\
ul.scopes{list-style:none;padding:0;margin:0 0 12px;display:flex;flex-wrap:wrap;gap:6px}\
ul.scopes li{background:#f1f3f5;border-radius:6px;padding:2px 8px;font-size:.85rem;max-width:100%}\
button{font-size:1rem;padding:12px 16px;border-radius:8px;border:0;background:var(--accent);color:#fff;width:100%;\
margin-top:8px;cursor:pointer}button.secondary{background:#e9ecef;color:#1d1f23}\
label{display:block;margin:12px 0 4px;font-weight:600}input{width:100%;padding:10px;\
font-size:1rem;border:1px solid #ced4da;border-radius:8px}.ok{color:#2b8a3e}.err{color:#c92a2a}\
details{margin-top:12px}summary{cursor:pointer}";

/// How a project presents itself on its Connect Link pages (white-label), from its
/// [`crate::ProjectConfig`]: validated when the config is loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Brand {
    /// The app's name as users know it (the project's `display_name`, else its name).
    pub name: String,
    /// An `https://` URL of the app's logo.
    pub logo_url: Option<String>,
    /// The accent colour, `#rrggbb`.
    pub accent: Option<String>,
}

impl Brand {
    /// The app name to show: the brand's, or a neutral phrase.
    fn app(&self) -> &str {
        if self.name.is_empty() {
            "The app"
        } else {
            &self.name
        }
    }
}

/// Whether `s` is a colour `#rrggbb`.
pub(crate) fn is_hex_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// Whether `s` is an absolute `https://` URL with a host (a logo a page may load).
pub(crate) fn is_logo_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| u.scheme() == "https" && u.host().is_some())
}

/// Where a page's forms may submit to (CSP `form-action`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FormTargets {
    /// The page has no form: `form-action 'none'`.
    None,
    /// The page's own origin and these origins (where its submission may be redirected:
    /// the provider, the app's callback).
    Origins(Vec<String>),
    /// Not restricted: the redirect chain after submitting ends at an origin the page
    /// cannot know (the sandbox provider's consent ends at the app's callback URL).
    Any,
}

/// What a page needs its Content-Security-Policy to allow; attached to the response by
/// [`page`], read (and removed) by [`security_headers`].
#[derive(Debug, Clone)]
pub(crate) struct PagePolicy {
    /// `'sha256-…'` of the page's one `<style>` element.
    style_hash: String,
    /// The origin of the logo, when the page shows one.
    img_origin: Option<String>,
    forms: FormTargets,
}

/// The Content-Security-Policy of a response: nothing is allowed except the page's own
/// inline style (by hash), its empty `data:` icon, its logo and its form targets; no
/// script, no framing.
pub(crate) fn content_security_policy(policy: Option<&PagePolicy>) -> String {
    let mut csp = String::from("default-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    let Some(p) = policy else {
        csp.push_str("; form-action 'none'");
        return csp;
    };
    csp.push_str(&format!("; style-src {}", p.style_hash));
    // `data:` is the page's declared (empty) icon; without it a browser asks for
    // /favicon.ico, which the policy blocks with a console error.
    csp.push_str("; img-src data:");
    if let Some(origin) = &p.img_origin {
        csp.push(' ');
        csp.push_str(origin);
    }
    match &p.forms {
        FormTargets::None => csp.push_str("; form-action 'none'"),
        FormTargets::Origins(origins) => {
            csp.push_str("; form-action 'self'");
            for o in origins {
                csp.push(' ');
                csp.push_str(o);
            }
        }
        FormTargets::Any => {}
    }
    csp
}

/// The security headers of every response of the Connect Link flow: pages, the redirects
/// that carry codes and results, the sandbox provider. One layer for all of them.
pub(crate) async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let policy = resp.extensions_mut().remove::<PagePolicy>();
    let csp = content_security_policy(policy.as_ref());
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    resp
}

/// The origin (`https://host:port`) of an absolute URL.
pub(crate) fn origin_of(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()
        .map(|u| u.origin())
        .filter(url::Origin::is_tuple)
        .map(|o| o.ascii_serialization())
}

/// A full HTML page; `body` must already be escaped.
fn page(
    status: StatusCode,
    brand: &Brand,
    title: &str,
    result: Option<&str>,
    body: &str,
    forms: FormTargets,
) -> Response {
    let meta = result
        .map(|r| format!("<meta name=\"composio-result\" content=\"{}\">", esc(r)))
        .unwrap_or_default();
    let accent = brand
        .accent
        .as_deref()
        .filter(|a| is_hex_colour(a))
        .unwrap_or(DEFAULT_ACCENT);
    let css = format!(":root{{--accent:{accent}}}{CSS}");
    let style_hash = format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(css.as_bytes()))
    );
    let logo = brand.logo_url.as_deref().filter(|l| is_logo_url(l));
    let header_html = match (logo, brand.name.is_empty()) {
        (None, true) => String::new(),
        (logo, _) => format!(
            "<header>{}<span>{}</span></header>",
            logo.map(|l| format!("<img src=\"{}\" alt=\"\">", esc(l)))
                .unwrap_or_default(),
            esc(&brand.name)
        ),
    };
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">{meta}\
<meta name=\"referrer\" content=\"no-referrer\"><link rel=\"icon\" href=\"data:,\"><title>{}</title><style>{css}</style></head>\
<body><main>{header_html}{body}</main></body></html>",
        esc(title)
    );
    let mut resp = (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response();
    resp.extensions_mut().insert(PagePolicy {
        style_hash,
        img_origin: logo.and_then(origin_of),
        forms,
    });
    resp
}

/// A page with a heading and a paragraph (both plain text), without a project's brand.
pub(crate) fn message(status: StatusCode, result: &str, title: &str, text: &str) -> Response {
    result_page(status, &Brand::default(), result, title, text, None)
}

/// A page with a heading and a paragraph (both plain text) in the project's brand, and
/// optionally the technical detail behind it, folded away.
pub(crate) fn result_page(
    status: StatusCode,
    brand: &Brand,
    result: &str,
    title: &str,
    text: &str,
    detail: Option<&str>,
) -> Response {
    let class = if result == "success" { "ok" } else { "err" };
    let detail = detail
        .filter(|d| !d.is_empty())
        .map(|d| {
            format!(
                "<details class=\"muted\"><summary>Details</summary><p>{}</p></details>",
                esc(d)
            )
        })
        .unwrap_or_default();
    page(
        status,
        brand,
        title,
        Some(result),
        &format!(
            "<h1 class=\"{class}\">{}</h1><p>{}</p>{detail}",
            esc(title),
            esc(text)
        ),
        FormTargets::None,
    )
}

fn sandbox_badge(sandbox: bool) -> &'static str {
    if sandbox {
        "<span class=\"badge\">Sandbox &middot; no real account is used</span>"
    } else {
        ""
    }
}

/// The Connect Link page: which app connects which toolkit for whom, and a Continue button
/// (or the fields of an API-key toolkit). `form_targets` are the origins its submission may
/// be redirected to (the provider, the app's callback); `csrf_token` goes in a hidden field.
pub(crate) fn link_page(
    brand: &Brand,
    tk: &ToolkitDef,
    user_id: &str,
    sandbox: bool,
    action: &str,
    form_targets: Vec<String>,
    csrf_token: &str,
) -> Response {
    let mut body = format!(
        "{}<h1>Connect {}</h1><p><strong>{}</strong> asks you to connect a <strong>{}</strong> account \
for user <strong>{}</strong>.</p><p class=\"muted\">{}</p><form method=\"post\" action=\"{}\">\
<input type=\"hidden\" name=\"csrf_token\" value=\"{}\">",
        sandbox_badge(sandbox),
        esc(&tk.name),
        esc(brand.app()),
        esc(&tk.name),
        esc(user_id),
        esc(&tk.description),
        esc(action),
        esc(csrf_token),
    );
    for f in &tk.fields {
        body.push_str(&field(f));
    }
    body.push_str(
        "<button type=\"submit\" name=\"action\" value=\"continue\">Continue</button></form>",
    );
    if !tk.fields.is_empty() {
        body.push_str(&format!(
            "<p class=\"muted\">What you enter is stored encrypted, used only for {} on your behalf, \
and never shown again.</p>",
            esc(brand.app())
        ));
    } else {
        body.push_str(&format!(
            "<p class=\"muted\">You will be sent to {} to approve access.</p>",
            if sandbox {
                "the sandbox provider".to_owned()
            } else {
                esc(&tk.name)
            }
        ));
    }
    page(
        StatusCode::OK,
        brand,
        &format!("Connect {}", tk.name),
        None,
        &body,
        FormTargets::Origins(form_targets),
    )
}

fn field(f: &FieldDef) -> String {
    let label = f.label.clone().unwrap_or_else(|| f.name.clone());
    let kind = if f.secret { "password" } else { "text" };
    format!(
        "<label for=\"f_{n}\">{}</label><input id=\"f_{n}\" type=\"{kind}\" name=\"{n}\" required autocomplete=\"off\">",
        esc(&label),
        n = esc(&f.name)
    )
}

/// What the sandbox provider's consent page shows: who asks, for which toolkit, for whom.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Consent<'a> {
    /// The app asking (the project's display name).
    pub app: &'a str,
    /// The toolkit being connected (its name).
    pub toolkit: &'a str,
    /// The sandbox user signing in (the app's user id).
    pub login: &'a str,
    /// The requested scopes, space-separated.
    pub scopes: &'a str,
}

/// The sandbox provider's consent page: Approve / Deny posting `fields` back.
pub(crate) fn consent_page(c: Consent<'_>, fields: &[(&str, &str)]) -> Response {
    let hidden: String = fields
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                esc(k),
                esc(v)
            )
        })
        .collect();
    let scopes: String = c
        .scopes
        .split_whitespace()
        .map(|s| format!("<li>{}</li>", esc(s)))
        .collect();
    let scopes = if scopes.is_empty() {
        "<p class=\"muted\">No extra permissions are requested.</p>".to_owned()
    } else {
        format!("<p class=\"muted\">It will be able to:</p><ul class=\"scopes\">{scopes}</ul>")
    };
    let app = if c.app.is_empty() { "An app" } else { c.app };
    let toolkit = if c.toolkit.is_empty() {
        "sandbox"
    } else {
        c.toolkit
    };
    let body = format!(
        "{}<h1>Allow {} to use your {} account?</h1><p><strong>{}</strong> wants to access the sandbox \
{} account of <strong>{}</strong>.</p>{scopes}<form method=\"post\" action=\"/sandbox/oauth/authorize\">{hidden}\
<button type=\"submit\" name=\"decision\" value=\"approve\">Allow</button>\
<button type=\"submit\" name=\"decision\" value=\"deny\" class=\"secondary\">Deny</button></form>",
        sandbox_badge(true),
        esc(app),
        esc(toolkit),
        esc(app),
        esc(toolkit),
        esc(c.login),
    );
    page(
        StatusCode::OK,
        &Brand::default(),
        &format!("Allow {app} to use your {toolkit} account?"),
        None,
        &body,
        FormTargets::Any,
    )
}

#[cfg(test)]
#[path = "pages_tests.rs"]
mod tests;
