//! Auth configs (docs/spec/auth-configs.md §24): which OAuth app (or API-key settings) the
//! connected accounts of a toolkit are created with. `GET/POST {P}/auth_configs`,
//! `GET/PATCH/DELETE {P}/auth_configs/{id}`, `PATCH {P}/auth_configs/{id}/{ENABLED|DISABLED}`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Extra;

macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(from = "String", into = "String")]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vm])* $v,)*
            /// A value this version does not know, kept as sent.
            Unknown(String),
        }

        impl $name {
            /// The wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$v => $s,)*
                    Self::Unknown(s) => s,
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match s.as_str() {
                    $($s => Self::$v,)*
                    _ => Self::Unknown(s),
                }
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.as_str().to_owned()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// Who provides an auth config's app: `default` (the server's) or `custom` (yours).
    AuthConfigType { /// The server's app (`use_composio_managed_auth`).
        Default = "default", /// Your own app (`use_custom_auth`).
        Custom = "custom" }
}

wire_enum! {
    /// `ENABLED` or `DISABLED`: a disabled auth config creates no new connections.
    AuthConfigStatus { /// New connections may use it.
        Enabled = "ENABLED", /// New connections are refused.
        Disabled = "DISABLED" }
}

/// The toolkit of an auth config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuthConfigToolkit {
    /// Toolkit slug.
    pub slug: String,
    /// Logo URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
}

/// An auth config (`GET {P}/auth_configs/{id}` and the items of the list). Secrets are
/// never returned: `credentials` holds the client id and scopes, the secret masked.
///
/// ```
/// use composio_core::models::{AuthConfig, AuthConfigStatus, AuthConfigType};
/// let a: AuthConfig = serde_json::from_str(r#"{"id":"ac_1","uuid":"ac_1","type":"custom",
///   "name":"GitHub","toolkit":{"slug":"github"},"auth_scheme":"OAUTH2",
///   "is_composio_managed":false,"status":"ENABLED","no_of_connections":2,
///   "credentials":{"client_id":"Iv1.x","client_secret":"********"},
///   "redirect_uri":"https://auth.example.com/oauth/callback"}"#).unwrap();
/// assert_eq!(a.kind, AuthConfigType::Custom);
/// assert_eq!(a.status, AuthConfigStatus::Enabled);
/// assert_eq!(a.no_of_connections, 2);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuthConfig {
    /// `ac_…`
    pub id: String,
    /// The same id (kept for the official clients).
    #[serde(default)]
    pub uuid: String,
    /// `default` or `custom`.
    #[serde(rename = "type")]
    pub kind: AuthConfigType,
    /// Display name.
    pub name: String,
    /// Its toolkit.
    pub toolkit: AuthConfigToolkit,
    /// `OAUTH2`, `API_KEY`, …
    #[serde(default)]
    pub auth_scheme: Option<String>,
    /// Whether the server's app is used.
    #[serde(default)]
    pub is_composio_managed: Option<bool>,
    /// Client id and scopes (secrets masked).
    #[serde(default)]
    pub credentials: Option<Map<String, Value>>,
    /// `ENABLED` or `DISABLED`.
    pub status: AuthConfigStatus,
    /// How many `ACTIVE` accounts use it.
    #[serde(default)]
    pub no_of_connections: u64,
    /// Creation time (ISO 8601).
    #[serde(default)]
    pub created_at: Option<String>,
    /// Last update (ISO 8601).
    #[serde(default)]
    pub last_updated_at: Option<String>,
    /// The OAuth redirect URI to register with the provider (composio-server extension:
    /// `<public-url>/oauth/callback`, one per deployment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// What a new auth config is (`auth_config` of `POST {P}/auth_configs`).
