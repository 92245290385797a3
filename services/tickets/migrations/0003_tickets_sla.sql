-- SLAs (TKT-7): business calendars, policies by kind and priority, and the
-- deadlines of every ticket a policy covered when it was created.
--
-- Calendars and policies keep their full definition as the protobuf the API
-- speaks (kefu.v1.SlaCalendar / SlaPolicy) in `definition`, next to the
-- columns the service looks them up by; tickets_sla.c is the one reader.
-- A ticket's SLA row copies the policy and calendar in force at creation
-- (`policy`, `calendar`), so editing or deleting a policy changes only
-- tickets created afterwards, never a deadline already promised.
--
-- Times are timestamptz written from kefu_time_now_ms() (never now(): tests
-- drive the clock); these two functions convert from and to Unix ms.
CREATE FUNCTION sla_time(ms bigint) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN to_timestamp(ms / 1000.0);

CREATE FUNCTION sla_ms(t timestamptz) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN round(extract(epoch FROM t) * 1000)::bigint;

CREATE TABLE sla_calendars (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    time_zone   text NOT NULL,
    definition  bytea NOT NULL,             -- kefu.v1.SlaCalendar
    version     bigint NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE sla_policies (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    kind        text NOT NULL CHECK (kind IN ('complaint', 'inquiry', 'work_order', 'suggestion')),
    priority    text NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    -- A calendar in use by a policy cannot be deleted (the API answers 409).
    calendar_id bigint NOT NULL REFERENCES sla_calendars (id),
    definition  bytea NOT NULL,             -- kefu.v1.SlaPolicy
    version     bigint NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    -- One policy per kind and priority: a ticket's deadlines are never a
    -- matter of which of two rows was read first.
    UNIQUE (kind, priority)
);

-- Idempotency-Key of creating a calendar or a policy (DESIGN.md §5), claimed
-- in the transaction that creates it, scoped to the acting staff id.
CREATE TABLE sla_idempotency_keys (
    actor_staff_id text NOT NULL,
    key            text NOT NULL,
    request_hash   text NOT NULL,           -- BLAKE2b of the request payload, hex
    kind           text NOT NULL CHECK (kind IN ('calendar', 'policy')),
    created_id     bigint,                  -- the calendar or policy created
    PRIMARY KEY (actor_staff_id, key, kind)
);

CREATE TABLE ticket_sla (
    ticket_id                   bigint PRIMARY KEY REFERENCES tickets (id),
    policy_id                   bigint NOT NULL,     -- informational: the policy may be gone
    policy                      bytea NOT NULL,      -- kefu.v1.SlaPolicy at creation
    calendar                    bytea NOT NULL,      -- kefu.v1.SlaCalendar at creation
    started_at                  timestamptz NOT NULL,
    first_response_due_at       timestamptz NOT NULL,
    first_response_at_risk_at   timestamptz NOT NULL,
    first_responded_at          timestamptz,
    resolution_due_at           timestamptz NOT NULL,
    resolution_at_risk_at       timestamptz NOT NULL,
    resolved_at                 timestamptz,         -- TKT-9: compliant if <= resolution_due_at
    closed_at                   timestamptz,         -- closed without resolution (rejected)
    paused_since                timestamptz,
    pause_reason                text NOT NULL DEFAULT '',
    paused_business_s           bigint NOT NULL DEFAULT 0,
    first_response_at_risk      boolean NOT NULL DEFAULT false,  -- ticket.sla_at_risk sent
    first_response_breached     boolean NOT NULL DEFAULT false,  -- ticket.sla_breached sent
    resolution_at_risk          boolean NOT NULL DEFAULT false,
    resolution_breached         boolean NOT NULL DEFAULT false,
    escalation_level            integer NOT NULL DEFAULT 0,
    next_escalation_at          timestamptz,
    -- The earliest instant the escalation engine has something to do for
    -- this ticket; NULL when nothing is pending (resolved, closed, paused,
    -- every event sent).
    next_check_at               timestamptz
);

-- The engine's scan (tickets_sla_engine.c): only tickets with something
-- pending are in this index, so the scan costs what is due, not the table.
-- EXPLAIN of the scan (PostgreSQL 15, tests/e2e/test_tickets_sla.py checks
-- the plan uses this index):
--   Limit -> LockRows -> Index Scan using ticket_sla_due on ticket_sla
--            Index Cond: (next_check_at <= $1)
CREATE INDEX ticket_sla_due ON ticket_sla (next_check_at) WHERE next_check_at IS NOT NULL;
