//! [`Browser`]: follows a Connect Link the way a user's browser would.

use std::collections::HashMap;

use reqwest::header::{CONTENT_TYPE, LOCATION};
use url::Url;

/// Errors of [`Browser`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BrowserError {
    /// A request failed.
    #[error("HTTP error: {0}")]
    Http(#[from] reqwest::Error),
    /// A URL was invalid.
    #[error("invalid URL `{0}`")]
    Url(String),
    /// The flow stopped on a page that is not a successful or failed result, e.g. a link
    /// that was already used (`result = "used"`) or expired (`"expired"`).
    #[error("stopped on page `{title}` ({status}, result {result:?}) at {url}")]
    Page {
        /// HTTP status of the page.
        status: u16,
        /// The page's `composio-result` marker, when it has one.
        result: Option<String>,
        /// The page title.
        title: String,
        /// The page URL.
        url: String,
    },
    /// A form needs a value that was not given.
    #[error("the form needs a value for `{0}`")]
    MissingField(String),
    /// Too many redirects or pages.
    #[error("too many steps")]
    TooManySteps,
}

/// What to press on consent pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Choice {
    Approve,
    Deny,
}

/// A scripted browser for Connect Links (its own cookie jar, redirects followed by hand).
///
/// It opens the link, submits each page's form (pressing *Approve* or *Deny* on consent
/// pages, filling fields you give it on API-key pages) and follows redirects to the server's
/// own flow pages (`/link/…`, `/oauth/…`, `/sandbox/…` on the link's origin). It stops at the
/// first redirect anywhere else (the app's callback URL, or a real provider), which it
/// returns **without fetching it**, or at a result page of the server (no callback URL),
/// whose URL it returns. Pages it cannot continue from (an already-used or expired link)
/// give [`BrowserError::Page`] with the page's `result` marker (`"used"`, `"expired"`, …).
///
/// ```no_run
/// # async fn demo(redirect_url: &str) -> Result<(), composio_server::sandbox::BrowserError> {
/// let callback = composio_server::sandbox::Browser::new()?.approve(redirect_url).await?;
/// let result = composio_core::CallbackResult::parse(&callback).expect("a callback URL");
/// assert!(result.is_success());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Browser {
    client: reqwest::Client,
    max_steps: usize,
}

/// One parsed HTML form.
#[derive(Debug, Default)]
struct Form {
    method: String,
    action: String,
    /// `(name, value, type)`
    inputs: Vec<(String, String, String)>,
    /// `(name, value)` of submit buttons.
    buttons: Vec<(String, String)>,
}

impl Browser {
    /// A browser with its own cookie jar.
    pub fn new() -> Result<Self, BrowserError> {
        let client = reqwest::Client::builder()
            .cookie_provider(std::sync::Arc::new(super::jar::Jar::default()))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("composio-server-browser/1")
            .build()?;
        Ok(Self {
            client,
            max_steps: 20,
        })
    }

    /// Completes the flow approving access; returns the final (callback) URL.
    pub async fn approve(&self, redirect_url: &str) -> Result<String, BrowserError> {
        self.run(redirect_url, Choice::Approve, &HashMap::new())
            .await
    }

    /// Completes the flow denying access; returns the final (callback) URL.
    pub async fn deny(&self, redirect_url: &str) -> Result<String, BrowserError> {
        self.run(redirect_url, Choice::Deny, &HashMap::new()).await
    }

    /// Completes the flow of an API-key toolkit, typing `fields` (e.g. `[("api_key", "…")]`).
    pub async fn submit_fields(
        &self,
        redirect_url: &str,
        fields: &[(&str, &str)],
    ) -> Result<String, BrowserError> {
        let map = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.run(redirect_url, Choice::Approve, &map).await
    }

    async fn run(
        &self,
        start: &str,
        choice: Choice,
        fields: &HashMap<String, String>,
    ) -> Result<String, BrowserError> {
        let start_url = Url::parse(start).map_err(|_| BrowserError::Url(start.to_owned()))?;
        let origin = start_url.origin();
        let mut url = start_url;
        let mut req = self.client.get(url.clone());
        for _ in 0..self.max_steps {
            let resp = req.send().await?;
            let status = resp.status();
            if status.is_redirection() {
                let loc = resp
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| BrowserError::Url("redirect without Location".into()))?;
                let next = url
                    .join(loc)
                    .map_err(|_| BrowserError::Url(loc.to_owned()))?;
                if next.origin() != origin || !is_flow_path(next.path()) {
                    return Ok(next.to_string());
                }
                url = next;
                req = self.client.get(url.clone());
                continue;
            }
            let html = resp.text().await?;
            let result = meta_content(&html, "composio-result");
            if matches!(result.as_deref(), Some("success" | "failed" | "denied")) {
                return Ok(url.to_string());
            }
            let stuck = || BrowserError::Page {
                status: status.as_u16(),
                result: result.clone(),
                title: title(&html),
                url: url.to_string(),
            };
            if result.is_some() {
                return Err(stuck());
            }
            let Some(form) = parse_forms(&html).into_iter().next() else {
                return Err(stuck());
            };
            let mut pairs: Vec<(String, String)> = Vec::new();
            for (name, value, kind) in &form.inputs {
                if kind == "hidden" || kind == "submit" {
                    pairs.push((name.clone(), value.clone()));
                } else if let Some(v) = fields.get(name) {
                    pairs.push((name.clone(), v.clone()));
                } else if value.is_empty() {
                    return Err(BrowserError::MissingField(name.clone()));
                } else {
                    pairs.push((name.clone(), value.clone()));
                }
            }
            let wanted = match choice {
                Choice::Approve => "approve",
                Choice::Deny => "deny",
            };
            let button = form
                .buttons
                .iter()
                .find(|(n, v)| n == "decision" && v == wanted)
                .or_else(|| form.buttons.iter().find(|(n, _)| n != "decision"))
                .or_else(|| form.buttons.first());
            if let Some((n, v)) = button {
                if !n.is_empty() {
                    pairs.push((n.clone(), v.clone()));
                }
            }
            let action = if form.action.is_empty() {
                url.to_string()
            } else {
                form.action.clone()
            };
            let target = url
                .join(&action)
                .map_err(|_| BrowserError::Url(action.clone()))?;
            let encoded = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs.iter())
                .finish();
            if form.method.eq_ignore_ascii_case("post") {
                req = self
                    .client
                    .post(target.clone())
                    .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(encoded);
            } else {
                let mut t = target.clone();
                t.set_query(Some(&encoded));
                req = self.client.get(t);
            }
            url = target;
        }
        Err(BrowserError::TooManySteps)
    }
}

