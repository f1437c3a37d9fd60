//! The callback URL a user lands on after a Connect Link (docs/spec/wire.md §9).
//!
//! The server appends `status=success|failed`, `connected_account_id=ca_…` and, on failure,
//! `error=<message>` to the callback URL, keeping the parameters already there.

use std::fmt;

use url::Url;

use crate::error::Error;
use crate::ids::ConnectedAccountId;

/// The `status` parameter of a callback URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallbackStatus {
    /// `success`
    Success,
    /// `failed`
    Failed,
    /// Any other value, kept as sent.
    Unknown(String),
}

impl CallbackStatus {
    /// The wire spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Success => "success",
            Self::Failed => "failed",
            Self::Unknown(s) => s,
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "success" => Self::Success,
            "failed" => Self::Failed,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for CallbackStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the callback URL says about a finished Connect Link.
///
/// ```
/// use composio_core::{CallbackResult, CallbackStatus};
///
/// let url = "https://your-app.com/callback?user_id=user_123&source=onboarding&status=success&connected_account_id=ca_abc123";
/// let result = CallbackResult::parse(url).unwrap();
/// assert_eq!(result.status, CallbackStatus::Success);
/// assert_eq!(result.connected_account_id.as_ref().unwrap().as_str(), "ca_abc123");
/// assert!(result.is_success());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallbackResult {
    /// `success` or `failed`.
    pub status: CallbackStatus,
    /// The connected account the link was for.
    pub connected_account_id: Option<ConnectedAccountId>,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

impl CallbackResult {
    /// A result to append to a callback URL.
    pub fn new(
        status: CallbackStatus,
        connected_account_id: Option<ConnectedAccountId>,
        error: Option<String>,
    ) -> Self {
        Self {
            status,
            connected_account_id,
            error,
        }
    }

    /// Parses the URL the user landed on. A missing `status` is an error; when a parameter
    /// appears more than once, the last one wins (it is the one the server appended).
    pub fn parse(url: &str) -> Result<Self, Error> {
        let url = Url::parse(url)
            .map_err(|e| Error::InvalidInput(format!("callback URL is not a valid URL: {e}")))?;
        let mut status = None;
        let mut id = None;
        let mut error = None;
        for (k, v) in url.query_pairs() {
            match &*k {
                "status" => status = Some(v.into_owned()),
                "connected_account_id" => id = Some(v.into_owned()),
                "error" => error = Some(v.into_owned()),
                _ => {}
            }
        }
        let status = status.ok_or_else(|| {
            Error::InvalidInput("callback URL has no `status` parameter".to_owned())
        })?;
        let connected_account_id = match id {
            Some(id) if !id.is_empty() => Some(ConnectedAccountId::new(id)?),
            _ => None,
        };
        Ok(Self {
            status: CallbackStatus::parse(&status),
            connected_account_id,
            error: error.filter(|e| !e.is_empty()),
        })
    }

    /// Whether the connection succeeded.
    pub fn is_success(&self) -> bool {
        self.status == CallbackStatus::Success
    }

    /// Appends this result to `callback_url`: the parameters already there are kept byte
    /// for byte and in order (except earlier `status`, `connected_account_id` and `error`
    /// parameters, which are dropped so the result is unambiguous), then `status`,
    /// `connected_account_id` and `error` are appended, form-encoded.
    ///
    /// Keeping the app's parameters verbatim matters: re-encoding them would turn `?flag`
    /// into `?flag=`, `~` into `%7E`, and a value that is not UTF-8 into replacement
    /// characters, which breaks callback URLs the app signed.
    ///
    /// ```
    /// use composio_core::{CallbackResult, CallbackStatus, ConnectedAccountId};
    ///
    /// let r = CallbackResult::new(
    ///     CallbackStatus::Success,
    ///     Some(ConnectedAccountId::new("ca_abc123").unwrap()),
    ///     None,
    /// );
    /// let url = r.append_to("https://your-app.com/callback?user_id=user_123&source=onboarding").unwrap();
    /// assert_eq!(
    ///     url,
    ///     "https://your-app.com/callback?user_id=user_123&source=onboarding&status=success&connected_account_id=ca_abc123"
    /// );
    /// ```
    pub fn append_to(&self, callback_url: &str) -> Result<String, Error> {
        let mut url = Url::parse(callback_url)
            .map_err(|e| Error::InvalidInput(format!("callback URL is not a valid URL: {e}")))?;
        let mut query: String = url
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|segment| !segment.is_empty() && !is_result_parameter(segment))
            .collect::<Vec<_>>()
            .join("&");
        let mut result = url::form_urlencoded::Serializer::new(String::new());
        result.append_pair("status", self.status.as_str());
        if let Some(id) = &self.connected_account_id {
            result.append_pair("connected_account_id", id.as_str());
        }
        if let Some(e) = &self.error {
            result.append_pair("error", e);
        }
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(&result.finish());
        url.set_query(Some(&query));
        Ok(url.into())
    }
}

