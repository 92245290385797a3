"""SLAs of tickets (TKT-7), black box and clock driven: deadlines in business
time across a weekend and a holiday, at-risk and breach events once each,
escalation level by level, the emergency skip that still notifies the skipped
levels, pause/resume, and bad input on every SLA route refused with nothing
written.

The calendar of these tests: Asia/Shanghai, Monday to Friday 09:00-12:00 and
13:00-18:00 (eight hours a day), Monday 2026-12-07 a holiday. The engine of
the session's tickets process scans every KEFU_TICKETS_SLA_SCAN_MS (1 s by
default); the replica test adds a second, faster one.
"""

import uuid

import pytest

from kefu_e2e import assert_problem, describe, inquiry, poll_until, tickets_pb2  # noqa: F401
from kefu.v1 import tickets_sla_pb2

HOUR = 3600
ENGINE_TIMEOUT = 20.0
SLA_TABLES = ("sla_calendars", "sla_policies", "ticket_sla", "sla_idempotency_keys", "outbox")
CHAIN = [{"role": "shift_lead"}, {"role": "supervisor", "department": "customer-service"},
         {"role": "manager", "staff_id": "M4001"}]


def office_calendar(**overrides):
    body = {
        "name": "Shanghai office " + uuid.uuid4().hex[:8],
        "time_zone": "Asia/Shanghai",
        "hours": [{"weekday": day, "start": start, "end": end}
                  for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
                  for start, end in (("09:00", "12:00"), ("13:00", "18:00"))],
        "dates": [{"date": "2026-12-07", "name": "holiday"}],
    }
    body.update(overrides)
    return body


def sla_counts(db):
    row = db.rows("SELECT " + ", ".join("(SELECT count(*) FROM tickets.%s)" % t for t in SLA_TABLES))[0]
    return dict(zip(SLA_TABLES, map(int, row)))


class Nothing:
    """Assert that a block writes nothing to the SLA tables or the outbox."""

    def __init__(self, db):
        self.db = db

    def __enter__(self):
        self.before = sla_counts(self.db)
        self.state = self.db.rows("SELECT ticket_id, escalation_level, paused_since, pause_reason, "
                                  "resolution_due_at FROM tickets.ticket_sla ORDER BY ticket_id")
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            assert sla_counts(self.db) == self.before, "rows were written"
            assert self.db.rows("SELECT ticket_id, escalation_level, paused_since, pause_reason, "
                                "resolution_due_at FROM tickets.ticket_sla ORDER BY ticket_id") == self.state


@pytest.fixture
def sla(api):
    """A calendar and an inquiry/low policy on it (8 business hours to the first
    response, 16 to resolution, at risk at 80 %, escalation every business hour),
    deleted afterwards so other tests' tickets get no SLA."""
    r = api.supervisor.post("/v1/sla/calendars", json=office_calendar())
    assert r.status_code == 201, describe(r)
    calendar = r.json()
    r = api.manager.post("/v1/sla/policies", json={
        "name": "inquiries, low " + uuid.uuid4().hex[:8], "kind": "inquiry", "priority": "low",
        "calendar_id": calendar["id"], "first_response_s": 8 * HOUR, "resolution_s": 16 * HOUR,
        "at_risk_percent": 80, "escalation_interval_s": HOUR, "escalation": CHAIN})
    assert r.status_code == 201, describe(r)
    policy = r.json()
    yield {"calendar": calendar, "policy": policy}
    r = api.manager.request("DELETE", "/v1/sla/policies/%d" % policy["id"])
    assert r.status_code == 204, describe(r)
    r = api.supervisor.request("DELETE", "/v1/sla/calendars/%d" % calendar["id"])
    assert r.status_code == 204, describe(r)


def ticket_sla(api, ticket_id):
    r = api.agent.get("/v1/tickets/%d/sla" % ticket_id)
    assert r.status_code == 200, describe(r)
    return r.json()


