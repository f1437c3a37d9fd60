//! Per-project rate limiting of the API: one token bucket per project id, in memory for a
//! single process, in the database for replicas (`cluster/postgres.rs`, same [`gcra`] step).
//!
//! The bucket is kept in its "virtual scheduling" form (GCRA): instead of a token count and a
//! refill timestamp it stores one instant, the *theoretical arrival time* (`tat`) at which the
//! bucket would be full again. That is the same limiter as a token bucket with capacity
//! `burst` refilled at `per_second` tokens a second, computed with exact integer durations,
//! O(1) per request, 16 bytes per project. The clock is a parameter (`now`), so the tests
//! drive it by hand.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Header with the bucket size (the burst) of a rate-limited project.
pub(crate) static LIMIT_HEADER: HeaderName = HeaderName::from_static("x-ratelimit-limit");
/// Header with the whole requests left in the bucket after this one.
pub(crate) static REMAINING_HEADER: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
/// Header with the exact delay before a retry can succeed, in milliseconds.
pub(crate) static RETRY_AFTER_MS_HEADER: HeaderName = HeaderName::from_static("retry-after-ms");

/// The longest interval between two requests a limit can ask for (keeps `Instant` math in
/// range for absurdly low rates).
const MAX_INTERVAL: Duration = Duration::from_secs(365 * 24 * 3600);

/// A project's limit: `per_second` sustained, `burst` at once; `per_second == 0` is unlimited.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Limit {
    /// Sustained requests per second (0: unlimited).
    pub per_second: f64,
    /// Bucket size: requests allowed at once after an idle period.
    pub burst: u32,
}

impl Limit {
    /// Whether requests are not limited at all.
    pub fn is_unlimited(&self) -> bool {
        self.per_second <= 0.0 || !self.per_second.is_finite() || self.burst == 0
    }

    /// Time between two requests at the sustained rate; `None` when unlimited.
    pub(crate) fn interval(&self) -> Option<Duration> {
        if self.is_unlimited() {
            return None;
        }
        let interval = Duration::try_from_secs_f64(1.0 / self.per_second).unwrap_or(MAX_INTERVAL);
        // Faster than one request a nanosecond is no limit at all.
        (!interval.is_zero()).then(|| interval.min(MAX_INTERVAL))
    }
}

/// The outcome of one request against its project's bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// The project has no limit.
    Unlimited,
    /// Allowed; `remaining` whole requests are left in the bucket.
    Allowed {
        /// The bucket size.
        limit: u32,
        /// Requests left.
        remaining: u32,
    },
    /// Over the limit: a retry succeeds after `retry_after`.
    Limited {
        /// The bucket size.
        limit: u32,
        /// The exact wait before one request fits again.
        retry_after: Duration,
    },
}

impl Decision {
    /// Adds `x-ratelimit-limit` / `x-ratelimit-remaining` (nothing when unlimited).
    pub fn add_headers(&self, headers: &mut HeaderMap) {
        let (limit, remaining) = match *self {
            Decision::Unlimited => return,
            Decision::Allowed { limit, remaining } => (limit, remaining),
            Decision::Limited { limit, .. } => (limit, 0),
        };
        headers.insert(LIMIT_HEADER.clone(), HeaderValue::from(limit));
        headers.insert(REMAINING_HEADER.clone(), HeaderValue::from(remaining));
    }
}

/// `retry-after-ms`: the wait rounded up to a whole millisecond (never early).
pub(crate) fn retry_after_ms(wait: Duration) -> u64 {
    u64::try_from(wait.as_nanos().div_ceil(1_000_000)).unwrap_or(u64::MAX)
}

/// `retry-after`: the wait rounded up to a whole second.
pub(crate) fn retry_after_secs(wait: Duration) -> u64 {
    retry_after_ms(wait).div_ceil(1000)
}

/// The GCRA step, on integer nanoseconds so it reads the same in Rust (the in-process
/// [`Bucket`]) and in SQL (the shared bucket of replicas on PostgreSQL).
pub(crate) mod gcra {
    use std::time::Duration;

    use super::{Decision, Limit};

