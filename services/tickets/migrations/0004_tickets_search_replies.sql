-- Ticket search (GET /v1/tickets?q=…), standard replies (TKT-10), and the
-- index of the statistics (TKT-9).
--
-- Text search without full scans, Chinese included. Two indexes per searched
-- text, chosen by the length of the query (tickets_search.c):
--   * 3 characters or more: pg_trgm (GIN, gin_trgm_ops) answers ILIKE
--     '%…%'. CJK trigrams exist because the cluster's LC_CTYPE is C.UTF-8
--     (deploy/local/pg.sh, deploy/docker); pg_trgm is installed in schema
--     public by deploy/postgres/bootstrap.sql (the service role may not
--     create extensions), and the service's search_path holds only its own
--     schema, hence public.gin_trgm_ops.
--   * 1 or 2 characters: pg_trgm has nothing to look up (a LIKE pattern
--     '%退款%' yields no trigram, so the trigram index would be read whole),
--     yet two-character words are the common case in Chinese. search_grams()
--     lists every distinct character and every distinct pair of adjacent
--     characters of the lower-cased text; a GIN index over that array
--     answers "contains this gram" (@>).
-- Either way the row is re-checked with the exact ILIKE, so an index only
-- narrows; what is found is always a true substring match.
--
-- EXPLAIN ANALYZE on 100 001 generated tickets (mixed Chinese and English;
-- PostgreSQL 15; the list statement of tickets_store.c, planned per
-- execution; details in docs/PERFORMANCE.md):
--   q='鲸'         Bitmap Index Scan on tickets_text_grams       100 rows, 0.6 ms
--   q='龙虾'       Bitmap Index Scan on tickets_text_grams     1 000 rows, 2 ms
--   q='退款未到账' Bitmap Index Scan on tickets_text_trigrams     261 rows, 1 ms
--   q='100%'       Bitmap Index Scan on tickets_text_trigrams  (every row a
--                  candidate: its one trigram, 100, is everywhere), 0.3 s
-- each followed by a Bitmap Heap Scan re-checking the ILIKE and a top-N
-- sort by id. The cost follows the candidates the index gives: few for a
-- selective query, every row for '100%' (the weak case: a query whose only
-- trigrams are everywhere). tests/e2e/test_tickets_search.py
-- (test_text_search_uses_an_index) checks the plans on 100 000 rows.