///
/// ```
/// use composio_core::models::AuthConfigOptions;
/// let o = AuthConfigOptions::custom("OAUTH2")
///     .name("My GitHub app")
///     .client("Iv1.abc", "s3cret")
///     .scopes(["repo", "read:user"])
///     .authorize_param("prompt", "consent");
/// let v = serde_json::to_value(&o).unwrap();
/// assert_eq!(v["type"], "use_custom_auth");
/// assert_eq!(v["authScheme"], "OAUTH2");
/// assert_eq!(v["credentials"]["client_id"], "Iv1.abc");
/// assert_eq!(v["credentials"]["scopes"][1], "read:user");
/// assert_eq!(v["credentials"]["authorize_params"]["prompt"], "consent");
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuthConfigOptions {
    /// `use_composio_managed_auth` or `use_custom_auth`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Required for `use_custom_auth`: `OAUTH2`, `API_KEY`, … (`authScheme` on the wire, as
    /// the official clients send it; `auth_scheme` is accepted too).
    #[serde(
        default,
        rename = "authScheme",
        alias = "auth_scheme",
        skip_serializing_if = "Option::is_none"
    )]
    pub auth_scheme: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `client_id`, `client_secret`, `scopes`, extra authorize parameters.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub credentials: Map<String, Value>,
}

impl std::fmt::Debug for AuthConfigOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfigOptions")
            .field("kind", &self.kind)
            .field("auth_scheme", &self.auth_scheme)
            .field("name", &self.name)
            .field("credentials", &"<redacted>")
            .finish()
    }
}

impl AuthConfigOptions {
    /// The server's app (`use_composio_managed_auth`).
    pub fn managed() -> Self {
        Self {
            kind: "use_composio_managed_auth".into(),
            auth_scheme: None,
            name: None,
            credentials: Map::new(),
        }
    }

    /// Your own app (`use_custom_auth`) with an auth scheme (`OAUTH2`, `API_KEY`, …).
    pub fn custom(auth_scheme: impl Into<String>) -> Self {
        Self {
            kind: "use_custom_auth".into(),
            auth_scheme: Some(auth_scheme.into()),
            name: None,
            credentials: Map::new(),
        }
    }

    /// Sets the display name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the OAuth client id and secret.
    pub fn client(self, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        self.credential("client_id", client_id.into())
            .credential("client_secret", client_secret.into())
    }

    /// Sets the scopes requested.
    pub fn scopes<I, S>(self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let scopes: Vec<Value> = scopes
            .into_iter()
            .map(|s| Value::String(s.into()))
            .collect();
        self.credential("scopes", Value::Array(scopes))
    }

    /// Adds an extra authorize parameter (`prompt=select_account`, `access_type=offline`;
    /// `credentials.authorize_params`, a composio-server extension).
    pub fn authorize_param(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let entry = self
            .credentials
            .entry("authorize_params")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = entry {
            m.insert(key.into(), Value::String(value.into()));
        }
        self
    }

    /// Sets one credential field.
    pub fn credential(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.credentials.insert(key.into(), value.into());
        self
    }
}

/// The body of `POST {P}/auth_configs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreateAuthConfigRequest {
    /// `{"slug": …}`
    pub toolkit: AuthConfigToolkit,
    /// What to create (the server's app when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_config: Option<AuthConfigOptions>,
}

impl CreateAuthConfigRequest {
    /// A request for `toolkit`.
    pub fn new(toolkit: impl Into<String>, options: AuthConfigOptions) -> Self {
        Self {
            toolkit: AuthConfigToolkit {
                slug: toolkit.into(),
                logo: None,
            },
            auth_config: Some(options),
        }
    }
}

/// The created auth config, in short (`auth_config` of the create response).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreatedAuthConfig {
    /// `ac_…`
    pub id: String,
    /// Its auth scheme.
    pub auth_scheme: String,
    /// Whether the server's app is used.
    pub is_composio_managed: bool,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The response of `POST {P}/auth_configs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreateAuthConfigResponse {
    /// The new config.
    pub auth_config: CreatedAuthConfig,
    /// Its toolkit.
    pub toolkit: AuthConfigToolkit,
}

/// A change of an auth config (`PATCH {P}/auth_configs/{id}`): `type` is `custom` (name,
/// credentials) or `default` (name, scopes), as the official clients send.
///
/// ```
/// use composio_core::models::AuthConfigUpdate;
/// let u = AuthConfigUpdate::custom().name("Renamed").credential("client_secret", "new");
/// let v = serde_json::to_value(&u).unwrap();
/// assert_eq!(v, serde_json::json!({"type": "custom", "name": "Renamed",
///     "credentials": {"client_secret": "new"}}));
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuthConfigUpdate {
    /// `custom` or `default`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A new display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Credential fields to replace (`custom`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Map<String, Value>>,
    /// New scopes (`default`): an array, or one comma/space-separated string as the
    /// TypeScript SDK sends them.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "scopes_list_or_string"
    )]
    pub scopes: Option<Vec<String>>,
}

