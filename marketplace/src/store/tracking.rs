//! Enrolments, the player's sessions and SCO attempts: the tracking store.

use serde::Serialize;

use super::{Store, StoreError, on_pool};

/// A person on a course.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Enrolment {
    pub id: i64,
    pub org_id: i64,
    pub user_id: i64,
    pub course_id: i64,
    pub version_id: Option<i64>,
    pub source: String,
    pub due_on: Option<String>,
    pub status: String,
    pub score: Option<f64>,
    pub seconds: f64,
    pub attempts: i64,
    pub last_activity: Option<i64>,
    pub created_at: i64,
}

/// An enrolment as "My learning" and the manager's view list it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct EnrolmentRow {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub enrolment: Enrolment,
    pub title: String,
    pub user_name: String,
    pub email: String,
    pub department: Option<String>,
    pub version_number: Option<i64>,
}

/// One SCO attempt's stored state.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Attempt {
    pub id: i64,
    pub enrolment_id: i64,
    pub sco: String,
    pub number: i64,
    pub start: String,
    pub sets: String,
    pub session: String,
    pub session_started_at: i64,
    pub seq: i64,
    pub ended: i64,
    pub completion: String,
    pub success: String,
    pub score: Option<f64>,
    pub seconds: f64,
    pub location: String,
    pub updated_at: i64,
}

/// A commit to store: the session's SetValue calls so far and what they come to.
#[derive(Debug, Clone)]
pub struct CommitWrite {
    pub attempt_id: i64,
    pub session: String,
    pub seq: i64,
    /// The stored commit the new `sets` were built on.
    pub based_on: i64,
    pub sets: String,
    pub ended: bool,
    pub outcome: packager::cmi::Outcome,
    /// The commit as received, for the log.
    pub body: String,
    /// Objectives and interactions, when the session has set any.
    pub objectives: Option<Vec<ObjectiveRow>>,
    pub interactions: Option<Vec<InteractionRow>>,
    /// The enrolment's roll-up after this commit.
    pub rollup: Rollup,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObjectiveRow {
    pub objective_id: String,
    pub success: String,
    pub completion: String,
    pub score: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct InteractionRow {
    pub interaction_id: String,
    pub kind: String,
    pub response: String,
    pub result: String,
    pub at: String,
}

/// An enrolment's status for reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Rollup {
    pub enrolment_id: i64,
    pub status: &'static str,
    pub score: Option<f64>,
    pub seconds: f64,
}

/// What became of a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Stored durably.
    Stored,
    /// A newer commit of the session is stored already: nothing to do.
    Stale,
    /// Another session (a second tab) has taken the attempt over.
    Superseded,
    /// The stored attempt moved on since it was read (`based_on`): read it again.
    Moved,
}

/// How many of a course's learners are on each version, per organisation.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct VersionCount {
    pub version_number: i64,
    pub org_id: i64,
    pub org_name: String,
    pub learners: i64,
}

macro_rules! enrolment_columns {
    () => {
        "e.id, e.org_id, e.user_id, e.course_id, e.version_id, e.source, e.due_on, e.status, e.score, e.seconds, e.attempts, e.last_activity, e.created_at"
    };
}

macro_rules! attempt_columns {
    () => {
        "id, enrolment_id, sco, number, start, sets, session, session_started_at, seq, ended, completion, success, score, seconds, location, updated_at"
    };
}

impl Store {
    /// Enrols `user_id` of `org_id` on `course_id`; returns the enrolment's id and whether
    /// it is new (an existing enrolment is kept as it is).
    pub async fn enrol(
        &self,
        org_id: i64,
        user_id: i64,
        course_id: i64,
        source: &str,
        enrolled_by: Option<i64>,
        due_on: Option<&str>,
    ) -> Result<(i64, bool), StoreError> {
        let at = super::now();
        let inserted: Option<(i64,)> = on_pool!(self, p => sqlx::query_as(
            "INSERT INTO enrolments (org_id, user_id, course_id, source, enrolled_by, due_on, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id, user_id, course_id) DO NOTHING RETURNING id"
        )
        .bind(org_id)
        .bind(user_id)
        .bind(course_id)
        .bind(source)
        .bind(enrolled_by)
        .bind(due_on)
        .bind(at)
        .fetch_optional(p)
        .await?);
        if let Some((id,)) = inserted {
            return Ok((id, true));
        }
        let (id,): (i64,) = on_pool!(self, p => sqlx::query_as(
            "SELECT id FROM enrolments WHERE org_id = $1 AND user_id = $2 AND course_id = $3"
        )
        .bind(org_id)
        .bind(user_id)
        .bind(course_id)
        .fetch_one(p)
        .await?);
        Ok((id, false))
    }

