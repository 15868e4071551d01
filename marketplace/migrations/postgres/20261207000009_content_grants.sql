-- Access to a package's files on the content origin, which never sees a session cookie:
-- a grant is a random token (kept as its hash) for one package of one course, until it
-- expires. Untracked previews now; the player's attempts later.
CREATE TABLE content_grants (
    token_hash TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    course_id BIGINT NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('preview')),
    expires_at BIGINT NOT NULL
);
CREATE INDEX content_grants_by_expiry ON content_grants (expires_at);
