//! OAuth 2.0 client side (the `oauth2` crate): authorize URLs with PKCE (S256) and `state`,
//! code exchange and refresh over HTTP (also for the sandbox, through loopback).

use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RefreshToken, Scope, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};

use crate::catalog::ToolkitDef;
use crate::crypto::Secret;
use crate::sandbox::{SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET};
use crate::state::AppState;

/// The OAuth app used for a toolkit.
#[derive(Debug, Clone)]
pub(crate) struct Provider {
    pub client_id: String,
    pub client_secret: Option<Secret>,
    pub authorize_url: String,
    pub token_url: String,
    pub userinfo_url: Option<String>,
    pub scopes: Vec<String>,
    /// Extra authorize parameters (the toolkit's, then the auth config's).
    pub authorize_params: std::collections::BTreeMap<String, String>,
    pub pkce: bool,
    pub sandbox: bool,
    /// Where tokens are revoked (the sandbox's own endpoint in sandbox mode, for toolkits
    /// whose real provider has one).
    pub revocation: Option<crate::catalog::Revocation>,
}

/// Credentials stored (encrypted) for a connected account.
#[derive(Clone, Default, Serialize, Deserialize)]
pub(crate) struct StoredCredentials {
    #[serde(default)]
    pub access_token: Option<String>,
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Access token expiry (epoch ms).
    #[serde(default)]
    pub expires_at: Option<i64>,
    #[serde(default)]
    pub token_type: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    /// Fields of API-key toolkits.
    #[serde(default)]
    pub fields: std::collections::BTreeMap<String, String>,
    /// Consecutive failed refreshes.
    #[serde(default)]
    pub refresh_failures: u32,
}

impl std::fmt::Debug for StoredCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoredCredentials(<redacted>)")
    }
}

/// An OAuth client (id and secret) of an auth config.
#[derive(Debug, Clone)]
pub(crate) struct OAuthClient {
    pub client_id: String,
    pub client_secret: Option<Secret>,
}

/// The provider of an auth config of a toolkit: its own `client` at the toolkit's provider,
/// else the sandbox when on, else `None`. `scopes` (when not empty) replace the toolkit's and
/// `params` are added to the toolkit's authorize parameters.
pub(crate) fn provider_with(
    state: &AppState,
    tk: &ToolkitDef,
    client: Option<OAuthClient>,
    scopes: &[String],
    params: &std::collections::BTreeMap<String, String>,
) -> Option<Provider> {
    let scopes = if scopes.is_empty() {
        tk.scopes.clone()
    } else {
        scopes.to_vec()
    };
    let mut authorize_params = tk.authorize_params.clone();
    authorize_params.extend(params.iter().map(|(k, v)| (k.clone(), v.clone())));
    if let Some(app) = client {
        return Some(Provider {
            client_id: app.client_id,
            client_secret: app.client_secret,
            authorize_url: tk.authorize_url.clone()?,
            token_url: tk.token_url.clone()?,
            userinfo_url: tk.userinfo_url.clone(),
            scopes,
            authorize_params,
            pkce: tk.pkce,
            sandbox: false,
            revocation: tk.revocation.clone(),
        });
    }
    if !state.config.sandbox {
        return None;
    }
    Some(Provider {
        client_id: SANDBOX_CLIENT_ID.to_owned(),
        client_secret: Some(Secret::new(SANDBOX_CLIENT_SECRET)),
        authorize_url: format!("{}/sandbox/oauth/authorize", state.public_url),
        token_url: format!("{}/sandbox/oauth/token", state.public_url),
        userinfo_url: Some(format!("{}/sandbox/userinfo", state.public_url)),
        scopes,
        authorize_params,
        pkce: true,
        sandbox: true,
        revocation: tk.revocation.as_ref().map(|_| crate::catalog::Revocation {
            url: format!("{}/sandbox/oauth/revoke", state.public_url),
            style: crate::catalog::RevocationStyle::Rfc7009,
        }),
    })
}

/// The redirect URI registered with providers.
pub(crate) fn redirect_uri(state: &AppState) -> String {
    format!("{}/oauth/callback", state.public_url)
}

macro_rules! client {
    ($state:expr, $p:expr) => {{
        let mut c = BasicClient::new(ClientId::new($p.client_id.clone()))
            .set_auth_uri(AuthUrl::new($p.authorize_url.clone()).map_err(|e| e.to_string())?)
            .set_token_uri(TokenUrl::new($p.token_url.clone()).map_err(|e| e.to_string())?)
            .set_redirect_uri(RedirectUrl::new(redirect_uri($state)).map_err(|e| e.to_string())?);
        if let Some(s) = &$p.client_secret {
            c = c.set_client_secret(ClientSecret::new(s.expose().to_owned()));
        }
        c
    }};
}