/// Whether a raw query segment (`key=value`) names one of the parameters a result sets.
fn is_result_parameter(segment: &str) -> bool {
    url::form_urlencoded::parse(segment.as_bytes())
        .next()
        .is_some_and(|(k, _)| matches!(&*k, "status" | "connected_account_id" | "error"))
}

/// Checks that `url` is an absolute `http` or `https` URL, as callback URLs must be.
///
/// ```
/// use composio_core::callback::validate_callback_url;
/// assert!(validate_callback_url("https://app.example.com/cb?x=1").is_ok());
/// assert!(validate_callback_url("javascript:alert(1)").is_err());
/// assert!(validate_callback_url("/relative").is_err());
/// ```
pub fn validate_callback_url(url: &str) -> Result<Url, Error> {
    let parsed = Url::parse(url).map_err(|e| {
        Error::InvalidInput(format!(
            "callback URL `{url}` is not a valid absolute URL: {e}"
        ))
    })?;
    match parsed.scheme() {
        "http" | "https" if parsed.host().is_some() => Ok(parsed),
        "http" | "https" => Err(Error::InvalidInput(format!(
            "callback URL `{url}` has no host"
        ))),
        other => Err(Error::InvalidInput(format!(
            "callback URL must use http or https, not `{other}`"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_callback_carries_error() {
        let r = CallbackResult::parse(
            "https://a.b/cb?status=failed&connected_account_id=ca_9&error=access_denied%20by%20user",
        )
        .unwrap();
        assert_eq!(r.status, CallbackStatus::Failed);
        assert_eq!(r.error.as_deref(), Some("access_denied by user"));
        assert!(!r.is_success());
    }

    #[test]
    fn missing_status_is_an_error() {
        let err = CallbackResult::parse("https://a.b/cb?connected_account_id=ca_1").unwrap_err();
        assert!(err.to_string().contains("no `status`"));
        assert!(CallbackResult::parse("not a url").is_err());
    }

    #[test]
    fn unknown_status_is_kept() {
        let r = CallbackResult::parse("https://a.b/?status=pending").unwrap();
        assert_eq!(r.status, CallbackStatus::Unknown("pending".into()));
        assert_eq!(r.connected_account_id, None);
    }

    #[test]
    fn append_replaces_stale_result_parameters_and_encodes() {
        let r = CallbackResult::new(
            CallbackStatus::Failed,
            Some(ConnectedAccountId::new("ca_1").unwrap()),
            Some("denied & closed".into()),
        );
        let url = r
            .append_to("https://a.b/cb?status=old&keep=1#frag")
            .unwrap();
        assert_eq!(
            url,
            "https://a.b/cb?keep=1&status=failed&connected_account_id=ca_1&error=denied+%26+closed#frag"
        );
        let back = CallbackResult::parse(&url).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn append_keeps_the_apps_parameters_byte_for_byte() {
        // Found by `callback_url_keeps_the_apps_parameters_verbatim`: the parameters used to
        // be decoded and re-encoded (`flag` became `flag=`, `~` became `%7E`, and `%FF`
        // became `%EF%BF%BD`), which changed signed callback URLs.
        let r = CallbackResult::new(CallbackStatus::Success, None, None);
        assert_eq!(
            r.append_to("https://a.b/cb?flag&x=~&sig=a%FFb&err%6Fr=old&q=a+b")
                .unwrap(),
            "https://a.b/cb?flag&x=~&sig=a%FFb&q=a+b&status=success"
        );
        assert_eq!(
            r.append_to("https://a.b/cb?").unwrap(),
            "https://a.b/cb?status=success"
        );
    }
}