    /// A limit as GCRA parameters.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(crate) struct Params {
        /// Nanoseconds between two requests at the sustained rate.
        pub interval: i64,
        /// How far (ns) the bucket may run ahead of now and still hold one token.
        pub tolerance: i64,
        /// The bucket size.
        pub burst: u32,
    }

    /// Epoch milliseconds as nanoseconds.
    pub(crate) fn nanos(ms: i64) -> i64 {
        ms.saturating_mul(1_000_000)
    }

    fn duration(ns: i64) -> Duration {
        Duration::from_nanos(u64::try_from(ns).unwrap_or(0))
    }

    impl Params {
        /// The parameters of a limit; `None` when it is unlimited.
        pub(crate) fn of(limit: Limit) -> Option<Self> {
            let interval = limit.interval()?;
            let interval = i64::try_from(interval.as_nanos()).unwrap_or(i64::MAX);
            Some(Self {
                interval,
                tolerance: interval.saturating_mul(i64::from(limit.burst.saturating_sub(1))),
                burst: limit.burst,
            })
        }

        /// One request at `now` against a bucket full again at `tat`: the new `tat` when it
        /// fits, else the decision to refuse it (which takes nothing from the bucket).
        pub(crate) fn step(&self, tat: i64, now: i64) -> Result<i64, Decision> {
            let tat = tat.max(now);
            if tat - now > self.tolerance {
                return Err(self.limited(now, tat));
            }
            Ok(tat.saturating_add(self.interval))
        }

        /// The decision of a request that fitted, leaving the bucket full again at `tat`.
        pub(crate) fn allowed(&self, now: i64, tat: i64) -> Decision {
            let ahead = u128::try_from(tat.saturating_sub(now)).unwrap_or(0);
            let used = ahead.div_ceil(u128::try_from(self.interval).unwrap_or(1).max(1));
            let remaining = u128::from(self.burst).saturating_sub(used);
            Decision::Allowed {
                limit: self.burst,
                remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
            }
        }

        /// The decision of a request refused by a bucket full again at `tat`.
        pub(crate) fn limited(&self, now: i64, tat: i64) -> Decision {
            let ahead = tat.saturating_sub(now);
            Decision::Limited {
                limit: self.burst,
                retry_after: duration(ahead.saturating_sub(self.tolerance).max(0)),
            }
        }
    }
}

/// One project's bucket (GCRA form, see the module docs) in this process.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bucket {
    /// The instant the nanosecond counts start at.
    base: Instant,
    /// When the bucket is full again (ns after `base`); at or before now means full.
    tat: i64,
}

impl Bucket {
    /// A full bucket.
    pub fn new(now: Instant) -> Self {
        Self { base: now, tat: 0 }
    }

    /// Takes one request's token at `now`, or says how long until one is available.
    pub fn check(&mut self, limit: Limit, now: Instant) -> Decision {
        let Some(params) = gcra::Params::of(limit) else {
            return Decision::Unlimited;
        };
        let now =
            i64::try_from(now.saturating_duration_since(self.base).as_nanos()).unwrap_or(i64::MAX);
        match params.step(self.tat, now) {
            Ok(tat) => {
                self.tat = tat;
                params.allowed(now, tat)
            }
            Err(limited) => limited,
        }
    }
}

