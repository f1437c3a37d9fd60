//! `GET /link/{token}` (what is being connected) and `POST /link/{token}` (start OAuth at
//! the provider, or take the fields of an API-key toolkit).

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use composio_core::ConnectionStatus;

use super::{expired_page, finish, internal_page, not_found_page, redirect, security, used_page};
use crate::catalog::{AuthScheme, FieldDef, ToolkitDef};
use crate::oauth::{self, StoredCredentials};
use crate::pages;
use crate::service::connections::{self, AttemptFailure};
use crate::state::SharedState;
use crate::store::{AccountRow, LinkRow};

/// A usable link with its account and toolkit, or the page explaining why not.
async fn usable<'a>(
    state: &'a SharedState,
    token: &str,
) -> Result<(LinkRow, AccountRow, &'a ToolkitDef), Response> {
    let (link, account) = match state.store.get_link_and_account(token).await {
        Ok(Some(found)) => found,
        Ok(None) => return Err(not_found_page()),
        Err(e) => return Err(internal_page(&e)),
    };
    if link.used {
        return Err(used_page());
    }
    let Some(account) = account else {
        return Err(not_found_page());
    };
    if account.status == ConnectionStatus::Expired || state.clock.now_ms() >= link.expires_at {
        connections::expire_overdue(state).await;
        return Err(expired_page());
    }
    if account.status != ConnectionStatus::Initiated {
        return Err(used_page());
    }
    match state.catalog.get(&account.toolkit) {
        Some(tk) => Ok((link, account, tk)),
        None => Err(not_found_page()),
    }
}

pub(super) async fn show(
    State(state): State<SharedState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    match usable(&state, &token).await {
        Ok((link, account, tk)) => {
            let provider = crate::service::auth_configs::account_provider(
                &state,
                &account.project_id,
                &account.auth_config_id,
                tk,
            )
            .await
            .ok()
            .flatten();
            let sandbox = provider.as_ref().is_some_and(|p| p.sandbox);
            let (secret, set_cookie) = security::csrf_secret(&headers, &state.public_url, &token);
            let csrf = security::csrf_token(&state.form_key, &secret, &token);
            let mut page = pages::link_page(
                &state.brand(&link.project_id),
                tk,
                &account.user_id,
                sandbox,
                &format!("/link/{token}"),
                form_targets(provider.as_ref(), &link),
                &csrf,
            );
            if let Some(c) = set_cookie {
                page.headers_mut().append(header::SET_COOKIE, c);
            }
            page
        }
        Err(page) => page,
    }
}

/// The origins the link page's form may end up at after redirects (CSP `form-action`): the
/// provider's authorize page and the app's callback URL (a provider that remembers the
/// consent redirects straight back through `/oauth/callback` to it).
fn form_targets(provider: Option<&oauth::Provider>, link: &LinkRow) -> Vec<String> {
    let provider = provider.and_then(|p| pages::origin_of(&p.authorize_url));
    let callback = link.callback_url.as_deref().and_then(pages::origin_of);
    let mut out: Vec<String> = provider.into_iter().chain(callback).collect();
    out.dedup();
    out
}

pub(super) async fn submit(
    State(state): State<SharedState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (link, account, tk) = match usable(&state, &token).await {
        Ok(x) => x,
        Err(page) => return page,
    };
    let submitted = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == security::CSRF_FIELD)
        .map(|(_, v)| v.into_owned());
    if !security::csrf_ok(&state.form_key, &headers, &token, submitted.as_deref()) {
        return super::forged_form_page();
    }
    match tk.auth_scheme {
        AuthScheme::OAuth2 => start_oauth(&state, &link, &account, tk).await,
        AuthScheme::ApiKey => {
            let creds = match form_fields(&body, &tk.fields) {
                Ok(fields) => StoredCredentials {
                    fields,
                    ..StoredCredentials::default()
                },
                Err(missing) => {
                    let label = missing.label.as_deref().unwrap_or(&missing.name);
                    return pages::message(StatusCode::BAD_REQUEST, "invalid", "Missing value", &format!("Please fill in “{label}” and try again (use the browser's back button)."));
                }
            };
            let outcome = connections::complete(&state, &link, Ok((creds, None))).await;
            let mut resp = finish(&state, &link, outcome).await;
            // The attempt is over: its form's CSRF cookie is of no further use.
            resp.headers_mut().append(
                header::SET_COOKIE,
                security::spent_csrf_cookie(&link.token, &state.public_url),
            );
            resp
        }
        AuthScheme::NoAuth => used_page(),
    }
}

/// The values of an API-key toolkit's `fields` in a form body (`application/x-www-form-urlencoded`,
/// as the link page posts it): each trimmed; the first field that is missing or blank is the
/// error. Other names (the page's `action` button) are ignored.
pub(crate) fn form_fields<'f>(
    body: &[u8],
    fields: &'f [FieldDef],
) -> Result<BTreeMap<String, String>, &'f FieldDef> {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    let mut out = BTreeMap::new();
    for f in fields {
        match form
            .get(&f.name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
        {
            Some(v) => {
                out.insert(f.name.clone(), v.to_owned());
            }
            None => return Err(f),
        }
    }
    Ok(out)
}

