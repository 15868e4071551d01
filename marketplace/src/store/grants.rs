//! Grants to a package's files on the content origin: random tokens, kept hashed, each
//! for one package of one course until it expires.

use super::{Store, StoreError, on_pool};

/// What a live grant lets its holder open.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ContentGrant {
    pub sha256: String,
    pub course_id: i64,
    /// `preview`: nothing is recorded.
    pub purpose: String,
    pub expires_at: i64,
}

impl Store {
    /// Records a grant of the package `sha256` of `course_id` to whoever holds the token
    /// hashed as `token_hash`, until `expires_at`.
    pub async fn create_grant(
        &self,
        token_hash: &str,
        sha256: &str,
        course_id: i64,
        purpose: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO content_grants (token_hash, sha256, course_id, purpose, expires_at) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(token_hash)
        .bind(sha256)
        .bind(course_id)
        .bind(purpose)
        .bind(expires_at)
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    /// The grant of the token hashed as `token_hash`, if it is live at `at`.
    pub async fn grant(
        &self,
        token_hash: &str,
        at: i64,
    ) -> Result<Option<ContentGrant>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT sha256, course_id, purpose, expires_at FROM content_grants WHERE token_hash = $1 AND expires_at > $2"
        )
        .bind(token_hash)
        .bind(at)
        .fetch_optional(p)
        .await?))
    }

    /// Forgets the grants expired at `at`; returns how many.
    pub async fn delete_expired_grants(&self, at: i64) -> Result<u64, StoreError> {
        Ok(
            on_pool!(self, p => sqlx::query("DELETE FROM content_grants WHERE expires_at <= $1")
            .bind(at)
            .execute(p)
            .await?
            .rows_affected()),
        )
    }
}
