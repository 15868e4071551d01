//! Invitations and password resets: links sent by e-mail, stored as token hashes, each
//! used once before it expires.

use super::{Store, StoreError, now, on_pool};
use crate::model::{Organisation, Role};

/// An invitation, as its link finds it.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub id: i64,
    pub org: Organisation,
    pub email: String,
    pub roles: Vec<Role>,
    pub live: bool,
}

impl Store {
    /// Records an invitation to `org_id` for `email` with `roles`.
    pub async fn create_invitation(
        &self,
        org_id: i64,
        email: &str,
        roles: &[Role],
        token_hash: &str,
        invited_by: i64,
        lifetime_secs: i64,
    ) -> Result<(), StoreError> {
        let t = now();
        let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        on_pool!(self, p => sqlx::query(
            "INSERT INTO invitations (org_id, email, roles, token_hash, invited_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )
        .bind(org_id)
        .bind(email)
        .bind(roles.join(" "))
        .bind(token_hash)
        .bind(invited_by)
        .bind(t)
        .bind(t + lifetime_secs)
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    /// The invitation a link's token names; `live` is false once used or expired.
    pub async fn invitation(&self, token_hash: &str) -> Result<Option<Invitation>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            org_slug: String,
            email: String,
            roles: String,
            expires_at: i64,
            accepted_at: Option<i64>,
        }
        let row: Option<Row> = on_pool!(self, p => sqlx::query_as(
            "SELECT i.id, o.slug AS org_slug, i.email, i.roles, i.expires_at, i.accepted_at
             FROM invitations i JOIN organisations o ON o.id = i.org_id WHERE i.token_hash = $1"
        )
        .bind(token_hash)
        .fetch_optional(p)
        .await?);
        let Some(r) = row else { return Ok(None) };
        let Some(org) = self.org_by_slug(&r.org_slug).await? else {
            return Ok(None);
        };
        let roles = r
            .roles
            .split_whitespace()
            .map(|t| t.parse().map_err(StoreError::Corrupt))
            .collect::<Result<Vec<Role>, _>>()?;
        Ok(Some(Invitation {
            id: r.id,
            org,
            email: r.email,
            roles,
            live: r.accepted_at.is_none() && r.expires_at > now(),
        }))
    }

    /// Marks an invitation used; false if it already was (two tabs, a double click).
    pub async fn accept_invitation(&self, id: i64) -> Result<bool, StoreError> {
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE invitations SET accepted_at = $1 WHERE id = $2 AND accepted_at IS NULL"
        )
        .bind(now())
        .bind(id)
        .execute(p)
        .await?
        .rows_affected());
        Ok(n == 1)
    }

    /// Records a password reset for `user_id`.
    pub async fn create_reset(
        &self,
        user_id: i64,
        token_hash: &str,
        lifetime_secs: i64,
    ) -> Result<(), StoreError> {
        let t = now();
        on_pool!(self, p => sqlx::query(
            "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)"
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(t)
        .bind(t + lifetime_secs)
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    /// The person a live (unused, unexpired) reset link is for.
    pub async fn reset_user(&self, token_hash: &str) -> Result<Option<i64>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT user_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2"
        )
        .bind(token_hash)
        .bind(now())
        .fetch_optional(p)
        .await?))
    }

    /// Uses a reset link: true only the first time, while it is live.
    pub async fn use_reset(&self, token_hash: &str) -> Result<bool, StoreError> {
        let t = now();
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE password_resets SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1"
        )
        .bind(t)
        .bind(token_hash)
        .execute(p)
        .await?
        .rows_affected());
        Ok(n == 1)
    }

    /// Resets waiting for `user_id` in the last `window_secs` (to limit reset e-mails).
    pub async fn recent_resets(&self, user_id: i64, window_secs: i64) -> Result<i64, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM password_resets WHERE user_id = $1 AND created_at > $2"
        )
        .bind(user_id)
        .bind(now() - window_secs)
        .fetch_one(p)
        .await?))
    }
}
