//! What the content origin needs again and again, kept in each process's memory: things
//! that do not change once made (a launch's enrolment, a version's package, a grant),
//! and each enrolment's attempts as this process last stored them, which the store checks
//! before it writes on top of them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::model::Part;
use crate::store::{Attempt, ContentGrant, Enrolment, PackageRecord, now};

/// What launches need again and again, kept in memory: each live token's enrolment,
/// and each version's package and parts (none of which changes once a learner is on it).
#[derive(Default)]
pub struct PlayCache {
    tokens: Mutex<HashMap<String, (i64, Enrolment)>>,
    versions: Mutex<HashMap<i64, CachedVersion>>,
    /// Each enrolment's attempts as this process last stored them. Another instance may
    /// have stored more since: a write built on an older one is refused by the store
    /// (`Stored::Moved`), and the attempts are read again.
    attempts: Mutex<HashMap<i64, Vec<Attempt>>>,
    /// Previews' grants (which never change until they expire).
    grants: Mutex<HashMap<String, ContentGrant>>,
}

/// A version's package and its parts.
pub type CachedVersion = (Arc<PackageRecord>, Arc<Vec<Part>>);

/// Entries kept before the cache starts again (a bound on its memory).
const CACHE_LIMIT: usize = 200_000;

impl PlayCache {
    pub fn token(&self, hash: &str, at: i64) -> Option<Enrolment> {
        let tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        tokens
            .get(hash)
            .filter(|(expires, _)| *expires > at)
            .map(|(_, e)| e.clone())
    }

    pub fn remember_token(&self, hash: String, expires: i64, enrolment: Enrolment) {
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        if tokens.len() >= CACHE_LIMIT {
            let at = now();
            tokens.retain(|_, (expires, _)| *expires > at);
            if tokens.len() >= CACHE_LIMIT {
                tokens.clear();
            }
        }
        tokens.insert(hash, (expires, enrolment));
    }

    /// The live grant hashed as `hash`, if this process has seen it.
    pub fn grant(&self, hash: &str, at: i64) -> Option<ContentGrant> {
        let grants = self.grants.lock().unwrap_or_else(|e| e.into_inner());
        grants.get(hash).filter(|g| g.expires_at > at).cloned()
    }

    pub fn remember_grant(&self, hash: String, grant: ContentGrant) {
        let mut grants = self.grants.lock().unwrap_or_else(|e| e.into_inner());
        if grants.len() >= CACHE_LIMIT {
            let at = now();
            grants.retain(|_, g| g.expires_at > at);
            if grants.len() >= CACHE_LIMIT {
                grants.clear();
            }
        }
        grants.insert(hash, grant);
    }

    pub fn attempts(&self, enrolment: i64) -> Option<Vec<Attempt>> {
        let attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        attempts.get(&enrolment).cloned()
    }

    pub fn remember_attempts(&self, enrolment: i64, list: Vec<Attempt>) {
        let mut attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        if attempts.len() >= 20_000 {
            attempts.clear();
        }
        attempts.insert(enrolment, list);
    }

    pub fn forget_attempts(&self, enrolment: i64) {
        let mut attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        attempts.remove(&enrolment);
    }

    pub fn version(&self, id: i64) -> Option<CachedVersion> {
        let versions = self.versions.lock().unwrap_or_else(|e| e.into_inner());
        versions.get(&id).cloned()
    }

    pub fn remember_version(&self, id: i64, package: Arc<PackageRecord>, parts: Arc<Vec<Part>>) {
        let mut versions = self.versions.lock().unwrap_or_else(|e| e.into_inner());
        if versions.len() >= 10_000 {
            versions.clear();
        }
        versions.insert(id, (package, parts));
    }
}
