-- Workforce planning (SCH-3 … SCH-8): sites, shift templates, monthly
-- rosters, and leave, which every later rule (swaps, attendance, on-duty)
-- reads.
--
-- A person's shift is still a row of `shifts`: a roster's shifts carry its
-- roster_id and the template they were cut from; a shift planned outside
-- any roster (POST /v1/shifts, overtime) has no roster. What counts, for the
-- log-in rule, on-duty, staffing, attendance, swaps and leave, is the view
-- shifts_in_force: shifts not cancelled, either outside rosters or in a
-- published roster. A draft roster's shifts are a plan, nothing more.
--
-- A published roster changes only through approved requests (SCH-3): an
-- approved swap moves shifts between people (shifts.staff_id changes, the
-- row and its id stay, version + 1), an approved leave leaves the shift in
-- place (attendance reads leave_requests), a cancellation sets cancelled_at.
-- Nothing deletes a shift of a published roster.
--
-- Times are timestamptz written from the service's clock (kefu_time);
-- local wall-clock values (a template's start) are minutes after local
-- midnight in the site's zone, resolved with common/kefu_tz.

CREATE TABLE sites (
    code        text PRIMARY KEY,                  -- e.g. "hotline-sh"
    name        text NOT NULL,
    zone        text NOT NULL,                     -- IANA zone, e.g. Asia/Shanghai
    created_at  timestamptz NOT NULL
);

-- Shift types: early 08:00 + 480 min, late 16:00 + 480, night 00:00 + 480;
-- a start + duration past 24:00 crosses midnight into the next local day.
CREATE TABLE shift_templates (
    code              text PRIMARY KEY,            -- e.g. "early"
    name              text NOT NULL,
    start_minute      integer NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    duration_minutes  integer NOT NULL CHECK (duration_minutes BETWEEN 1 AND 1440),
    -- Night shifts have their own leave rule (SCH-5: leave only before
    -- 12:00 local the same day).
    is_night          boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL
);

-- One roster per site and month (month = its first day, local to the site).
CREATE TABLE rosters (
    id            bigserial PRIMARY KEY,
    site_code     text NOT NULL REFERENCES sites (code),
    month         date NOT NULL CHECK (extract(day FROM month) = 1),
    status        text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    -- A holiday roster is published at least 7 days before its first day.
    holiday       boolean NOT NULL DEFAULT false,
    version       integer NOT NULL DEFAULT 1,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL,
    published_by  text,
    published_at  timestamptz,
    UNIQUE (site_code, month)
);

ALTER TABLE shifts
    ADD COLUMN roster_id      bigint REFERENCES rosters (id),
    ADD COLUMN template_code  text REFERENCES shift_templates (code),
    ADD COLUMN version        integer NOT NULL DEFAULT 1,
    ADD COLUMN cancelled_at   timestamptz;
CREATE INDEX shifts_by_roster ON shifts (roster_id) WHERE roster_id IS NOT NULL;
-- Who is on at T (SCH-8): shifts last at most a day, so a scan of
-- starts_at in (T - 1 day, T] finds every shift covering T.
CREATE INDEX shifts_by_start ON shifts (starts_at) INCLUDE (ends_at, staff_id) WHERE cancelled_at IS NULL;

CREATE VIEW shifts_in_force AS
    SELECT s.*
    FROM shifts s LEFT JOIN rosters r ON r.id = s.roster_id
    WHERE s.cancelled_at IS NULL AND (s.roster_id IS NULL OR r.status = 'published');

-- Leave (SCH-5). A request covers [starts_at, ends_at); it is decided by a
-- supervisor up to one day of leave, by administration (a manager) beyond.
-- Attendance (SCH-6) and swaps (SCH-4) read the approved ones; a request
-- still undecided when a covered shift starts turns into absence.
CREATE TABLE leave_requests (
    id               bigserial PRIMARY KEY,
    staff_id         bigint NOT NULL REFERENCES staff (id),
    -- Differs from staff_id only for sick leave (no leave by proxy).
    requested_by     bigint NOT NULL REFERENCES staff (id),
    kind             text NOT NULL CHECK (kind IN ('personal', 'special', 'sick', 'annual',
                         'marriage', 'bereavement', 'maternity', 'official')),
    starts_at        timestamptz NOT NULL,
    ends_at          timestamptz NOT NULL CHECK (ends_at > starts_at),
    reason           text NOT NULL,
    -- Sick leave over a day needs a medical certificate's reference.
    certificate_ref  text NOT NULL DEFAULT '',
    status           text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'approved',
                         'refused', 'cancelled')),
    decided_by       bigint REFERENCES staff (id),
    decided_at       timestamptz,
    decision_note    text NOT NULL DEFAULT '',
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX leave_by_staff ON leave_requests (staff_id, starts_at);
CREATE INDEX leave_pending ON leave_requests (starts_at) WHERE status = 'requested';
