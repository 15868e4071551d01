-- Enrolment and tracking: who is on which course (and where that came from), the
-- player's sessions, each SCO attempt's current state, its objectives and interactions
-- in tables of their own so that reports stay fast, and an append-only commit log.

-- Whether an organisation's people may enrol themselves on its courses and free listings.
ALTER TABLE organisations ADD COLUMN self_enrolment INTEGER NOT NULL DEFAULT 1;

-- How a course opens: in the player's frame, or in a window of its own for packages
-- that need one (they find the API through `window.opener`).
ALTER TABLE courses ADD COLUMN launch_in TEXT NOT NULL DEFAULT 'frame' CHECK (launch_in IN ('frame', 'window'));

-- A person of `org_id` on a course (of that organisation or a listing of another). The
-- version is fixed at the first launch: learners in progress finish on theirs, and new
-- enrolments get the newest published. The rest is the roll-up the manager's view reads.
CREATE TABLE enrolments (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    version_id INTEGER REFERENCES course_versions (id),
    source TEXT NOT NULL CHECK (source IN ('assigned', 'self', 'purchase')),
    enrolled_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    due_on TEXT,
    status TEXT NOT NULL DEFAULT 'not-started'
        CHECK (status IN ('not-started', 'in-progress', 'completed', 'passed', 'failed')),
    score REAL,
    seconds REAL NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_activity INTEGER,
    created_at INTEGER NOT NULL,
    UNIQUE (org_id, user_id, course_id)
);
CREATE INDEX enrolments_by_course ON enrolments (course_id, org_id);
CREATE INDEX enrolments_by_user ON enrolments (user_id);

-- A launch of the player: a random token (kept as its hash) for one enrolment, which
-- expires. The content origin knows the learner only by it.
CREATE TABLE player_sessions (
    token_hash TEXT PRIMARY KEY,
    enrolment_id INTEGER NOT NULL REFERENCES enrolments (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
);
CREATE INDEX player_sessions_by_expiry ON player_sessions (expires_at);

-- One attempt of one SCO (`sco`: its identifier in the manifest). `start` holds the
-- values the current session began with (JSON), `sets` the SCO's SetValue calls of this
-- session in order (JSON), `session` the id of the session that may write, `seq` the
-- last commit stored. The status columns are derived from them at each commit.
CREATE TABLE attempts (
    id INTEGER PRIMARY KEY,
    enrolment_id INTEGER NOT NULL REFERENCES enrolments (id) ON DELETE CASCADE,
    sco TEXT NOT NULL,
    number INTEGER NOT NULL,
    start TEXT NOT NULL,
    sets TEXT NOT NULL DEFAULT '[]',
    session TEXT NOT NULL,
    session_started_at INTEGER NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0,
    ended INTEGER NOT NULL DEFAULT 0,
    completion TEXT NOT NULL DEFAULT 'unknown',
    success TEXT NOT NULL DEFAULT 'unknown',
    score REAL,
    seconds REAL NOT NULL DEFAULT 0,
    location TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL,
    UNIQUE (enrolment_id, sco, number)
);

CREATE TABLE attempt_objectives (
    attempt_id INTEGER NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    objective_id TEXT NOT NULL,
    success TEXT NOT NULL DEFAULT '',
    completion TEXT NOT NULL DEFAULT '',
    score REAL,
    PRIMARY KEY (attempt_id, idx)
);

CREATE TABLE attempt_interactions (
    attempt_id INTEGER NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    interaction_id TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT '',
    response TEXT NOT NULL DEFAULT '',
    result TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (attempt_id, idx)
);

-- Every commit as received, kept for `commit_log_days`.
CREATE TABLE commit_log (
    id INTEGER PRIMARY KEY,
    attempt_id INTEGER NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE INDEX commit_log_by_time ON commit_log (received_at);
CREATE INDEX commit_log_by_attempt ON commit_log (attempt_id);