def sla_events(db, ticket_id, types=None):
    """[(type, TicketSlaEvent)] about the ticket, in outbox order."""
    events = []
    for event_type, payload, _txid in db.outbox("ticket/%d" % ticket_id):
        if not event_type.startswith(("ticket.sla_", "ticket.escalat")):
            continue
        if types and event_type not in types:
            continue
        message = tickets_sla_pb2.TicketSlaEvent()
        message.ParseFromString(payload)
        events.append((event_type, message))
    return events


def wait_for_event(db, ticket_id, event_type, what, **fields):
    def found():
        return [m for t, m in sla_events(db, ticket_id, (event_type,))
                if all(getattr(m, k) == v for k, v in fields.items())]
    return poll_until(found, ENGINE_TIMEOUT, interval=0.2, what=what)


def test_sla_policy_and_calendar_round_trip(api, sla):
    calendar, policy = sla["calendar"], sla["policy"]
    assert calendar["time_zone"] == "Asia/Shanghai" and calendar["version"] == 1
    assert len(calendar["hours"]) == 10 and calendar["dates"][0]["date"] == "2026-12-07"
    assert [level["level"] for level in policy["escalation"]] == [1, 2, 3]
    r = api.agent.get("/v1/sla/policies/%d" % policy["id"])
    assert r.status_code == 200 and r.json()["name"] == policy["name"], describe(r)
    r = api.agent.get("/v1/sla/calendars?limit=200")
    assert r.status_code == 200 and calendar["id"] in [c["id"] for c in r.json()["items"]], describe(r)
    # An update with the right version bumps it; with a stale one it is 412.
    body = dict(office_calendar(name=calendar["name"]), dates=[{"date": "2026-12-07", "name": "public holiday"}])
    r = api.supervisor.request("PUT", "/v1/sla/calendars/%d" % calendar["id"], json=body,
                               headers={"If-Match": '"1"'})
    assert r.status_code == 200 and r.json()["version"] == 2, describe(r)
    assert r.headers["ETag"] == '"2"'


def test_breach_due_at_the_right_minute_across_weekend_and_holiday(api, db, clock, sla):
    # TKT-7: Friday 17:30 + 8 business hours, Monday a holiday: Tuesday 17:30.
    clock.set_rfc3339("2026-12-04T17:30:00+08:00")
    ticket = api.agent.create(body=inquiry(priority="low"))
    state = ticket_sla(api, ticket["id"])
    assert state["first_response_due_at"].startswith("2026-12-08T09:30:0"), state   # 17:30 +08:00
    assert state["resolution_due_at"].startswith("2026-12-09T09:30:0"), state       # Wednesday 17:30
    # 80 % of 8 h = 6 h 24 min: Friday's 30 min, then Tuesday 09:00 + 5 h 54 min = 15:54.
    assert state["first_response_at_risk_at"].startswith("2026-12-08T07:54:0"), state
    assert state["policy_id"] == sla["policy"]["id"] and state["time_zone"] == "Asia/Shanghai"

    clock.set_rfc3339("2026-12-08T17:29:00+08:00")
    wait_for_event(db, ticket["id"], "ticket.sla_at_risk", "at risk one minute before the breach",
                   deadline="first_response")
    assert not sla_events(db, ticket["id"], ("ticket.sla_breached",)), "breached a minute early"

    clock.set_rfc3339("2026-12-08T17:31:00+08:00")
    breached = wait_for_event(db, ticket["id"], "ticket.sla_breached", "the breach", deadline="first_response")
    assert breached[0].due_at == state["first_response_due_at"]
    escalated = wait_for_event(db, ticket["id"], "ticket.escalated", "level 1", level=1)
    assert escalated[0].target.role == "shift_lead"
    # Each once, whatever the number of scans since.
    types = [t for t, m in sla_events(db, ticket["id"]) if m.deadline == "first_response"]
    assert types == ["ticket.sla_at_risk", "ticket.sla_breached"], types
    audits = db.count("SELECT count(*) FROM tickets.outbox WHERE subject = :'s' AND type = "
                      "'audit.record.ticket.sla_breached'", s="ticket/%d" % ticket["id"])
    assert audits == 1
    assert ticket_sla(api, ticket["id"])["first_response_breached"] is True


