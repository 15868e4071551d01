//! Packages (kept once by content hash), the imports under way, and courses with their
//! versions. Courses and versions carry their organisation's id, and every read of them
//! takes it.

use serde::Serialize;

use super::{Store, StoreError, conflict, now, on_pool};

/// A package as stored: what the inspector found, and where its files are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PackageRecord {
    pub id: i64,
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub package: NewPackage,
    pub created_at: i64,
}

/// What an import records of a package it has stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct NewPackage {
    pub sha256: String,
    /// `1.2`, `2004 3rd Edition`, ...
    pub scorm_version: String,
    pub title: String,
    pub launch: String,
    pub sco_count: i64,
    pub file_count: i64,
    pub unpacked_bytes: i64,
    pub zip_bytes: i64,
    /// The inspector's report, as JSON.
    pub inspection: String,
}

/// A course of an organisation, with its listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Course {
    pub id: i64,
    pub org_id: i64,
    pub external_id: Option<String>,
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub listing: Listing,
    /// `private` or `listed`.
    pub visibility: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a course's owner says of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Listing {
    pub title: String,
    pub summary: String,
    pub topics: String,
    pub audience: String,
    pub duration_minutes: Option<i32>,
    pub language: String,
    pub accessibility_notes: String,
    pub price_pence: i64,
    pub licence_months: Option<i32>,
    pub review_by: Option<String>,
}

/// One version of a course, with its package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Version {
    pub id: i64,
    pub number: i64,
    pub created_at: i64,
    pub published_at: Option<i64>,
    pub package_id: i64,
    pub sha256: String,
    pub scorm_version: String,
    pub sco_count: i64,
}

macro_rules! package_columns {
    () => {
        "id, sha256, scorm_version, title, launch, sco_count, file_count, unpacked_bytes, zip_bytes, inspection, created_at"
    };
}

/// Binds a listing's ten fields, in their order in [`Listing`], to the next ten
/// parameters of `$query`.
macro_rules! bind_listing {
    ($query:expr, $listing:expr) => {{
        let l: &Listing = $listing;
        $query
            .bind(&l.title)
            .bind(&l.summary)
            .bind(&l.topics)
            .bind(&l.audience)
            .bind(l.duration_minutes)
            .bind(&l.language)
            .bind(&l.accessibility_notes)
            .bind(l.price_pence)
            .bind(l.licence_months)
            .bind(&l.review_by)
    }};
}

macro_rules! course_columns {
    () => {
        "id, org_id, external_id, title, summary, topics, audience, duration_minutes, language, accessibility_notes, price_pence, licence_months, visibility, review_by, created_at, updated_at"
    };
}

