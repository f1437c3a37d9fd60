//! Server-rendered HTML pages: inline CSS, no external assets, readable on a phone, every
//! dynamic value HTML-escaped.
//!
//! Terminal pages carry `<meta name="composio-result" content="…">` so tools such as
//! [`crate::sandbox::Browser`] can tell the outcome without scraping prose.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::catalog::{FieldDef, ToolkitDef};
use crate::util::html_escape as esc;

const CSS: &str = "body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f4f5f7;\
color:#1d1f23;margin:0;padding:16px}main{max-width:440px;margin:8vh auto;background:#fff;border-radius:12px;\
padding:24px;box-shadow:0 2px 12px rgba(0,0,0,.08)}h1{font-size:1.35rem;margin:0 0 12px}p{line-height:1.5}\
.muted{color:#5f6570;font-size:.9rem}.badge{display:inline-block;background:#fff4ce;color:#6b5200;\
border-radius:6px;padding:2px 8px;font-size:.8rem;font-weight:600;margin-bottom:12px}\
button{font-size:1rem;padding:12px 16px;border-radius:8px;border:0;background:#3b5bdb;color:#fff;width:100%;\
margin-top:8px;cursor:pointer}button.secondary{background:#e9ecef;color:#1d1f23}\
label{display:block;margin:12px 0 4px;font-weight:600}input{width:100%;box-sizing:border-box;padding:10px;\
font-size:1rem;border:1px solid #ced4da;border-radius:8px}.ok{color:#2b8a3e}.err{color:#c92a2a}";

/// A full HTML page; `body` must already be escaped.
pub(crate) fn page(status: StatusCode, title: &str, result: Option<&str>, body: &str) -> Response {
    let meta = result
        .map(|r| format!("<meta name=\"composio-result\" content=\"{}\">", esc(r)))
        .unwrap_or_default();
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">{meta}\
<meta name=\"referrer\" content=\"no-referrer\"><title>{}</title><style>{CSS}</style></head>\
<body><main>{body}</main></body></html>",
        esc(title)
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
        ],
        html,
    )
        .into_response()
}

/// A page with a heading and a paragraph (both plain text).
pub(crate) fn message(status: StatusCode, result: &str, title: &str, text: &str) -> Response {
    let class = if result == "success" { "ok" } else { "err" };
    page(
        status,
        title,
        Some(result),
        &format!(
            "<h1 class=\"{class}\">{}</h1><p>{}</p>",
            esc(title),
            esc(text)
        ),
    )
}

fn sandbox_badge(sandbox: bool) -> &'static str {
    if sandbox {
        "<span class=\"badge\">Sandbox &middot; no real account is used</span>"
    } else {
        ""
    }
}

/// The Connect Link page: what is connected for whom, and a Continue button (or fields).
pub(crate) fn link_page(
    tk: &ToolkitDef,
    user_id: &str,
    sandbox: bool,
    action: &str,
    csrf_token: &str,
) -> Response {
    let mut body = format!(
        "{}<h1>Connect {}</h1><p>This link connects <strong>{}</strong> for user <strong>{}</strong>.</p>\
<p class=\"muted\">{}</p><form method=\"post\" action=\"{}\">\
<input type=\"hidden\" name=\"csrf_token\" value=\"{}\">",
        sandbox_badge(sandbox),
        esc(&tk.name),
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
        body.push_str(
            "<p class=\"muted\">The values are stored encrypted and never shown again.</p>",
        );
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
    page(StatusCode::OK, &format!("Connect {}", tk.name), None, &body)
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

/// The sandbox provider's consent page: Approve / Deny posting `fields` back.
pub(crate) fn consent_page(
    app: &str,
    login: &str,
    scopes: &str,
    fields: &[(&str, &str)],
) -> Response {
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
    let body = format!(
        "{}<h1>Authorize access</h1><p><strong>{}</strong> wants to access the sandbox account of \
<strong>{}</strong>.</p><p class=\"muted\">Scopes: {}</p><form method=\"post\" action=\"/sandbox/oauth/authorize\">{hidden}\
<button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>\
<button type=\"submit\" name=\"decision\" value=\"deny\" class=\"secondary\">Deny</button></form>",
        sandbox_badge(true),
        esc(app),
        esc(login),
        esc(if scopes.is_empty() { "(none)" } else { scopes }),
    );
    page(StatusCode::OK, "Sandbox authorization", None, &body)
}
