//! The checks of the fuzz targets: each takes libFuzzer's bytes, feeds them to one parser of
//! untrusted input, and panics (a finding) on a panic of the parser or a broken property.
//! The same properties are tested with proptest in the crates; fuzzing explores inputs no
//! strategy thought of.

use std::time::{Duration, SystemTime};

use composio_core::models::watch::{WatchNotFound, WatchReady};
use composio_core::models::{
    ConnectedAccount, CreateSessionRequest, ExecuteResponse, LinkResponse, Page, SessionResponse,
    SessionToolkit, Tool,
};
use composio_core::{CallbackResult, CallbackStatus, ConnectedAccountId, ManageConnections};

/// The query segments of `query` that are not a callback result's parameters.
fn foreign_segments(query: &str) -> Vec<&str> {
    query
        .split('&')
        .filter(|seg| !seg.is_empty())
        .filter(|seg| {
            !url::form_urlencoded::parse(seg.as_bytes())
                .next()
                .is_some_and(|(k, _)| matches!(&*k, "status" | "connected_account_id" | "error"))
        })
        .collect()
}

/// Callback URLs: parsing any text never panics; a URL the result is appended to parses
/// back to that result and keeps its own parameters verbatim; a validated URL is http(s)
/// with a host.
pub fn callback_url(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = CallbackResult::parse(text);
    if let Ok(u) = composio_core::callback::validate_callback_url(text) {
        assert!(matches!(u.scheme(), "http" | "https") && u.host().is_some(), "{text}");
    }
    let result = CallbackResult::new(
        CallbackStatus::Failed,
        ConnectedAccountId::new("ca_fuzz").ok(),
        Some("denied & closed".to_owned()),
    );
    let Ok(with) = result.append_to(text) else {
        return;
    };
    let back = CallbackResult::parse(&with).unwrap_or_else(|e| panic!("{text:?} -> {with:?}: {e}"));
    assert_eq!(back, result, "{text:?} -> {with:?}");
    let (Ok(before), Ok(after)) = (url::Url::parse(text), url::Url::parse(&with)) else {
        panic!("{text:?} -> {with:?} does not parse");
    };
    assert_eq!(
        foreign_segments(after.query().unwrap_or("")),
        foreign_segments(before.query().unwrap_or("")),
        "{text:?} -> {with:?}"
    );
    assert_eq!(after.fragment(), before.fragment(), "{text:?} -> {with:?}");
}

/// The SDK's server-sent events parser: the first two bytes choose a limit and a cut, the
/// rest is the stream. Cutting the stream never changes its events, and nothing larger than
/// the limit is ever buffered or returned.
pub fn sse(data: &[u8]) {
    let [a, b, stream @ ..] = data else {
        return;
    };
    let limit = usize::from(*a) * 4 + 1;
    let cut = usize::from(*b) % (stream.len() + 1);
    let (whole, whole_refused) = composio::fuzzing::sse_events(limit, &[stream]);
    let (split, split_refused) =
        composio::fuzzing::sse_events(limit, &[&stream[..cut], &stream[cut..]]);
    for (_, data) in whole.iter().chain(&split) {
        assert!(data.len() <= limit, "{data:?} over {limit}");
    }
    assert_eq!(whole_refused, split_refused, "cut at {cut}");
    if !whole_refused {
        assert_eq!(whole, split, "cut at {cut}");
    }
    let (unlimited, refused) = composio::fuzzing::sse_events(usize::MAX, &[stream]);
    assert!(!refused);
    if !whole_refused {
        assert_eq!(whole, unlimited);
    }
}

/// Decodes `data` as `T`; when it decodes, encoding and decoding again gives the same value.
fn round_trip<T>(data: &[u8])
where
    T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
{
    let Ok(value) = serde_json::from_slice::<T>(data) else {
        return;
    };
    let text = serde_json::to_string(&value).expect("a decoded value encodes");
    let again: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(again, value, "{text}");
}

/// Every wire model: decoding any bytes answers a value or an error, and a decoded value
/// survives encoding (unknown fields and enum values included).
pub fn wire_models(data: &[u8]) {
    round_trip::<ConnectedAccount>(data);
    round_trip::<Page<ConnectedAccount>>(data);
    round_trip::<SessionResponse>(data);
    round_trip::<Page<SessionToolkit>>(data);
    round_trip::<Page<Tool>>(data);
    round_trip::<ExecuteResponse>(data);
    round_trip::<CreateSessionRequest>(data);
    round_trip::<LinkResponse>(data);
    round_trip::<ManageConnections>(data);
    round_trip::<WatchReady>(data);
    round_trip::<WatchNotFound>(data);
}