    /// Enrolment `id`.
    pub async fn enrolment(&self, id: i64) -> Result<Option<Enrolment>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(concat!(
            "SELECT ", enrolment_columns!(), " FROM enrolments e WHERE e.id = $1"
        ))
        .bind(id)
        .fetch_optional(p)
        .await?))
    }

    /// Fixes the version an enrolment plays, at its first launch; returns the version
    /// it is on (the one given, or the one fixed before).
    pub async fn pin_version(&self, enrolment_id: i64, version_id: i64) -> Result<i64, StoreError> {
        let (v,): (Option<i64>,) = on_pool!(self, p => sqlx::query_as(
            "UPDATE enrolments SET version_id = COALESCE(version_id, $2) WHERE id = $1 RETURNING version_id"
        )
        .bind(enrolment_id)
        .bind(version_id)
        .fetch_one(p)
        .await?);
        v.ok_or(StoreError::NotFound)
    }

    /// The enrolments of `user_id`, soonest due first, for "My learning".
    pub async fn learning(&self, user_id: i64) -> Result<Vec<EnrolmentRow>, StoreError> {
        self.enrolment_rows(false, user_id, None).await
    }

    /// The enrolments of `org_id`'s people on `course_id`, for the manager's view;
    /// `department` keeps those of one department.
    pub async fn course_learners(
        &self,
        org_id: i64,
        course_id: i64,
        department: Option<i64>,
    ) -> Result<Vec<EnrolmentRow>, StoreError> {
        let rows = self.enrolment_rows(true, course_id, Some(org_id)).await?;
        Ok(match department {
            None => rows,
            Some(d) => {
                let name = self
                    .departments(org_id)
                    .await?
                    .into_iter()
                    .find(|x| x.id == d)
                    .map(|x| x.name);
                rows.into_iter()
                    .filter(|r| name.is_some() && r.department == name)
                    .collect()
            }
        })
    }

    async fn enrolment_rows(
        &self,
        by_course: bool,
        value: i64,
        org_id: Option<i64>,
    ) -> Result<Vec<EnrolmentRow>, StoreError> {
        macro_rules! rows_where {
            ($filter:literal) => {
                concat!(
                    "SELECT ", enrolment_columns!(), ", c.title, u.name AS user_name, u.email, d.name AS department, v.number AS version_number \
                     FROM enrolments e JOIN courses c ON c.id = e.course_id JOIN users u ON u.id = e.user_id \
                     LEFT JOIN members m ON m.org_id = e.org_id AND m.user_id = e.user_id \
                     LEFT JOIN departments d ON d.id = m.department_id \
                     LEFT JOIN course_versions v ON v.id = e.version_id \
                     WHERE ", $filter, " AND ($2 IS NULL OR e.org_id = $2) \
                     ORDER BY e.due_on IS NULL, e.due_on, u.name, c.title, e.id"
                )
            };
        }
        let sql = if by_course {
            rows_where!("e.course_id = $1")
        } else {
            rows_where!("e.user_id = $1")
        };
        Ok(on_pool!(self, p => sqlx::query_as(sql)
            .bind(value)
            .bind(org_id)
            .fetch_all(p)
            .await?))
    }

    /// How many learners of each organisation are on each version of `course_id`.
    pub async fn version_counts(&self, course_id: i64) -> Result<Vec<VersionCount>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT v.number AS version_number, o.id AS org_id, o.name AS org_name, COUNT(*) AS learners \
             FROM enrolments e JOIN course_versions v ON v.id = e.version_id JOIN organisations o ON o.id = e.org_id \
             WHERE e.course_id = $1 GROUP BY v.number, o.id, o.name ORDER BY v.number DESC, o.name"
        )
        .bind(course_id)
        .fetch_all(p)
        .await?))
    }

    /// The organisation that owns `course_id`.
    pub async fn course_org(&self, course_id: i64) -> Result<Option<i64>, StoreError> {
        let row: Option<(i64,)> = on_pool!(self, p => sqlx::query_as(
            "SELECT org_id FROM courses WHERE id = $1"
        )
        .bind(course_id)
        .fetch_optional(p)
        .await?);
        Ok(row.map(|r| r.0))
    }

    /// The title of `course_id`.
    pub async fn course_title(&self, course_id: i64) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = on_pool!(self, p => sqlx::query_as(
            "SELECT title FROM courses WHERE id = $1"
        )
        .bind(course_id)
        .fetch_optional(p)
        .await?);
        Ok(row.map(|r| r.0))
    }

    /// How `course_id` opens: `frame` (in the player) or `window` (a window of its own).
    pub async fn launch_in(&self, course_id: i64) -> Result<String, StoreError> {
        let row: Option<(String,)> = on_pool!(self, p => sqlx::query_as(
            "SELECT launch_in FROM courses WHERE id = $1"
        )
        .bind(course_id)
        .fetch_optional(p)
        .await?);
        Ok(row.map(|r| r.0).unwrap_or_else(|| "frame".into()))
    }

    pub async fn set_launch_in(
        &self,
        org_id: i64,
        course_id: i64,
        launch_in: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query("UPDATE courses SET launch_in = $3 WHERE id = $2 AND org_id = $1")
            .bind(org_id)
            .bind(course_id)
            .bind(launch_in)
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Every attempt of `enrolment_id`.
    pub async fn attempts_of(&self, enrolment_id: i64) -> Result<Vec<Attempt>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(concat!(
            "SELECT ", attempt_columns!(), " FROM attempts WHERE enrolment_id = $1 ORDER BY sco, number"
        ))
        .bind(enrolment_id)
        .fetch_all(p)
        .await?))
    }

    /// The members of `org_id` in any of `departments`.
    pub async fn department_members(
        &self,
        org_id: i64,
        departments: &[i64],
    ) -> Result<Vec<i64>, StoreError> {
        let mut ids = Vec::new();
        for d in departments {
            let rows: Vec<(i64,)> = on_pool!(self, p => sqlx::query_as(
                "SELECT user_id FROM members WHERE org_id = $1 AND department_id = $2"
            )
            .bind(org_id)
            .bind(d)
            .fetch_all(p)
            .await?);
            ids.extend(rows.into_iter().map(|r| r.0));
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// The member of `org_id` with e-mail address `email` (any case).
    pub async fn member_by_email(
        &self,
        org_id: i64,
        email: &str,
    ) -> Result<Option<i64>, StoreError> {
        let row: Option<(i64,)> = on_pool!(self, p => sqlx::query_as(
            "SELECT u.id FROM users u JOIN members m ON m.user_id = u.id AND m.org_id = $1 WHERE lower(u.email) = lower($2)"
        )
        .bind(org_id)
        .bind(email.trim())
        .fetch_optional(p)
        .await?);
        Ok(row.map(|r| r.0))
    }

    /// The courses `org_id`'s people are enrolled on, with how many and how many are done.
    pub async fn training_courses(
        &self,
        org_id: i64,
    ) -> Result<Vec<(i64, String, i64, i64)>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT c.id, c.title, COUNT(*) AS learners,              SUM(CASE WHEN e.status IN ('completed', 'passed') THEN 1 ELSE 0 END) AS done              FROM enrolments e JOIN courses c ON c.id = e.course_id WHERE e.org_id = $1              GROUP BY c.id, c.title ORDER BY c.title"
        )
        .bind(org_id)
        .fetch_all(p)
        .await?))
    }

    /// Whether `org_id` lets its people enrol themselves.
    pub async fn self_enrolment(&self, org_id: i64) -> Result<bool, StoreError> {
        let (on,): (i64,) = on_pool!(self, p => sqlx::query_as(
            "SELECT self_enrolment FROM organisations WHERE id = $1"
        )
        .bind(org_id)
        .fetch_one(p)
        .await?);
        Ok(on != 0)
    }

    pub async fn set_self_enrolment(&self, org_id: i64, on: bool) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query("UPDATE organisations SET self_enrolment = $2 WHERE id = $1")
            .bind(org_id)
            .bind(i64::from(on))
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    /// Records a launch of the player for `enrolment_id`, entered by the token hashed as
    /// `token_hash` until `expires_at`.
    pub async fn create_player_session(
        &self,
        token_hash: &str,
        enrolment_id: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO player_sessions (token_hash, enrolment_id, expires_at) VALUES ($1, $2, $3)"
        )
        .bind(token_hash)
        .bind(enrolment_id)
        .bind(expires_at)
        .execute(p)
        .await?
            .rows_affected());
        Ok(())
    }

    /// The enrolment a live player token is for, and when the token expires.
    pub async fn player_session(
        &self,
        token_hash: &str,
        at: i64,
    ) -> Result<Option<(i64, i64)>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT enrolment_id, expires_at FROM player_sessions WHERE token_hash = $1 AND expires_at > $2"
        )
        .bind(token_hash)
        .bind(at)
        .fetch_optional(p)
        .await?))
    }

    /// Forgets expired player tokens and commit log entries older than `log_before`.
    pub async fn prune_tracking(&self, at: i64, log_before: i64) -> Result<u64, StoreError> {
        let a = on_pool!(self, p => sqlx::query("DELETE FROM player_sessions WHERE expires_at <= $1")
            .bind(at)
            .execute(p)
            .await?
            .rows_affected());
        let b = on_pool!(self, p => sqlx::query("DELETE FROM commit_log WHERE received_at < $1")
            .bind(log_before)
            .execute(p)
            .await?
            .rows_affected());
        Ok(a + b)
    }

    /// Appends a commit to the log and nothing else: the benchmark's baseline, the least
    /// a commit could cost the database.
    pub async fn log_commit(
        &self,
        attempt_id: i64,
        seq: i64,
        body: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO commit_log (attempt_id, seq, body, received_at) VALUES ($1, $2, $3, $4)"
        )
        .bind(attempt_id)
        .bind(seq)
        .bind(body)
        .bind(super::now())
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    /// The newest attempt of `sco` in `enrolment_id`.
    pub async fn latest_attempt(
        &self,
        enrolment_id: i64,
        sco: &str,
    ) -> Result<Option<Attempt>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(concat!(
            "SELECT ", attempt_columns!(), " FROM attempts WHERE enrolment_id = $1 AND sco = $2 ORDER BY number DESC LIMIT 1"
        ))
        .bind(enrolment_id)
        .bind(sco)
        .fetch_optional(p)
        .await?))
    }

    /// The newest attempt of every SCO of `enrolment_id`.
    pub async fn latest_attempts(&self, enrolment_id: i64) -> Result<Vec<Attempt>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(concat!(
            "SELECT ", attempt_columns!(), " FROM attempts a WHERE enrolment_id = $1 AND number = (SELECT MAX(number) FROM attempts b WHERE b.enrolment_id = a.enrolment_id AND b.sco = a.sco) ORDER BY sco"
        ))
        .bind(enrolment_id)
        .fetch_all(p)
        .await?))
    }

    /// Starts a session of `sco`: attempt `number` (a new row, or the same attempt resumed)
    /// begins from `start`, and only `session` may write to it from now on (an older
    /// session, in another tab, is superseded). Returns the attempt's id.
    pub async fn start_session(
        &self,
        enrolment_id: i64,
        sco: &str,
        number: i64,
        start: &str,
        session: &str,
        outcome: &packager::cmi::Outcome,
    ) -> Result<i64, StoreError> {
        let at = super::now();
        let (id,): (i64,) = on_pool!(self, p => sqlx::query_as(
            "INSERT INTO attempts (enrolment_id, sco, number, start, sets, session, session_started_at, seq, ended, completion, success, score, seconds, location, updated_at) \
             VALUES ($1, $2, $3, $4, '[]', $5, $6, 0, 0, $7, $8, $9, $10, $11, $6) \
             ON CONFLICT (enrolment_id, sco, number) DO UPDATE SET start = excluded.start, sets = '[]', session = excluded.session, \
             session_started_at = excluded.session_started_at, seq = 0, ended = 0, updated_at = excluded.updated_at \
             RETURNING id"
        )
        .bind(enrolment_id)
        .bind(sco)
        .bind(number)
        .bind(start)
        .bind(session)
        .bind(at)
        .bind(&outcome.completion)
        .bind(&outcome.success)
        .bind(outcome.score)
        .bind(outcome.seconds)
        .bind(&outcome.location)
        .fetch_one(p)
        .await?);
        on_pool!(self, p => sqlx::query(
            "UPDATE enrolments SET attempts = (SELECT COUNT(*) FROM attempts WHERE enrolment_id = $1), last_activity = $2, \
             status = CASE WHEN status = 'not-started' THEN 'in-progress' ELSE status END WHERE id = $1"
        )
        .bind(enrolment_id)
        .bind(at)
        .execute(p)
        .await?
            .rows_affected());
        Ok(id)
    }

    /// Stores a commit, durable when this returns [`Stored::Stored`]: only when
    /// `session` still holds the attempt and `seq` is newer than the stored one. Commits
    /// arriving together are written together, in one transaction (group commit): on
    /// SQLite by its one writer, on PostgreSQL by a few.
    pub async fn save_commit(&self, w: CommitWrite) -> Result<Stored, StoreError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let queue = self
            .commits
            .get_or_init(|| start_writers(&self.pool))
            .clone();
        queue
            .send(CommitJob { write: w, reply })
            .await
            .map_err(|_| StoreError::Connect("the database is closing".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Connect("the database is closing".into()))?
    }
}