/// An authorize URL for `state_param`, and the PKCE verifier to keep (when PKCE is used).
pub(crate) fn authorize_url(
    state: &AppState,
    p: &Provider,
    tk: &ToolkitDef,
    state_param: &str,
    account: &crate::store::AccountRow,
) -> Result<(String, Option<String>), String> {
    let client = client!(state, p);
    let mut req = client
        .authorize_url(|| CsrfToken::new(state_param.to_owned()))
        .add_scopes(p.scopes.iter().cloned().map(Scope::new));
    for (k, v) in &p.authorize_params {
        req = req.add_extra_param(k.clone(), v.clone());
    }
    if p.sandbox {
        // The sandbox's consent page names the user, the app and the toolkit (a real
        // provider knows its client's name; the sandbox serves every project).
        req = req
            .add_extra_param("login_hint", account.user_id.clone())
            .add_extra_param("client_name", state.brand(&account.project_id).name)
            .add_extra_param("toolkit_name", tk.name.clone());
    }
    let mut verifier = None;
    if p.pkce {
        let (challenge, v) = PkceCodeChallenge::new_random_sha256();
        req = req.set_pkce_challenge(challenge);
        verifier = Some(v.secret().clone());
    }
    let (url, _) = req.url();
    Ok((url.to_string(), verifier))
}

fn credentials_from(
    tr: &oauth2::basic::BasicTokenResponse,
    previous_refresh: Option<String>,
    now_ms: i64,
) -> StoredCredentials {
    StoredCredentials {
        access_token: Some(tr.access_token().secret().clone()),
        refresh_token: tr
            .refresh_token()
            .map(|r| r.secret().clone())
            .or(previous_refresh),
        expires_at: tr.expires_in().map(|d| crate::clock::after(now_ms, d)),
        token_type: Some(format!("{:?}", tr.token_type()).to_lowercase()),
        scope: tr
            .scopes()
            .map(|s| s.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")),
        fields: Default::default(),
        refresh_failures: 0,
    }
}

fn describe<E: std::error::Error>(
    e: &oauth2::RequestTokenError<E, oauth2::basic::BasicErrorResponse>,
) -> String {
    match e {
        oauth2::RequestTokenError::ServerResponse(r) => match r.error_description() {
            Some(d) => format!("{}: {d}", r.error()),
            None => r.error().to_string(),
        },
        oauth2::RequestTokenError::Request(e) => format!("token request failed: {e}"),
        oauth2::RequestTokenError::Parse(_, _) => "token response could not be parsed".to_owned(),
        oauth2::RequestTokenError::Other(s) => s.clone(),
    }
}

/// Exchanges an authorization code.
pub(crate) async fn exchange_code(
    state: &AppState,
    p: &Provider,
    code: &str,
    verifier: Option<String>,
) -> Result<StoredCredentials, String> {
    let client = client!(state, p);
    let mut req = client.exchange_code(AuthorizationCode::new(code.to_owned()));
    if let Some(v) = verifier {
        req = req.set_pkce_verifier(PkceCodeVerifier::new(v));
    }
    let tr = req
        .request_async(&state.http)
        .await
        .map_err(|e| describe(&e))?;
    Ok(credentials_from(&tr, None, state.clock.now_ms()))
}

/// Uses a refresh token.
pub(crate) async fn refresh(
    state: &AppState,
    p: &Provider,
    refresh_token: &str,
) -> Result<StoredCredentials, String> {
    let client = client!(state, p);
    let token = RefreshToken::new(refresh_token.to_owned());
    let tr = client
        .exchange_refresh_token(&token)
        .request_async(&state.http)
        .await
        .map_err(|e| describe(&e))?;
    Ok(credentials_from(
        &tr,
        Some(refresh_token.to_owned()),
        state.clock.now_ms(),
    ))
}

/// Reads non-secret identity (email, name) from the provider's userinfo endpoint.
pub(crate) async fn user_info(
    state: &AppState,
    p: &Provider,
    access_token: &str,
) -> Option<serde_json::Value> {
    let url = p.userinfo_url.as_ref()?;
    let resp = state
        .http
        .get(url)
        .bearer_auth(access_token)
        .send()
        .await
        .ok()?;
    if !resp.status().is_success() {
        return None;
    }
    let v: serde_json::Value = resp.json().await.ok()?;
    let pick = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
    Some(serde_json::json!({
        "email": pick("email"),
        "name": pick("name").or_else(|| pick("login")),
    }))
}
