//! Retry policy and the retrying transport (docs/spec/wire.md §11).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use bytes::Bytes;
use composio_core::{
    Attempts, ByteStream, Idempotency, Transport, TransportError, TransportErrorKind,
};
use http::HeaderMap;

/// The longest server-requested delay that is honoured (docs/spec/wire.md §11: 0–60 s).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// How the random part of the backoff is chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Jitter {
    /// Subtract a random 0–25 % of the delay (the default).
    Random,
    /// No jitter: delays are exact (for tests).
    None,
    /// Subtract this fraction (0.0–1.0) of the maximum 25 % jitter: deterministic.
    Fixed(f64),
}

/// When and how often to retry (docs/spec/wire.md §11).
///
/// ```
/// use std::time::Duration;
/// use composio_http::{Jitter, RetryPolicy};
///
/// let p = RetryPolicy::new().jitter(Jitter::None);
/// assert_eq!(p.backoff(0), Duration::from_millis(500));
/// assert_eq!(p.backoff(1), Duration::from_secs(1));
/// assert_eq!(p.backoff(10), Duration::from_secs(8));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    jitter: Jitter,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            jitter: Jitter::Random,
        }
    }
}

impl RetryPolicy {
    /// Two retries, `min(0.5·2ⁿ, 8) s` minus up to 25 % random jitter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Never retry.
    pub fn none() -> Self {
        Self::default().max_retries(0)
    }

    /// How many times a request may be retried after the first attempt.
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// The first backoff and its cap.
    pub fn backoff_range(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// How the jitter is chosen.
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// The configured number of retries.
    pub fn retries(&self) -> u32 {
        self.max_retries
    }

    /// The delay before retry number `retry` (0-based) when the server named none.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2f64.powi(retry.min(30) as i32);
        let base = self.initial_backoff.mul_f64(factor).min(self.max_backoff);
        let fraction = match self.jitter {
            Jitter::None => 0.0,
            Jitter::Fixed(f) => f.clamp(0.0, 1.0),
            Jitter::Random => rand::random::<f64>(),
        };
        base.mul_f64(1.0 - 0.25 * fraction)
    }
}

/// What to do after one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// Return this outcome to the caller.
    Done,
    /// Retry; `after` is the delay the server asked for, if any.
    Retry {
        /// Why.
        reason: &'static str,
        /// The server's `retry-after-ms` / `retry-after`, when within 0–60 s.
        after: Option<Duration>,
    },
}