/// A commit waiting for a writer, and where its outcome goes.
pub(super) struct CommitJob {
    write: CommitWrite,
    reply: tokio::sync::oneshot::Sender<Result<Stored, StoreError>>,
}

/// Commits written together at most.
const BATCH: usize = 32;

/// Starts the writers of `pool`'s commits: one for SQLite, four for PostgreSQL.
fn start_writers(pool: &super::Pool) -> tokio::sync::mpsc::Sender<CommitJob> {
    let (send, receive) = tokio::sync::mpsc::channel::<CommitJob>(4 * BATCH);
    let receive = std::sync::Arc::new(tokio::sync::Mutex::new(receive));
    let writers = match pool {
        super::Pool::Sqlite(_) => 1,
        super::Pool::Postgres(_) => 4,
    };
    for _ in 0..writers {
        let pool = pool.clone();
        let receive = receive.clone();
        tokio::spawn(async move {
            loop {
                let mut jobs = Vec::new();
                {
                    let mut r = receive.lock().await;
                    match r.recv().await {
                        Some(j) => jobs.push(j),
                        None => return,
                    }
                    while jobs.len() < BATCH {
                        match r.try_recv() {
                            Ok(j) => jobs.push(j),
                            Err(_) => break,
                        }
                    }
                }
                write_batch(&pool, jobs).await;
            }
        });
    }
    send
}