/// The buckets of all projects; memory grows with the number of projects that made requests
/// (projects only exist through their API keys, so it is bounded by the configured ones).
#[derive(Debug)]
pub(crate) struct RateLimiter {
    default: Limit,
    per_project: HashMap<String, Limit>,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// A limiter with a server-wide default and overrides per project id.
    pub fn new(default: Limit, per_project: HashMap<String, Limit>) -> Self {
        Self {
            default,
            per_project,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The limit of a project.
    pub fn limit_of(&self, project: &str) -> Limit {
        self.per_project
            .get(project)
            .copied()
            .unwrap_or(self.default)
    }

    /// Counts one request of `project` at `now`.
    pub fn check(&self, project: &str, now: Instant) -> Decision {
        let limit = self.limit_of(project);
        if limit.is_unlimited() {
            return Decision::Unlimited;
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        match buckets.get_mut(project) {
            Some(bucket) => bucket.check(limit, now),
            None => {
                let mut bucket = Bucket::new(now);
                let decision = bucket.check(limit, now);
                buckets.insert(project.to_owned(), bucket);
                decision
            }
        }
    }
}

/// The 429 answer (docs/spec/wire.md §10 envelope) with `retry-after`, `retry-after-ms` and the
/// `x-ratelimit-*` headers.
pub(crate) fn limited_response(limit: Limit, decision: Decision) -> Response {
    let wait = match decision {
        Decision::Limited { retry_after, .. } => retry_after,
        _ => Duration::ZERO,
    };
    let ms = retry_after_ms(wait);
    let mut error = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "Request_RateLimited",
        format!(
            "Rate limit exceeded: this project may make {} requests per second (bursts of {}); \
             retry in {ms} ms",
            limit.per_second, limit.burst
        ),
    )
    .fix(
        "Wait for `retry-after-ms` (or `retry-after`) before retrying and spread requests out, \
         or raise the project's `rate_limit` / `rate_limit_burst` in the server config.",
    );
    error.retry_after = Some(retry_after_secs(wait));
    let mut resp = error.into_response();
    resp.headers_mut()
        .insert(RETRY_AFTER_MS_HEADER.clone(), HeaderValue::from(ms));
    decision.add_headers(resp.headers_mut());
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn limit(per_second: f64, burst: u32) -> Limit {
        Limit { per_second, burst }
    }

    #[test]
    fn a_full_bucket_allows_the_burst_then_limits() {
        let t0 = Instant::now();
        let mut b = Bucket::new(t0);
        let l = limit(2.0, 3);
        let remaining: Vec<Decision> = (0..3).map(|_| b.check(l, t0)).collect();
        assert_eq!(
            remaining,
            [2, 1, 0].map(|remaining| Decision::Allowed {
                limit: 3,
                remaining
            })
        );
        assert_eq!(
            b.check(l, t0),
            Decision::Limited {
                limit: 3,
                retry_after: 500 * MS
            }
        );
        // A rejected request takes nothing: the wait shrinks with time only.
        assert_eq!(
            b.check(l, t0 + 200 * MS),
            Decision::Limited {
                limit: 3,
                retry_after: 300 * MS
            }
        );
    }

    #[test]
    fn tokens_refill_at_the_sustained_rate_up_to_the_burst() {
        let t0 = Instant::now();
        let mut b = Bucket::new(t0);
        let l = limit(4.0, 2);
        assert!(matches!(b.check(l, t0), Decision::Allowed { .. }));
        assert!(matches!(b.check(l, t0), Decision::Allowed { .. }));
        assert!(matches!(b.check(l, t0), Decision::Limited { .. }));
        // One token every 250 ms.
        assert!(matches!(
            b.check(l, t0 + 249 * MS),
            Decision::Limited { .. }
        ));
        assert_eq!(
            b.check(l, t0 + 250 * MS),
            Decision::Allowed {
                limit: 2,
                remaining: 0
            }
        );
        assert!(matches!(
            b.check(l, t0 + 250 * MS),
            Decision::Limited { .. }
        ));
        // A long idle period refills to the burst, not beyond.
        let later = t0 + Duration::from_secs(60);
        assert_eq!(
            b.check(l, later),
            Decision::Allowed {
                limit: 2,
                remaining: 1
            }
        );
        assert!(matches!(b.check(l, later), Decision::Allowed { .. }));
        assert!(matches!(b.check(l, later), Decision::Limited { .. }));
    }

    #[test]
    fn fractional_rates_and_a_burst_of_one() {
        let t0 = Instant::now();
        let mut b = Bucket::new(t0);
        let l = limit(0.5, 1);
        assert!(matches!(
            b.check(l, t0),
            Decision::Allowed { remaining: 0, .. }
        ));
        assert_eq!(
            b.check(l, t0 + 500 * MS),
            Decision::Limited {
                limit: 1,
                retry_after: 1500 * MS
            }
        );
        assert!(matches!(
            b.check(l, t0 + Duration::from_secs(2)),
            Decision::Allowed { .. }
        ));
    }

    #[test]
    fn retry_after_is_rounded_up() {
        assert_eq!(retry_after_ms(500 * MS), 500);
        assert_eq!(retry_after_ms(Duration::from_micros(1)), 1);
        assert_eq!(retry_after_ms(Duration::from_micros(1_001)), 2);
        assert_eq!(retry_after_secs(500 * MS), 1);
        assert_eq!(retry_after_secs(1000 * MS), 1);
        assert_eq!(retry_after_secs(1001 * MS), 2);
    }

    #[test]
    fn zero_means_unlimited() {
        let t0 = Instant::now();
        let limiter = RateLimiter::new(limit(0.0, 100), HashMap::new());
        for _ in 0..10_000 {
            assert_eq!(limiter.check("p", t0), Decision::Unlimited);
        }
        assert!(limiter.buckets.lock().unwrap().is_empty(), "no state kept");
        let mut headers = HeaderMap::new();
        Decision::Unlimited.add_headers(&mut headers);
        assert!(headers.is_empty());
        assert!(limit(1e300, 1).interval().is_none(), "below a nanosecond");
        assert!(limit(f64::NAN, 1).is_unlimited());
        assert!(limit(1e-300, 1).interval().is_some(), "no overflow");
    }

    #[test]
    fn projects_have_separate_buckets_and_limits() {
        let t0 = Instant::now();
        let limiter = RateLimiter::new(
            limit(1.0, 1),
            HashMap::from([
                ("big".to_owned(), limit(100.0, 50)),
                ("free".to_owned(), limit(0.0, 1)),
            ]),
        );
        assert!(matches!(limiter.check("a", t0), Decision::Allowed { .. }));
        assert!(matches!(limiter.check("a", t0), Decision::Limited { .. }));
        assert!(matches!(limiter.check("b", t0), Decision::Allowed { .. }));
        for _ in 0..50 {
            assert!(matches!(
                limiter.check("big", t0),
                Decision::Allowed { limit: 50, .. }
            ));
        }
        assert!(matches!(limiter.check("big", t0), Decision::Limited { .. }));
        assert_eq!(limiter.check("free", t0), Decision::Unlimited);
    }

    #[test]
    fn the_429_carries_both_headers_and_the_envelope() {
        let l = limit(2.0, 2);
        let resp = limited_response(
            l,
            Decision::Limited {
                limit: 2,
                retry_after: 1250 * MS,
            },
        );
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        let h = resp.headers();
        assert_eq!(h["retry-after"], "2");
        assert_eq!(h["retry-after-ms"], "1250");
        assert_eq!(h["x-ratelimit-limit"], "2");
        assert_eq!(h["x-ratelimit-remaining"], "0");
        assert_eq!(h["content-type"], "application/json");
    }
}
