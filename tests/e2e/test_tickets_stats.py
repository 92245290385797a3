"""Complaint classification statistics over HTTP (TKT-9): GET /v1/tickets/stats.

Opened tickets and repeat complaints (same customer and category within 30 days)
by received_at, resolved tickets and their time to resolve by the transition to
resolved, grouped by category and/or responsible department and by day, week or
month; SLA compliance (the share of a row's resolved tickets with an SLA that
were resolved by its resolution deadline, null when none has an SLA), checked
against a recount from the tables; bad parameters are 400 naming the field.

Each test uses categories no other test uses; tickets received in 2019 (2030 for the
recount) keep the opened counts apart from every other test's tickets.
"""
import datetime
import math
import uuid

import pytest

from kefu_e2e import assert_problem, complaint, describe, inquiry

ROW_FIELDS = {"category", "department", "period", "opened", "resolved", "median_resolve_s", "p90_resolve_s",
              "repeat_complaints", "sla_compliance"}


def stats(client, **query):
    r = client.get("/v1/tickets/stats", params=query)
    assert r.status_code == 200, describe(r)
    rows = r.json()["rows"]
    for row in rows:
        assert set(row) == ROW_FIELDS, row
    return rows


def mine(rows, category):
    return [row for row in rows if row["category"] == category]


