-- Attendance (SCH-6) and what leave (SCH-5) turns into: clock-in/out per
-- shift, absences from post, absences from work, violations, and the
-- monthly report reminder. leave_requests itself is in 0003_rosters.sql
-- and unchanged.
--
-- Every time is written from the service's clock (kefu_time), never from
-- now(): tests drive it. Rows are facts and are never deleted.

-- One row per shift worked: the clock-in (and the terminal it came from),
-- and the clock-out once it happens. late_minutes is whole minutes after
-- the shift's start at clock-in (0 when on time).
CREATE TABLE attendance (
    id                  bigserial PRIMARY KEY,
    shift_id            bigint NOT NULL UNIQUE REFERENCES shifts (id),
    staff_id            bigint NOT NULL REFERENCES staff (id),
    clock_in_at         timestamptz NOT NULL,
    clock_in_terminal   text NOT NULL,
    late_minutes        integer NOT NULL CHECK (late_minutes >= 0),
    clock_out_at        timestamptz,
    clock_out_terminal  text NOT NULL DEFAULT '',
    version             integer NOT NULL DEFAULT 1
);
CREATE INDEX attendance_open ON attendance (staff_id) WHERE clock_out_at IS NULL;

-- Absences from post (脱岗) during a shift worked: left, then returned.
CREATE TABLE attendance_breaks (
    id                  bigserial PRIMARY KEY,
    attendance_id       bigint NOT NULL REFERENCES attendance (id),
    left_at             timestamptz NOT NULL,
    left_terminal       text NOT NULL,
    returned_at         timestamptz,
    returned_terminal   text NOT NULL DEFAULT '',
    CHECK (returned_at IS NULL OR returned_at >= left_at)
);
-- At most one open absence from post per shift.
CREATE UNIQUE INDEX attendance_breaks_open ON attendance_breaks (attendance_id) WHERE returned_at IS NULL;

-- Absences from work (旷工), one per shift at most, recorded by the ticker:
-- 'leave_undecided' when a leave request covering the shift was still
-- undecided at its start (SCH-5), 'no_show' when nobody clocked in within
-- the violation threshold and no approved leave covers it (SCH-6). A
-- person who clocks in later still counts as late, not absent, in the
-- report.
CREATE TABLE attendance_absences (
    id           bigserial PRIMARY KEY,
    shift_id     bigint NOT NULL UNIQUE REFERENCES shifts (id),
    staff_id     bigint NOT NULL REFERENCES staff (id),
    cause        text NOT NULL CHECK (cause IN ('leave_undecided', 'no_show')),
    leave_id     bigint REFERENCES leave_requests (id),
    recorded_at  timestamptz NOT NULL
);

-- Violations (违纪, rule 七): lateness of the threshold or more at clock-in
-- ('late', once per shift), an absence from post of the threshold or more
-- ('off_post', once per absence), neither covered by approved leave.
CREATE TABLE attendance_violations (
    id             bigserial PRIMARY KEY,
    shift_id       bigint NOT NULL REFERENCES shifts (id),
    staff_id       bigint NOT NULL REFERENCES staff (id),
    kind           text NOT NULL CHECK (kind IN ('late', 'off_post')),
    minutes        integer NOT NULL CHECK (minutes >= 0),
    break_id       bigint UNIQUE REFERENCES attendance_breaks (id),
    occurred_at    timestamptz NOT NULL,
    CHECK ((kind = 'off_post') = (break_id IS NOT NULL))
);
CREATE UNIQUE INDEX attendance_violations_late ON attendance_violations (shift_id) WHERE kind = 'late';
CREATE INDEX attendance_violations_by_staff ON attendance_violations (staff_id, occurred_at);

-- The attendance report is due to HR on the 25th (考勤员应于每月25日...):
-- one reminder per month (its first day), raised once whichever replica
-- gets there first.
CREATE TABLE attendance_report_reminders (
    month     date PRIMARY KEY CHECK (extract(day FROM month) = 1),
    raised_at timestamptz NOT NULL
);

-- Idempotency-Key of POST /v1/leave (DESIGN §4), scoped to the caller: the
-- same key and request answer with the leave it first created; another
-- request with the key is refused. Written in the request's transaction.
CREATE TABLE leave_idempotency_keys (
    actor_staff_no  text NOT NULL,
    key             text NOT NULL,
    request_hash    text NOT NULL,               -- BLAKE2b-256 of the request payload, hex
    leave_id        bigint REFERENCES leave_requests (id),
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (actor_staff_no, key)
);