/// `retry-after` / `retry-after-ms`: the first byte picks the header, the rest is its value;
/// the delay is absent or at most 60 s, and never a panic.
pub fn retry_after(data: &[u8]) {
    let [which, value @ ..] = data else {
        return;
    };
    let Ok(value) = http::HeaderValue::from_bytes(value) else {
        return;
    };
    let name = if which % 2 == 0 {
        "retry-after"
    } else {
        "retry-after-ms"
    };
    let mut headers = http::HeaderMap::new();
    headers.insert(name, value);
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    if let Some(d) = composio_http::retry::retry_after(&headers, now) {
        assert!(d <= Duration::from_secs(60), "{headers:?}: {d:?}");
    }
}

/// Config files and toolkit catalogs: any text is a value or an error; an accepted config
/// has usable values.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(c) = composio_server::Config::from_toml_str(text) {
        assert!(c.link_expiry > Duration::ZERO);
        assert!(c.rate_limit.is_finite() && c.rate_limit >= 0.0);
        assert!(c.database_pool_size >= 1);
    }
    let _ = composio_server::catalog::Catalog::parse(text);
}

/// The provider's answer on `/oauth/callback`: any query gives a state (never empty) and a
/// code (never empty) or a failure reason that is bounded and printable.
pub fn oauth_callback(data: &[u8]) {
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    let (state, code) = composio_server::fuzzing::provider_answer(query);
    assert_ne!(state.as_deref(), Some(""));
    match code {
        Ok(c) => assert!(!c.is_empty()),
        Err(reason) => {
            assert!(reason.chars().count() <= 500, "{}", reason.len());
            assert!(!reason.chars().any(char::is_control), "{reason:?}");
        }
    }
}

/// The Connect Link form of an API-key toolkit: any body gives every field, trimmed and not
/// blank, or names the first missing one.
pub fn link_form(data: &[u8]) {
    let names = ["api_key", "region"];
    match composio_server::fuzzing::link_form(data, &names) {
        Ok(values) => {
            assert_eq!(values.len(), names.len());
            for (_, v) in values {
                assert!(!v.is_empty() && v.trim() == v, "{v:?}");
            }
        }
        Err(missing) => assert!(names.contains(&missing.as_str()), "{missing}"),
    }
}

/// Webhook signature headers: any `webhook-id`, `webhook-timestamp` and `webhook-signature`
/// headers and body (the input's first three lines and the rest) are verified without a
/// panic; an accepted delivery has a timestamp within the tolerance and a body that is a V3
/// event; the genuine signature of usable parts is accepted among the input's entries, and
/// the same signature no longer matches once the body changes.
pub fn webhook_signature(data: &[u8]) {
    use composio_core::webhook::{sign, verify_at, verify_parts};
    use composio_core::webhook::{HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP};

    const SECRET: &str = "wsk_fuzz_0123456789abcdef";
    const NOW: i64 = 1_700_000_000;
    let tolerance = Duration::from_secs(300);
    let mut parts = data.splitn(4, |b| *b == b'\n');
    let (id, ts, sig) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let body = parts.next().unwrap_or_default();
    let mut headers = http::HeaderMap::new();
    for (name, value) in [(HEADER_ID, id), (HEADER_TIMESTAMP, ts), (HEADER_SIGNATURE, sig)] {
        if let Ok(v) = http::HeaderValue::from_bytes(value) {
            headers.insert(name, v);
        }
    }
    if verify_at(&headers, body, SECRET, tolerance, NOW).is_ok() {
        let ts = headers[HEADER_TIMESTAMP].to_str().unwrap_or_default().trim();
        let ts: i64 = ts.parse().expect("an accepted timestamp is a number");
        assert!(NOW.abs_diff(ts) <= 300, "accepted at {ts}, now {NOW}");
        assert!(composio_core::webhook::parse_event(body).is_ok());
    }

    // The genuine signature, alone or among the input's entries, is accepted.
    let (Ok(id), Ok(extra)) = (std::str::from_utf8(id), std::str::from_utf8(sig)) else {
        return;
    };
    if id.trim().is_empty() || id.trim() != id || body.is_empty() {
        return;
    }
    let offset = i64::from(ts.first().copied().unwrap_or(0)) - 128;
    let stamp = NOW + offset;
    let genuine = sign(SECRET, id, stamp, body);
    let header = format!("{extra} {genuine}");
    let stamp_text = stamp.to_string();
    assert_eq!(
        verify_parts(id, &stamp_text, &header, body, SECRET, tolerance, NOW),
        Ok(()),
        "genuine signature {genuine} refused"
    );
    // …and refused for another body or another secret.
    let mut other = body.to_vec();
    other.push(b'!');
    assert!(verify_parts(id, &stamp_text, &genuine, &other, SECRET, tolerance, NOW).is_err());
    assert!(verify_parts(id, &stamp_text, &genuine, body, "wsk_other", tolerance, NOW).is_err());
}
