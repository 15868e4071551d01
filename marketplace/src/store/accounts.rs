//! People, sessions, sign-in throttling, API tokens and the e-mail outbox. Session and
//! API tokens are stored only as SHA-256 hashes, so a copy of the database signs nobody
//! in.

use serde::Serialize;

use super::{Store, StoreError, conflict, now, on_pool};
use crate::model::{Organisation, User};

/// An account with the hash of its password, if it has one: the password is one of
/// its identities (single sign-on adds others beside it).
macro_rules! user_select {
    () => {
        "SELECT u.id, u.email, u.name, i.secret AS password_hash FROM users u
         LEFT JOIN identities i ON i.user_id = u.id AND i.provider = 'password'"
    };
}

/// Makes or replaces an account's password identity: `$1` the account, `$2` its id as
/// text (the subject), `$3` the hash, `$4` now.
const PASSWORD_IDENTITY: &str = "INSERT INTO identities (user_id, provider, subject, secret, created_at) VALUES ($1, 'password', $2, $3, $4)
     ON CONFLICT (provider, subject) DO UPDATE SET secret = excluded.secret";

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    email: String,
    name: String,
    password_hash: Option<String>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: r.id,
            email: r.email,
            name: r.name,
            password_hash: r.password_hash,
        }
    }
}

/// A signed-in person, from their session.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user: User,
    /// The session's CSRF token, which every form it posts must carry.
    pub csrf: String,
}

/// An API token's grant: one organisation, one person, some scopes.
#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub org: Organisation,
    pub user_id: i64,
    pub scopes: Vec<String>,
}

/// A message waiting in the outbox.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OutboxMessage {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

impl Store {
    /// Creates an account (`email` already normalised); a taken e-mail address is
    /// [`StoreError::Conflict`].
    pub async fn create_user(
        &self,
        email: &str,
        name: &str,
        password_hash: Option<&str>,
    ) -> Result<User, StoreError> {
        let id: i64 = on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO users (email, name, created_at) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(email)
            .bind(name)
            .bind(now())
            .fetch_one(&mut *tx)
            .await
            .map_err(conflict("e-mail address"))?;
            if let Some(hash) = password_hash {
                sqlx::query(PASSWORD_IDENTITY)
                    .bind(id)
                    .bind(id.to_string())
                    .bind(hash)
                    .bind(now())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            id
        });
        Ok(User {
            id,
            email: email.to_string(),
            name: name.to_string(),
            password_hash: password_hash.map(str::to_string),
        })
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = on_pool!(self, p => sqlx::query_as(
            concat!(user_select!(), " WHERE u.email = $1")
        )
        .bind(email)
        .fetch_optional(p)
        .await?);
        Ok(row.map(User::from))
    }

    /// Sets the password of an account (its password identity, made if it has none).
    pub async fn set_password(&self, user_id: i64, hash: &str) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query(PASSWORD_IDENTITY)
            .bind(user_id)
            .bind(user_id.to_string())
            .bind(hash)
            .bind(now())
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Starts a session (`token_hash` is the SHA-256 of the cookie's token).
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf: &str,
        lifetime_secs: i64,
    ) -> Result<(), StoreError> {
        let t = now();
        on_pool!(self, p => sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf)
        .bind(t)
        .bind(t + lifetime_secs)
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Records that `user_id` has just signed in with its identity of `provider`.
    pub async fn identity_used(&self, user_id: i64, provider: &str) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query(
            "UPDATE identities SET last_used_at = $1 WHERE user_id = $2 AND provider = $3"
        )
        .bind(now())
        .bind(user_id)
        .bind(provider)
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    /// When `user_id` last signed in with its identity of `provider`, if ever.
    pub async fn identity_last_used(
        &self,
        user_id: i64,
        provider: &str,
    ) -> Result<Option<i64>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT last_used_at FROM identities WHERE user_id = $1 AND provider = $2"
        )
        .bind(user_id)
        .bind(provider)
        .fetch_optional(p)
        .await?)
        .flatten())
    }

    /// The person a live session belongs to; an expired session is removed.
    pub async fn session_user(&self, token_hash: &str) -> Result<Option<SessionUser>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            email: String,
            name: String,
            csrf: String,
            expires_at: i64,
        }
        let row: Option<Row> = on_pool!(self, p => sqlx::query_as(
            "SELECT u.id, u.email, u.name, s.csrf, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1"
        )
        .bind(token_hash)
        .fetch_optional(p)
        .await?);
        match row {
            Some(r) if r.expires_at > now() => Ok(Some(SessionUser {
                user: User {
                    id: r.id,
                    email: r.email,
                    name: r.name,
                    password_hash: None,
                },
                csrf: r.csrf,
            })),
            Some(_) => {
                self.end_session(token_hash).await?;
                Ok(None)
            }
            None => Ok(None),
        }
    }

    pub async fn end_session(&self, token_hash: &str) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Ends every session of `user_id` ("sign out everywhere"); returns how many.
    pub async fn end_all_sessions(&self, user_id: i64) -> Result<u64, StoreError> {
        let r = on_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(p)
            .await?
            .rows_affected());
        Ok(r)
    }

    /// Records a failed sign-in against `key` (an account's or an address's).
    pub async fn record_failure(&self, key: &str) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query("INSERT INTO sign_in_failures (key, at) VALUES ($1, $2)")
            .bind(key)
            .bind(now())
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Failed sign-ins against `key` in the last `window_secs`.
    pub async fn failures(&self, key: &str, window_secs: i64) -> Result<i64, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM sign_in_failures WHERE key = $1 AND at > $2"
        )
        .bind(key)
        .bind(now() - window_secs)
        .fetch_one(p)
        .await?))
    }

    /// Forgets the failures against `key` (after a successful sign-in).
    pub async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query("DELETE FROM sign_in_failures WHERE key = $1")
            .bind(key)
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Stores an API token's hash with its grant.
    pub async fn create_token(
        &self,
        org_id: i64,
        user_id: i64,
        token_hash: &str,
        scopes: &[String],
    ) -> Result<i64, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "INSERT INTO api_tokens (org_id, user_id, token_hash, scopes, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id"
        )
        .bind(org_id)
        .bind(user_id)
        .bind(token_hash)
        .bind(scopes.join(" "))
        .bind(now())
        .fetch_one(p)
        .await?))
    }

    /// The grant of a live (not revoked) API token.
    pub async fn token(&self, token_hash: &str) -> Result<Option<ApiToken>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            org_slug: String,
            user_id: i64,
            scopes: String,
        }
        let row: Option<Row> = on_pool!(self, p => sqlx::query_as(
            "SELECT t.id, o.slug AS org_slug, t.user_id, t.scopes FROM api_tokens t JOIN organisations o ON o.id = t.org_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
        )
        .bind(token_hash)
        .fetch_optional(p)
        .await?);
        let Some(r) = row else { return Ok(None) };
        let Some(org) = self.org_by_slug(&r.org_slug).await? else {
            return Ok(None);
        };
        Ok(Some(ApiToken {
            id: r.id,
            org,
            user_id: r.user_id,
            scopes: r.scopes.split_whitespace().map(str::to_string).collect(),
        }))
    }

    /// Queues an e-mail (sent by SMTP when configured, else read on the outbox page).
    pub async fn queue_mail(
        &self,
        recipient: &str,
        subject: &str,
        body: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO outbox (recipient, subject, body, created_at) VALUES ($1, $2, $3, $4)"
        )
        .bind(recipient)
        .bind(subject)
        .bind(body)
        .bind(now())
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    /// The newest messages in the outbox, newest first.
    pub async fn outbox(&self, limit: i64) -> Result<Vec<OutboxMessage>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT id, recipient, subject, body, created_at, sent_at FROM outbox ORDER BY id DESC LIMIT $1"
        )
        .bind(limit)
        .fetch_all(p)
        .await?))
    }
}

