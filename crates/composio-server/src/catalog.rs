//! The toolkit catalog: a built-in TOML file plus toolkits from the server's config file.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::tools::{CredentialPlacement, ToolDef};

/// The built-in catalog (`src/catalog.toml`).
pub const BUILTIN_CATALOG: &str = include_str!("catalog.toml");

/// How a toolkit authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub enum AuthScheme {
    /// OAuth 2.0 authorization code (with PKCE when the provider supports it).
    #[serde(rename = "OAUTH2")]
    OAuth2,
    /// Fields (an API key) typed into the Connect Link page.
    #[serde(rename = "API_KEY")]
    ApiKey,
    /// No authentication.
    #[serde(rename = "NO_AUTH")]
    NoAuth,
}

impl AuthScheme {
    /// The wire spelling (`OAUTH2`, `API_KEY`, `NO_AUTH`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OAuth2 => "OAUTH2",
            Self::ApiKey => "API_KEY",
            Self::NoAuth => "NO_AUTH",
        }
    }

    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::OAuth2, Self::ApiKey, Self::NoAuth]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// A field collected by the Connect Link page of an API-key toolkit.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct FieldDef {
    /// Form field name (`api_key`).
    pub name: String,
    /// Label shown to the user.
    #[serde(default)]
    pub label: Option<String>,
    /// Whether the value is secret (stored encrypted, shown as a password field).
    #[serde(default = "yes")]
    pub secret: bool,
}

fn yes() -> bool {
    true
}

/// One toolkit of the catalog.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ToolkitDef {
    /// Slug (`gmail`).
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Short description.
    #[serde(default)]
    pub description: String,
    /// Category slugs (`email`, `productivity`), for `GET /toolkits?category=`.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Logo URL (defaults to `https://logos.composio.dev/api/<slug>`).
    #[serde(default)]
    pub logo: Option<String>,
    /// How it authenticates.
    pub auth_scheme: AuthScheme,
    /// OAuth authorize endpoint.
    #[serde(default)]
    pub authorize_url: Option<String>,
    /// OAuth token endpoint.
    #[serde(default)]
    pub token_url: Option<String>,
    /// Endpoint returning the user's identity (Bearer token).
    #[serde(default)]
    pub userinfo_url: Option<String>,
    /// Default scopes.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Whether the provider supports PKCE (S256).
    #[serde(default)]
    pub pkce: bool,
    /// Extra parameters of the authorize URL.
    #[serde(default)]
    pub authorize_params: BTreeMap<String, String>,
    /// Fields of API-key toolkits.
    #[serde(default)]
    pub fields: Vec<FieldDef>,
    /// Where tools put the credential (default `Authorization: Bearer <token or key>`).
    #[serde(default)]
    pub credential: Option<CredentialPlacement>,
    /// App tools (`[[toolkits.tools]]`), each one HTTP call to the provider's API.
    #[serde(default)]
    pub tools: Vec<ToolDef>,
    /// How the provider revokes tokens (`POST /connected_accounts/{id}/revoke`); none: the
    /// toolkit has no programmatic revocation.
    #[serde(default)]
    pub revocation: Option<Revocation>,
}

/// A provider's token revocation endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Revocation {
    /// The endpoint (`{client_id}` is replaced with the OAuth app's client id).
    pub url: String,
    /// How it is called.
    #[serde(default)]
    pub style: RevocationStyle,
}

/// How a revocation endpoint is called.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RevocationStyle {
    /// RFC 7009: `POST` a form with `token` and `token_type_hint`, client credentials in
    /// HTTP Basic auth (Google, the sandbox).
    #[default]
    Rfc7009,
    /// GitHub: `DELETE /applications/{client_id}/grant` with Basic client auth and
    /// `{"access_token": …}`; it revokes the whole grant.
    GithubGrant,
    /// Slack: `POST auth.revoke` with the token as Bearer.
    SlackAuthRevoke,
}

impl ToolkitDef {
    /// The logo URL.
    pub fn logo_url(&self) -> String {
        self.logo
            .clone()
            .unwrap_or_else(|| format!("https://logos.composio.dev/api/{}", self.slug))
    }

