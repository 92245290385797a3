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
-- replica) and call ticket_stats_rebuild() afterwards, as large.sql does.
--
-- 30 days is 720 hours here, as it is in the service's sessions (UTC), whatever
-- the time zone of the session that writes.
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
    PRIMARY KEY (ticket_id, transition_id)
);
CREATE INDEX ticket_stats_resolutions_by_resolved ON ticket_stats_resolutions (resolved_at)
    INCLUDE (seconds, category, department, resolution_due_at, next_resolved_at);

-- The advisory lock of one (customer, category): the two-integer form, so
-- that it never meets kefu's one-bigint locks (migrations, publisher).
CREATE FUNCTION ticket_stats_repeat_lock(key_customer text, key_category text) RETURNS void
LANGUAGE sql VOLATILE SET search_path FROM CURRENT AS $$
    SELECT pg_advisory_xact_lock(hashtext('kefu.tickets.repeat_complaint'),
                                 hashtext(key_customer || E'\x1f' || key_category))
$$;

-- Recompute the flags of the complaints of (key_customer, key_category)
-- received in [since, since + 30 days], except `excluded` (the caller's own
-- ticket, whose flag it sets itself). Rows whose flag does not change are
-- not written. (Parameters are prefixed: in an SQL function a column of the
-- same name would win.)
CREATE FUNCTION ticket_stats_repeat_refresh(key_customer text, key_category text, since timestamptz,
                                            excluded bigint)
RETURNS void LANGUAGE sql VOLATILE SET search_path FROM CURRENT AS $$
    UPDATE ticket_stats_opened f SET repeat_complaint = x.repeat_complaint
      FROM (SELECT t.id, EXISTS (
                       SELECT 1 FROM tickets p
                        WHERE p.customer_id = t.customer_id AND p.category = t.category
                          AND p.kind = 'complaint'
                          AND (p.received_at, p.id) < (t.received_at, t.id)
                          AND p.received_at >= t.received_at - interval '720 hours') AS repeat_complaint
              FROM tickets t
             WHERE t.customer_id = key_customer AND t.category = key_category AND t.kind = 'complaint'
               AND t.received_at >= since AND t.received_at <= since + interval '720 hours'
               AND t.id <> excluded) x
     WHERE f.ticket_id = x.id AND f.repeat_complaint <> x.repeat_complaint
$$;

-- Whether a ticket of this kind, customer and category, received then, is
-- a repeat complaint now.
CREATE FUNCTION ticket_stats_repeat_of(of_ticket bigint, of_kind text, of_customer text, of_category text,
                                       of_received timestamptz)
RETURNS boolean LANGUAGE sql VOLATILE SET search_path FROM CURRENT AS $$
    SELECT of_kind = 'complaint' AND of_customer <> '' AND EXISTS (
        SELECT 1 FROM tickets p
         WHERE p.customer_id = of_customer AND p.category = of_category AND p.kind = 'complaint'
           AND (p.received_at, p.id) < (of_received, of_ticket)
           AND p.received_at >= of_received - interval '720 hours')
$$;

CREATE FUNCTION ticket_stats_ticket_inserted() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    counted boolean := NEW.kind = 'complaint' AND NEW.customer_id <> '';
BEGIN
    IF counted THEN
        PERFORM ticket_stats_repeat_lock(NEW.customer_id, NEW.category);
    END IF;
    INSERT INTO ticket_stats_opened (ticket_id, received_at, category, department, repeat_complaint)
    VALUES (NEW.id, NEW.received_at, NEW.category, NEW.responsible_department,
            counted AND ticket_stats_repeat_of(NEW.id, NEW.kind, NEW.customer_id, NEW.category,
                                               NEW.received_at));
    IF counted THEN
        -- Received in the past: later complaints may now be repeats.
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
    UPDATE ticket_stats_opened
       SET received_at = NEW.received_at, category = NEW.category, department = NEW.responsible_department,
           repeat_complaint = CASE WHEN repeat_changes
                                   THEN is_counted AND ticket_stats_repeat_of(NEW.id, NEW.kind, NEW.customer_id,
                                                                              NEW.category, NEW.received_at)
                                   ELSE repeat_complaint END
     WHERE ticket_id = NEW.id;
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

-- The facts of a deleted ticket go with it (ON DELETE CASCADE); the
-- complaints that counted it as their earlier one are recomputed.
CREATE FUNCTION ticket_stats_ticket_deleted() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF OLD.kind = 'complaint' AND OLD.customer_id <> '' THEN
        PERFORM ticket_stats_repeat_lock(OLD.customer_id, OLD.category);
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
-- not within 30 days, no earlier one is.
CREATE FUNCTION ticket_stats_rebuild() RETURNS void LANGUAGE sql VOLATILE SET search_path FROM CURRENT AS $$
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
$$;

SELECT ticket_stats_rebuild();