def test_escalation_goes_level_by_level(api, db, clock, sla):
    clock.set_rfc3339("2026-12-04T17:30:00+08:00")
    ticket = api.agent.create(body=inquiry(priority="low"))
    # Breach Tuesday 17:30: level 1 then; level 2 one business hour later
    # (Wednesday 09:30), level 3 another hour later (10:30).
    clock.set_rfc3339("2026-12-08T17:31:00+08:00")
    wait_for_event(db, ticket["id"], "ticket.escalated", "level 1", level=1)
    assert ticket_sla(api, ticket["id"])["next_escalation_at"].startswith("2026-12-09T01:30:0")
    clock.set_rfc3339("2026-12-09T09:31:00+08:00")
    wait_for_event(db, ticket["id"], "ticket.escalated", "level 2", level=2)
    clock.set_rfc3339("2026-12-09T10:31:00+08:00")
    wait_for_event(db, ticket["id"], "ticket.escalated", "level 3", level=3)
    escalations = [(m.level, m.target.role) for _t, m in sla_events(db, ticket["id"], ("ticket.escalated",))]
    assert escalations == [(1, "shift_lead"), (2, "supervisor"), (3, "manager")], escalations
    state = ticket_sla(api, ticket["id"])
    assert state["escalation_level"] == 3 and state["next_escalation_at"] == ""
    # Resolving stops the clocks: resolved_at is what compliance reads (TKT-9).
    api.agent.move(ticket["id"], "in_progress")
    api.agent.move(ticket["id"], "resolved")
    state = ticket_sla(api, ticket["id"])
    assert state["resolved_at"] and state["first_responded_at"]
    assert db.scalar("SELECT next_check_at IS NULL FROM tickets.ticket_sla WHERE ticket_id = :'i'",
                     i=ticket["id"]) == "t"


def test_first_response_stops_the_first_response_clock(api, db, clock, sla):
    clock.set_rfc3339("2026-12-03T10:00:00+08:00")
    ticket = api.agent.create(body=inquiry(priority="low"))
    clock.set_rfc3339("2026-12-03T11:00:00+08:00")
    api.agent.move(ticket["id"], "in_progress")
    state = ticket_sla(api, ticket["id"])
    assert state["first_responded_at"].startswith("2026-12-03T03:00:0"), state
    # The next check is the resolution's at-risk instant, not the first response's.
    assert db.scalar("SELECT next_check_at = resolution_at_risk_at FROM tickets.ticket_sla WHERE ticket_id = :'i'",
                     i=ticket["id"]) == "t"


def test_reopen_restarts_the_resolution_clock_and_rejection_stops_both(api, db, clock, sla):
    clock.set_rfc3339("2026-12-03T10:00:00+08:00")
    ticket = api.agent.create(body=inquiry(priority="low"))
    api.agent.move(ticket["id"], "in_progress")
    clock.set_rfc3339("2026-12-03T11:00:00+08:00")
    api.agent.move(ticket["id"], "resolved")
    assert ticket_sla(api, ticket["id"])["resolved_at"].startswith("2026-12-03T03:00:0")
    # Reopened Thursday 15:00: 16 business hours from then is Tuesday 15:00
    # (Thursday 3 h, Friday 8 h, Monday a holiday, Tuesday 5 h).
    clock.set_rfc3339("2026-12-03T15:00:00+08:00")
    api.supervisor.move(ticket["id"], "in_progress")
    state = ticket_sla(api, ticket["id"])
    assert state["resolved_at"] == "" and state["resolution_due_at"].startswith("2026-12-08T07:00:0"), state
    assert db.scalar("SELECT next_check_at = resolution_at_risk_at FROM tickets.ticket_sla WHERE ticket_id = :'i'",
                     i=ticket["id"]) == "t"
    rejected = api.agent.create(body=inquiry(priority="low"))
    api.agent.move(rejected["id"], "rejected", rejection_explanation="we do not handle this; call the branch")
    state = ticket_sla(api, rejected["id"])
    assert state["closed_at"] and state["resolved_at"] == ""
    assert db.scalar("SELECT next_check_at IS NULL FROM tickets.ticket_sla WHERE ticket_id = :'i'",
                     i=rejected["id"]) == "t"