    /// Whether the toolkit needs no authentication.
    pub fn is_no_auth(&self) -> bool {
        self.auth_scheme == AuthScheme::NoAuth
    }
}

/// Errors loading a catalog.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The TOML is invalid.
    #[error("invalid toolkit catalog: {0}")]
    Parse(#[from] toml::de::Error),
    /// A toolkit is incomplete.
    #[error("toolkit `{slug}`: {problem}")]
    Invalid {
        /// The toolkit.
        slug: String,
        /// What is wrong.
        problem: String,
    },
}

#[derive(Deserialize)]
struct CatalogFile {
    #[serde(default)]
    toolkits: Vec<ToolkitDef>,
}

/// The toolkits a server offers, ordered by slug.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    toolkits: BTreeMap<String, ToolkitDef>,
    /// Slugs declared by the server's config file (reported as `type: "custom"`).
    from_config: std::collections::BTreeSet<String>,
}

impl Catalog {
    /// The built-in catalog.
    pub fn builtin() -> Result<Self, CatalogError> {
        Self::parse(BUILTIN_CATALOG)
    }

    /// Parses a catalog TOML document (`[[toolkits]]` entries).
    pub fn parse(toml_text: &str) -> Result<Self, CatalogError> {
        let file: CatalogFile = toml::from_str(toml_text)?;
        let mut c = Self::default();
        c.extend(file.toolkits)?;
        Ok(c)
    }

    /// Adds toolkits, replacing those with the same slug (and their tools).
    pub fn extend(&mut self, toolkits: Vec<ToolkitDef>) -> Result<(), CatalogError> {
        for t in toolkits {
            validate(&t)?;
            for tool in &t.tools {
                let clash = self
                    .tool(&tool.slug)
                    .filter(|(owner, _)| owner.slug != t.slug);
                if let Some((owner, _)) = clash {
                    return Err(CatalogError::Invalid {
                        slug: t.slug.clone(),
                        problem: format!(
                            "tool {} is already declared by `{}`",
                            tool.slug, owner.slug
                        ),
                    });
                }
            }
            self.toolkits.insert(t.slug.clone(), t);
        }
        Ok(())
    }

    /// Adds the toolkits of the server's config file ([`Catalog::extend`]), remembering that
    /// they came from there.
    pub fn extend_from_config(&mut self, toolkits: Vec<ToolkitDef>) -> Result<(), CatalogError> {
        let slugs: Vec<String> = toolkits.iter().map(|t| t.slug.clone()).collect();
        self.extend(toolkits)?;
        self.from_config.extend(slugs);
        Ok(())
    }

    /// Whether the toolkit was declared (or overridden) by the server's config file.
    pub fn is_from_config(&self, slug: &str) -> bool {
        self.from_config.contains(slug)
    }

    /// The app tool with this slug (case-insensitive) and its toolkit.
    pub fn tool(&self, slug: &str) -> Option<(&ToolkitDef, &ToolDef)> {
        self.tools()
            .find(|(_, t)| t.slug.eq_ignore_ascii_case(slug))
    }

    /// All app tools with their toolkits, ordered by toolkit slug.
    pub fn tools(&self) -> impl Iterator<Item = (&ToolkitDef, &ToolDef)> {
        self.toolkits
            .values()
            .flat_map(|tk| tk.tools.iter().map(move |t| (tk, t)))
    }

    /// The app tool slug closest to `slug` (for "did you mean" suggestions).
    pub fn closest_tool(&self, slug: &str) -> Option<&str> {
        let slug = slug.to_ascii_uppercase();
        self.tools()
            .map(|(_, t)| (levenshtein(&slug, &t.slug), t.slug.as_str()))
            .filter(|(d, k)| *d <= (k.len() / 3).max(2))
            .min()
            .map(|(_, k)| k)
    }

    /// The toolkit with this slug (case-insensitive).
    pub fn get(&self, slug: &str) -> Option<&ToolkitDef> {
        self.toolkits
            .get(slug)
            .or_else(|| self.toolkits.get(&slug.to_ascii_lowercase()))
    }