/// Paths of the server's own flow pages (followed); anything else is the app's callback.
fn is_flow_path(path: &str) -> bool {
    ["/link/", "/oauth/", "/sandbox/"]
        .iter()
        .any(|p| path.starts_with(p))
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Attributes of a tag body (`name="x" value='y' disabled`).
fn attributes(tag: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let chars: Vec<char> = tag.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && (chars[i].is_whitespace() || chars[i] == '/') {
            i += 1;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '=' && chars[i] != '/' {
            i += 1;
        }
        let name: String = chars[start..i]
            .iter()
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() {
            i += 1;
            continue;
        }
        let mut value = String::new();
        if i < chars.len() && chars[i] == '=' {
            i += 1;
            if i < chars.len() && (chars[i] == '"' || chars[i] == '\'') {
                let q = chars[i];
                i += 1;
                let vs = i;
                while i < chars.len() && chars[i] != q {
                    i += 1;
                }
                value = chars[vs..i.min(chars.len())].iter().collect();
                i += 1;
            } else {
                let vs = i;
                while i < chars.len() && !chars[i].is_whitespace() {
                    i += 1;
                }
                value = chars[vs..i].iter().collect();
            }
        }
        out.insert(name, unescape(&value));
    }
    out
}

/// `(tag name, attributes)` of every start tag, in order.
fn tags(html: &str) -> Vec<(String, HashMap<String, String>)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let Some(end) = rest.find('>') else { break };
        let inner = &rest[..end];
        rest = &rest[end + 1..];
        let name_end = inner
            .find(|c: char| c.is_whitespace())
            .unwrap_or(inner.len());
        let name = inner[..name_end].trim_end_matches('/').to_ascii_lowercase();
        out.push((name, attributes(&inner[name_end..])));
    }
    out
}

fn parse_forms(html: &str) -> Vec<Form> {
    let mut forms = Vec::new();
    let mut current: Option<Form> = None;
    for (name, attrs) in tags(html) {
        let get = |k: &str| attrs.get(k).cloned().unwrap_or_default();
        match name.as_str() {
            "form" => {
                current = Some(Form {
                    method: if get("method").is_empty() {
                        "get".into()
                    } else {
                        get("method")
                    },
                    action: get("action"),
                    ..Form::default()
                });
            }
            "/form" => {
                if let Some(f) = current.take() {
                    forms.push(f);
                }
            }
            "input" => {
                if let Some(f) = current.as_mut() {
                    let kind = if get("type").is_empty() {
                        "text".into()
                    } else {
                        get("type").to_ascii_lowercase()
                    };
                    if !get("name").is_empty() {
                        f.inputs.push((get("name"), get("value"), kind));
                    }
                }
            }
            "button" => {
                if let Some(f) = current.as_mut() {
                    let kind = get("type").to_ascii_lowercase();
                    if kind.is_empty() || kind == "submit" {
                        f.buttons.push((get("name"), get("value")));
                    }
                }
            }
            _ => {}
        }
    }
    forms.extend(current);
    forms
}

fn meta_content(html: &str, meta_name: &str) -> Option<String> {
    tags(html)
        .into_iter()
        .find(|(n, a)| n == "meta" && a.get("name").map(String::as_str) == Some(meta_name))
        .and_then(|(_, a)| a.get("content").cloned())
}

fn title(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    match (lower.find("<title>"), lower.find("</title>")) {
        (Some(s), Some(e)) if e > s + 7 => unescape(&html[s + 7..e]),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms_buttons_and_meta() {
        let html = r#"<html><head><meta name="composio-result" content="used"><title>A &amp; B</title></head>
<form method="post" action="/x?a=1&amp;b=2"><input type="hidden" name="state" value="s&quot;1">
<input name=api_key type=password required><button type="submit" name="decision" value="approve">Approve</button>
<button name='decision' value='deny' class="secondary">Deny</button></form>"#;
        let forms = parse_forms(html);
        assert_eq!(forms.len(), 1);
        assert_eq!(forms[0].method, "post");
        assert_eq!(forms[0].action, "/x?a=1&b=2");
        assert_eq!(
            forms[0].inputs[0],
            ("state".into(), "s\"1".into(), "hidden".into())
        );
        assert_eq!(forms[0].inputs[1].2, "password");
        assert_eq!(forms[0].buttons.len(), 2);
        assert_eq!(
            meta_content(html, "composio-result").as_deref(),
            Some("used")
        );
        assert_eq!(title(html), "A & B");
    }
}