/// Classifies one attempt's outcome by the rules of docs/spec/wire.md §11.
///
/// Retries connection errors, timeouts, 408, 409, 429 and 5xx; the header
/// `x-should-retry: true|false` overrides the status rule. A non-idempotent request is
/// retried only when it was never sent (a connection error).
///
/// ```
/// use composio_core::Idempotency;
/// use composio_http::{classify, RetryDecision};
///
/// let resp = http::Response::builder().status(503).header("retry-after", "2").body(()).unwrap();
/// let d = classify(Ok((resp.status(), resp.headers())), Idempotency::Idempotent);
/// assert_eq!(
///     d,
///     RetryDecision::Retry { reason: "status", after: Some(std::time::Duration::from_secs(2)) }
/// );
/// let d = classify(Ok((resp.status(), resp.headers())), Idempotency::NonIdempotent);
/// assert_eq!(d, RetryDecision::Done);
/// ```
pub fn classify(
    outcome: Result<(http::StatusCode, &HeaderMap), TransportErrorKind>,
    idempotency: Idempotency,
) -> RetryDecision {
    match outcome {
        Err(TransportErrorKind::Connect) => RetryDecision::Retry {
            reason: "connect",
            after: None,
        },
        Err(_) if idempotency == Idempotency::NonIdempotent => RetryDecision::Done,
        Err(TransportErrorKind::Timeout) => RetryDecision::Retry {
            reason: "timeout",
            after: None,
        },
        Err(_) => RetryDecision::Retry {
            reason: "transport",
            after: None,
        },
        Ok((status, headers)) => {
            if status.is_success() || idempotency == Idempotency::NonIdempotent {
                return RetryDecision::Done;
            }
            let by_status = matches!(status.as_u16(), 408 | 409 | 429) || status.is_server_error();
            let should = match header_str(headers, "x-should-retry") {
                Some("true") => true,
                Some("false") => false,
                _ => by_status,
            };
            if should {
                RetryDecision::Retry {
                    reason: "status",
                    after: retry_after(headers, SystemTime::now()),
                }
            } else {
                RetryDecision::Done
            }
        }
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// The delay a response asks for: `retry-after-ms` (milliseconds), else `retry-after`
/// (seconds or an HTTP date), when it is between 0 and 60 s.
///
/// This is the one reading of these headers in composio-rs: the retry layer waits this long,
/// and the SDK reports it as `ApiError::retry_after`.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// let mut h = http::HeaderMap::new();
/// h.insert("retry-after-ms", "1500".parse().unwrap());
/// assert_eq!(composio_http::retry::retry_after(&h, SystemTime::now()), Some(Duration::from_millis(1500)));
/// ```
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    // `try_from_secs_f64`: a value too large for a `Duration` (`retry-after-ms: 1e300`) is
    // ignored like any other unusable value, never a panic.
    let delay = if let Some(ms) = header_str(headers, "retry-after-ms") {
        ms.parse::<f64>()
            .ok()
            .and_then(|v| Duration::try_from_secs_f64(v / 1000.0).ok())
    } else if let Some(value) = header_str(headers, "retry-after") {
        match value.parse::<f64>() {
            Ok(secs) => Duration::try_from_secs_f64(secs).ok(),
            Err(_) => httpdate::parse_http_date(value)
                .ok()
                .map(|at| at.duration_since(now).unwrap_or(Duration::ZERO)),
        }
    } else {
        None
    };
    delay.filter(|d| *d <= MAX_RETRY_AFTER)
}

/// Wraps a [`Transport`] with a [`RetryPolicy`].
///
/// Every attempt is a clone of the original request (same headers, so an
/// `Idempotency-Key` or `x-request-id` stays the same across retries); the header
/// `x-retry-count` tells the server which attempt it sees. Delays use `tokio::time::sleep`,
/// so tests with paused time never wait.
///
/// What it returns says how many attempts it made: an error's
/// [`TransportError::attempts`] ("… (after 3 attempts)"), a response's [`Attempts`]
/// extension.
#[derive(Debug)]
pub struct RetryTransport<T> {
    inner: T,
    policy: RetryPolicy,
    retries_done: AtomicU64,
}

impl<T: Transport> RetryTransport<T> {
    /// Wraps `inner`.
    pub fn new(inner: T, policy: RetryPolicy) -> Self {
        Self {
            inner,
            policy,
            retries_done: AtomicU64::new(0),
        }
    }

    /// The wrapped transport.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The policy.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// How many retries this transport has made in all (for metrics and tests).
    pub fn retries_done(&self) -> u64 {
        self.retries_done.load(Ordering::Relaxed)
    }

    async fn pause(
        &self,
        retry: u32,
        decision: &RetryDecision,
        method: &http::Method,
        uri: &http::Uri,
    ) {
        let RetryDecision::Retry { reason, after } = decision else {
            return;
        };
        let delay = after.unwrap_or_else(|| self.policy.backoff(retry));
        tracing::debug!(%method, path = uri.path(), retry = retry + 1, reason, ?delay, "retrying");
        self.retries_done.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(delay).await;
    }
}

fn clone_request(req: &http::Request<Bytes>, attempt: u32) -> http::Request<Bytes> {
    let mut out = http::Request::new(req.body().clone());
    *out.method_mut() = req.method().clone();
    *out.uri_mut() = req.uri().clone();
    *out.version_mut() = req.version();
    *out.headers_mut() = req.headers().clone();
    *out.extensions_mut() = req.extensions().clone();
    if attempt > 0 {
        out.headers_mut()
            .insert("x-retry-count", http::HeaderValue::from(attempt));
    }
    out
}

fn idempotency_of(req: &http::Request<Bytes>) -> Idempotency {
    req.extensions()
        .get::<Idempotency>()
        .copied()
        .unwrap_or_default()
}

impl<T: Transport> RetryTransport<T> {
    /// Runs `attempt` on clones of `request` until it succeeds, the policy says stop, or the
    /// retries are used up; the last outcome is returned, carrying the number of attempts
    /// ([`TransportError::attempts`], or the [`Attempts`] extension of a response).
    async fn with_retries<B, F, Fut>(
        &self,
        request: http::Request<Bytes>,
        mut attempt: F,
    ) -> Result<http::Response<B>, TransportError>
    where
        F: FnMut(http::Request<Bytes>) -> Fut,
        Fut: std::future::Future<Output = Result<http::Response<B>, TransportError>>,
    {
        let idempotency = idempotency_of(&request);
        let mut retry = 0;
        loop {
            let outcome = attempt(clone_request(&request, retry)).await;
            let decision = classify(
                outcome
                    .as_ref()
                    .map(|r| (r.status(), r.headers()))
                    .map_err(TransportError::kind),
                idempotency,
            );
            if decision == RetryDecision::Done || retry >= self.policy.max_retries {
                // Say how many attempts led to this outcome.
                let attempts = retry + 1;
                return match outcome {
                    Ok(mut response) => {
                        response.extensions_mut().insert(Attempts(attempts));
                        Ok(response)
                    }
                    Err(e) => Err(e.with_attempts(attempts)),
                };
            }
            self.pause(retry, &decision, request.method(), request.uri())
                .await;
            retry += 1;
        }
    }
}

#[async_trait]
impl<T: Transport> Transport for RetryTransport<T> {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        self.with_retries(request, |r| self.inner.send(r)).await
    }

    async fn send_streaming(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<ByteStream>, TransportError> {
        self.with_retries(request, |r| self.inner.send_streaming(r))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn statuses_follow_the_spec() {
        let h = HeaderMap::new();
        for (status, retry) in [
            (200, false),
            (400, false),
            (401, false),
            (404, false),
            (408, true),
            (409, true),
            (422, false),
            (429, true),
            (500, true),
            (503, true),
        ] {
            let s = http::StatusCode::from_u16(status).unwrap();
            let d = classify(Ok((s, &h)), Idempotency::Idempotent);
            assert_eq!(d != RetryDecision::Done, retry, "{status}");
        }
    }

    #[test]
    fn x_should_retry_overrides_status() {
        let no = headers(&[("x-should-retry", "false")]);
        let yes = headers(&[("x-should-retry", "true")]);
        let d = classify(
            Ok((http::StatusCode::SERVICE_UNAVAILABLE, &no)),
            Idempotency::Idempotent,
        );
        assert_eq!(d, RetryDecision::Done);
        let d = classify(
            Ok((http::StatusCode::BAD_REQUEST, &yes)),
            Idempotency::Idempotent,
        );
        assert!(matches!(d, RetryDecision::Retry { .. }));
    }

    #[test]
    fn non_idempotent_only_retries_unsent_requests() {
        let h = HeaderMap::new();
        let n = Idempotency::NonIdempotent;
        assert_eq!(
            classify(Ok((http::StatusCode::BAD_GATEWAY, &h)), n),
            RetryDecision::Done
        );
        assert_eq!(
            classify(Err(TransportErrorKind::Timeout), n),
            RetryDecision::Done
        );
        assert_eq!(
            classify(Err(TransportErrorKind::Other), n),
            RetryDecision::Done
        );
        assert!(matches!(
            classify(Err(TransportErrorKind::Connect), n),
            RetryDecision::Retry {
                reason: "connect",
                ..
            }
        ));
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            retry_after(&headers(&[("retry-after", "3")]), now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after(
                &headers(&[("retry-after-ms", "250"), ("retry-after", "9")]),
                now
            ),
            Some(Duration::from_millis(250)),
            "retry-after-ms wins"
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(5));
        assert_eq!(
            retry_after(&headers(&[("retry-after", &date)]), now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "61")]), now),
            None,
            "over 60 s"
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "60")]), now),
            Some(Duration::from_secs(60)),
            "60 s is still honoured"
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after-ms", "60001")]), now),
            None,
            "over 60 s in milliseconds"
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(5));
        assert_eq!(
            retry_after(&headers(&[("retry-after", &past)]), now),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "-1")]), now), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")]), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn backoff_is_capped_and_jitter_bounded() {
        let p = RetryPolicy::new().jitter(Jitter::Fixed(1.0));
        assert_eq!(p.backoff(0), Duration::from_millis(375));
        assert_eq!(p.backoff(20), Duration::from_secs(6));
        let random = RetryPolicy::new();
        for _ in 0..100 {
            let d = random.backoff(2);
            assert!(
                d <= Duration::from_secs(2) && d >= Duration::from_millis(1500),
                "{d:?}"
            );
        }
    }

    #[test]
    fn retry_after_too_large_for_a_duration_is_ignored() {
        // Found by `retry_after_never_panics`: these panicked in `Duration::from_secs_f64`.
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        for (name, value) in [
            ("retry-after-ms", "1e300"),
            ("retry-after", "1e20"),
            ("retry-after", "18446744073709551616"),
            ("retry-after-ms", "inf"),
            ("retry-after", "NaN"),
        ] {
            assert_eq!(
                retry_after(&headers(&[(name, value)]), now),
                None,
                "{name}: {value}"
            );
        }
    }

    /// Header values a server may send: numbers in every spelling, dates, anything.
    fn header_value() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            any::<f64>().prop_map(|v| v.to_string()),
            any::<u64>().prop_map(|v| v.to_string()),
            any::<i64>().prop_map(|v| v.to_string()),
            "[-+]?[0-9]{0,25}(\\.[0-9]{0,5})?([eE][-+]?[0-9]{1,4})?",
            (0u64..4_000_000_000).prop_map(|s| httpdate::fmt_http_date(
                SystemTime::UNIX_EPOCH + Duration::from_secs(s)
            )),
            "[ -~]{0,40}",
        ]
    }

    proptest::proptest! {
        /// Whatever the headers say, the delay is absent or within 0..=60 s, and a whole
        /// number of milliseconds in range is taken as is.
        #[test]
        fn retry_after_never_panics(ms in proptest::option::of(header_value()),
                                    secs in proptest::option::of(header_value()),
                                    exact in 0u64..=60_000) {
            let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
            let mut h = HeaderMap::new();
            for (name, value) in [("retry-after-ms", &ms), ("retry-after", &secs)] {
                if let Some(v) = value.as_deref().and_then(|v| http::HeaderValue::from_str(v).ok()) {
                    h.insert(name, v);
                }
            }
            if let Some(d) = retry_after(&h, now) {
                proptest::prop_assert!(d <= MAX_RETRY_AFTER, "{d:?} from {h:?}");
            }
            let h = headers(&[("retry-after-ms", &exact.to_string())]);
            proptest::prop_assert_eq!(retry_after(&h, now), Some(Duration::from_millis(exact)));
        }
    }
}
