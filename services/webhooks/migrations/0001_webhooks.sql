-- Webhooks (registrations), their deliveries (the durable queue and the
-- delivery log), and the Idempotency-Key of creating requests.
--
-- Enumerated columns are text with CHECK constraints mirroring
-- webhooks_handlers.c, so a bug in the service can never store a value the
-- API would not accept. Optional text is '' rather than NULL (protobuf has
-- no NULL).

-- A registration. `number` orders lists and is the cursor (ids are random,
-- so they cannot be). The signing secret is kept sealed: XChaCha20-Poly1305
-- under KEFU_WEBHOOKS_SECRET_KEY, 24-byte nonce first, with the webhook id
-- as associated data so a sealed secret cannot be moved to another row.
CREATE TABLE webhooks (
    id             text PRIMARY KEY CHECK (id ~ '^wh_[0-9a-f]{24}$'),
    number         bigserial NOT NULL UNIQUE,
    url            text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    event_types    text[] NOT NULL DEFAULT '{}',
    description    text NOT NULL DEFAULT '',
    status         text NOT NULL CHECK (status IN ('active', 'paused')),
    secret_sealed  bytea NOT NULL,
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- One row per (webhook, event): the unique key makes enqueueing idempotent,
-- so an event replayed by the consumer is never queued twice. `body` is the
-- CloudEvents JSON rendered once at enqueue time, so every attempt and
-- every redelivery sends the same bytes (and the same signature input but
-- the timestamp). A sender holds a claimed row by `lease_until`; a sender
-- that died leaves a lease that simply runs out.
CREATE TABLE deliveries (
    id               bigserial PRIMARY KEY,
    webhook_id       text NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id         text NOT NULL,
    event_source     text NOT NULL,
    event_seq        bigint NOT NULL,
    event_type       text NOT NULL,
    body             text NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts         integer NOT NULL DEFAULT 0,
    first_attempt_at timestamptz,           -- of the current round (reset by a redelivery)
    last_attempt_at  timestamptz,
    last_status_code integer NOT NULL DEFAULT 0,
    last_error       text NOT NULL DEFAULT '',
    last_latency_ms  integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    lease_until      timestamptz,
    delivered_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (webhook_id, event_source, event_seq)
);

-- The senders' scan: due pending rows, oldest due first.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
-- The delivery log of one webhook, newest first, optionally by status.
CREATE INDEX deliveries_by_webhook ON deliveries (webhook_id, id);
CREATE INDEX deliveries_by_webhook_status ON deliveries (webhook_id, status, id);

-- Wake the senders at commit when deliveries are queued: a NOTIFY sent in a
-- transaction is delivered when, and only if, it commits. One per statement
-- is enough: a woken sender claims everything that is due.
CREATE FUNCTION deliveries_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('kefu_webhooks_deliveries', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER deliveries_notify AFTER INSERT ON deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION deliveries_notify();

-- Idempotency-Key of webhooks.create (DESIGN.md §4, §5): claimed in the same
-- transaction as the webhook it creates, scoped to the acting staff id. A key
-- outlives its webhook (NULL then), so a late retry is told the webhook was
-- deleted instead of creating another.
CREATE TABLE idempotency_keys (
    actor_staff_id text NOT NULL,
    key            text NOT NULL,
    request_hash   text NOT NULL,           -- BLAKE2b-256 of the request payload, hex
    webhook_id     text REFERENCES webhooks (id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor_staff_id, key)
);
