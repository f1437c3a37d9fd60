//! Every id and random token the server makes, in one place: their prefixes and lengths are
//! part of the protocol (`trs_…`, `ca_…`, `lk_…`), and tokens that are bearer secrets get
//! enough randomness (alphanumeric, about 5.95 bits a character).

use rand::distributions::Alphanumeric;
use rand::Rng;

/// A random alphanumeric string of `len` characters.
pub(crate) fn random_string(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

fn prefixed(prefix: &str, len: usize) -> String {
    let mut s = String::with_capacity(prefix.len() + len);
    s.push_str(prefix);
    s.push_str(&random_string(len));
    s
}

/// A project id (`prj_…`).
pub(crate) fn project() -> String {
    prefixed("prj_", 12)
}

/// A tool router session id (`trs_…`).
pub(crate) fn session() -> String {
    prefixed("trs_", 12)
}

/// A connected account id (`ca_…`).
pub(crate) fn account() -> String {
    prefixed("ca_", 12)
}

/// A Connect Link token (`lk_…`, a bearer secret: 142 bits).
pub(crate) fn link_token() -> String {
    prefixed("lk_", 24)
}

/// An OAuth `state` parameter (238 bits).
pub(crate) fn oauth_state() -> String {
    random_string(40)
}

/// A watch id of the push wait (`wch_…`).
pub(crate) fn watch() -> String {
    prefixed("wch_", 20)
}

/// A tool execution log id (`log_…`).
pub(crate) fn execution_log() -> String {
    prefixed("log_", 12)
}

/// The holder name of a lease taken by this process (`lease_…`).
pub(crate) fn lease_holder() -> String {
    prefixed("lease_", 16)
}

/// An API key (`csk_…`, 238 bits).
pub(crate) fn api_key() -> String {
    prefixed("csk_", 40)
}

/// A sandbox provider token of `kind` (`sbx_at_…`, `sbx_rt_…`, `sbx_code_…`).
pub(crate) fn sandbox_token(kind: &str) -> String {
    prefixed(&format!("sbx_{kind}_"), 32)
}

/// The id of a revocation done for a delete (`rvk_…`), for the logs.
pub(crate) fn revoke_job() -> String {
    prefixed("rvk_", 16)
}

/// A sandbox provider grant id (`sbg_…`).
pub(crate) fn sandbox_grant() -> String {
    prefixed("sbg_", 24)
}

/// A webhook subscription id (`ws_…`).
pub(crate) fn webhook_subscription() -> String {
    prefixed("ws_", 16)
}

/// A webhook event id (`msg_<uuid>`, the `webhook-id` header; docs/spec/wire-2026.md §20.3).
pub(crate) fn webhook_message() -> String {
    format!("msg_{}", composio_core::ids::new_uuid_v4())
}

/// A webhook delivery id (`whd_…`).
pub(crate) fn webhook_delivery() -> String {
    prefixed("whd_", 16)
}

/// A webhook signing secret: `wsk_` and 32 random bytes as base64url without padding
/// (docs/spec/wire-2026.md §20.6). The HMAC key is the whole string.
pub(crate) fn webhook_secret() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut bytes);
    format!(
        "wsk_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// A new auth config id (`ac_…`, random), for the configs a project creates.
pub(crate) fn new_auth_config() -> String {
    prefixed("ac_", 12)
}

/// The auth config id of a toolkit in a project (`ac_…`), derived so it is stable across
/// restarts and replicas.
pub(crate) fn auth_config(project_id: &str, toolkit: &str) -> String {
    crate::crypto::derived_id("ac_", &[project_id, toolkit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_their_prefix_and_length() {
        for (id, prefix, len) in [
            (project(), "prj_", 12),
            (session(), "trs_", 12),
            (account(), "ca_", 12),
            (link_token(), "lk_", 24),
            (watch(), "wch_", 20),
            (execution_log(), "log_", 12),
            (api_key(), "csk_", 40),
            (sandbox_token("at"), "sbx_at_", 32),
        ] {
            let rest = id.strip_prefix(prefix).expect(prefix);
            assert_eq!(rest.len(), len, "{id}");
            assert!(rest.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
        }
        assert_eq!(oauth_state().len(), 40);
        let msg = webhook_message();
        let uuid = msg.strip_prefix("msg_").expect("msg_");
        assert_eq!(uuid.len(), 36, "{msg}");
        assert!(
            uuid.chars().all(|c| c.is_ascii_hexdigit() || c == '-'),
            "{msg}"
        );
        let secret = webhook_secret();
        assert_eq!(secret.len(), 4 + 43, "{secret}");
        assert_ne!(webhook_secret(), secret);
        assert_ne!(link_token(), link_token());
    }

    #[test]
    fn auth_config_ids_are_stable() {
        assert_eq!(auth_config("p", "gmail"), auth_config("p", "gmail"));
        assert_ne!(auth_config("p", "gmail"), auth_config("q", "gmail"));
        assert!(auth_config("p", "gmail").starts_with("ac_"));
    }
}