/// Scopes sent as an array or as one comma/space-separated string.
fn scopes_list_or_string<'de, D>(d: D) -> Result<Option<Vec<String>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scopes {
        List(Vec<String>),
        Joined(String),
    }
    Ok(match Option::<Scopes>::deserialize(d)? {
        None => None,
        Some(Scopes::List(v)) => Some(v),
        Some(Scopes::Joined(s)) => Some(
            s.split([',', ' '])
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
    })
}

impl std::fmt::Debug for AuthConfigUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfigUpdate")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl AuthConfigUpdate {
    /// A change of a custom auth config.
    pub fn custom() -> Self {
        Self {
            kind: "custom".into(),
            name: None,
            credentials: None,
            scopes: None,
        }
    }

    /// A change of a default (managed) auth config.
    pub fn managed() -> Self {
        Self {
            kind: "default".into(),
            ..Self::custom()
        }
    }

    /// Sets the display name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Replaces one credential field (custom configs).
    pub fn credential(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.credentials
            .get_or_insert_with(Map::new)
            .insert(key.into(), value.into());
        self
    }

    /// Sets the scopes (default configs; custom ones take `credentials.scopes`).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }
}

/// `{"success": true, "message": …}`: the answer of update, status change and delete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuthConfigResult {
    /// Whether it was done.
    pub success: bool,
    /// A human-readable message.
    #[serde(default)]
    pub message: String,
}

impl AuthConfigResult {
    /// A successful result.
    pub fn ok(message: impl Into<String>) -> Self {
        Self {
            success: true,
            message: message.into(),
        }
    }
}

/// Filters of `GET {P}/auth_configs`.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct AuthConfigListParams {
    /// Only these toolkits.
    pub toolkit_slug: Option<String>,
    /// Only managed (`true`) or custom (`false`) configs.
    pub is_composio_managed: Option<bool>,
    /// Disabled configs too.
    pub show_disabled: bool,
    /// Page size.
    pub limit: Option<u64>,
    /// The cursor of the page.
    pub cursor: Option<String>,
}

impl AuthConfigListParams {
    /// The query pairs.
    pub fn query(&self) -> Vec<(String, String)> {
        let mut q = Vec::new();
        if let Some(t) = &self.toolkit_slug {
            q.push(("toolkit_slug".into(), t.clone()));
        }
        if let Some(m) = self.is_composio_managed {
            q.push(("is_composio_managed".into(), m.to_string()));
        }
        if self.show_disabled {
            q.push(("show_disabled".into(), "true".into()));
        }
        if let Some(l) = self.limit {
            q.push(("limit".into(), l.to_string()));
        }
        if let Some(c) = &self.cursor {
            q.push(("cursor".into(), c.clone()));
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_scopes_come_as_a_list_or_one_string() {
        let list: AuthConfigUpdate =
            serde_json::from_str(r#"{"type":"default","scopes":["repo","read:user"]}"#).unwrap();
        let joined: AuthConfigUpdate =
            serde_json::from_str(r#"{"type":"default","scopes":"repo, read:user"}"#).unwrap();
        let absent: AuthConfigUpdate = serde_json::from_str(r#"{"type":"default"}"#).unwrap();
        assert_eq!(list.scopes, Some(vec!["repo".into(), "read:user".into()]));
        assert_eq!(joined.scopes, list.scopes);
        assert_eq!(absent.scopes, None);
        assert!(
            serde_json::from_str::<AuthConfigUpdate>(r#"{"type":"default","scopes":7}"#).is_err()
        );
    }
}
