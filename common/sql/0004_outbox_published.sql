-- Numbering without rewriting the outbox.
--
-- Until now the publisher wrote each event's number into its outbox row: an
-- UPDATE that copies the whole row (payload included) and, `seq` being
-- indexed, adds an entry to every index of the table, for every event. Now
-- the outbox is written once and never changed; numbers go to a narrow
-- table, and the publisher remembers how far it has numbered with a
-- watermark: the (txid, id) of the last event numbered.
--
-- The watermark is complete: rows are numbered in (txid, id) order and only
-- once their transaction is older than every running one, so a row sorting
-- before the watermark belonged to a transaction that had already ended
-- when the watermark passed it, and was numbered then (or rolled back).
CREATE TABLE outbox_published (
    seq          bigint PRIMARY KEY,
    outbox_id    bigint NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE outbox_watermark (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    txid      xid8 NOT NULL,
    id        bigint NOT NULL,
    seq       bigint NOT NULL
);

-- Carry over what was numbered the old way.
INSERT INTO outbox_published (seq, outbox_id, published_at)
    SELECT seq, id, published_at FROM outbox WHERE seq IS NOT NULL;
INSERT INTO outbox_watermark (txid, id, seq)
    SELECT coalesce((SELECT txid FROM outbox WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1), '0'::xid8),
           coalesce((SELECT id FROM outbox WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1), 0),
           coalesce((SELECT max(seq) FROM outbox), 0);

DROP INDEX outbox_unpublished;
ALTER TABLE outbox DROP COLUMN seq, DROP COLUMN published_at;

-- The publisher's scan: past the watermark, in numbering order.
CREATE INDEX outbox_order ON outbox (txid, id);