/// Writes `jobs` in one transaction and answers each; if that fails, each on its own,
/// so that one commit's failure is only its own.
async fn write_batch(pool: &super::Pool, jobs: Vec<CommitJob>) {
    macro_rules! batch {
        ($p:expr, $write_one:ident) => {{
            let together: Result<Vec<Stored>, StoreError> = async {
                let mut tx = $p.begin().await?;
                let mut out = Vec::with_capacity(jobs.len());
                for j in &jobs {
                    out.push($write_one(&mut tx, &j.write).await?);
                }
                tx.commit().await?;
                Ok(out)
            }
            .await;
            match together {
                Ok(out) => {
                    for (j, r) in jobs.into_iter().zip(out) {
                        let _ = j.reply.send(Ok(r));
                    }
                }
                Err(e) if jobs.len() == 1 => {
                    if let Some(j) = jobs.into_iter().next() {
                        let _ = j.reply.send(Err(e));
                    }
                }
                Err(_) => {
                    for j in jobs {
                        let alone: Result<Stored, StoreError> = async {
                            let mut tx = $p.begin().await?;
                            let r = $write_one(&mut tx, &j.write).await?;
                            tx.commit().await?;
                            Ok(r)
                        }
                        .await;
                        let _ = j.reply.send(alone);
                    }
                }
            }
        }};
    }
    match pool {
        super::Pool::Sqlite(p) => batch!(p, write_one_sqlite),
        super::Pool::Postgres(p) => batch!(p, write_one_postgres),
    }
}