def ms(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def test_opened_and_repeat_complaints_by_month_and_week(api):
    # TKT-9: counts by category and period; a repeat is the same customer and
    # category within 30 days.
    category = "stats-" + uuid.uuid4().hex[:8]
    customer = "STATS-" + uuid.uuid4().hex[:8]
    other = "STATS-" + uuid.uuid4().hex[:8]
    for customer_id, at in [(customer, "2019-04-03T10:00:00Z"),     # first
                            (customer, "2019-04-20T10:00:00Z"),     # repeat: 17 days later
                            (other, "2019-04-10T10:00:00Z"),        # another customer
                            (customer, "2019-06-01T10:00:00Z")]:    # 42 days after the last: no repeat
        api.agent.create(body=complaint(customer_id=customer_id, category=category, received_at=at))
    api.agent.create(body=inquiry(customer_id=customer, category=category, received_at="2019-04-25T10:00:00Z"))

    rows = mine(stats(api.supervisor, group_by="category", period="month", **{
        "from": "2019-04-01T00:00:00Z", "to": "2019-07-01T00:00:00Z"}), category)
    assert [(r["period"], r["opened"], r["repeat_complaints"], r["resolved"]) for r in rows] == [
        ("2019-04-01T00:00:00.000Z", 4, 1, 0),
        ("2019-06-01T00:00:00.000Z", 1, 0, 0),
    ]
    assert all(r["department"] == "" and r["median_resolve_s"] == 0 for r in rows)

    # ISO weeks start on Monday: 2019-04-01 is one.
    rows = mine(stats(api.manager, group_by="category", period="week", **{
        "from": "2019-04-01T00:00:00Z", "to": "2019-04-29T00:00:00Z"}), category)
    assert [(r["period"], r["opened"], r["repeat_complaints"]) for r in rows] == [
        ("2019-04-01T00:00:00.000Z", 1, 0),
        ("2019-04-08T00:00:00.000Z", 1, 0),
        ("2019-04-15T00:00:00.000Z", 1, 1),
        ("2019-04-22T00:00:00.000Z", 1, 0),
    ]
    # The range is half-open, in any offset.
    rows = mine(stats(api.manager, group_by="category", period="day", **{
        "from": "2019-04-03T18:00:00+08:00", "to": "2019-04-10T10:00:00Z"}), category)
    assert [(r["period"], r["opened"]) for r in rows] == [("2019-04-03T00:00:00.000Z", 1)]


def test_resolved_and_time_to_resolve_by_department(api):
    # TKT-9: time to resolve, from received_at to the transition to resolved.
    category = "stats-" + uuid.uuid4().hex[:8]
    received = ["2019-05-01T00:00:00Z", "2019-05-02T12:00:00Z"]
    durations = []
    for i, at in enumerate(received):
        t = api.agent.create(body=inquiry(category=category, received_at=at))
        api.agent.move(t["id"], "in_progress", responsible_department="Dept-%d" % i)
        api.agent.move(t["id"], "resolved")
        resolved_at = [h["at"] for h in api.agent.history(t["id"]) if h["to_status"] == "resolved"][0]
        durations.append(ms(resolved_at) - ms(at))
    now = datetime.datetime.now(datetime.timezone.utc)
    window = {"from": (now - datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "to": (now + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")}

    by_department = mine(stats(api.supervisor, group_by="category,department", period="month", **window), category)
    assert [(r["department"], r["resolved"], r["opened"]) for r in by_department] == [("Dept-0", 1, 0),
                                                                                         ("Dept-1", 1, 0)]
    for row, seconds in zip(by_department, durations):
        assert abs(row["median_resolve_s"] - seconds) <= 1 and abs(row["p90_resolve_s"] - seconds) <= 1, row

    together = mine(stats(api.supervisor, group_by="category", period="month", **window), category)
    assert len(together) == 1 and together[0]["resolved"] == 2 and together[0]["department"] == ""
    low, high = sorted(durations)
    assert abs(together[0]["median_resolve_s"] - (low + high) / 2) <= 1, together
    assert abs(together[0]["p90_resolve_s"] - (low + 0.9 * (high - low))) <= 1, together


@pytest.mark.parametrize("query,field", [
    ({"period": "year"}, "period"),
    ({"group_by": "customer"}, "group_by"),
    ({"group_by": "category,,owner"}, "group_by"),
    ({"from": None}, "from"),
    ({"to": None}, "to"),
    ({"from": "2019-04-01"}, "from"),
    ({"to": "2019-04-01T00:00:00Z"}, "to"),                           # not after from
    ({"period": "day", "to": "2020-05-01T00:00:00Z"}, "to"),          # more than 366 days
    ({"group_by": "x" * 65}, "group_by"),
])
def test_bad_parameters_are_400(api, db, query, field):
    params = {"group_by": "category", "period": "month", "from": "2019-04-01T00:00:00Z",
              "to": "2019-05-01T00:00:00Z"}
    params.update(query)
    params = {k: v for k, v in params.items() if v is not None}
    with db.unchanged():
        assert_problem(api.supervisor.get("/v1/tickets/stats", params=params), 400, field=field)


def test_who_may_read_the_statistics(api):
    query = {"period": "month", "from": "2019-04-01T00:00:00Z", "to": "2019-05-01T00:00:00Z"}
    assert_problem(api.agent.get("/v1/tickets/stats", params=query), 403)
    for who in (api.shift_lead, api.supervisor, api.manager, api.auditor, api.integration):
        r = who.get("/v1/tickets/stats", params=query)
        assert r.status_code == 200, describe(r)


# --- recount --------------------------------------------------------------------------------------

HOUR_S = 3600


def percentile(values, share):
    """percentile_cont: linear interpolation between the sorted values."""
    values = sorted(values)
    position = share * (len(values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def week_of(unix_ms):
    day = datetime.datetime.fromtimestamp(unix_ms / 1000, datetime.timezone.utc).date()
    monday = day - datetime.timedelta(days=day.weekday())
    return monday.strftime("%Y-%m-%dT00:00:00.000Z")


def recount(db, category, from_ms, to_ms):
    """The statistics by category, department and ISO week, counted in Python
    from the tables themselves (tickets, transitions, ticket_sla)."""
    tickets = {int(r[0]): {"kind": r[1], "customer": r[2], "department": r[3], "received": int(r[4])}
               for r in db.rows("SELECT id, kind, customer_id, responsible_department, "
                                "(extract(epoch FROM received_at) * 1000)::bigint FROM tickets.tickets "
                                "WHERE category = :'c'", c=category)}
    due = {int(r[0]): int(r[1]) for r in db.rows(
        "SELECT s.ticket_id, (extract(epoch FROM s.resolution_due_at) * 1000)::bigint "
        "FROM tickets.ticket_sla s JOIN tickets.tickets t ON t.id = s.ticket_id WHERE t.category = :'c'",
        c=category)}
    resolutions = [(int(r[0]), int(r[1])) for r in db.rows(
        "SELECT r.ticket_id, (extract(epoch FROM r.at) * 1000)::bigint FROM tickets.ticket_transitions r "
        "JOIN tickets.tickets t ON t.id = r.ticket_id WHERE t.category = :'c' AND r.to_status = 'resolved'",
        c=category)]
    rows = {}

    def row(department, period):
        return rows.setdefault((period, department), {"opened": 0, "repeat_complaints": 0, "seconds": [],
                                                      "with_sla": 0, "on_time": 0})

    for tid, t in tickets.items():
        if from_ms <= t["received"] < to_ms:
            r = row(t["department"], week_of(t["received"]))
            r["opened"] += 1
            earlier = [o for oid, o in tickets.items() if oid != tid and o["kind"] == "complaint"
                       and o["customer"] == t["customer"] and (o["received"], oid) < (t["received"], tid)
                       and o["received"] >= t["received"] - 30 * 86400 * 1000]
            if t["kind"] == "complaint" and t["customer"] and earlier:
                r["repeat_complaints"] += 1
    last = {}
    for tid, at in resolutions:
        if from_ms <= at < to_ms:
            key = (tid, week_of(at))
            last[key] = max(last.get(key, at), at)
    for (tid, period), at in last.items():
        r = row(tickets[tid]["department"], period)
        r["seconds"].append((at - tickets[tid]["received"]) / 1000)
        if tid in due:
            r["with_sla"] += 1
            r["on_time"] += at <= due[tid]
    answer = []
    for (period, department), r in sorted(rows.items()):
        answer.append({
            "category": category, "department": department, "period": period, "opened": r["opened"],
            "resolved": len(r["seconds"]),
            "median_resolve_s": round(percentile(r["seconds"], 0.5)) if r["seconds"] else 0,
            "p90_resolve_s": round(percentile(r["seconds"], 0.9)) if r["seconds"] else 0,
            "repeat_complaints": r["repeat_complaints"],
            "sla_compliance": r["on_time"] / r["with_sla"] if r["with_sla"] else None,
        })
    return answer


def test_statistics_match_a_recount_from_the_tables(api, db, clock):
    # TKT-9 with SLA compliance (TKT-7's deadlines): tickets received, resolved,
    # reopened and resolved again at driven instants of March 2030 (the
    # driven clock goes forward only: a request's deadline is stamped by the
    # gateway's clock), some under
    # an SLA policy (suggestions, urgent: two hours, a round-the-clock UTC
    # calendar), some not; the endpoint must agree with a recount from the tables.
    category = "stats-" + uuid.uuid4().hex[:8]
    r = api.supervisor.post("/v1/sla/calendars", json={
        "name": "always " + uuid.uuid4().hex[:8], "time_zone": "UTC",
        "hours": [{"weekday": day, "start": "00:00", "end": "24:00"}
                  for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")]})
    assert r.status_code == 201, describe(r)
    calendar = r.json()
    r = api.manager.post("/v1/sla/policies", json={
        "name": "urgent suggestions " + uuid.uuid4().hex[:8], "kind": "suggestion", "priority": "urgent",
        "calendar_id": calendar["id"], "first_response_s": HOUR_S, "resolution_s": 2 * HOUR_S,
        "at_risk_percent": 80, "escalation_interval_s": HOUR_S, "escalation": [{"role": "shift_lead"}]})
    assert r.status_code == 201, describe(r)
    policy = r.json()
    try:
        def at(text):
            clock.set_rfc3339(text)

        def made(priority, received, department, resolved=(), reopened=()):
            at(received)
            t = api.agent.create(body=inquiry(kind="suggestion", category=category, priority=priority, received_at=received))
            moves = [(when, "resolved") for when in resolved] + [(when, "in_progress") for when in reopened]
            at(received)
            api.agent.move(t["id"], "in_progress", responsible_department=department)
            for when, to in sorted(moves):
                at(when)
                # Reopening is a supervisor's (TKT-4).
                (api.supervisor if to == "in_progress" else api.agent).move(t["id"], to)
            return t

        on_time = made("urgent", "2030-03-04T08:00:00Z", "D-sla", resolved=["2030-03-04T09:30:00Z"])
        late = made("urgent", "2030-03-04T10:00:00Z", "D-sla", resolved=["2030-03-04T13:00:00Z"])
        # Resolved on time, reopened, resolved again late the same week: the
        # week counts its last resolution, judged against the restarted deadline.
        again = made("urgent", "2030-03-05T08:00:00Z", "D-sla",
                     resolved=["2030-03-05T09:00:00Z", "2030-03-06T15:00:00Z"], reopened=["2030-03-06T10:00:00Z"])
        made("normal", "2030-03-05T08:00:00Z", "D-sla", resolved=["2030-03-07T08:00:00Z"])     # no SLA
        made("normal", "2030-03-11T08:00:00Z", "D-none", resolved=["2030-03-12T08:00:00Z"])    # no SLA at all
        made("urgent", "2030-03-11T09:00:00Z", "D-sla", resolved=["2030-03-11T10:00:00Z"])     # the next week
        made("urgent", "2030-03-12T09:00:00Z", "D-sla")                                        # unresolved
        customer = "STATS-" + uuid.uuid4().hex[:8]
        for received in ("2030-03-05T12:00:00Z", "2030-03-13T12:00:00Z"):                       # a repeat
            at(received)
            api.agent.create(body=complaint(category=category, customer_id=customer, received_at=received))
    finally:
        r = api.manager.request("DELETE", "/v1/sla/policies/%d" % policy["id"])
        assert r.status_code == 204, describe(r)
        r = api.supervisor.request("DELETE", "/v1/sla/calendars/%d" % calendar["id"])
        assert r.status_code == 204, describe(r)
    for tid in (on_time["id"], late["id"], again["id"]):
        assert db.count("SELECT count(*) FROM tickets.ticket_sla WHERE ticket_id = :t", t=tid) == 1

    window = {"from": "2030-03-01T00:00:00Z", "to": "2030-04-01T00:00:00Z"}
    got = mine(stats(api.supervisor, group_by="category,department", period="week", **window), category)
    expected = recount(db, category, int(ms(window["from"]) * 1000), int(ms(window["to"]) * 1000))
    for row in got:
        if row["sla_compliance"] is not None:
            row["sla_compliance"] = round(row["sla_compliance"], 9)
    for row in expected:
        if row["sla_compliance"] is not None:
            row["sla_compliance"] = round(row["sla_compliance"], 9)
    assert got == expected
    # What the recount found, spelt out: week 10 in D-sla has three resolved
    # tickets with an SLA, one on time; D-none has no SLA at all.
    by_key = {(r["period"], r["department"]): r for r in got}
    assert by_key[("2030-03-04T00:00:00.000Z", "D-sla")]["resolved"] == 4
    assert by_key[("2030-03-04T00:00:00.000Z", "D-sla")]["sla_compliance"] == round(1 / 3, 9)
    assert by_key[("2030-03-11T00:00:00.000Z", "D-none")]["sla_compliance"] is None
    assert by_key[("2030-03-11T00:00:00.000Z", "D-sla")]["sla_compliance"] == 1.0
