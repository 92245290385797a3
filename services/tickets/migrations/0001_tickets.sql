-- Tickets (TKT-1, TKT-2) and the record of every transition (TKT-3).
--
-- Enumerated columns are text with CHECK constraints mirroring
-- tickets_workflow.c, so a bug in the service can never store a value the
-- API would not accept. Optional text is '' rather than NULL: the protobuf
-- messages have no NULL, and one representation means one comparison.
CREATE TABLE tickets (
    id                     bigserial PRIMARY KEY,
    kind                   text NOT NULL CHECK (kind IN ('complaint', 'inquiry', 'work_order', 'suggestion')),
    channel                text NOT NULL CHECK (channel IN ('phone', 'email', 'web', 'walk_in', 'api')),
    priority               text NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    category               text NOT NULL,
    subject                text NOT NULL,
    description            text NOT NULL DEFAULT '',
    customer_id            text NOT NULL DEFAULT '',
    complainant_name       text NOT NULL DEFAULT '',
    complainant_contact    text NOT NULL DEFAULT '',
    requested_remedy       text NOT NULL DEFAULT '',
    status                 text NOT NULL CHECK (status IN ('received', 'assessed', 'investigating',
                               'remedy_proposed', 'remedy_approved', 'implementing', 'customer_accepted',
                               'resolved', 'reviewed', 'rejected', 'in_progress')),
    version                bigint NOT NULL DEFAULT 1,
    owner_staff_id         text NOT NULL,       -- first-contact owner of record (TKT-5)
    responsible_department text NOT NULL DEFAULT '',
    responsible_person     text NOT NULL DEFAULT '',
    remedy                 text NOT NULL DEFAULT '',
    remedy_proposed_by     text NOT NULL DEFAULT '',
    remedy_approved_by     text NOT NULL DEFAULT '',
    customer_confirmation  text NOT NULL DEFAULT '',
    rejection_explanation  text NOT NULL DEFAULT '',
    review_summary         text NOT NULL DEFAULT '',
    responsible_party      text NOT NULL DEFAULT '',  -- accountability (TKT-8)
    sanction               text NOT NULL DEFAULT '',
    received_at            timestamptz NOT NULL,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    -- TKT-2: a complainant is a customer id, or a name and a contact.
    CONSTRAINT complaint_has_complainant CHECK (kind <> 'complaint' OR customer_id <> ''
        OR (complainant_name <> '' AND complainant_contact <> ''))
);

-- The list filters, each with id for the cursor order.
CREATE INDEX tickets_by_status ON tickets (status, id);
CREATE INDEX tickets_by_kind ON tickets (kind, id);
CREATE INDEX tickets_by_customer ON tickets (customer_id, id) WHERE customer_id <> '';
CREATE INDEX tickets_by_assignee ON tickets (responsible_person, id) WHERE responsible_person <> '';

CREATE TABLE ticket_transitions (
    id             bigserial PRIMARY KEY,
    ticket_id      bigint NOT NULL REFERENCES tickets (id),
    from_status    text NOT NULL,           -- '' for the creation
    to_status      text NOT NULL,
    actor_staff_id text NOT NULL,
    actor_roles    text NOT NULL,
    reason         text NOT NULL,
    version        bigint NOT NULL,         -- the ticket's version after it
    at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ticket_transitions_by_ticket ON ticket_transitions (ticket_id, id);

-- Idempotency-Key of creating requests (DESIGN.md §5): the key is claimed
-- in the same transaction as the ticket it creates, so two racing requests
-- with one key produce one ticket. Keys are scoped to the acting staff id.
CREATE TABLE idempotency_keys (
    actor_staff_id text NOT NULL,
    key            text NOT NULL,
    request_hash   text NOT NULL,           -- BLAKE2b of the request payload, hex
    ticket_id      bigint REFERENCES tickets (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor_staff_id, key)
);
