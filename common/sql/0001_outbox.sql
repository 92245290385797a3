-- The transactional outbox every service has (DESIGN.md §2 "Events").
--
-- A state change and its event are written in one transaction, so an event
-- exists exactly when its change committed. `txid` is the writing
-- transaction's id: the publisher only takes rows whose transaction is older
-- than every transaction still running, so a slow transaction can never
-- commit an event behind a cursor that has already moved on. `seq` is the
-- gapless publish sequence, assigned in commit order by the publisher (NULL
-- until then); consumers use it, never `id`.
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    txid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    event_id     uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    type         text NOT NULL CHECK (length(type) BETWEEN 1 AND 200),
    subject      text NOT NULL CHECK (length(subject) <= 500),
    content_type text NOT NULL,
    payload      bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    seq          bigint UNIQUE,
    published_at timestamptz
);

-- The publisher's scan: rows not yet numbered, oldest transaction first.
CREATE INDEX outbox_unpublished ON outbox (txid, id) WHERE seq IS NULL;
