//! The API keys the server accepts.

use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use crate::crypto::{hash_api_key, hashes_equal};
use crate::store::{ApiKeyRow, Store, StoreResult};

/// How often an unknown key may trigger a reload from the store.
const RELOAD_INTERVAL: Duration = Duration::from_secs(1);

/// `(sha256(key), project id)` pairs, compared in constant time. An unknown key reloads the
/// pairs from the store (at most once a second, so a flood of bad keys cannot hammer the
/// database), which makes keys created with `composio-server keys create` usable while the
/// server runs.
pub(crate) struct ApiKeys {
    keys: RwLock<Vec<ApiKeyRow>>,
    last_reload: Mutex<Option<Instant>>,
}

impl ApiKeys {
    pub(crate) fn new(keys: Vec<ApiKeyRow>) -> Self {
        Self {
            keys: RwLock::new(keys),
            last_reload: Mutex::new(Some(Instant::now())),
        }
    }

    /// The project of `key`, if the server accepts it.
    pub(crate) async fn project_of(
        &self,
        store: &dyn Store,
        key: &str,
    ) -> StoreResult<Option<String>> {
        let hash = hash_api_key(key);
        if let Some(project) = self.find(&hash) {
            return Ok(Some(project));
        }
        {
            let mut last = self
                .last_reload
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if last.is_some_and(|t| t.elapsed() < RELOAD_INTERVAL) {
                return Ok(None);
            }
            *last = Some(Instant::now());
        }
        let fresh = store.api_keys().await?;
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = fresh;
        Ok(self.find(&hash))
    }

    fn find(&self, hash: &[u8]) -> Option<String> {
        let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
        let mut project = None;
        // Every entry is compared, so the time taken does not depend on which one matches.
        for k in keys.iter() {
            if hashes_equal(&k.hash, hash) {
                project = Some(k.project_id.clone());
            }
        }
        project
    }
}
