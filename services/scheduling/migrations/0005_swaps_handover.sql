-- Shift swaps (SCH-4) and handovers (SCH-7).
--
-- A swap exchanges two shifts in force (migrations/0003: shifts_in_force):
-- the requester's shift (the swap day: the counterpart works it) and the
-- counterpart's shift (the return day: the requester works it). Approval
-- changes shifts.staff_id of both rows (version + 1) in the transaction
-- that marks the swap approved; the rows and their ids stay.
--
-- A handover log belongs to the outgoing person's shift and names the
-- incoming person; it holds the outgoing person (scheduling_handover.h)
-- until the incoming person accepts it. A refused log stays, with its
-- reason, and the outgoing person writes a new one for the same shift.
--
-- Times are written from the service's clock (kefu_time), never now().

CREATE TABLE swaps (
    id               bigserial PRIMARY KEY,
    requester_id     bigint NOT NULL REFERENCES staff (id),
    counterpart_id   bigint NOT NULL REFERENCES staff (id) CHECK (counterpart_id <> requester_id),
    -- The requester's shift, worked by the counterpart after approval.
    swap_shift_id    bigint NOT NULL REFERENCES shifts (id),
    -- The counterpart's shift, worked by the requester after approval.
    return_shift_id  bigint NOT NULL REFERENCES shifts (id) CHECK (return_shift_id <> swap_shift_id),
    reason           text NOT NULL,
    status           text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'accepted', 'approved',
                         'declined', 'refused', 'cancelled')),
    accepted_at      timestamptz,
    decided_by       text NOT NULL DEFAULT '',       -- staff number of the approver, refuser, decliner
    decided_at       timestamptz,
    decision_note    text NOT NULL DEFAULT '',
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX swaps_by_requester ON swaps (requester_id, status);
CREATE INDEX swaps_by_counterpart ON swaps (counterpart_id, status);
CREATE INDEX swaps_by_swap_shift ON swaps (swap_shift_id);
CREATE INDEX swaps_by_return_shift ON swaps (return_shift_id);

-- The equipment checklist of a handover (SCH-7: ✓/✗ per item), kept by
-- admins and supervisors. A retired item (active false) is no longer asked
-- for; the logs that answered it keep their answer.
CREATE TABLE handover_checklist_items (
    code        text PRIMARY KEY,                  -- e.g. "headsets"
    label       text NOT NULL,
    active      boolean NOT NULL DEFAULT true,
    version     integer NOT NULL DEFAULT 1,
    updated_by  text NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE handovers (
    id                   bigserial PRIMARY KEY,
    shift_id             bigint NOT NULL REFERENCES shifts (id),
    outgoing_id          bigint NOT NULL REFERENCES staff (id),
    incoming_id          bigint NOT NULL REFERENCES staff (id) CHECK (incoming_id <> outgoing_id),
    work_in_progress     text NOT NULL,
    staffing_changes     text NOT NULL,
    notices              text NOT NULL,
    status               text NOT NULL DEFAULT 'written' CHECK (status IN ('written', 'accepted', 'refused')),
    -- The two signatures (who, when, from which terminal).
    outgoing_signed_at   timestamptz NOT NULL,
    outgoing_terminal    text NOT NULL,
    incoming_signed_at   timestamptz,
    incoming_terminal    text NOT NULL DEFAULT '',
    refusal_reason       text NOT NULL DEFAULT '',
    -- Set when handover.overdue was raised, so it is raised once.
    overdue_at           timestamptz,
    version              integer NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
);
-- One live log per shift: a refused one may be followed by another.
CREATE UNIQUE INDEX handovers_live_per_shift ON handovers (shift_id) WHERE status <> 'refused';
CREATE INDEX handovers_by_shift ON handovers (shift_id, id);
CREATE INDEX handovers_unaccepted ON handovers (id) WHERE status = 'written' AND overdue_at IS NULL;

-- Open problems, each with the tickets it concerns.
CREATE TABLE handover_problems (
    handover_id  bigint NOT NULL REFERENCES handovers (id),
    position     integer NOT NULL,
    description  text NOT NULL,
    ticket_ids   bigint[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (handover_id, position)
);

CREATE TABLE handover_checks (
    handover_id  bigint NOT NULL REFERENCES handovers (id),
    item_code    text NOT NULL REFERENCES handover_checklist_items (code),
    ok           boolean NOT NULL,
    note         text NOT NULL DEFAULT '',
    PRIMARY KEY (handover_id, item_code)
);

-- The shift lead's daily countersignature: one per local day and site zone,
-- over every handover of the shifts that ended that day.
CREATE TABLE handover_countersignatures (
    id            bigserial PRIMARY KEY,
    day           date NOT NULL,
    site_zone     text NOT NULL,
    signed_by     text NOT NULL,                   -- staff number of the shift lead
    signed_at     timestamptz NOT NULL,
    terminal      text NOT NULL,
    note          text NOT NULL DEFAULT '',
    handover_ids  bigint[] NOT NULL,
    UNIQUE (day, site_zone)
);

-- Complaints as the tickets service announced them (ticket.created,
-- consumed exactly once: scheduling_complaints.c). The security desk's
-- handovers at 08:00 and 18:00 list those received after hours
-- (18:00-08:00 in the site's zone), which is decided when they are listed,
-- for the zone asked. No personal data of the complainant is copied.
CREATE TABLE complaints_received (
    ticket_id    bigint PRIMARY KEY,
    received_at  timestamptz NOT NULL,
    channel      text NOT NULL,
    priority     text NOT NULL,
    category     text NOT NULL,
    subject      text NOT NULL,
    recorded_at  timestamptz NOT NULL
);
CREATE INDEX complaints_received_by_time ON complaints_received (received_at);

-- A security-desk handover (与保安部交接班): at 08:00 the night's record
-- comes back from the security desk, at 18:00 the book goes to it. Written
-- by the customer-service person who hands or takes it; the complaints it
-- carried are kept as listed then.
CREATE TABLE security_desk_handovers (
    id                bigserial PRIMARY KEY,
    site_zone         text NOT NULL,
    day               date NOT NULL,
    direction         text NOT NULL CHECK (direction IN ('morning', 'evening')),
    staff_id          bigint NOT NULL REFERENCES staff (id),
    security_officer  text NOT NULL,
    notes             text NOT NULL,
    terminal          text NOT NULL,
    complaint_ids     bigint[] NOT NULL,
    created_at        timestamptz NOT NULL,
    UNIQUE (site_zone, day, direction)
);

-- Idempotency-Key of the creating requests above (DESIGN.md §4): scoped to
-- the acting staff number, bound to a hash of the request and to what it
-- created, written in the creation's transaction.
CREATE TABLE workforce_creation_keys (
    actor_staff_id  text NOT NULL,
    key             text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('swap', 'handover', 'countersignature', 'security_desk')),
    request_hash    text NOT NULL,
    created_id      bigint,
    PRIMARY KEY (actor_staff_id, key, kind)
);
