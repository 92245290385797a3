-- The complete complaint loop: the statuses of the shorter workflows and of
-- merging, hand-offs of the current assignee (TKT-5), watchers, comments and
-- attachment metadata, departments and routing rules with the record of
-- every dispatch (TKT-6), and the accountability findings made queryable
-- (TKT-8).
--
-- Times of the records below come from the service's clock (kefu_time), as
-- parameters, so that tests can drive them; as in 0001, optional text is ''.

ALTER TABLE tickets DROP CONSTRAINT tickets_status_check;
ALTER TABLE tickets ADD CONSTRAINT tickets_status_check CHECK (status IN ('received', 'assessed',
    'investigating', 'remedy_proposed', 'remedy_approved', 'implementing', 'customer_accepted',
    'resolved', 'reviewed', 'rejected', 'in_progress', 'dispatched', 'merged'));

CREATE TABLE departments (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    active     boolean NOT NULL DEFAULT true,
    version    bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Work orders of a category go to one department (TKT-6).
CREATE TABLE routing_rules (
    id            bigserial PRIMARY KEY,
    category      text NOT NULL UNIQUE,
    department_id bigint NOT NULL REFERENCES departments (id),
    version       bigint NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX routing_rules_by_department ON routing_rules (department_id);

ALTER TABLE tickets
    ADD COLUMN assignee_staff_id text NOT NULL DEFAULT '',
    ADD COLUMN confirmation_method text NOT NULL DEFAULT ''
        CHECK (confirmation_method IN ('', 'phone', 'sms', 'email', 'in_person', 'written', 'online')),
    ADD COLUMN merged_into bigint REFERENCES tickets (id),
    ADD COLUMN department_id bigint REFERENCES departments (id),
    -- A merged ticket names its primary, and only a merged one does.
    ADD CONSTRAINT merged_names_primary CHECK ((status = 'merged') = (merged_into IS NOT NULL)),
    ADD CONSTRAINT not_merged_into_itself CHECK (merged_into <> id);
-- Until now the owner was the only handler.
UPDATE tickets SET assignee_staff_id = owner_staff_id;

-- TKT-8: who was found responsible, and by which department.
CREATE INDEX tickets_by_responsible_department ON tickets (responsible_department, id)
    WHERE responsible_department <> '';
CREATE INDEX tickets_by_responsible_party ON tickets (responsible_party, id) WHERE responsible_party <> '';
CREATE INDEX tickets_by_department ON tickets (department_id, id) WHERE department_id IS NOT NULL;

-- A merged duplicate's history is copied to its primary (marked with where it
-- came from) and stays readable on the duplicate too.
ALTER TABLE ticket_transitions ADD COLUMN merged_from_ticket_id bigint REFERENCES tickets (id);

CREATE TABLE ticket_dispatches (
    id                 bigserial PRIMARY KEY,
    ticket_id          bigint NOT NULL REFERENCES tickets (id),
    from_department_id bigint REFERENCES departments (id),   -- NULL for the first dispatch
    to_department_id   bigint NOT NULL REFERENCES departments (id),
    by_staff_id        text NOT NULL,
    reason             text NOT NULL,
    routing_rule_id    bigint REFERENCES routing_rules (id) ON DELETE SET NULL,  -- NULL: by hand
    at                 timestamptz NOT NULL
);
CREATE INDEX ticket_dispatches_by_ticket ON ticket_dispatches (ticket_id, id);

-- Hand-offs of the current assignee; the owner of record never changes (TKT-5).
CREATE TABLE ticket_handoffs (
    id            bigserial PRIMARY KEY,
    ticket_id     bigint NOT NULL REFERENCES tickets (id),
    from_staff_id text NOT NULL,
    to_staff_id   text NOT NULL,
    by_staff_id   text NOT NULL,
    reason        text NOT NULL,
    at            timestamptz NOT NULL
);
CREATE INDEX ticket_handoffs_by_ticket ON ticket_handoffs (ticket_id, id);

CREATE TABLE ticket_watchers (
    ticket_id bigint NOT NULL REFERENCES tickets (id),
    staff_id  text NOT NULL,
    added_by  text NOT NULL,
    added_at  timestamptz NOT NULL,
    PRIMARY KEY (ticket_id, staff_id)
);

CREATE TABLE ticket_comments (
    id                    bigserial PRIMARY KEY,
    ticket_id             bigint NOT NULL REFERENCES tickets (id),
    body                  text NOT NULL CHECK (body <> ''),
    visibility            text NOT NULL CHECK (visibility IN ('internal', 'public')),
    author_staff_id       text NOT NULL,
    created_at            timestamptz NOT NULL,
    merged_from_ticket_id bigint REFERENCES tickets (id)
);
CREATE INDEX ticket_comments_by_ticket ON ticket_comments (ticket_id, id);

-- Metadata of files kept in the integrator's object store, never the bytes.
CREATE TABLE ticket_attachments (
    id                    bigserial PRIMARY KEY,
    ticket_id             bigint NOT NULL REFERENCES tickets (id),
    file_name             text NOT NULL CHECK (file_name <> ''),
    media_type            text NOT NULL,
    size_bytes            bigint NOT NULL CHECK (size_bytes > 0),
    sha256                text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    storage_uri           text NOT NULL,
    added_by              text NOT NULL,
    created_at            timestamptz NOT NULL,
    merged_from_ticket_id bigint REFERENCES tickets (id)
);
CREATE INDEX ticket_attachments_by_ticket ON ticket_attachments (ticket_id, id);

-- Idempotency-Key of the other creating requests (comments, attachments,
-- departments, routing rules), claimed in the transaction of what it creates,
-- as idempotency_keys is for tickets: scoped to the acting staff id, bound to
-- the method and the request's hash, then to the id of what was created.
CREATE TABLE creation_keys (
    actor_staff_id text NOT NULL,
    key            text NOT NULL,
    method         text NOT NULL,
    request_hash   text NOT NULL,
    result_id      bigint,                  -- set in the same transaction
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor_staff_id, key)
);
