-- Content: packages stored once by content hash, courses with versions (each one
-- package), and the imports in progress, so that one killed half-way is cleaned up.

-- A SCORM package as uploaded (or built), kept once however many courses use it. Its
-- zip is `packages/<sha256>.zip` in the file storage and its files are unpacked under
-- `content/<sha256>/`.
CREATE TABLE packages (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    scorm_version TEXT NOT NULL,
    title TEXT NOT NULL,
    launch TEXT NOT NULL,
    sco_count INTEGER NOT NULL,
    file_count INTEGER NOT NULL,
    unpacked_bytes INTEGER NOT NULL,
    zip_bytes INTEGER NOT NULL,
    -- The inspector's report (JSON): findings, organisations, SCOs.
    inspection TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- A course of one organisation. `visibility`: `private` (its own people only) or
-- `listed` (in the national catalogue).
CREATE TABLE courses (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    -- The owner's own id for the course (a vendor's catalogue id), if it has one.
    external_id TEXT,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    topics TEXT NOT NULL DEFAULT '',
    audience TEXT NOT NULL DEFAULT '',
    duration_minutes INTEGER,
    language TEXT NOT NULL DEFAULT 'en-GB',
    accessibility_notes TEXT NOT NULL DEFAULT '',
    price_pence INTEGER NOT NULL DEFAULT 0 CHECK (price_pence >= 0),
    licence_months INTEGER,
    visibility TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'listed')),
    review_by TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE INDEX courses_by_org ON courses (org_id, title);

-- The versions of a course, numbered from 1; new enrolments get the newest published.
CREATE TABLE course_versions (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    org_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    package_id INTEGER NOT NULL REFERENCES packages (id),
    notes TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    published_at INTEGER,
    UNIQUE (course_id, number)
);
CREATE INDEX course_versions_by_package ON course_versions (package_id);

-- An import under way: its files may be in storage before its package row is. One whose
-- deadline has passed was killed or failed: its files are removed and the row with them.
CREATE TABLE imports (
    sha256 TEXT PRIMARY KEY,
    started_at INTEGER NOT NULL,
    deadline INTEGER NOT NULL
);
