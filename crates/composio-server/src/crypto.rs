//! Secrets at rest: AES-256-GCM for credentials, SHA-256 for API keys.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A string that must never be logged; `Debug` prints `"<redacted>"`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value; handle with care.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"<redacted>\"")
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self::new(s)
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self)
    }
}

/// Errors of [`Cipher`].
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The key is not base64 of 32 bytes.
    #[error("encryption key must be base64 of exactly 32 bytes")]
    BadKey,
    /// Encryption failed.
    #[error("encryption failed")]
    Encrypt,
    /// The ciphertext is damaged or was made with another key.
    #[error("decryption failed (wrong key or damaged data)")]
    Decrypt,
}

/// AES-256-GCM with a random 96-bit nonce per message (stored in front of the ciphertext).
#[derive(Clone)]
pub struct Cipher {
    cipher: Aes256Gcm,
}

impl fmt::Debug for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Cipher(<redacted>)")
    }
}

impl Cipher {
    /// A cipher from 32 raw key bytes.
    pub fn new(key: &[u8; 32]) -> Self {
        Self {
            cipher: Aes256Gcm::new(key.into()),
        }
    }

    /// A cipher from a base64-encoded 32-byte key.
    pub fn from_base64(key: &str) -> Result<Self, CryptoError> {
        let bytes = STANDARD
            .decode(key.trim())
            .map_err(|_| CryptoError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::BadKey)?;
        Ok(Self::new(&key))
    }

    /// A fresh random key, base64-encoded.
    pub fn generate_key_base64() -> String {
        let mut key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        STANDARD.encode(key)
    }

    /// Encrypts `plaintext`; the output is `nonce || ciphertext+tag`.
    pub fn encrypt(&self, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext)
            .map_err(|_| CryptoError::Encrypt)?;
        let mut out = Vec::with_capacity(12 + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Decrypts the output of [`Cipher::encrypt`].
    pub fn decrypt(&self, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if data.len() < 12 {
            return Err(CryptoError::Decrypt);
        }
        let (nonce, ct) = data.split_at(12);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| CryptoError::Decrypt)
    }
}

/// SHA-256 of an API key (what is stored instead of the key).
pub fn hash_api_key(key: &str) -> [u8; 32] {
    secret_hash(key)
}

/// SHA-256 of a bearer secret (an API key, a sandbox code or token): what is stored instead
/// of it, so nothing in the database can be replayed.
pub(crate) fn secret_hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Constant-time comparison of two hashes.
pub fn hashes_equal(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// A new random API key (`csk_…`).
pub fn generate_api_key() -> String {
    crate::ids::api_key()
}

/// PKCE S256 challenge of a verifier: `BASE64URL(SHA256(verifier))` without padding.
pub fn pkce_s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A stable id derived from `parts` (used for per-project auth config ids).
pub fn derived_id(prefix: &str, parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    let digest = h.finalize();
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let body: String = digest
        .iter()
        .take(12)
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    format!("{prefix}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper_detection() {
        let c = Cipher::from_base64(&Cipher::generate_key_base64()).unwrap();
        let ct = c.encrypt(b"refresh-token-123").unwrap();
        assert_ne!(&ct[12..], b"refresh-token-123");
        assert_eq!(c.decrypt(&ct).unwrap(), b"refresh-token-123");
        let mut bad = ct.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(c.decrypt(&bad).is_err());
        let other = Cipher::from_base64(&Cipher::generate_key_base64()).unwrap();
        assert!(other.decrypt(&ct).is_err());
        assert!(c.decrypt(b"short").is_err());
    }

    #[test]
    fn bad_keys_are_rejected() {
        assert!(Cipher::from_base64("not base64!").is_err());
        assert!(Cipher::from_base64(&STANDARD.encode([0u8; 16])).is_err());
    }

    #[test]
    fn secrets_are_redacted_and_hashes_compare() {
        assert_eq!(format!("{:?}", Secret::new("k")), "\"<redacted>\"");
        assert!(hashes_equal(&hash_api_key("a"), &hash_api_key("a")));
        assert!(!hashes_equal(&hash_api_key("a"), &hash_api_key("b")));
    }

    #[test]
    fn pkce_matches_the_oauth2_crate() {
        let verifier =
            oauth2::PkceCodeVerifier::new("dBjftJeZ4CVP-mJ0ez7d6VYsXCjHqLW7XbMXPPL7rvk".into());
        let challenge = oauth2::PkceCodeChallenge::from_code_verifier_sha256(&verifier);
        assert_eq!(pkce_s256(verifier.secret()), challenge.as_str());
        assert_eq!(
            derived_id("ac_", &["p", "gmail"]),
            derived_id("ac_", &["p", "gmail"])
        );
        assert_ne!(
            derived_id("ac_", &["p", "gmail"]),
            derived_id("ac_", &["q", "gmail"])
        );
    }
}