async fn start_oauth(
    state: &SharedState,
    link: &LinkRow,
    account: &AccountRow,
    tk: &ToolkitDef,
) -> Response {
    let provider = crate::service::auth_configs::account_provider(
        state,
        &account.project_id,
        &account.auth_config_id,
        tk,
    )
    .await
    .ok()
    .flatten();
    let Some(provider) = provider else {
        let failure =
            AttemptFailure::Failed("No OAuth app is configured for this toolkit".to_owned());
        let outcome = connections::complete(state, link, Err(failure)).await;
        return finish(state, link, outcome).await;
    };
    let state_param = crate::ids::oauth_state();
    let (url, verifier) = match oauth::authorize_url(state, &provider, tk, &state_param, account) {
        Ok(x) => x,
        Err(e) => return internal_page(&e),
    };
    let sealed = match state
        .cipher
        .encrypt(verifier.unwrap_or_default().as_bytes())
    {
        Ok(s) => s,
        Err(e) => return internal_page(&e),
    };
    let binding = state
        .flow_security
        .get(&link.project_id)
        .is_some_and(|s| s.browser_binding)
        .then(|| security::new_binding(&link.token, &state.public_url));
    match state
        .store
        .start_link(
            &link.token,
            &state_param,
            &sealed,
            binding.as_ref().map(|(_, hash)| hash.as_slice()),
        )
        .await
    {
        Ok(true) => {
            let mut resp = redirect(&url);
            if let Some((cookie, _)) = binding {
                resp.headers_mut().append(header::SET_COOKIE, cookie);
            }
            resp
        }
        Ok(false) => used_page(),
        Err(e) => internal_page(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, ToolkitDef};
    use proptest::collection::vec;
    use proptest::prelude::*;

    fn api_key_toolkit(fields: Vec<FieldDef>) -> ToolkitDef {
        ToolkitDef {
            slug: "acme".into(),
            name: "Acme".into(),
            description: String::new(),
            categories: Vec::new(),
            logo: None,
            auth_scheme: AuthScheme::ApiKey,
            authorize_url: None,
            token_url: None,
            userinfo_url: None,
            scopes: Vec::new(),
            pkce: false,
            authorize_params: Default::default(),
            fields,
            credential: None,
            tools: Vec::new(),
            revocation: None,
        }
    }

    /// The body a browser posts for the link page of `fields` filled with `values`: the
    /// inputs in order, then the page's `action` button.
    fn browser_body(fields: &[FieldDef], values: &[String]) -> String {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (f, v) in fields.iter().zip(values) {
            if !f.name.is_empty() {
                form.append_pair(&f.name, v);
            }
        }
        form.append_pair("action", "continue");
        form.finish()
    }

    #[test]
    fn fields_named_like_the_pages_button_are_refused() {
        // Found by `a_browser_posting_the_page_stores_what_the_user_typed`: a field named
        // `action` received the button's value ("continue") instead of what the user typed.
        let field = |name: &str| FieldDef {
            name: name.into(),
            label: None,
            secret: true,
        };
        for bad in [
            vec![field("action")],
            vec![field("")],
            vec![field("key"), field("key")],
        ] {
            let err = Catalog::default()
                .extend(vec![api_key_toolkit(bad)])
                .unwrap_err();
            assert!(err.to_string().contains("field"), "{err}");
        }
        let fields = vec![field("api_key"), field("region")];
        let body = browser_body(&fields, &[" k&=+ ".into(), "eu".into()]);
        let got = form_fields(body.as_bytes(), &fields).unwrap();
        assert_eq!(got["api_key"], "k&=+");
        assert_eq!(got["region"], "eu");
        let missing = form_fields(b"api_key=k&region=%20", &fields).unwrap_err();
        assert_eq!(missing.name, "region");
    }

    fn field_name() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z_]{1,8}",
            Just("action".to_owned()),
            Just(String::new()),
            ".{0,6}"
        ]
    }

    proptest! {
        /// For every toolkit the catalog accepts, what a browser posts from the link page is
        /// what gets stored (trimmed), or the first blank field is named.
        #[test]
        fn a_browser_posting_the_page_stores_what_the_user_typed(
            defs in vec((field_name(), proptest::option::of(".{0,6}")), 1..4),
            values in vec(prop_oneof![".{0,12}", Just("continue".to_owned()), Just("  ".to_owned())], 4),
        ) {
            let fields: Vec<FieldDef> = defs
                .into_iter()
                .map(|(name, label)| FieldDef { name, label, secret: true })
                .collect();
            prop_assume!(Catalog::default().extend(vec![api_key_toolkit(fields.clone())]).is_ok());
            let body = browser_body(&fields, &values);
            match form_fields(body.as_bytes(), &fields) {
                Ok(got) => {
                    prop_assert_eq!(got.len(), fields.len());
                    for (f, v) in fields.iter().zip(&values) {
                        prop_assert_eq!(got.get(&f.name).map(String::as_str), Some(v.trim()));
                    }
                }
                Err(missing) => {
                    let first_blank = fields
                        .iter()
                        .zip(&values)
                        .find(|(_, v)| v.trim().is_empty())
                        .map(|(f, _)| f.name.clone());
                    prop_assert_eq!(Some(missing.name.clone()), first_blank);
                }
            }
        }

        /// Any body: values or the missing field, never a panic, never a blank value.
        #[test]
        fn any_form_body_is_read_without_panicking(body in vec(any::<u8>(), 0..64)) {
            let fields = vec![FieldDef { name: "api_key".into(), label: None, secret: true }];
            if let Ok(got) = form_fields(&body, &fields) {
                prop_assert!(!got["api_key"].is_empty());
                prop_assert_eq!(got["api_key"].trim(), got["api_key"].as_str());
            }
        }
    }
}