    /// All toolkits, ordered by slug.
    pub fn iter(&self) -> impl Iterator<Item = &ToolkitDef> {
        self.toolkits.values()
    }

    /// The slug closest to `slug` (for "did you mean" suggestions).
    pub fn closest(&self, slug: &str) -> Option<&str> {
        let slug = slug.to_ascii_lowercase();
        self.toolkits
            .keys()
            .map(|k| (levenshtein(&slug, k), k))
            .filter(|(d, k)| *d <= (k.len() / 2).max(2))
            .min()
            .map(|(_, k)| k.as_str())
    }
}

fn validate(t: &ToolkitDef) -> Result<(), CatalogError> {
    let bad = |problem: &str| CatalogError::Invalid {
        slug: t.slug.clone(),
        problem: problem.to_owned(),
    };
    if t.slug.is_empty()
        || !t
            .slug
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(bad("slug must be non-empty ASCII letters, digits or `_`"));
    }
    match t.auth_scheme {
        AuthScheme::OAuth2 => {
            for (name, url) in [
                ("authorize_url", &t.authorize_url),
                ("token_url", &t.token_url),
            ] {
                let Some(u) = url else {
                    return Err(bad(&format!("OAUTH2 toolkits need `{name}`")));
                };
                if url::Url::parse(u).is_err() {
                    return Err(bad(&format!("`{name}` is not a valid URL")));
                }
            }
        }
        AuthScheme::ApiKey if t.fields.is_empty() => {
            return Err(bad("API_KEY toolkits need at least one field"));
        }
        _ => {}
    }
    // The Connect Link page posts the fields with its `action` button: a field of that name
    // would receive the button's value; a field without a name is never posted.
    let mut names = std::collections::HashSet::new();
    for f in &t.fields {
        if f.name.trim().is_empty() || f.name == "action" || f.name == "csrf_token" {
            return Err(bad(&format!(
                "field name `{}` is not allowed (empty, or `action` or `csrf_token`, which the Connect Link page uses)",
                f.name
            )));
        }
        if !names.insert(f.name.as_str()) {
            return Err(bad(&format!("field {} is declared twice", f.name)));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for tool in &t.tools {
        tool.validate().map_err(|p| bad(&p))?;
        if !seen.insert(tool.slug.as_str()) {
            return Err(bad(&format!("tool {} is declared twice", tool.slug)));
        }
    }
    Ok(())
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_parses_with_all_kinds() {
        let c = Catalog::builtin().unwrap();
        let gmail = c.get("gmail").unwrap();
        assert_eq!(gmail.auth_scheme, AuthScheme::OAuth2);
        assert_eq!(
            gmail.authorize_url.as_deref(),
            Some("https://accounts.google.com/o/oauth2/v2/auth")
        );
        assert!(gmail.pkce);
        for slug in ["googlecalendar", "github", "slack", "notion", "linear"] {
            assert_eq!(
                c.get(slug).unwrap().auth_scheme,
                AuthScheme::OAuth2,
                "{slug}"
            );
        }
        assert_eq!(c.get("serpapi").unwrap().fields[0].name, "api_key");
        assert!(c.get("hackernews").unwrap().is_no_auth());
        assert_eq!(c.closest("gmial"), Some("gmail"));
        assert_eq!(c.closest("zzzzzzzzzzzz"), None);
    }

    #[test]
    fn user_toolkits_extend_and_validate() {
        let mut c = Catalog::builtin().unwrap();
        let extra = Catalog::parse(
            r#"[[toolkits]]
slug = "acme"
name = "Acme"
auth_scheme = "OAUTH2"
authorize_url = "https://acme.test/authorize"
token_url = "https://acme.test/token"
"#,
        )
        .unwrap();
        c.extend(extra.iter().cloned().collect()).unwrap();
        assert_eq!(c.get("acme").unwrap().name, "Acme");
        let err =
            Catalog::parse("[[toolkits]]\nslug = \"x\"\nname = \"X\"\nauth_scheme = \"OAUTH2\"\n");
        assert!(err.is_err());
    }
}
