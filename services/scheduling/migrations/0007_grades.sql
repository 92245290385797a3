-- Grades and promotion (SCH-10): monthly and quarterly evaluations with
-- their amendments, titles awarded, and grade changes (promotions and
-- demotions) proposed and decided. The criteria are data in
-- scheduling_grade_rules.c; these tables hold only what was recorded.
--
-- Domain times come from the service's clock (kefu_time), never now().

CREATE TABLE grade_evaluations (
    id            bigserial PRIMARY KEY,
    staff_id      bigint NOT NULL REFERENCES staff (id),
    kind          text NOT NULL CHECK (kind IN ('monthly', 'quarterly')),
    -- "YYYY-MM" or "YYYY-Qn": sorts in time order within a kind.
    period        text NOT NULL CHECK ((kind = 'monthly' AND period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$')
                                    OR (kind = 'quarterly' AND period ~ '^[0-9]{4}-Q[1-4]$')),
    score         double precision NOT NULL CHECK (score >= 0 AND score <= 100),
    rank          integer NOT NULL CHECK (rank >= 0),
    result        text NOT NULL CHECK (result IN ('', 'pass', 'fail')),
    grade         text NOT NULL CHECK (grade IN ('', 'A', 'B', 'C', 'D')),
    note          text NOT NULL DEFAULT '',
    evaluated_by  text NOT NULL,
    recorded_at   timestamptz NOT NULL,
    version       integer NOT NULL DEFAULT 1,
    updated_at    timestamptz NOT NULL,
    -- One evaluation per person per period: a correction is an amendment.
    UNIQUE (staff_id, kind, period),
    CHECK ((kind = 'monthly' AND rank >= 1 AND result <> '' AND grade = '')
        OR (kind = 'quarterly' AND rank = 0 AND result = '' AND grade <> ''))
);

-- What an evaluation held before each amendment (the history is kept).
CREATE TABLE grade_evaluation_amendments (
    id               bigserial PRIMARY KEY,
    evaluation_id    bigint NOT NULL REFERENCES grade_evaluations (id),
    version          integer NOT NULL,   -- the version the amendment produced
    previous_score   double precision NOT NULL,
    previous_rank    integer NOT NULL,
    previous_result  text NOT NULL,
    previous_grade   text NOT NULL,
    previous_note    text NOT NULL,
    reason           text NOT NULL CHECK (reason <> ''),
    amended_by       text NOT NULL,
    amended_at       timestamptz NOT NULL,
    UNIQUE (evaluation_id, version)
);

CREATE TABLE grade_titles (
    id           bigserial PRIMARY KEY,
    staff_id     bigint NOT NULL REFERENCES staff (id),
    name         text NOT NULL CHECK (name <> ''),
    awarded_on   date NOT NULL,
    note         text NOT NULL DEFAULT '',
    awarded_by   text NOT NULL,
    recorded_at  timestamptz NOT NULL,
    UNIQUE (staff_id, name, awarded_on)
);

CREATE TABLE grade_changes (
    id               bigserial PRIMARY KEY,
    staff_id         bigint NOT NULL REFERENCES staff (id),
    direction        text NOT NULL CHECK (direction IN ('promotion', 'demotion')),
    from_grade       text NOT NULL,
    to_grade         text NOT NULL CHECK (to_grade IN ('trainee', 'junior', 'intermediate', 'senior',
                         'reserve_supervisor')),
    at               text NOT NULL CHECK (at ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    exceptional      boolean NOT NULL DEFAULT false,
    rule             text NOT NULL DEFAULT '',
    reason           text NOT NULL CHECK (reason <> ''),
    status           text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'approved', 'refused')),
    proposed_by      text NOT NULL,
    proposed_at      timestamptz NOT NULL,
    decided_by       text NOT NULL DEFAULT '',
    decided_at       timestamptz,
    decision_reason  text NOT NULL DEFAULT '',
    version          integer NOT NULL DEFAULT 1,
    CHECK ((status = 'proposed') = (decided_at IS NULL))
);
-- At most one open proposal per person: a second is a conflict.
CREATE UNIQUE INDEX grade_changes_one_open ON grade_changes (staff_id) WHERE status = 'proposed';
CREATE INDEX grade_changes_by_staff ON grade_changes (staff_id, id);

-- Idempotency-Key of the creating requests (evaluations, titles, grade
-- changes; DESIGN.md §4, §5): claimed in the transaction of what it creates,
-- so a retry gets the first answer and never a second row. Scoped to the
-- acting staff id; bound to the method and a hash of the request.
CREATE TABLE grade_idempotency_keys (
    actor_staff_id  text NOT NULL,
    key             text NOT NULL,
    method          text NOT NULL,
    request_hash    text NOT NULL,
    created_id      bigint NOT NULL DEFAULT 0,   -- the evaluation, title or change made
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (actor_staff_id, key)
);
