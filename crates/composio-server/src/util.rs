//! Small helpers: RFC 3339 timestamps, HTML escaping, per-key async locks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// The earliest and latest instants RFC 3339 can write: `0000-01-01T00:00:00.000Z` and
/// `9999-12-31T23:59:59.999Z`, in epoch milliseconds.
const TS_RANGE_MS: (i64, i64) = (-62_167_219_200_000, 253_402_300_799_999);

/// Formats epoch milliseconds as `2026-01-10T12:00:00.000Z`; instants beyond the years
/// 0000–9999 (a link expiring "never") are written as the nearest one RFC 3339 can hold.
pub fn format_ts(ms: i64) -> String {
    let ms = ms.clamp(TS_RANGE_MS.0, TS_RANGE_MS.1);
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// One async mutex per key, made on first use and forgotten when nobody holds or waits for
/// it: runs work single-flight per key within this process (idempotency keys, credential
/// refreshes).
#[derive(Debug, Default)]
pub(crate) struct KeyedLocks {
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl KeyedLocks {
    /// Waits for the lock of `key`; it is held until the guard is dropped.
    pub(crate) async fn lock(&self, key: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
            locks.retain(|_, l| Arc::strong_count(l) > 1);
            locks.entry(key.to_owned()).or_default().clone()
        };
        lock.lock_owned().await
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_milliseconds() {
        assert_eq!(format_ts(1_768_046_400_123), "2026-01-10T12:00:00.123Z");
    }

    #[test]
    fn timestamps_beyond_rfc_3339_are_clamped() {
        // Found by `timestamps_are_rfc_3339_and_ordered`: a link expiring after the year
        // 9999 (`link_expiry_secs` is any positive number) reported `expires_at` as 1970.
        assert_eq!(format_ts(i64::MAX), "9999-12-31T23:59:59.999Z");
        assert_eq!(format_ts(i64::MIN), "0000-01-01T00:00:00.000Z");
    }

    proptest::proptest! {
        /// Every instant is written as RFC 3339 (UTC, milliseconds), and later instants sort
        /// after earlier ones.
        #[test]
        fn timestamps_are_rfc_3339_and_ordered(a: i64, b: i64) {
            let (lo, hi) = (a.min(b), a.max(b));
            let (x, y) = (format_ts(lo), format_ts(hi));
            proptest::prop_assert!(x <= y, "{x} > {y}");
            for s in [&x, &y] {
                proptest::prop_assert_eq!(s.len(), 24, "{}", s);
                let parsed = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339);
                proptest::prop_assert!(parsed.is_ok(), "{}", s);
            }
            let inside = lo.clamp(TS_RANGE_MS.0, TS_RANGE_MS.1);
            let parsed = time::OffsetDateTime::parse(&x, &time::format_description::well_known::Rfc3339).expect("parsed");
            proptest::prop_assert_eq!(parsed.unix_timestamp_nanos() / 1_000_000, i128::from(inside));
        }
    }

    #[test]
    fn escapes_html() {
        assert_eq!(
            html_escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#x27;"
        );
    }

    #[tokio::test]
    async fn keyed_locks_serialize_one_key_only() {
        let locks = KeyedLocks::default();
        let a = locks.lock("a").await;
        // Another key is free while `a` is held.
        let b = tokio::time::timeout(std::time::Duration::from_secs(1), locks.lock("b")).await;
        assert!(b.is_ok());
        // The same key waits until `a` is released.
        let again =
            tokio::time::timeout(std::time::Duration::from_millis(50), locks.lock("a")).await;
        assert!(again.is_err());
        drop(a);
        let again = tokio::time::timeout(std::time::Duration::from_secs(1), locks.lock("a")).await;
        assert!(again.is_ok());
    }
}
