//! Builds of Markdown courses: jobs kept in the database, claimed by workers with a
//! lease, so that a build whose worker died is taken again and none is run twice at
//! once.

use serde::Serialize;

use super::{Store, StoreError, now, on_pool};

/// A build job, as its page and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CourseBuild {
    pub id: i64,
    pub org_id: i64,
    pub requested_by: Option<i64>,
    /// The course it makes a new version of; once it has succeeded, the course made.
    pub course_id: Option<i64>,
    /// `scorm12` or `scorm2004`.
    pub format: String,
    pub source_name: String,
    pub source_bytes: i64,
    /// `receiving`, `queued`, `running`, `succeeded` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub message: String,
    /// The compiler's diagnostics, as `course check` prints them.
    pub diagnostics: String,
    /// The same diagnostics, as a JSON list.
    pub findings: String,
    /// The import's report (JSON), once the built package has been imported.
    pub report: Option<String>,
    pub version: Option<i64>,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

impl CourseBuild {
    /// Whether the build has ended, one way or the other.
    pub fn is_finished(&self) -> bool {
        matches!(self.status.as_str(), "succeeded" | "failed")
    }
}

/// How a build ended.
#[derive(Debug, Clone, Default)]
pub struct BuildOutcome {
    pub succeeded: bool,
    pub message: String,
    pub diagnostics: String,
    pub findings: String,
    pub report: Option<String>,
    pub course_id: Option<i64>,
    pub version: Option<i64>,
}

macro_rules! build_columns {
    () => {
        "id, org_id, requested_by, course_id, format, source_name, source_bytes, status, attempts, message, diagnostics, findings, report, version, created_at, started_at, finished_at"
    };
}

/// How many times a job is taken before it is given up as one that kills its worker.
pub const MAX_BUILD_ATTEMPTS: i32 = 3;

impl Store {
    /// A new build of `org_id`, while its sources are stored (`receiving`).
    pub async fn create_build(
        &self,
        org_id: i64,
        requested_by: i64,
        course_id: Option<i64>,
        format: &str,
        source_name: &str,
        source_bytes: i64,
    ) -> Result<i64, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "INSERT INTO course_builds (org_id, requested_by, course_id, format, source_name, source_bytes, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
        )
        .bind(org_id)
        .bind(requested_by)
        .bind(course_id)
        .bind(format)
        .bind(source_name)
        .bind(source_bytes)
        .bind(now())
        .fetch_one(p)
        .await?))
    }

    /// Puts a build whose sources are stored in the queue.
    pub async fn queue_build(&self, id: i64) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query(
            "UPDATE course_builds SET status = 'queued' WHERE id = $1 AND status = 'receiving'"
        )
        .bind(id)
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Takes the oldest build waiting (or whose worker's lease has passed) for a worker,
    /// leased until `lease_until`. A job already taken [`MAX_BUILD_ATTEMPTS`] times is
    /// failed instead. Two workers never take the same job: the claim is a conditional
    /// update that only one of them can make.
    pub async fn claim_build(&self, lease_until: i64) -> Result<Option<CourseBuild>, StoreError> {
        loop {
            let at = now();
            let candidate: Option<(i64, i32)> = on_pool!(self, p => sqlx::query_as(
                "SELECT id, attempts FROM course_builds
                 WHERE status = 'queued' OR (status = 'running' AND lease_until < $1)
                 ORDER BY id LIMIT 1"
            )
            .bind(at)
            .fetch_optional(p)
            .await?);
            let Some((id, attempts)) = candidate else {
                return Ok(None);
            };
            if attempts >= MAX_BUILD_ATTEMPTS {
                let outcome = BuildOutcome {
                    message: format!(
                        "The build was stopped {attempts} times before it could finish: the course may be too large to build here"
                    ),
                    ..BuildOutcome::default()
                };
                self.finish_build(id, &outcome).await?;
                continue;
            }
            let claimed: Option<CourseBuild> = on_pool!(self, p => sqlx::query_as(concat!(
                "UPDATE course_builds SET status = 'running', attempts = attempts + 1, lease_until = $2, started_at = $3
                 WHERE id = $1 AND attempts = $4 AND (status = 'queued' OR (status = 'running' AND lease_until < $3))
                 RETURNING ", build_columns!()
            ))
            .bind(id)
            .bind(lease_until)
            .bind(at)
            .bind(attempts)
            .fetch_optional(p)
            .await?);
            if claimed.is_some() {
                return Ok(claimed);
            }
            // Another worker took it first: look again.
        }
    }

    /// Records how build `id` ended.
    pub async fn finish_build(&self, id: i64, outcome: &BuildOutcome) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query(
            "UPDATE course_builds SET status = $2, message = $3, diagnostics = $4, findings = $5,
                 report = $6, course_id = COALESCE($7, course_id), version = $8, finished_at = $9,
                 lease_until = NULL
             WHERE id = $1"
        )
        .bind(id)
        .bind(if outcome.succeeded { "succeeded" } else { "failed" })
        .bind(&outcome.message)
        .bind(&outcome.diagnostics)
        .bind(if outcome.findings.is_empty() { "[]" } else { outcome.findings.as_str() })
        .bind(&outcome.report)
        .bind(outcome.course_id)
        .bind(outcome.version)
        .bind(now())
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Build `id` of `org_id`.
    pub async fn build(&self, org_id: i64, id: i64) -> Result<Option<CourseBuild>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(concat!(
            "SELECT ", build_columns!(), " FROM course_builds WHERE org_id = $1 AND id = $2"
        ))
        .bind(org_id)
        .bind(id)
        .fetch_optional(p)
        .await?))
    }

    /// The newest `limit` builds of `org_id`, newest first.
    pub async fn builds_of(&self, org_id: i64, limit: i64) -> Result<Vec<CourseBuild>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(concat!(
            "SELECT ", build_columns!(), " FROM course_builds WHERE org_id = $1 ORDER BY id DESC LIMIT $2"
        ))
        .bind(org_id)
        .bind(limit)
        .fetch_all(p)
        .await?))
    }

    /// Whether build `id` still needs its sources (it has not finished).
    pub async fn build_needs_source(&self, id: i64) -> Result<bool, StoreError> {
        let found: i64 = on_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM course_builds WHERE id = $1 AND status IN ('receiving', 'queued', 'running')"
        )
        .bind(id)
        .fetch_one(p)
        .await?);
        Ok(found > 0)
    }

    /// Fails the builds whose sources were still arriving at `before`: their upload died
    /// with its process. Returns their ids.
    pub async fn fail_stale_receiving(&self, before: i64) -> Result<Vec<i64>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "UPDATE course_builds SET status = 'failed', message = 'The upload did not finish', finished_at = $2
             WHERE status = 'receiving' AND created_at < $1 RETURNING id"
        )
        .bind(before)
        .bind(now())
        .fetch_all(p)
        .await?))
    }
}
