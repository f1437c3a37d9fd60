//! Query-string encoding of docs/spec/wire.md §1: arrays are one comma-joined parameter,
//! booleans are `true`/`false`, absent values are omitted, everything is URL-encoded.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Characters left as they are in a query component (RFC 3986 unreserved).
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Builds a query string pair by pair.
///
/// ```
/// use composio_core::query::Query;
/// let mut q = Query::new();
/// q.push_list("toolkits", &["gmail", "google calendar"]);
/// q.push_opt("limit", Some(10));
/// q.push_opt("is_connected", Some(true));
/// q.push_opt::<String>("cursor", None);
/// assert_eq!(q.finish(), "toolkits=gmail%2Cgoogle%20calendar&limit=10&is_connected=true");
/// ```
#[derive(Debug, Default, Clone)]
pub struct Query {
    out: String,
}

impl Query {
    /// An empty query.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `name=value`.
    pub fn push(&mut self, name: &str, value: impl std::fmt::Display) {
        if !self.out.is_empty() {
            self.out.push('&');
        }
        self.out
            .extend(utf8_percent_encode(name, QUERY).map(|s| s.to_owned()));
        self.out.push('=');
        let value = value.to_string();
        self.out
            .extend(utf8_percent_encode(&value, QUERY).map(|s| s.to_owned()));
    }

    /// Appends `name=value` when `value` is `Some`.
    pub fn push_opt<T: std::fmt::Display>(&mut self, name: &str, value: Option<T>) {
        if let Some(v) = value {
            self.push(name, v);
        }
    }

    /// Appends `name=a,b,c` when the list is not empty.
    pub fn push_list<S: AsRef<str>>(&mut self, name: &str, values: &[S]) {
        if values.is_empty() {
            return;
        }
        let joined = values
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(",");
        self.push(name, joined);
    }

    /// The query string without the leading `?` (empty when nothing was pushed).
    pub fn finish(self) -> String {
        self.out
    }
}

/// Splits a comma-joined query value (docs/spec/wire.md §1): splits on `,`, trims each part
/// and drops the empty ones. An absent value (`None`) is an empty list.
///
/// Takes a `&str` or an `Option<&str>` (a query parameter that may be missing); composio-server
/// reads its list parameters with it.
///
/// ```
/// use composio_core::query::split_list;
/// assert_eq!(split_list("gmail, slack,,"), vec!["gmail", "slack"]);
/// assert_eq!(split_list(Some("gmail")), vec!["gmail"]);
/// assert!(split_list(None).is_empty());
/// ```
pub fn split_list<'a>(value: impl Into<Option<&'a str>>) -> Vec<String> {
    value
        .into()
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Percent-encodes one path segment (ids are opaque and may hold any character).
///
/// ```
/// assert_eq!(composio_core::query::encode_path_segment("ca_1/2"), "ca_1%2F2");
/// ```
pub fn encode_path_segment(segment: &str) -> String {
    utf8_percent_encode(segment, QUERY).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_list_trims_and_drops_empty_parts() {
        assert_eq!(split_list("gmail, slack,,"), vec!["gmail", "slack"]);
        assert_eq!(split_list(Some(" a ,b")), vec!["a", "b"]);
        assert!(split_list(Some(" , ,")).is_empty());
        assert!(split_list("").is_empty());
        assert!(split_list(None).is_empty());
        let missing: Option<&String> = None;
        assert!(split_list(missing.map(String::as_str)).is_empty());
    }

    #[test]
    fn split_list_reverses_push_list() {
        let mut q = Query::new();
        q.push_list("toolkits", &["gmail", "slack"]);
        let value = q.finish();
        let value = value.strip_prefix("toolkits=").unwrap().replace("%2C", ",");
        assert_eq!(split_list(value.as_str()), vec!["gmail", "slack"]);
    }
}
