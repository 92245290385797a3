-- The staff directory (SCH-1), credentials (SCH-2), login sessions, their
-- revocations, and shifts (AUD-2).
--
-- Enumerated columns are text with CHECK constraints mirroring
-- scheduling_rules.c. Domain times (lockouts, sessions, shifts) are written
-- from the service's clock (kefu_time), never from now(): tests drive it.
CREATE TABLE staff (
    id                    bigserial PRIMARY KEY,
    staff_no              text NOT NULL UNIQUE,
    name                  text NOT NULL,
    roles                 text[] NOT NULL CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['agent',
                              'shift_lead', 'supervisor', 'manager', 'archivist', 'auditor', 'admin',
                              'integration']),
    grade                 text NOT NULL DEFAULT '' CHECK (grade IN ('', 'trainee', 'junior', 'intermediate',
                              'senior', 'reserve_supervisor')),
    skills                text[] NOT NULL DEFAULT '{}',
    department            text NOT NULL DEFAULT '',
    status                text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'departed')),
    -- libsodium crypto_pwhash_str output ("$argon2id$v=19$m=...,t=...,p=1$..."):
    -- never the password itself.
    password_hash         text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    must_change_password  boolean NOT NULL DEFAULT true,
    failed_attempts       integer NOT NULL DEFAULT 0,
    locked_until          timestamptz,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL
);

CREATE TABLE sessions (
    id          text PRIMARY KEY,              -- random, unguessable
    staff_id    bigint NOT NULL REFERENCES staff (id),
    terminal    text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    ended_at    timestamptz,                   -- logout or revocation
    end_reason  text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_live ON sessions (staff_id, expires_at) WHERE ended_at IS NULL;

-- What every gateway must refuse until it expires: a session (session_id)
-- or every session of a person issued before revoked_at (session_id '').
CREATE TABLE revocations (
    id          bigserial PRIMARY KEY,
    session_id  text NOT NULL,
    staff_no    text NOT NULL,
    revoked_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    reason      text NOT NULL
);
CREATE INDEX revocations_expiry ON revocations (expires_at);

CREATE TABLE shifts (
    id          bigserial PRIMARY KEY,
    staff_id    bigint NOT NULL REFERENCES staff (id),
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL CHECK (ends_at > starts_at),
    site_zone   text NOT NULL
);
CREATE INDEX shifts_by_staff ON shifts (staff_id, starts_at);