def test_idempotency_key_on_sla_creates(api, db):
    body = office_calendar()
    headers = {"Idempotency-Key": "sla-" + uuid.uuid4().hex}
    first = api.supervisor.post("/v1/sla/calendars", json=body, headers=headers)
    assert first.status_code == 201, describe(first)
    again = api.supervisor.post("/v1/sla/calendars", json=body, headers=headers)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"], describe(again)
    with Nothing(db):
        r = api.supervisor.post("/v1/sla/calendars", json=dict(body, name=body["name"] + " 2"), headers=headers)
        assert_problem(r, 422, field="Idempotency-Key", slug="idempotency-key-reused")
    r = api.supervisor.request("DELETE", "/v1/sla/calendars/%d" % first.json()["id"])
    assert r.status_code == 204, describe(r)


def test_pause_moves_deadlines_by_the_business_time_paused(api, db, clock, sla):
    clock.set_rfc3339("2026-12-03T10:00:00+08:00")   # a Thursday
    ticket = api.agent.create(body=inquiry(priority="low"))
    before = ticket_sla(api, ticket["id"])
    assert before["first_response_due_at"].startswith("2026-12-04T02:00:0")     # Friday 10:00
    assert before["resolution_due_at"].startswith("2026-12-08T02:00:0")         # Tuesday 10:00
    clock.set_rfc3339("2026-12-03T11:00:00+08:00")
    r = api.agent.post("/v1/tickets/%d/sla/pause" % ticket["id"], json={"reason": "waiting for the customer's invoice"})
    assert r.status_code == 200, describe(r)
    assert r.json()["paused"] is True and r.json()["pause_reason"] == "waiting for the customer's invoice"
    assert db.scalar("SELECT next_check_at IS NULL FROM tickets.ticket_sla WHERE ticket_id = :'i'",
                     i=ticket["id"]) == "t"
    # Paused 11:00-14:30: 1 h before lunch and 1 h 30 after, 2 h 30 of business time.
    # The driven clock keeps ticking after each set, and the paused time is
    # counted in whole seconds: half a second more keeps the count at 9000
    # whichever of the two requests took longer to arrive.
    clock.set_rfc3339("2026-12-03T14:30:00.500+08:00")
    r = api.agent.post("/v1/tickets/%d/sla/resume" % ticket["id"], json={})
    assert r.status_code == 200, describe(r)
    after = r.json()
    assert after["paused"] is False and after["paused_business_s"] == 9000, after
    # Friday 10:00 + 2 h 30 = 12:30, over lunch: 13:30. Tuesday 10:00 + 2 h 30 = 13:30.
    assert after["first_response_due_at"].startswith("2026-12-04T05:30:0"), after
    assert after["resolution_due_at"].startswith("2026-12-08T05:30:0"), after
    assert [t for t, _m in sla_events(db, ticket["id"])] == ["ticket.sla_paused", "ticket.sla_resumed"]
    paused = sla_events(db, ticket["id"], ("ticket.sla_paused",))[0][1]
    assert paused.reason == "waiting for the customer's invoice" and paused.actor_staff_id == "A1001"


