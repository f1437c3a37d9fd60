//! The cookie jar of [`super::Browser`]: reqwest's default jar (`cookie_store`), except that
//! a cookie the server deletes (`Max-Age=0`) leaves the jar.
//!
//! `cookie_store` keeps a deleted cookie as an expired entry and checks every entry's expiry
//! on every request, so a browser that follows thousands of Connect Links (each attempt
//! sets and later deletes its own cookies) spent more and more time per request: in the
//! `waits` benchmark, 6,000 flows per browser made the load driver the bottleneck.

use std::sync::{Mutex, MutexGuard, PoisonError};

use cookie_store::CookieStore;
use reqwest::header::HeaderValue;
use url::Url;

/// A cookie jar that drops expired cookies whenever a response sets cookies.
#[derive(Debug, Default)]
pub(crate) struct Jar(Mutex<CookieStore>);

impl Jar {
    fn store(&self) -> MutexGuard<'_, CookieStore> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Cookies held, expired ones included.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.store().iter_any().count()
    }
}

impl reqwest::cookie::CookieStore for Jar {
    fn set_cookies(&self, headers: &mut dyn Iterator<Item = &HeaderValue>, url: &Url) {
        let cookies = headers
            .filter_map(|v| v.to_str().ok())
            .filter_map(|s| cookie::Cookie::parse(s.to_owned()).ok());
        let mut store = self.store();
        store.store_response_cookies(cookies, url);
        // The jar holds a few live cookies, so looking at all of them here is cheap.
        let expired: Vec<(String, String, String)> = store
            .iter_any()
            .filter(|c| c.is_expired())
            .map(|c| {
                (
                    String::from(&c.domain),
                    String::from(&c.path),
                    c.name().to_owned(),
                )
            })
            .collect();
        for (domain, path, name) in expired {
            store.remove(&domain, &path, &name);
        }
    }

    fn cookies(&self, url: &Url) -> Option<HeaderValue> {
        let value = self
            .store()
            .get_request_values(url)
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ");
        if value.is_empty() {
            return None;
        }
        HeaderValue::from_str(&value).ok()
    }
}

#[cfg(test)]
mod tests {
    use reqwest::cookie::CookieStore as _;

    use super::*;

    fn set(jar: &Jar, url: &Url, header: &str) {
        let v = HeaderValue::from_str(header).unwrap();
        jar.set_cookies(&mut std::iter::once(&v), url);
    }

    #[test]
    fn a_deleted_cookie_leaves_the_jar() {
        let jar = Jar::default();
        let url = Url::parse("http://127.0.0.1:8080/link/lnk_1").unwrap();
        for i in 0..1_000 {
            set(&jar, &url, &format!("csrf_{i}=v{i}; Path=/; HttpOnly"));
            set(&jar, &url, "keep=1; Path=/");
            set(&jar, &url, &format!("csrf_{i}=; Path=/; Max-Age=0"));
        }
        assert_eq!(jar.len(), 1, "only the cookie never deleted is held");
        let sent = jar.cookies(&url).unwrap();
        assert_eq!(sent.to_str().unwrap(), "keep=1");
        set(
            &jar,
            &url,
            "keep=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
        );
        assert_eq!(jar.len(), 0);
        assert!(jar.cookies(&url).is_none());
    }

    #[test]
    fn cookies_go_back_to_their_host_and_path_only() {
        let jar = Jar::default();
        let a = Url::parse("http://127.0.0.1:8080/sandbox/oauth/authorize").unwrap();
        set(&jar, &a, "s=1; Path=/sandbox");
        set(&jar, &a, "all=2; Path=/");
        let other_path = Url::parse("http://127.0.0.1:8080/link/x").unwrap();
        assert_eq!(jar.cookies(&other_path).unwrap().to_str().unwrap(), "all=2");
        let other_host = Url::parse("http://localhost:8080/sandbox/oauth/authorize").unwrap();
        assert!(jar.cookies(&other_host).is_none());
        let both = jar.cookies(&a).unwrap();
        let mut got: Vec<_> = both.to_str().unwrap().split("; ").collect();
        got.sort();
        assert_eq!(got, ["all=2", "s=1"]);
    }
}
