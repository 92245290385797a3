"""Complaint classification statistics over HTTP (TKT-9): GET /v1/tickets/stats.

Opened tickets and repeat complaints (same customer and category within 30 days)
by received_at, resolved tickets and their time to resolve by the transition to
resolved, grouped by category and/or responsible department and by day, week or
month; bad parameters are 400 naming the field. SLA compliance is not reported
yet (it needs the SLA deadlines of another part of the service).

Each test uses categories no other test uses; tickets received in 2019 keep the
opened counts apart from every other test's tickets.
"""
import datetime
import uuid

import pytest

from kefu_e2e import assert_problem, complaint, describe, inquiry

ROW_FIELDS = {"category", "department", "period", "opened", "resolved", "median_resolve_s", "p90_resolve_s",
              "repeat_complaints"}


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
