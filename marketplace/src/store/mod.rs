//! The one storage interface. Handlers call these domain methods and never see SQL.
//!
//! SQLite (one file, WAL) is the embedded default; PostgreSQL is used when the database
//! URL names it. Both run the same SQL text, written with `$1`-style parameters (which
//! sqlx's SQLite driver binds by number too) and types both dialects share; migrations
//! are kept per backend in `migrations/`. [`on_pool!`] runs one body against whichever
//! pool is configured, so each method is written once.

mod accounts;
mod builds;
mod catalogue;
mod content;
mod grants;
mod links;
mod orgs;
mod tracking;

use std::path::Path;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use accounts::{ApiToken, Claimed, OutboxMessage, SessionUser};
pub use builds::{BuildOutcome, CourseBuild, MAX_BUILD_ATTEMPTS};
pub use catalogue::{CatalogueEntry, CatalogueQuery, SEARCH_COUNT_CAP, Sort};
pub use content::{Course, Listing, NewPackage, PackageRecord, Version};
pub use grants::ContentGrant;
pub use links::Invitation;
pub use orgs::{AuditEntry, Department, MemberRecord, StaffDetails};
pub use tracking::{
    Attempt, CommitWrite, Enrolment, EnrolmentRow, InteractionRow, ObjectiveRow, Rollup, Stored,
    VersionCount,
};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The configured database.
#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$p` bound to the configured pool, whichever backend it is.
macro_rules! on_pool {
    ($store:expr, $p:ident => $body:expr) => {
        match &$store.pool {
            crate::store::Pool::Sqlite($p) => $body,
            crate::store::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Storage: cheap to clone (it holds a connection pool).
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    /// The queue to the writers of the player's commits, started at the first.
    commits: std::sync::Arc<std::sync::OnceLock<tokio::sync::mpsc::Sender<tracking::CommitJob>>>,
}

/// What went wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique value already taken: the argument says which (`slug`, `email`).
    #[error("that {0} is already taken")]
    Conflict(&'static str),
    #[error("not found")]
    NotFound,
    /// A stored value the code does not know (a role from a newer version, say).
    #[error("unexpected stored value: {0}")]
    Corrupt(String),
    #[error("cannot open the database: {0}")]
    Connect(String),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            _ => StoreError::Database(e),
        }
    }
}

/// Turns a unique violation into [`StoreError::Conflict`] naming `what`.
fn conflict(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
        _ => e.into(),
    }
}

/// The time now, in Unix seconds, as stored.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

impl Store {
    /// Opens the database `url` (`sqlite://PATH` or `postgres://…`), creating a SQLite
    /// file and its folder if needed, and brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(5))
                .connect(url)
                .await
                .map_err(|e| StoreError::Connect(e.to_string()))?;
            POSTGRES_MIGRATIONS.run(&pool).await?;
            Pool::Postgres(pool)
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            if let Some(dir) = Path::new(path).parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StoreError::Connect(format!("{}: {e}", dir.display())))?;
            }
            let opts = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5));
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(opts)
                .await
                .map_err(|e| StoreError::Connect(e.to_string()))?;
            SQLITE_MIGRATIONS.run(&pool).await?;
            Pool::Sqlite(pool)
        };
        Ok(Self {
            pool,
            commits: Default::default(),
        })
    }

    /// Which backend this is: `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> bool {
        on_pool!(self, p => sqlx::query("SELECT 1").execute(p).await.is_ok())
    }

    /// Refreshes the query planner's statistics, after many rows have changed at once
    /// (a vendor's whole catalogue): until the database's own maintenance does it, the
    /// planner would otherwise plan searches for the tables as they were.
    pub async fn refresh_statistics(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(p) => {
                sqlx::query("ANALYZE").execute(p).await?;
            }
            // VACUUM also marks the pages all-visible, so counts come from an index alone.
            Pool::Postgres(p) => {
                sqlx::query("VACUUM (ANALYZE) courses, course_versions, packages")
                    .execute(p)
                    .await?;
            }
        }
        Ok(())
    }

    /// Closes every connection (at shutdown).
    pub async fn close(&self) {
        on_pool!(self, p => p.close().await)
    }
}
