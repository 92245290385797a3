-- One Idempotency-Key table for every creating request of the scheduling
-- service (DESIGN.md §4), as tickets keeps its own: swaps, handover logs,
-- countersignatures, security-desk handovers (0005), leave (0006) and
-- evaluations, titles and grade changes (0007) each had their own table,
-- scoped and locked differently. A key belongs to the acting person: one
-- (person, key) names one creation, whatever its kind, so the same key on
-- another kind is refused as reused, as another request with it is. The
-- row is claimed in the creation's transaction (the primary key makes a
-- concurrent duplicate wait for the first) and bound to what was created
-- before the commit. SQL: scheduling_creation_store.c.

CREATE TABLE creation_keys (
    actor_staff_id  text NOT NULL,
    key             text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('swap', 'handover', 'countersignature',
                                                  'security_desk', 'leave', 'evaluation',
                                                  'title', 'grade_change')),
    request_hash    text NOT NULL,                -- BLAKE2b-256 of the request payload, hex
    created_id      bigint,                       -- what the request created; set before commit
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (actor_staff_id, key)
);

-- The keys already given keep their answers. Leave and grades were scoped
-- per person already; the workforce table was per (person, key, kind), so
-- one person's key used on two kinds keeps its first use (by created_id,
-- the lower id first within a kind; leave and grades before it) and the
-- other is from now on refused as reused.
INSERT INTO creation_keys (actor_staff_id, key, kind, request_hash, created_id, created_at)
SELECT actor_staff_no, key, 'leave', request_hash, leave_id, created_at
FROM leave_idempotency_keys;

INSERT INTO creation_keys (actor_staff_id, key, kind, request_hash, created_id, created_at)
SELECT actor_staff_id, key,
       CASE method WHEN 'grades.record_evaluation' THEN 'evaluation'
                   WHEN 'grades.award_title' THEN 'title'
                   ELSE 'grade_change' END,
       request_hash, nullif(created_id, 0), created_at
FROM grade_idempotency_keys
ON CONFLICT (actor_staff_id, key) DO NOTHING;

-- workforce_creation_keys never recorded when a key was given: the moment
-- of this migration stands in (nothing decides by created_at; it is for
-- the people who read the table).
INSERT INTO creation_keys (actor_staff_id, key, kind, request_hash, created_id, created_at)
SELECT actor_staff_id, key, kind, request_hash, created_id, now()
FROM workforce_creation_keys
ORDER BY actor_staff_id, key, created_id
ON CONFLICT (actor_staff_id, key) DO NOTHING;

DROP TABLE workforce_creation_keys;
DROP TABLE leave_idempotency_keys;
DROP TABLE grade_idempotency_keys;
