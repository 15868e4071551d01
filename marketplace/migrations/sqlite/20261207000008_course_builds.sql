-- Markdown courses built on the server. Each upload of a course's sources is a job, run
-- by a worker (in the service's own process by default) and never on the request: the
-- sources wait in the file storage at `builds/<id>.zip` until a worker has built them.
--
-- status: `receiving` (the sources are being stored), `queued`, `running` (a worker
-- holds it until `lease_until`; a lease that passes means the worker died, and the
-- job is taken again, at most three times), `succeeded` or `failed`.
CREATE TABLE course_builds (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    requested_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    -- The course it is a new version of; set to the course made, when it succeeds.
    course_id INTEGER REFERENCES courses (id) ON DELETE SET NULL,
    format TEXT NOT NULL CHECK (format IN ('scorm12', 'scorm2004')),
    source_name TEXT NOT NULL,
    source_bytes INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'receiving'
        CHECK (status IN ('receiving', 'queued', 'running', 'succeeded', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_until INTEGER,
    -- Why it failed, in a sentence.
    message TEXT NOT NULL DEFAULT '',
    -- The compiler's diagnostics as `course check` prints them, and as JSON.
    diagnostics TEXT NOT NULL DEFAULT '',
    findings TEXT NOT NULL DEFAULT '[]',
    -- The import's report (JSON) and the version made.
    report TEXT,
    version INTEGER,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER
);
CREATE INDEX course_builds_waiting ON course_builds (status, id);
CREATE INDEX course_builds_by_org ON course_builds (org_id, id);