impl Store {
    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = on_pool!(self, p => sqlx::query_as(
            concat!(user_select!(), " WHERE u.id = $1")
        )
        .bind(id)
        .fetch_optional(p)
        .await?);
        Ok(row.map(User::from))
    }
}

/// A message the mailer has claimed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

impl Store {
    /// Claims up to `limit` unsent messages for this instance to send: a message is
    /// claimed by one instance only, and a claim older than `stale_secs` (an instance
    /// that died while sending) can be claimed again. Messages that failed `max_attempts`
    /// times are left for the outbox page.
    pub async fn claim_mail(
        &self,
        limit: i64,
        stale_secs: i64,
        max_attempts: i64,
    ) -> Result<Vec<Claimed>, StoreError> {
        let t = now();
        let ids: Vec<i64> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT id FROM outbox WHERE sent_at IS NULL AND attempts < $1 AND (claimed_at IS NULL OR claimed_at < $2) ORDER BY id LIMIT $3"
        )
        .bind(max_attempts)
        .bind(t - stale_secs)
        .bind(limit)
        .fetch_all(p)
        .await?);
        let mut out = Vec::new();
        for id in ids {
            let claimed: Option<Claimed> = on_pool!(self, p => sqlx::query_as(
                "UPDATE outbox SET claimed_at = $1 WHERE id = $2 AND sent_at IS NULL AND (claimed_at IS NULL OR claimed_at < $3)
                 RETURNING id, recipient, subject, body"
            )
            .bind(t)
            .bind(id)
            .bind(t - stale_secs)
            .fetch_optional(p)
            .await?);
            out.extend(claimed);
        }
        Ok(out)
    }

    /// Records that a claimed message was sent, or why it was not (to try again).
    pub async fn mail_result(&self, id: i64, error: Option<&str>) -> Result<(), StoreError> {
        match error {
            None => {
                on_pool!(self, p => sqlx::query("UPDATE outbox SET sent_at = $1, last_error = NULL WHERE id = $2")
                .bind(now())
                .bind(id)
                .execute(p)
                .await?
                .rows_affected())
            }
            Some(e) => on_pool!(self, p => sqlx::query(
                "UPDATE outbox SET claimed_at = NULL, attempts = attempts + 1, last_error = $1 WHERE id = $2"
            )
            .bind(e)
            .bind(id)
            .execute(p)
            .await?
            .rows_affected()),
        };
        Ok(())
    }
}
