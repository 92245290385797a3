-- Wake the publisher at commit: a NOTIFY sent in a transaction is delivered
-- when, and only if, it commits, which is exactly when new outbox rows
-- become visible. One notification per statement is enough (the publisher
-- reads everything pending), and PostgreSQL folds repeats within a
-- transaction into one.
CREATE FUNCTION outbox_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('kefu_outbox_' || TG_TABLE_SCHEMA, '');
    RETURN NULL;
END
$$;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Consumers' cursors (common/kefu_consumer.c): per source, the last seq
-- processed, updated in the same transaction as the processing, so each
-- (source, seq) takes effect exactly once.
CREATE TABLE consumer_cursors (
    source     text PRIMARY KEY,
    seq        bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