def test_emergency_escalation_skips_levels_and_notifies_them(api, db, clock, sla):
    clock.set_rfc3339("2026-12-03T10:00:00+08:00")
    ticket = api.agent.create(body=inquiry(priority="low"))
    path = "/v1/tickets/%d/escalations" % ticket["id"]
    with Nothing(db):
        r = api.agent.post(path, json={"level": 3, "reason": "customer threatens to go to the press"})
        assert_problem(r, 422, field="level", slug="level-skipped")
    r = api.agent.post(path, json={"level": 3, "reason": "customer threatens to go to the press", "emergency": True})
    assert r.status_code == 200 and r.json()["escalation_level"] == 3, describe(r)
    events = sla_events(db, ticket["id"])
    assert [(t, m.level) for t, m in events] == [
        ("ticket.escalation_skipped", 1), ("ticket.escalation_skipped", 2), ("ticket.escalated", 3)]
    assert [m.target.role for _t, m in events] == ["shift_lead", "supervisor", "manager"]
    assert all(m.emergency and m.actor_staff_id == "A1001" for _t, m in events)
    with Nothing(db):
        assert_problem(api.agent.post(path, json={"level": 2, "reason": "again"}), 409, slug="already-escalated")


def test_replicas_raise_each_event_once(api, db, clock, sla, spawn):
    # A second tickets process whose engine scans every 20 ms, next to the
    # session's: they split the due tickets (FOR UPDATE SKIP LOCKED).
    spawn.tickets(KEFU_TICKETS_SLA_SCAN_MS=20)
    clock.set_rfc3339("2026-12-11T10:00:00+08:00")
    ids = [api.agent.create(body=inquiry(priority="low", received_at="2026-12-01T10:00:00+08:00"))["id"]
           for _ in range(8)]
    expected = ["ticket.sla_at_risk", "ticket.sla_at_risk", "ticket.sla_breached", "ticket.sla_breached",
                "ticket.escalated", "ticket.escalated", "ticket.escalated"]

    def all_raised():
        return all(len(sla_events(db, i)) >= len(expected) for i in ids)
    poll_until(all_raised, ENGINE_TIMEOUT, interval=0.2, what="every event of every ticket")
    for i in ids:
        assert sorted(t for t, _m in sla_events(db, i)) == sorted(expected), i
        assert [m.level for _t, m in sla_events(db, i, ("ticket.escalated",))] == [1, 2, 3]


def test_engine_scan_uses_the_partial_index(db):
    # The table as it grows in production: mostly closed tickets, with
    # nothing pending (next_check_at NULL), and statistics about them. The
    # engine's scan must go through the partial index, not sweep the table.
    # Everything is rolled back.
    plan = "\n".join(row[0] for row in db.rows(
        "BEGIN; SET LOCAL search_path = tickets; "
        "INSERT INTO tickets (kind, channel, priority, category, subject, status, owner_staff_id, received_at) "
        "  SELECT 'inquiry', 'web', 'low', 'plan', 'closed ' || n, 'resolved', 'plan-test', now() "
        "  FROM generate_series(1, 20000) n; "
        "INSERT INTO ticket_sla (ticket_id, policy_id, policy, calendar, started_at, first_response_due_at, "
        "  first_response_at_risk_at, resolution_due_at, resolution_at_risk_at, resolved_at) "
        "  SELECT id, 0, '', '', now(), now(), now(), now(), now(), now() FROM tickets "
        "  WHERE owner_staff_id = 'plan-test'; "
        "ANALYZE tickets; ANALYZE ticket_sla; "
        "EXPLAIN SELECT ticket_id FROM ticket_sla WHERE next_check_at <= sla_time(1796000000000) "
        "ORDER BY next_check_at LIMIT 100 FOR UPDATE SKIP LOCKED; "
        "ROLLBACK;"))
    assert "ticket_sla_due" in plan, plan
    assert "Seq Scan" not in plan, plan


def test_no_sla_without_a_policy(api, db):
    ticket = api.agent.create(body=inquiry(priority="urgent"))
    with Nothing(db):
        assert_problem(api.agent.get("/v1/tickets/%d/sla" % ticket["id"]), 404, slug="no-sla")
        assert_problem(api.agent.post("/v1/tickets/%d/sla/pause" % ticket["id"], json={"reason": "x"}), 404)
        assert_problem(api.agent.post("/v1/tickets/%d/escalations" % ticket["id"],
                                      json={"level": 1, "reason": "x"}), 404)


