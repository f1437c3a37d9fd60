//! Typed, opaque identifiers.
//!
//! Ids are opaque strings (`trs_…`, `ca_…`, `ac_…`): they are never parsed, only checked to be
//! non-empty and free of control characters, so that a bad id fails before anything is sent.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An id or slug that could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what}: {reason}")]
pub struct InvalidId {
    /// Which kind of id was rejected (for example `user id`).
    pub what: &'static str,
    /// Why it was rejected.
    pub reason: &'static str,
}

pub(crate) fn validate(what: &'static str, value: &str) -> Result<(), InvalidId> {
    if value.trim().is_empty() {
        return Err(InvalidId {
            what,
            reason: "must not be empty",
        });
    }
    if value.chars().any(char::is_control) {
        return Err(InvalidId {
            what,
            reason: "must not contain control characters",
        });
    }
    Ok(())
}

/// A random UUID version 4 in its canonical form: 36 characters, `8-4-4-4-12` lowercase
/// hex digits (for `Idempotency-Key` and `x-request-id` values).
///
/// ```
/// let id = composio_core::ids::new_uuid_v4();
/// assert_eq!(id.len(), 36);
/// assert_eq!(&id[14..15], "4"); // the version
/// assert_ne!(id, composio_core::ids::new_uuid_v4());
/// ```
pub fn new_uuid_v4() -> String {
    format_uuid_v4(rand::random())
}

/// Sets the version (4) and variant (RFC 9562) bits of 16 random bytes and formats them.
fn format_uuid_v4(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

macro_rules! opaque_id {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Checks that `value` is non-empty and has no control characters.
            pub fn new(value: impl Into<String>) -> Result<Self, InvalidId> {
                let value = value.into();
                validate($what, &value)?;
                Ok(Self(value))
            }

            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Consumes the id and returns the string.
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = InvalidId;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                Self::new(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

opaque_id!(
    /// The id of one of your end users (any non-empty string you choose, e.g. `user_123`).
    ///
    /// ```
    /// use composio_core::UserId;
    /// assert_eq!(UserId::new("user_123").unwrap().as_str(), "user_123");
    /// assert!(UserId::new("  ").is_err());
    /// ```
    UserId,
    "user id"
);
opaque_id!(
    /// A tool-router session id (`trs_…`).
    SessionId,
    "session id"
);
opaque_id!(
    /// A connected account id (`ca_…`).
    ConnectedAccountId,
    "connected account id"
);
opaque_id!(
    /// A toolkit slug such as `gmail` or `github`.
    ToolkitSlug,
    "toolkit slug"
);
opaque_id!(
    /// An auth config id (`ac_…`).
    AuthConfigId,
    "auth config id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_v4_has_the_canonical_form_version_and_variant() {
        assert_eq!(
            format_uuid_v4([0xff; 16]),
            "ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
        assert_eq!(
            format_uuid_v4([0; 16]),
            "00000000-0000-4000-8000-000000000000"
        );
        let a = new_uuid_v4();
        let parts: Vec<usize> = a.split('-').map(str::len).collect();
        assert_eq!(parts, vec![8, 4, 4, 4, 12]);
        assert!(a
            .chars()
            .all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c)));
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
        assert_ne!(a, new_uuid_v4());
    }

    #[test]
    fn rejects_empty_and_control_characters() {
        assert_eq!(UserId::new("").unwrap_err().reason, "must not be empty");
        assert_eq!(
            SessionId::new("trs_\n1").unwrap_err().reason,
            "must not contain control characters"
        );
        assert_eq!(ToolkitSlug::new("gmail").unwrap(), "gmail");
    }

    #[test]
    fn serde_is_a_plain_string_and_validates() {
        let id: ConnectedAccountId = serde_json::from_str("\"ca_1\"").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"ca_1\"");
        assert!(serde_json::from_str::<ConnectedAccountId>("\"\"").is_err());
    }
}
