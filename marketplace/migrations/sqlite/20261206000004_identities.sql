-- The ways a person signs in, apart from their account: a password now, and single
-- sign-on (OpenID Connect: NHS CIS2, Microsoft Entra ID) later, each an identity row of
-- its provider linked to the same account, so that adding a provider never touches
-- accounts. `subject` is what the provider calls the person (for a password, the
-- account's id); `secret` is the password's argon2id hash.
CREATE TABLE identities (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    secret TEXT,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    UNIQUE (provider, subject)
);
CREATE INDEX identities_by_user ON identities (user_id, provider);

INSERT INTO identities (user_id, provider, subject, secret, created_at)
SELECT id, 'password', CAST(id AS TEXT), password_hash, created_at FROM users
WHERE password_hash IS NOT NULL;

ALTER TABLE users DROP COLUMN password_hash;