-- Every distinct character and pair of adjacent characters of `document`,
-- lower-cased as ILIKE compares. IMMUTABLE so that it can be indexed; it
-- names only pg_catalog functions, so no search_path can change it. The
-- characters are split once and paired with lead(): substr() at each
-- position would walk the multibyte text from its start every time
-- (quadratic: a second for a 7 000-character text, against 15 ms).
CREATE FUNCTION search_grams(document text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(pg_catalog.array_agg(DISTINCT gram), '{}')
    FROM (SELECT c, pg_catalog.lead(c) OVER (ORDER BY i) AS following
          FROM pg_catalog.string_to_table(pg_catalog.lower(document), NULL) WITH ORDINALITY AS u(c, i)) AS chars,
         LATERAL (VALUES (c), (c || following)) AS g(gram)
    WHERE gram IS NOT NULL
$$;

-- The searched text of a ticket is its subject and description joined by a
-- newline; a query cannot hold a newline (it is one line of text), so no
-- match can straddle the two fields. Queries must spell the expression
-- exactly like this for the planner to use the indexes.
CREATE INDEX tickets_text_trigrams ON tickets
    USING gin ((subject || E'\n' || description) public.gin_trgm_ops);
CREATE INDEX tickets_text_grams ON tickets
    USING gin (search_grams(subject || E'\n' || description));

-- The other list filters, each with id for the cursor order.
CREATE INDEX tickets_by_category ON tickets (category, id);
CREATE INDEX tickets_by_owner ON tickets (owner_staff_id, id);
-- `assignee` is who handles the ticket now (assignee_staff_id, 0002); the
-- responsible person has tickets_by_assignee of 0001.
CREATE INDEX tickets_by_assignee_staff ON tickets (assignee_staff_id, id);
CREATE INDEX tickets_by_created ON tickets (created_at);
CREATE INDEX tickets_by_received ON tickets (received_at);
-- Statistics (TKT-9): resolutions in a range of time.
CREATE INDEX ticket_transitions_resolved ON ticket_transitions (at) WHERE to_status = 'resolved';
-- Statistics: a repeat complaint looks up the same customer's complaints
-- of the same category in the 30 days before it. Without this index that
-- look-up reads every ticket of those 30 days, for each complaint: a month
-- of 1,000,000 tickets over two years took minutes (docs/PERFORMANCE.md).
CREATE INDEX tickets_complaints_by_customer ON tickets (customer_id, category, received_at)
    WHERE kind = 'complaint' AND customer_id <> '';

-- Standard replies (TKT-10). A reply is the sequence of its versions;
-- `revision` is its ETag, +1 on every change of it or of its versions.
CREATE TABLE replies (
    id             bigserial PRIMARY KEY,
    revision       bigint NOT NULL DEFAULT 1,
    latest_version integer NOT NULL DEFAULT 1,
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL
);

CREATE TABLE reply_versions (
    row_id          bigserial UNIQUE,        -- list order and cursor
    reply_id        bigint NOT NULL REFERENCES replies (id),
    version         integer NOT NULL CHECK (version > 0),
    category        text NOT NULL,
    title           text NOT NULL,
    body            text NOT NULL,
    state           text NOT NULL CHECK (state IN ('draft', 'approved', 'retired')),
    author_staff_id text NOT NULL,
    approved_by     text NOT NULL DEFAULT '',
    approved_at     timestamptz,
    retired_by      text NOT NULL DEFAULT '',
    retired_at      timestamptz,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (reply_id, version),
    -- Approved (and later retired) versions name their approver, who is
    -- not their author; the service checks it first, this makes a bug loud.
    CONSTRAINT approved_has_approver CHECK (state = 'draft' OR approved_by <> ''),
    CONSTRAINT approver_is_not_author CHECK (approved_by <> author_staff_id),
    CONSTRAINT retired_has_retirer CHECK (state <> 'retired' OR retired_by <> '')
);
-- At most one approved version per reply: the one agents see.
CREATE UNIQUE INDEX reply_versions_one_approved ON reply_versions (reply_id) WHERE state = 'approved';
CREATE INDEX reply_versions_by_category ON reply_versions (category, row_id);
CREATE INDEX reply_versions_by_state ON reply_versions (state, row_id);
-- The same search as tickets', over title and body.
CREATE INDEX reply_versions_text_trigrams ON reply_versions
    USING gin ((title || E'\n' || body) public.gin_trgm_ops);
CREATE INDEX reply_versions_text_grams ON reply_versions
    USING gin (search_grams(title || E'\n' || body));

-- Idempotency-Key of reply creation: the same keys as tickets' (one key,
-- one effect per actor), naming what they created.
ALTER TABLE idempotency_keys ADD COLUMN reply_id bigint REFERENCES replies (id);

-- A public comment (0002) may cite the standard reply it gave the customer
-- (TKT-10): the reply and its version, approved when the comment was
-- written (the service checks it in the comment's transaction, with the
-- version locked; a version is never deleted, so the citation stays
-- readable after it is retired).
ALTER TABLE ticket_comments
    ADD COLUMN reply_id bigint,
    ADD COLUMN reply_version integer,
    ADD CONSTRAINT comment_cites_a_version FOREIGN KEY (reply_id, reply_version)
        REFERENCES reply_versions (reply_id, version),
    ADD CONSTRAINT citation_names_both CHECK ((reply_id IS NULL) = (reply_version IS NULL)),
    ADD CONSTRAINT citation_is_public CHECK (reply_id IS NULL OR visibility = 'public');
