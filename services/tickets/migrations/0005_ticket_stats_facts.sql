-- Statistics facts (TKT-9): narrow per-ticket and per-resolution rows that
-- GET /v1/tickets/stats reads instead of the tickets, their history and
-- their SLAs (tickets_stats_store.c; measured plans in docs/PERFORMANCE.md).
--
-- Why facts and not counters: a per-day counter row (an UPSERT of +1 per
-- creation) would make every creation of a day, category and department
-- wait for the one before it to commit, and creation throughput matters
-- more than the statistics. A fact row is written once, by the change it
-- describes, and is contended by nothing but changes of the same ticket.
-- Medians and 90th percentiles do not add up across days anyway, so the
-- resolutions need a row each whatever is kept.
--
-- Kept by triggers, in the transaction of the change: nothing committed can
-- disagree with the statistics, and every writer is covered, the service's
-- statements as well as bulk loads (tests/bench/large.sql, the generated
-- recount of tests/e2e/test_tickets_stats.py). What each fact copies, and
-- which change rewrites it:
--   ticket_stats_opened       one row per ticket: received_at, category,
--                             responsible department (tickets UPDATE), and
--                             whether it is a repeat complaint (below).
--   ticket_stats_resolutions  one row per resolution, the ticket's own step
--                             into resolved (not a copy of a merged
--                             duplicate's history, nor the resolved-to-
--                             resolved row of a merge): when, seconds since
--                             received_at, category and department (tickets
--                             UPDATE), the SLA's resolution_due_at (ticket_sla
--                             INSERT/UPDATE/DELETE: pauses move it, a reopen
--                             restarts it), and when the same ticket was
--                             resolved next, so that "the last resolution of
--                             the ticket in each period" is a filter on one
--                             row instead of a sort of all of them.
--   ticket_stats_opened_days  the opened tickets and repeat complaints of
--                             each closed day (older than a week), category
--                             and department: a year of statistics reads
--                             these sums, not 500,000 facts (below).
--
-- The repeat complaint, decided when a ticket is written and kept right
-- afterwards: a complaint with a customer id is a repeat when the same
-- customer has an earlier complaint (by received_at, then id) in the same
-- category at most 30 days before it. Whether a ticket is one depends on the
-- other tickets of its (customer, category), so every change that can add
-- or remove a complaint of a (customer, category) -- a creation (received_at
-- is the customer's, so it can be in the past), a change of category,
-- customer, kind or received_at, a deletion -- recomputes the flags of that
-- key's complaints received in the 30 days from the changed one's
-- received_at, and does so holding a transaction-scoped advisory lock on the
-- key: two concurrent creations of the same customer and category would each
-- miss the other (neither sees the other's uncommitted row), so the second
-- waits for the first to commit and then, READ COMMITTED giving each
-- statement of the trigger a fresh snapshot, sees it. Only creations of the
-- same customer and category wait for each other, which is the case the
-- lock is for. A transaction that changes two keys takes their locks in key
-- order, so no two such transactions wait for each other in a cycle.
--
-- A bulk load of many thousands of complaints in one transaction would hold
-- one advisory lock per key until it commits, more than the lock table
-- holds: such loads switch the triggers off (session_replication_role =
-- replica) and call ticket_stats_rebuild(7) afterwards, as large.sql does.
--
-- 30 days is 720 hours here, as it is in the service's sessions (UTC),
-- whatever the time zone of the session that writes.
--
-- Every function runs with the search_path of this migration (the
-- service's schema, SET search_path FROM CURRENT), so that a trigger works
-- for any writer, a superuser's psql included. The bench's copies of the
-- tickets tables (tests/bench/bench.py, schema bench) get copies of these
-- functions bound to their own schema, so that they keep their own facts.

CREATE TABLE ticket_stats_opened (
    ticket_id        bigint PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    received_at      timestamptz NOT NULL,
    category         text NOT NULL,
    department       text NOT NULL,
    repeat_complaint boolean NOT NULL
);
-- The range scan of the statistics, index-only: rows change rarely after
-- their creation, so the visibility map stays set.
CREATE INDEX ticket_stats_opened_by_received ON ticket_stats_opened (received_at)
    INCLUDE (category, department, repeat_complaint);

CREATE TABLE ticket_stats_resolutions (
    ticket_id         bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    transition_id     bigint NOT NULL,
    resolved_at       timestamptz NOT NULL,
    seconds           double precision NOT NULL,   -- resolved_at - the ticket's received_at
    category          text NOT NULL,
    department        text NOT NULL,
    resolution_due_at timestamptz,                 -- the SLA's, NULL without one
    next_resolved_at  timestamptz,                 -- the ticket's next resolution, by (at, id)
    -- Its periods, and whether it is the ticket's last resolution in each,
    -- computed once here rather than by two date_trunc per row and request
    -- (40 ms of a year's 140,000 resolutions by week on the bench load).
    resolved_day      date GENERATED ALWAYS AS ((resolved_at AT TIME ZONE 'UTC')::date) STORED,
    resolved_week     date GENERATED ALWAYS AS (date_trunc('week', resolved_at AT TIME ZONE 'UTC')::date) STORED,
    resolved_month    date GENERATED ALWAYS AS (date_trunc('month', resolved_at AT TIME ZONE 'UTC')::date) STORED,
    last_of_day       boolean GENERATED ALWAYS AS (next_resolved_at IS NULL
        OR (next_resolved_at AT TIME ZONE 'UTC')::date <> (resolved_at AT TIME ZONE 'UTC')::date) STORED,
    last_of_week      boolean GENERATED ALWAYS AS (next_resolved_at IS NULL
        OR date_trunc('week', next_resolved_at AT TIME ZONE 'UTC') <> date_trunc('week', resolved_at AT TIME ZONE 'UTC'))
        STORED,
    last_of_month     boolean GENERATED ALWAYS AS (next_resolved_at IS NULL
        OR date_trunc('month', next_resolved_at AT TIME ZONE 'UTC') <> date_trunc('month', resolved_at AT TIME ZONE 'UTC'))
        STORED,
    PRIMARY KEY (ticket_id, transition_id)
);
CREATE INDEX ticket_stats_resolutions_by_resolved ON ticket_stats_resolutions (resolved_at)
    INCLUDE (seconds, category, department, resolution_due_at, next_resolved_at, resolved_day, resolved_week,
             resolved_month, last_of_day, last_of_week, last_of_month);

-- The advisory lock of one (customer, category): the two-integer form, so
-- that it never meets kefu's one-bigint locks (migrations, publisher).
CREATE FUNCTION ticket_stats_repeat_lock(key_customer text, key_category text) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('kefu.tickets.repeat_complaint'),
                                  hashtext(key_customer || E'\x1f' || key_category));
END
$$;

-- The helpers are PL/pgSQL, not SQL, because PL/pgSQL keeps its plans for
-- the session, while an SQL function called on its own is planned again
-- on every call (half a millisecond per creation, measured).
--
-- The look-ups below repeat customer_id <> '' although the customer is
-- given: a plan made for any value of a parameter cannot prove the partial
-- index's predicate (tickets_complaints_by_customer, migration 0004) from
-- customer_id = $1, and without it each creation read every ticket.
--
-- Recompute the flags of the complaints of (key_customer, key_category)
-- received in [since, since + 30 days], except `excluded` (the caller's own
-- ticket, whose flag it sets itself). Rows whose flag does not change are
-- not written. (Parameters are prefixed: a column of the same name would be
-- ambiguous with them.)
CREATE FUNCTION ticket_stats_repeat_refresh(key_customer text, key_category text, since timestamptz,
                                            excluded bigint)
RETURNS void LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    changed record;
BEGIN
    FOR changed IN
    UPDATE ticket_stats_opened f SET repeat_complaint = x.repeat_complaint
      FROM (SELECT t.id, EXISTS (
                       SELECT 1 FROM tickets p
                        WHERE p.customer_id = t.customer_id AND p.category = t.category
                          AND p.kind = 'complaint' AND p.customer_id <> ''
                          AND (p.received_at, p.id) < (t.received_at, t.id)
                          AND p.received_at >= t.received_at - interval '720 hours') AS repeat_complaint
              FROM tickets t
             WHERE t.customer_id = key_customer AND t.category = key_category AND t.kind = 'complaint'
               AND t.customer_id <> ''
               AND t.received_at >= since AND t.received_at <= since + interval '720 hours'
               AND t.id <> excluded) x
     WHERE f.ticket_id = x.id AND f.repeat_complaint <> x.repeat_complaint
    RETURNING f.received_at, f.category, f.department, f.repeat_complaint
    LOOP
        PERFORM ticket_stats_day_add(changed.received_at, changed.category, changed.department, 0,
                                     CASE WHEN changed.repeat_complaint THEN 1 ELSE -1 END);
    END LOOP;
END
$$;

-- Whether a ticket of this kind, customer and category, received then, is
-- a repeat complaint now.
CREATE FUNCTION ticket_stats_repeat_of(of_ticket bigint, of_kind text, of_customer text, of_category text,
                                       of_received timestamptz)
RETURNS boolean LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    RETURN of_kind = 'complaint' AND of_customer <> '' AND EXISTS (
        SELECT 1 FROM tickets p
         WHERE p.customer_id = of_customer AND p.category = of_category AND p.kind = 'complaint'
           AND p.customer_id <> ''
           AND (p.received_at, p.id) < (of_received, of_ticket)
           AND p.received_at >= of_received - interval '720 hours');
END
$$;

-- Opened tickets per closed day. A year is 500,000 facts on the bench load,
-- more than PostgreSQL reads and groups in 200 ms on two cores, so the days
-- before ticket_stats_closed.closed_before (UTC days) also have their sums
-- per category and department, and the statistics read those sums for the
-- whole days of a range that are closed, and the facts for the rest.
-- Days are closed by ticket_stats_close(), which the statistics request
-- calls with the domain clock (tickets_stats.c: the days older than a week),
-- and a closed day's sums change only when a fact of that day changes:
-- a ticket received long ago created now, a category or department or
-- repeat flag changed afterwards. So creations of the current days never
-- write these rows (no counter that every creation would wait for), and a
-- change of an older ticket adds its delta to the one or two rows it moves
-- between, in its own transaction.
--
-- Closing must not miss a change that commits while a day is being closed:
-- the closer takes an exclusive advisory lock, every writer of a fact of a
-- day not yet closed takes it shared (until its commit) and then reads
-- closed_before again: a writer either commits before the closer sums the
-- day (the closer waits for its lock), or comes after and sees the day
-- closed, adding its delta. Writers of closed days take no lock: a closed
-- day never reopens.
CREATE TABLE ticket_stats_closed (
    single        boolean PRIMARY KEY DEFAULT true CHECK (single),
    closed_before date NOT NULL
);
INSERT INTO ticket_stats_closed (closed_before) VALUES ('-infinity');

CREATE TABLE ticket_stats_opened_days (
    day               date NOT NULL,
    category          text NOT NULL,
    department        text NOT NULL,
    opened            integer NOT NULL,
    repeat_complaints integer NOT NULL,
    -- Index-only: the sums change only when an old ticket does.
    PRIMARY KEY (day, category, department) INCLUDE (opened, repeat_complaints)
);

-- Add a change of the opened tickets of one day, category and department
-- to that day's sums if the day is closed, with the lock protocol above:
-- every change of a ticket's opened fact calls this, with -1 for where it
-- was counted and +1 for where it is counted now.
CREATE FUNCTION ticket_stats_day_add(delta_at timestamptz, delta_category text, delta_department text,
                                     delta_opened integer, delta_repeats integer)
RETURNS void LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    delta_day date := (delta_at AT TIME ZONE 'UTC')::date;
    closed date := (SELECT closed_before FROM ticket_stats_closed);
BEGIN
    IF delta_day >= closed THEN
        PERFORM pg_advisory_xact_lock_shared(hashtext('kefu.tickets.stats_closing'), 0);
        closed := (SELECT closed_before FROM ticket_stats_closed);
        IF delta_day >= closed THEN
            RETURN;
        END IF;
    END IF;
    INSERT INTO ticket_stats_opened_days AS d (day, category, department, opened, repeat_complaints)
    VALUES (delta_day, delta_category, delta_department, delta_opened, delta_repeats)
    ON CONFLICT ON CONSTRAINT ticket_stats_opened_days_pkey DO UPDATE
       SET opened = d.opened + excluded.opened, repeat_complaints = d.repeat_complaints + excluded.repeat_complaints;
END
$$;

-- Close the days before `until` (a UTC day), at most `days_max` of them
-- (NULL: no limit) past the last closed one (the first time: past the
-- earliest ticket), so that one call holds the lock for a bounded time,
-- blocking the writers of days not yet closed. Returns the day before
-- which days are closed after the call.
CREATE FUNCTION ticket_stats_close(until date, days_max integer) RETURNS date
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    closed date := (SELECT closed_before FROM ticket_stats_closed);
    first_day date;
BEGIN
    IF closed >= until THEN
        RETURN closed;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('kefu.tickets.stats_closing'), 0);
    closed := (SELECT closed_before FROM ticket_stats_closed);
    first_day := CASE WHEN closed = '-infinity'
                      THEN (SELECT (min(received_at) AT TIME ZONE 'UTC')::date FROM ticket_stats_opened)
                      ELSE closed END;
    IF first_day IS NULL OR closed >= until THEN
        RETURN closed;
    END IF;
    IF days_max IS NOT NULL AND until - first_day > days_max THEN
        until := first_day + days_max;
    END IF;
    INSERT INTO ticket_stats_opened_days (day, category, department, opened, repeat_complaints)
    SELECT (received_at AT TIME ZONE 'UTC')::date, category, department, count(*),
           count(*) FILTER (WHERE repeat_complaint)
      FROM ticket_stats_opened
     WHERE received_at >= closed::timestamp AT TIME ZONE 'UTC' AND received_at < until::timestamp AT TIME ZONE 'UTC'
     GROUP BY 1, 2, 3;
    UPDATE ticket_stats_closed SET closed_before = until;
    RETURN until;
END
$$;

CREATE FUNCTION ticket_stats_ticket_inserted() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    counted boolean := NEW.kind = 'complaint' AND NEW.customer_id <> '';
    repeated boolean := false;
BEGIN
    IF counted THEN
        PERFORM ticket_stats_repeat_lock(NEW.customer_id, NEW.category);
        repeated := ticket_stats_repeat_of(NEW.id, NEW.kind, NEW.customer_id, NEW.category, NEW.received_at);
    END IF;
    INSERT INTO ticket_stats_opened (ticket_id, received_at, category, department, repeat_complaint)
    VALUES (NEW.id, NEW.received_at, NEW.category, NEW.responsible_department, repeated);
    PERFORM ticket_stats_day_add(NEW.received_at, NEW.category, NEW.responsible_department, 1, repeated::integer);
    -- Received in the past: later complaints may now be repeats.
    IF counted AND EXISTS (SELECT 1 FROM tickets p
                            WHERE p.customer_id = NEW.customer_id AND p.category = NEW.category
                              AND p.kind = 'complaint' AND p.customer_id <> ''
                              AND p.received_at >= NEW.received_at
                              AND p.received_at <= NEW.received_at + interval '720 hours' AND p.id <> NEW.id) THEN
        PERFORM ticket_stats_repeat_refresh(NEW.customer_id, NEW.category, NEW.received_at, NEW.id);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION ticket_stats_ticket_updated() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    was_counted boolean := OLD.kind = 'complaint' AND OLD.customer_id <> '';
    is_counted boolean := NEW.kind = 'complaint' AND NEW.customer_id <> '';
    old_key text := OLD.customer_id || E'\x1f' || OLD.category;
    new_key text := NEW.customer_id || E'\x1f' || NEW.category;
    repeat_changes boolean := (OLD.kind, OLD.customer_id, OLD.category, OLD.received_at)
                              IS DISTINCT FROM (NEW.kind, NEW.customer_id, NEW.category, NEW.received_at);
    was_repeat boolean;
    is_repeat boolean;
BEGIN
    IF repeat_changes THEN
        -- Both keys, in one order for every transaction (see the top).
        IF was_counted AND is_counted AND hashtext(new_key) < hashtext(old_key) THEN
            PERFORM ticket_stats_repeat_lock(NEW.customer_id, NEW.category);
            PERFORM ticket_stats_repeat_lock(OLD.customer_id, OLD.category);
        ELSE
            IF was_counted THEN
                PERFORM ticket_stats_repeat_lock(OLD.customer_id, OLD.category);
            END IF;
            IF is_counted THEN
                PERFORM ticket_stats_repeat_lock(NEW.customer_id, NEW.category);
            END IF;
        END IF;
    END IF;
    SELECT repeat_complaint INTO was_repeat FROM ticket_stats_opened WHERE ticket_id = NEW.id;
    UPDATE ticket_stats_opened
       SET received_at = NEW.received_at, category = NEW.category, department = NEW.responsible_department,
           repeat_complaint = CASE WHEN repeat_changes
                                   THEN is_counted AND ticket_stats_repeat_of(NEW.id, NEW.kind, NEW.customer_id,
                                                                              NEW.category, NEW.received_at)
                                   ELSE repeat_complaint END
     WHERE ticket_id = NEW.id
    RETURNING repeat_complaint INTO is_repeat;
    IF FOUND AND ((OLD.received_at AT TIME ZONE 'UTC')::date, OLD.category, OLD.responsible_department, was_repeat)
       IS DISTINCT FROM ((NEW.received_at AT TIME ZONE 'UTC')::date, NEW.category, NEW.responsible_department, is_repeat)
    THEN
        PERFORM ticket_stats_day_add(OLD.received_at, OLD.category, OLD.responsible_department, -1,
                                     -was_repeat::integer);
        PERFORM ticket_stats_day_add(NEW.received_at, NEW.category, NEW.responsible_department, 1,
                                     is_repeat::integer);
    END IF;
    UPDATE ticket_stats_resolutions
       SET seconds = extract(epoch FROM resolved_at - NEW.received_at), category = NEW.category,
           department = NEW.responsible_department
     WHERE ticket_id = NEW.id;
    IF repeat_changes THEN
        IF was_counted THEN
            PERFORM ticket_stats_repeat_refresh(OLD.customer_id, OLD.category, OLD.received_at, NEW.id);
        END IF;
        IF is_counted THEN
            PERFORM ticket_stats_repeat_refresh(NEW.customer_id, NEW.category, NEW.received_at, NEW.id);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

-- A deleted ticket: its opened fact leaves the sums (before the delete,
-- while the fact is there; its resolutions go with it, ON DELETE CASCADE),
-- and the complaints that counted it as their earlier one are recomputed
-- (after, once it is gone).
CREATE FUNCTION ticket_stats_ticket_deleting() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    gone record;
BEGIN
    IF OLD.kind = 'complaint' AND OLD.customer_id <> '' THEN
        PERFORM ticket_stats_repeat_lock(OLD.customer_id, OLD.category);
    END IF;
    DELETE FROM ticket_stats_opened WHERE ticket_id = OLD.id
    RETURNING received_at, category, department, repeat_complaint INTO gone;
    IF FOUND THEN
        PERFORM ticket_stats_day_add(gone.received_at, gone.category, gone.department, -1,
                                     -gone.repeat_complaint::integer);
    END IF;
    RETURN OLD;
END
$$;

CREATE FUNCTION ticket_stats_ticket_deleted() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF OLD.kind = 'complaint' AND OLD.customer_id <> '' THEN
        PERFORM ticket_stats_repeat_refresh(OLD.customer_id, OLD.category, OLD.received_at, OLD.id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER ticket_stats_ticket_inserted AFTER INSERT ON tickets
    FOR EACH ROW EXECUTE FUNCTION ticket_stats_ticket_inserted();
-- The service's update statement names every column it may change, so the
-- WHEN clause, not the column list, keeps the trigger to real changes.
CREATE TRIGGER ticket_stats_ticket_updated
    AFTER UPDATE OF kind, customer_id, category, received_at, responsible_department ON tickets
    FOR EACH ROW
    WHEN ((OLD.kind, OLD.customer_id, OLD.category, OLD.received_at, OLD.responsible_department)
          IS DISTINCT FROM (NEW.kind, NEW.customer_id, NEW.category, NEW.received_at, NEW.responsible_department))
    EXECUTE FUNCTION ticket_stats_ticket_updated();
CREATE TRIGGER ticket_stats_ticket_deleting BEFORE DELETE ON tickets
    FOR EACH ROW EXECUTE FUNCTION ticket_stats_ticket_deleting();
CREATE TRIGGER ticket_stats_ticket_deleted AFTER DELETE ON tickets
    FOR EACH ROW EXECUTE FUNCTION ticket_stats_ticket_deleted();

-- A resolution: its fact, and the ticket's resolution before it (by at,
-- then id) learns that it was followed.
CREATE FUNCTION ticket_stats_resolution_inserted() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO ticket_stats_resolutions (ticket_id, transition_id, resolved_at, seconds, category, department,
                                          resolution_due_at, next_resolved_at)
    SELECT t.id, NEW.id, NEW.at, extract(epoch FROM NEW.at - t.received_at), t.category,
           t.responsible_department, s.resolution_due_at,
           (SELECT min(n.resolved_at) FROM ticket_stats_resolutions n
             WHERE n.ticket_id = NEW.ticket_id AND (n.resolved_at, n.transition_id) > (NEW.at, NEW.id))
      FROM tickets t LEFT JOIN ticket_sla s ON s.ticket_id = t.id
     WHERE t.id = NEW.ticket_id;
    UPDATE ticket_stats_resolutions p SET next_resolved_at = NEW.at
     WHERE p.ticket_id = NEW.ticket_id
       AND (p.resolved_at, p.transition_id) = (
           SELECT b.resolved_at, b.transition_id FROM ticket_stats_resolutions b
            WHERE b.ticket_id = NEW.ticket_id AND (b.resolved_at, b.transition_id) < (NEW.at, NEW.id)
            ORDER BY b.resolved_at DESC, b.transition_id DESC LIMIT 1);
    RETURN NULL;
END
$$;

-- The history is append-only; the WHEN clause keeps every other transition
-- from calling the function at all.
CREATE TRIGGER ticket_stats_resolution_inserted AFTER INSERT ON ticket_transitions
    FOR EACH ROW
    WHEN (NEW.to_status = 'resolved' AND NEW.from_status <> 'resolved' AND NEW.merged_from_ticket_id IS NULL)
    EXECUTE FUNCTION ticket_stats_resolution_inserted();

CREATE FUNCTION ticket_stats_sla_changed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE ticket_stats_resolutions SET resolution_due_at = NULL WHERE ticket_id = OLD.ticket_id;
    ELSE
        UPDATE ticket_stats_resolutions SET resolution_due_at = NEW.resolution_due_at
         WHERE ticket_id = NEW.ticket_id AND resolution_due_at IS DISTINCT FROM NEW.resolution_due_at;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER ticket_stats_sla_inserted AFTER INSERT OR DELETE ON ticket_sla
    FOR EACH ROW EXECUTE FUNCTION ticket_stats_sla_changed();
CREATE TRIGGER ticket_stats_sla_updated AFTER UPDATE OF resolution_due_at ON ticket_sla
    FOR EACH ROW WHEN (OLD.resolution_due_at IS DISTINCT FROM NEW.resolution_due_at)
    EXECUTE FUNCTION ticket_stats_sla_changed();

-- Every fact from the tables, set-wise: the back-fill below, and bulk loads
-- made with the triggers off. The latest earlier complaint of the same key
-- (lag over the key in (received_at, id) order) decides a repeat: if it is
-- not within 30 days, no earlier one is. Then the days before the last
-- `open_days` days of the data are closed (the newest ticket received
-- stands for now, which a migration cannot read from the domain clock; how
-- far days are closed only decides what is read, never the answer).
CREATE FUNCTION ticket_stats_rebuild(open_days integer) RETURNS void
LANGUAGE sql VOLATILE SET search_path FROM CURRENT AS $$
    UPDATE ticket_stats_closed SET closed_before = '-infinity';
    DELETE FROM ticket_stats_opened_days;
    DELETE FROM ticket_stats_opened;
    DELETE FROM ticket_stats_resolutions;
    INSERT INTO ticket_stats_opened (ticket_id, received_at, category, department, repeat_complaint)
    SELECT t.id, t.received_at, t.category, t.responsible_department, coalesce(c.repeat_complaint, false)
      FROM tickets t
      LEFT JOIN (SELECT id, lag(received_at) OVER (PARTITION BY customer_id, category ORDER BY received_at, id)
                            >= received_at - interval '720 hours' AS repeat_complaint
                   FROM tickets WHERE kind = 'complaint' AND customer_id <> '') c ON c.id = t.id;
    INSERT INTO ticket_stats_resolutions (ticket_id, transition_id, resolved_at, seconds, category, department,
                                          resolution_due_at, next_resolved_at)
    SELECT t.id, r.id, r.at, extract(epoch FROM r.at - t.received_at), t.category, t.responsible_department,
           s.resolution_due_at, lead(r.at) OVER (PARTITION BY r.ticket_id ORDER BY r.at, r.id)
      FROM ticket_transitions r JOIN tickets t ON t.id = r.ticket_id
      LEFT JOIN ticket_sla s ON s.ticket_id = r.ticket_id
     WHERE r.to_status = 'resolved' AND r.from_status <> 'resolved' AND r.merged_from_ticket_id IS NULL;
    SELECT ticket_stats_close((max(received_at) AT TIME ZONE 'UTC')::date - open_days, NULL)
      FROM ticket_stats_opened HAVING count(*) > 0;
$$;

-- 7: as tickets_stats.c's STATS_OPEN_DAYS.
SELECT ticket_stats_rebuild(7);