BAD_CALENDARS = [
    ({"time_zone": "../../etc/passwd"}, "time_zone"),
    ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
    ({"time_zone": ""}, "time_zone"),
    ({"name": ""}, "name"),
    ({"hours": []}, "hours"),
    ({"hours": [{"weekday": "funday", "start": "09:00", "end": "12:00"}]}, "hours[0].weekday"),
    ({"hours": [{"weekday": "monday", "start": "9:00", "end": "12:00"}]}, "hours[0].start"),
    ({"hours": [{"weekday": "monday", "start": "09:00", "end": "24:30"}]}, "hours[0].end"),
    ({"hours": [{"weekday": "monday", "start": "12:00", "end": "09:00"}]}, "hours[0]"),
    ({"hours": [{"weekday": "monday", "start": "09:00", "end": "12:00"},
                {"weekday": "monday", "start": "11:00", "end": "13:00"}]}, "hours[1]"),
    ({"dates": [{"date": "2026-02-30"}]}, "dates[0].date"),
    ({"dates": [{"date": "2026-12-07"}, {"date": "2026-12-07"}]}, "dates[1].date"),
    ({"dates": [{"date": "2026-12-05", "working": True}]}, "dates[0].hours_of"),
]


@pytest.mark.parametrize("override,field", BAD_CALENDARS, ids=[f for _o, f in BAD_CALENDARS])
def test_bad_calendar_is_422_and_writes_nothing(api, db, override, field):
    with Nothing(db):
        assert_problem(api.supervisor.post("/v1/sla/calendars", json=office_calendar(**override)), 422, field=field)


def test_bad_requests_on_every_sla_route_write_nothing(api, db, sla):
    calendar, policy = sla["calendar"], sla["policy"]
    good_policy = {"name": "p " + uuid.uuid4().hex[:8], "kind": "complaint", "priority": "urgent",
                   "calendar_id": calendar["id"], "first_response_s": HOUR, "resolution_s": 8 * HOUR,
                   "escalation_interval_s": HOUR, "escalation": CHAIN}
    bad_policies = [
        ({"kind": "rant"}, "kind"), ({"priority": "asap"}, "priority"), ({"calendar_id": 0}, "calendar_id"),
        ({"calendar_id": 999999999}, "calendar_id"), ({"first_response_s": 0}, "first_response_s"),
        ({"resolution_s": 60}, "resolution_s"), ({"escalation_interval_s": 0}, "escalation_interval_s"),
        ({"at_risk_percent": 100}, "at_risk_percent"), ({"escalation": []}, "escalation"),
        ({"escalation": [{"department": ""}]}, "escalation[0]"),
        ({"escalation": [{"role": "overlord"}]}, "escalation[0].role"), ({"name": " "}, "name"),
    ]
    ticket = None
    with Nothing(db):
        for override, field in bad_policies:
            assert_problem(api.manager.post("/v1/sla/policies", json=dict(good_policy, **override)), 422, field=field)
        # One policy per kind and priority, one calendar per name.
        assert_problem(api.manager.post("/v1/sla/policies", json=dict(good_policy, kind="inquiry", priority="low")),
                       409, slug="policy-exists")
        assert_problem(api.supervisor.post("/v1/sla/calendars", json=office_calendar(name=calendar["name"])), 409)
        # Malformed JSON, unknown fields, wrong types: 400 from the gateway.
        r = api.supervisor.post("/v1/sla/calendars", data=b"{", headers={"Content-Type": "application/json"})
        assert_problem(r, 400)
        assert_problem(api.supervisor.post("/v1/sla/calendars", json=dict(office_calendar(), colour="red")), 400)
        assert_problem(api.manager.post("/v1/sla/policies", json=dict(good_policy, first_response_s="soon")), 400)
        # Roles: agents read, they do not manage.
        assert_problem(api.agent.post("/v1/sla/calendars", json=office_calendar()), 403)
        assert_problem(api.agent.request("DELETE", "/v1/sla/policies/%d" % policy["id"]), 403)
        # Versions and existence.
        assert_problem(api.supervisor.request("PUT", "/v1/sla/calendars/%d" % calendar["id"],
                                              json=office_calendar(name=calendar["name"]),
                                              headers={"If-Match": '"99"'}), 412)
        assert_problem(api.manager.request("PUT", "/v1/sla/policies/999999999", json=good_policy), 404)
        assert_problem(api.agent.get("/v1/sla/calendars/999999999"), 404)
        assert_problem(api.agent.get("/v1/sla/policies?limit=0"), 400)
        # A calendar in use by a policy stays.
        assert_problem(api.supervisor.request("DELETE", "/v1/sla/calendars/%d" % calendar["id"]), 409,
                       slug="calendar-in-use")
    ticket = api.agent.create(body=inquiry(priority="low"))
    path = "/v1/tickets/%d" % ticket["id"]
    with Nothing(db):
        assert_problem(api.agent.post(path + "/sla/pause", json={}), 422, field="reason")
        assert_problem(api.agent.post(path + "/sla/pause", json={"reason": "a\u0007b"}), 422, field="reason")
        assert_problem(api.agent.post(path + "/sla/resume", json={}), 409, slug="sla-not-paused")
        assert_problem(api.agent.post(path + "/escalations", json={"level": 0, "reason": "x"}), 422, field="level")
        assert_problem(api.agent.post(path + "/escalations", json={"level": 4, "reason": "x", "emergency": True}),
                       422, field="level")
        assert_problem(api.agent.post(path + "/escalations", json={"level": 1}), 422, field="reason")
        assert_problem(api.agent.post(path + "/escalations", json={"level": "one", "reason": "x"}), 400)
        assert_problem(api.auditor.post(path + "/sla/pause", json={"reason": "x"}), 403)
    r = api.agent.post(path + "/sla/pause", json={"reason": "waiting"})
    assert r.status_code == 200, describe(r)
    with Nothing(db):
        assert_problem(api.agent.post(path + "/sla/pause", json={"reason": "waiting again"}), 409, slug="sla-paused")