/// One commit's writes, in a transaction of either database.
macro_rules! write_one_body {
    ($tx:ident, $w:ident) => {{
            let at = super::now();
            let o = &$w.outcome;
            let updated = sqlx::query(
                "UPDATE attempts SET sets = $3, seq = $4, ended = $5, completion = $6, success = $7, score = $8, seconds = $9, location = $10, updated_at = $11 \
                 WHERE id = $1 AND session = $2 AND seq < $4 AND seq = $12",
            )
            .bind($w.attempt_id)
            .bind(&$w.session)
            .bind(&$w.sets)
            .bind($w.seq)
            .bind(i64::from($w.ended))
            .bind(o.completion.clone())
            .bind(o.success.clone())
            .bind(o.score)
            .bind(o.seconds)
            .bind(o.location.clone())
            .bind(at)
            .bind($w.based_on)
            .execute(&mut **$tx)
            .await?
            .rows_affected();
            if updated == 0 {
                let (session, seq): (String, i64) =
                    sqlx::query_as("SELECT session, seq FROM attempts WHERE id = $1")
                        .bind($w.attempt_id)
                        .fetch_one(&mut **$tx)
                        .await?;
                return Ok(if session != $w.session {
                    Stored::Superseded
                } else if seq >= $w.seq {
                    Stored::Stale
                } else {
                    Stored::Moved
                });
            }
            sqlx::query("INSERT INTO commit_log (attempt_id, seq, body, received_at) VALUES ($1, $2, $3, $4)")
                .bind($w.attempt_id)
                .bind($w.seq)
                .bind(&$w.body)
                .bind(at)
                .execute(&mut **$tx)
                .await?;
            if let Some(objectives) = &$w.objectives {
                sqlx::query("DELETE FROM attempt_objectives WHERE attempt_id = $1")
                    .bind($w.attempt_id)
                    .execute(&mut **$tx)
                    .await?;
                for (i, ob) in objectives.iter().enumerate() {
                    sqlx::query("INSERT INTO attempt_objectives (attempt_id, idx, objective_id, success, completion, score) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind($w.attempt_id)
                        .bind(i as i64)
                        .bind(ob.objective_id.clone())
                        .bind(ob.success.clone())
                        .bind(ob.completion.clone())
                        .bind(ob.score)
                        .execute(&mut **$tx)
                        .await?;
                }
            }
            if let Some(interactions) = &$w.interactions {
                sqlx::query("DELETE FROM attempt_interactions WHERE attempt_id = $1")
                    .bind($w.attempt_id)
                    .execute(&mut **$tx)
                    .await?;
                for (i, x) in interactions.iter().enumerate() {
                    sqlx::query("INSERT INTO attempt_interactions (attempt_id, idx, interaction_id, kind, response, result, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                        .bind($w.attempt_id)
                        .bind(i as i64)
                        .bind(x.interaction_id.clone())
                        .bind(x.kind.clone())
                        .bind(x.response.clone())
                        .bind(x.result.clone())
                        .bind(x.at.clone())
                        .execute(&mut **$tx)
                        .await?;
                }
            }
            let r = &$w.rollup;
            sqlx::query("UPDATE enrolments SET status = $2, score = $3, seconds = $4, last_activity = $5 WHERE id = $1")
                .bind(r.enrolment_id)
                .bind(r.status)
                .bind(r.score)
                .bind(r.seconds)
                .bind(at)
                .execute(&mut **$tx)
                .await?;
            Ok(Stored::Stored)
    }};
}

async fn write_one_sqlite(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    w: &CommitWrite,
) -> Result<Stored, StoreError> {
    write_one_body!(tx, w)
}

async fn write_one_postgres(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    w: &CommitWrite,
) -> Result<Stored, StoreError> {
    write_one_body!(tx, w)
}