impl Store {
    pub async fn package_by_sha(&self, sha256: &str) -> Result<Option<PackageRecord>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(concat!(
            "SELECT ", package_columns!(), " FROM packages WHERE sha256 = $1"
        ))
            .bind(sha256)
            .fetch_optional(p)
            .await?))
    }

    /// The package of course version `version_id`.
    pub async fn version_package(
        &self,
        version_id: i64,
    ) -> Result<Option<PackageRecord>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(concat!(
            "SELECT ", package_columns!(), " FROM packages WHERE id = (SELECT package_id FROM course_versions WHERE id = $1)"
        ))
            .bind(version_id)
            .fetch_optional(p)
            .await?))
    }

    /// Claims the import of the package `sha256` until `deadline` (Unix seconds):
    /// `false` when another import of it is under way.
    pub async fn begin_import(&self, sha256: &str, deadline: i64) -> Result<bool, StoreError> {
        let claimed = on_pool!(self, p => sqlx::query(
            "INSERT INTO imports (sha256, started_at, deadline) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING"
        )
        .bind(sha256)
        .bind(now())
        .bind(deadline)
        .execute(p)
        .await?
        .rows_affected());
        Ok(claimed == 1)
    }

    /// Records the package whose files an import has stored, and ends the import, in
    /// one transaction.
    pub async fn finish_import(&self, new: &NewPackage) -> Result<PackageRecord, StoreError> {
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let record: PackageRecord = sqlx::query_as(concat!(
                "INSERT INTO packages (sha256, scorm_version, title, launch, sco_count, file_count, unpacked_bytes, zip_bytes, inspection, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ",
                package_columns!()
            ))
                .bind(&new.sha256)
                .bind(&new.scorm_version)
                .bind(&new.title)
                .bind(&new.launch)
                .bind(new.sco_count)
                .bind(new.file_count)
                .bind(new.unpacked_bytes)
                .bind(new.zip_bytes)
                .bind(&new.inspection)
                .bind(now())
                .fetch_one(&mut *tx)
                .await
                .map_err(conflict("package"))?;
            sqlx::query("DELETE FROM imports WHERE sha256 = $1")
                .bind(&new.sha256)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(record)
        })
    }

    /// Ends an import that stored nothing, or whose files have been removed.
    pub async fn end_import(&self, sha256: &str) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query("DELETE FROM imports WHERE sha256 = $1")
            .bind(sha256)
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Imports whose deadline has passed at `at`: killed or failed.
    pub async fn stale_imports(&self, at: i64) -> Result<Vec<String>, StoreError> {
        Ok(
            on_pool!(self, p => sqlx::query_scalar("SELECT sha256 FROM imports WHERE deadline < $1")
            .bind(at)
            .fetch_all(p)
            .await?),
        )
    }

    /// Whether `sha256` is a stored package or an import under way.
    pub async fn package_or_import(&self, sha256: &str) -> Result<bool, StoreError> {
        let found: i64 = on_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT sha256 FROM packages WHERE sha256 = $1
             UNION ALL SELECT sha256 FROM imports WHERE sha256 = $1) AS found"
        )
        .bind(sha256)
        .fetch_one(p)
        .await?);
        Ok(found > 0)
    }

    /// A new course of `org_id` whose first version is `package_id`, not yet published.
    pub async fn create_course(
        &self,
        org_id: i64,
        external_id: Option<&str>,
        listing: &Listing,
        package_id: i64,
    ) -> Result<Course, StoreError> {
        let at = now();
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let insert = sqlx::query_as(concat!(
                "INSERT INTO courses (title, summary, topics, audience, duration_minutes, language, accessibility_notes, price_pence, licence_months, review_by, org_id, external_id, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING ",
                course_columns!()
            ));
            let course: Course = bind_listing!(insert, listing)
            .bind(org_id)
            .bind(external_id)
            .bind(at)
            .fetch_one(&mut *tx)
            .await
            .map_err(conflict("course id"))?;
            sqlx::query(
                "INSERT INTO course_versions (course_id, org_id, number, package_id, created_at) VALUES ($1, $2, 1, $3, $4)",
            )
            .bind(course.id)
            .bind(org_id)
            .bind(package_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(course)
        })
    }

    /// Adds `package_id` as the next version of course `course_id` of `org_id`, unless
    /// it is already the newest: the version's number, and whether it is new.
    pub async fn add_version(
        &self,
        org_id: i64,
        course_id: i64,
        package_id: i64,
    ) -> Result<(i64, bool), StoreError> {
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let newest: Option<(i64, i64)> = sqlx::query_as(
                "SELECT v.number, v.package_id FROM course_versions v JOIN courses c ON c.id = v.course_id
                 WHERE c.org_id = $1 AND c.id = $2 ORDER BY v.number DESC LIMIT 1",
            )
            .bind(org_id)
            .bind(course_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((number, newest_package)) = newest else {
                return Err(StoreError::NotFound);
            };
            if newest_package == package_id {
                return Ok((number, false));
            }
            sqlx::query(
                "INSERT INTO course_versions (course_id, org_id, number, package_id, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(course_id)
            .bind(org_id)
            .bind(number + 1)
            .bind(package_id)
            .bind(now())
            .execute(&mut *tx)
            .await
            .map_err(conflict("version"))?;
            tx.commit().await?;
            Ok((number + 1, true))
        })
    }

    /// Sets the owner's own id of course `course_id` of `org_id`.
    pub async fn set_external_id(
        &self,
        org_id: i64,
        course_id: i64,
        external_id: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query("UPDATE courses SET external_id = $1 WHERE org_id = $2 AND id = $3")
            .bind(external_id)
            .bind(org_id)
            .bind(course_id)
            .execute(p)
            .await
            .map_err(conflict("course id"))?
            .rows_affected());
        Ok(())
    }

    /// Course `id` of `org_id`.
    pub async fn course(&self, org_id: i64, id: i64) -> Result<Option<Course>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(concat!(
            "SELECT ", course_columns!(), " FROM courses WHERE org_id = $1 AND id = $2"
        ))
        .bind(org_id)
        .bind(id)
        .fetch_optional(p)
        .await?))
    }

    /// The course of `org_id` with the owner's id `external_id`.
    pub async fn course_by_external_id(
        &self,
        org_id: i64,
        external_id: &str,
    ) -> Result<Option<Course>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(concat!(
            "SELECT ", course_columns!(), " FROM courses WHERE org_id = $1 AND external_id = $2"
        ))
        .bind(org_id)
        .bind(external_id)
        .fetch_optional(p)
        .await?))
    }

    /// The courses of `org_id`, by title.
    pub async fn courses_of(&self, org_id: i64) -> Result<Vec<Course>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(concat!(
            "SELECT ", course_columns!(), " FROM courses WHERE org_id = $1 ORDER BY title, id"
        ))
        .bind(org_id)
        .fetch_all(p)
        .await?))
    }

    /// The versions of course `course_id` of `org_id`, newest first.
    pub async fn versions(&self, org_id: i64, course_id: i64) -> Result<Vec<Version>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT v.id, v.number, v.created_at, v.published_at, v.package_id, k.sha256, k.scorm_version, k.sco_count
             FROM course_versions v JOIN packages k ON k.id = v.package_id
             WHERE v.org_id = $1 AND v.course_id = $2 ORDER BY v.number DESC"
        )
        .bind(org_id)
        .bind(course_id)
        .fetch_all(p)
        .await?))
    }

    /// Publishes version `number` of course `course_id` of `org_id`: new enrolments get
    /// the newest published version.
    pub async fn publish_version(
        &self,
        org_id: i64,
        course_id: i64,
        number: i64,
    ) -> Result<(), StoreError> {
        let changed = on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let changed = sqlx::query(
                "UPDATE course_versions SET published_at = $1 WHERE org_id = $2 AND course_id = $3 AND number = $4 AND published_at IS NULL",
            )
            .bind(now())
            .bind(org_id)
            .bind(course_id)
            .bind(number)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query(
                "UPDATE courses SET published_format = (
                    SELECT k.scorm_version FROM course_versions v JOIN packages k ON k.id = v.package_id
                    WHERE v.course_id = courses.id AND v.published_at IS NOT NULL
                    ORDER BY v.number DESC LIMIT 1)
                 WHERE org_id = $1 AND id = $2",
            )
            .bind(org_id)
            .bind(course_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            changed
        });
        if changed == 0 && self.course(org_id, course_id).await?.is_none() {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Replaces the listing of course `course_id` of `org_id`, and whether it is in the
    /// national catalogue (`listed`) or only for the organisation's own people.
    pub async fn update_listing(
        &self,
        org_id: i64,
        course_id: i64,
        listing: &Listing,
        listed: bool,
    ) -> Result<(), StoreError> {
        let changed = on_pool!(self, p => bind_listing!(sqlx::query(
            "UPDATE courses SET title = $1, summary = $2, topics = $3, audience = $4, duration_minutes = $5, language = $6,
             accessibility_notes = $7, price_pence = $8, licence_months = $9, review_by = $10, visibility = $11, updated_at = $12
             WHERE org_id = $13 AND id = $14"
        ), listing)
        .bind(if listed { "listed" } else { "private" })
        .bind(now())
        .bind(org_id)
        .bind(course_id)
        .execute(p)
        .await?
        .rows_affected());
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
