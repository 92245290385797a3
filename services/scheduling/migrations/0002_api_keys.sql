-- API keys for integrations (SCH-2): created by an admin for a person of the
-- directory, with a subset of that person's roles; the secret is shown once
-- and only its SHA-256 is kept (the secret is 256 random bits, so a plain
-- hash is enough: nothing to guess). Revoked keys stay, for the audit trail.
CREATE TABLE api_keys (
    id          text PRIMARY KEY,                   -- "ak_" + 16 hex digits, shown in lists
    name        text NOT NULL,
    staff_id    bigint NOT NULL REFERENCES staff (id),
    roles       text[] NOT NULL CHECK (cardinality(roles) > 0),
    key_hash    text NOT NULL UNIQUE,               -- hex SHA-256 of the whole key
    created_at  timestamptz NOT NULL,
    created_by  text NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX api_keys_by_staff ON api_keys (staff_id) WHERE revoked_at IS NULL;