def test_public_comment_is_the_first_response_and_an_internal_note_is_not(api, db, clock, sla):
    clock.set_rfc3339("2026-12-03T10:00:00+08:00")
    ticket = api.agent.create(body=inquiry(priority="low"))
    # The ticket's own times are the driven clock's, as the SLA's are.
    assert ticket["created_at"].startswith("2026-12-03T02:00:0"), ticket
    assert api.agent.history(ticket["id"])[0]["at"].startswith("2026-12-03T02:00:0")
    clock.set_rfc3339("2026-12-03T11:00:00+08:00")
    r = api.agent.post("/v1/tickets/%d/comments" % ticket["id"],
                       json={"body": "Checked the opening hours with the branch", "visibility": "internal"})
    assert r.status_code == 201, describe(r)
    assert r.json()["created_at"].startswith("2026-12-03T03:00:0"), r.json()
    assert ticket_sla(api, ticket["id"])["first_responded_at"] == "", "an internal note is no response"
    assert db.scalar("SELECT next_check_at = first_response_at_risk_at FROM tickets.ticket_sla "
                     "WHERE ticket_id = :'i'", i=ticket["id"]) == "t"
    clock.set_rfc3339("2026-12-03T12:00:00+08:00")
    r = api.agent.post("/v1/tickets/%d/comments" % ticket["id"],
                       json={"body": "We open at 09:00 on weekdays.", "visibility": "public"})
    assert r.status_code == 201, describe(r)
    state = ticket_sla(api, ticket["id"])
    assert state["first_responded_at"].startswith("2026-12-03T04:00:0"), state
    # The first-response clock stopped: next is the resolution's at-risk instant.
    assert db.scalar("SELECT next_check_at = resolution_at_risk_at FROM tickets.ticket_sla WHERE ticket_id = :'i'",
                     i=ticket["id"]) == "t"
    # Only the first response counts: a later move out of received changes nothing.
    clock.set_rfc3339("2026-12-03T14:00:00+08:00")
    moved = api.agent.move(ticket["id"], "in_progress")
    assert moved["updated_at"].startswith("2026-12-03T06:00:0"), moved
    assert ticket_sla(api, ticket["id"])["first_responded_at"] == state["first_responded_at"]


def test_reopen_from_reviewed_restarts_the_resolution_clock(api, db, clock, sla):
    clock.set_rfc3339("2026-12-03T10:00:00+08:00")
    ticket = api.agent.create(body=inquiry(priority="low"))
    api.agent.move(ticket["id"], "in_progress")
    clock.set_rfc3339("2026-12-03T11:00:00+08:00")
    api.agent.move(ticket["id"], "resolved")
    clock.set_rfc3339("2026-12-03T12:00:00+08:00")
    api.shift_lead.move(ticket["id"], "reviewed", review_summary="answered the same day")
    state = ticket_sla(api, ticket["id"])
    # The review closes the case: every clock has stopped.
    assert state["resolved_at"].startswith("2026-12-03T03:00:0") and state["closed_at"].startswith(
        "2026-12-03T04:00:0"), state
    assert db.scalar("SELECT next_check_at IS NULL FROM tickets.ticket_sla WHERE ticket_id = :'i'",
                     i=ticket["id"]) == "t"
    # Reopened Thursday 15:00 from reviewed: 16 business hours from then is
    # Tuesday 15:00 (Thursday 3 h, Friday 8 h, Monday a holiday, Tuesday 5 h).
    clock.set_rfc3339("2026-12-03T15:00:00+08:00")
    api.supervisor.move(ticket["id"], "in_progress")
    state = ticket_sla(api, ticket["id"])
    assert state["resolved_at"] == "" and state["closed_at"] == "", state
    assert state["resolution_due_at"].startswith("2026-12-08T07:00:0"), state
    assert db.scalar("SELECT next_check_at = resolution_at_risk_at FROM tickets.ticket_sla WHERE ticket_id = :'i'",
                     i=ticket["id"]) == "t"
    # Its breach is raised again when the new deadline passes.
    clock.set_rfc3339("2026-12-08T15:01:00+08:00")
    wait_for_event(db, ticket["id"], "ticket.sla_breached", "the reopened resolution's breach",
                   deadline="resolution")


def test_merge_closes_the_duplicates_sla(api, db, clock, sla):
    clock.set_rfc3339("2026-12-03T10:00:00+08:00")
    customer = "C-" + uuid.uuid4().hex[:8]
    primary = api.agent.create(body=inquiry(priority="low", customer_id=customer))
    duplicate = api.agent.create(body=inquiry(priority="low", customer_id=customer))
    clock.set_rfc3339("2026-12-03T11:00:00+08:00")
    r = api.agent.post("/v1/tickets/%d/merge" % duplicate["id"], json={"into": primary["id"], "reason": "asked twice"})
    assert r.status_code == 200 and r.json()["status"] == "merged", describe(r)
    state = ticket_sla(api, duplicate["id"])
    assert state["closed_at"].startswith("2026-12-03T03:00:0") and state["resolved_at"] == "", state
    assert db.scalar("SELECT next_check_at IS NULL FROM tickets.ticket_sla WHERE ticket_id = :'i'",
                     i=duplicate["id"]) == "t"
    # The primary's clocks run on.
    primary_state = ticket_sla(api, primary["id"])
    assert primary_state["closed_at"] == "" and primary_state["first_responded_at"] == "", primary_state
    # Past the duplicate's deadlines nothing is raised about it; the primary breaches.
    clock.set_rfc3339("2026-12-04T10:01:00+08:00")
    wait_for_event(db, primary["id"], "ticket.sla_breached", "the primary's breach", deadline="first_response")
    assert not sla_events(db, duplicate["id"], ("ticket.sla_at_risk", "ticket.sla_breached")), \
        "a merged ticket's SLA was still running"
