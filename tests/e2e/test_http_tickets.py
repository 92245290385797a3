"""Tickets over HTTP: create, get, list, transition, history, and the complaint
workflow of TKT-3 with its roles."""

import datetime
import json
import uuid

import pytest

from kefu_e2e import (TRANSITION_FIELDS, assert_problem, assert_ticket_shape, complaint, describe, etag_version,
                      inquiry, work_order)

STATUSES = ["received", "assessed", "investigating", "remedy_proposed", "remedy_approved", "implementing",
            "customer_accepted", "resolved", "reviewed", "rejected", "in_progress", "dispatched", "merged"]

# tickets_workflow.c, as the black box must see it.
COMPLAINT_NEXT = {
    "received": {"assessed", "rejected"},
    "assessed": {"investigating"},
    "investigating": {"remedy_proposed"},
    "remedy_proposed": {"remedy_approved", "investigating"},
    "remedy_approved": {"implementing"},
    "implementing": {"customer_accepted"},
    "customer_accepted": {"resolved"},
    "resolved": {"reviewed", "investigating"},
    "reviewed": {"investigating"},
    "rejected": set(),
}
SIMPLE_NEXT = {
    "received": {"in_progress", "rejected"},
    "in_progress": {"resolved"},
    "resolved": {"reviewed", "in_progress"},
    "reviewed": {"in_progress"},
    "rejected": set(),
}
WORK_ORDER_NEXT = dict(SIMPLE_NEXT, received={"dispatched", "rejected"}, dispatched={"in_progress"})

# Everything any target state may need, so that a refusal is never about a missing field.
ALL_FIELDS = {
    "responsible_department": "Billing",
    "responsible_person": "Wang Wu",
    "remedy": "Refund 200 CNY and apologise in writing",
    "customer_confirmation": "Customer confirmed by phone",
    "confirmation_method": "phone",
    "review_summary": "Handled within the SLA; root cause fixed",
    "rejection_explanation": "Outside our responsibility; customer told whom to call",
    "responsible_party": "Billing clerk on duty",
    "sanction": "Written warning",
}

# The complaint workflow step by step: who takes it, and what it carries.
COMPLAINT_PATH = [
    ("agent", "assessed", {}),
    ("agent", "investigating", {"responsible_department": "Billing", "responsible_person": "Wang Wu"}),
    ("agent", "remedy_proposed", {"remedy": "Refund 200 CNY and apologise in writing",
                                  "responsible_party": "Billing clerk on duty", "sanction": "Written warning"}),
    ("supervisor", "remedy_approved", {}),
    ("agent", "implementing", {}),
    ("agent", "customer_accepted", {"customer_confirmation": "Customer confirmed by phone",
                                    "confirmation_method": "phone"}),
    ("agent", "resolved", {}),
    ("shift_lead", "reviewed", {"review_summary": "Handled within the SLA; root cause fixed"}),
]


@pytest.fixture
def department(api):
    """An active department to dispatch work orders to (TKT-6)."""
    r = api.supervisor.post("/v1/departments", json={"name": "Maintenance " + uuid.uuid4().hex[:8]})
    assert r.status_code == 201, describe(r)
    return r.json()["id"]


def instant(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def advance(api, ticket_id, until):
    """Walk a complaint along COMPLAINT_PATH until it is in status `until`."""
    ticket = api.agent.ticket(ticket_id)
    for who, to, fields in COMPLAINT_PATH:
        if ticket["status"] == until:
            break
        ticket = getattr(api, who).move(ticket_id, to, **fields)
    assert ticket["status"] == until
    return ticket


def ticket_row(db, ticket_id):
    status, version = db.rows("SELECT status, version FROM tickets.tickets WHERE id = :'id'", id=ticket_id)[0]
    history = db.count("SELECT count(*) FROM tickets.ticket_transitions WHERE ticket_id = :'id'", id=ticket_id)
    outbox = db.count("SELECT count(*) FROM tickets.outbox WHERE subject = :'s'", s="ticket/%d" % ticket_id)
    return {"status": status, "version": int(version), "history": history, "outbox": outbox}


# --- create and get ------------------------------------------------------------------------


def test_create_returns_201_location_etag_and_the_ticket(api, db):
    # TKT-1, TKT-2: kind, channel, priority, category, complainant, time, content, remedy.
    body = complaint()
    r = api.agent.post("/v1/tickets", json=body)
    assert r.status_code == 201, describe(r)
    assert r.headers["Content-Type"].split(";")[0] == "application/json"
    ticket = r.json()
    assert_ticket_shape(ticket)
    assert r.headers["Location"] == "/v1/tickets/%d" % ticket["id"]
    assert etag_version(r) == ticket["version"] == 1
    assert ticket["status"] == "received"
    assert ticket["owner_staff_id"] == "A1001"  # TKT-5: the first contact owns it
    for name, value in body.items():
        if name != "received_at":
            assert ticket[name] == value, name
    assert instant(ticket["received_at"]) == instant(body["received_at"])
    assert db.count("SELECT count(*) FROM tickets.tickets WHERE id = :'id'", id=ticket["id"]) == 1


def test_get_returns_the_ticket_with_its_etag(api):
    created = api.agent.create()
    r = api.agent.get("/v1/tickets/%d" % created["id"])
    assert r.status_code == 200, describe(r)
    assert etag_version(r) == 1
    assert r.json() == created


def test_every_kind_channel_and_priority_is_accepted(api):
    # TKT-1: four kinds, five channels, four priorities, a category on every ticket.
    cases = [
        complaint(channel="phone", priority="low"),
        complaint(channel="walk_in", priority="urgent", customer_id="", complainant_name="Li Si",
                  complainant_contact="lisi@example.com"),
        inquiry(channel="email", priority="normal"),
        inquiry(channel="web", priority="high"),
        work_order(channel="api", priority="urgent"),
        {"kind": "suggestion", "channel": "web", "priority": "low", "category": "website",
         "subject": "Add a dark mode"},
    ]
    for body in cases:
        ticket = api.agent.create(body=body)
        for name in ("kind", "channel", "priority", "category"):
            assert ticket[name] == body[name]


def test_complaint_by_name_and_contact_without_customer_id(api):
    # TKT-2: a complainant is a customer id, or a name and a contact.
    ticket = api.agent.create(body=complaint(customer_id=None, complainant_name="Li Si",
                                             complainant_contact="+86 139 1111 2222"))
    assert ticket["customer_id"] == ""
    assert (ticket["complainant_name"], ticket["complainant_contact"]) == ("Li Si", "+86 139 1111 2222")


def test_received_at_defaults_to_now(api):
    # TKT-2: the time of the complaint is recorded.
    ticket = api.agent.create(body=complaint(received_at=None))
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((instant(ticket["received_at"]) - now).total_seconds()) < 120


def test_integration_key_creates_tickets(api):
    # DESIGN §1 (integrators): a CRM creates tickets through an API key.
    ticket = api.integration.create(body=complaint(channel="api"))
    assert ticket["owner_staff_id"] == "I7001"


def test_charset_in_json_content_type_is_accepted(api):
    r = api.agent.post("/v1/tickets", data=json.dumps(complaint()).encode(), headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status_code == 201, describe(r)


# --- history ---------------------------------------------------------------------------------


def test_history_starts_with_the_creation(api):
    # TKT-3: every transition is recorded, the creation included.
    ticket = api.agent.create()
    items = api.agent.history(ticket["id"])
    assert len(items) == 1
    first = items[0]
    assert set(TRANSITION_FIELDS) <= set(first), first
    assert (first["from_status"], first["to_status"]) == ("", "received")
    assert first["ticket_id"] == ticket["id"] and type(first["ticket_id"]) is int
    assert first["version"] == 1 and type(first["version"]) is int
    assert first["actor_staff_id"] == "A1001"
    assert instant(first["at"])


# --- the complaint workflow ------------------------------------------------------------------


def test_complaint_workflow_received_to_reviewed(api, db):
    # TKT-3: received -> assessed -> investigating -> remedy proposed -> remedy approved
    # (by a supervisor) -> implementing -> customer accepted -> resolved -> reviewed,
    # each step recorded with actor, time and reason.
    ticket = api.agent.create()
    tid = ticket["id"]
    version = 1
    for who, to, fields in COMPLAINT_PATH:
        client = getattr(api, who)
        r = client.post("/v1/tickets/%d/transitions" % tid, headers={"If-Match": '"%d"' % version},
                        json=dict(to=to, reason="step to " + to, **fields))
        assert r.status_code == 200, describe(r)
        moved = r.json()
        assert_ticket_shape(moved)
        version += 1
        assert (moved["status"], moved["version"]) == (to, version)
        assert etag_version(r) == version
        for name, value in fields.items():
            assert moved[name] == value, name
    final = api.agent.ticket(tid)
    assert final["status"] == "reviewed" and final["version"] == 9
    assert final["remedy_proposed_by"] == "A1001"
    assert final["remedy_approved_by"] == "S2001"
    assert final["responsible_department"] == "Billing" and final["responsible_person"] == "Wang Wu"
    assert final["owner_staff_id"] == "A1001"

    history = api.agent.history(tid)
    assert [(h["from_status"], h["to_status"]) for h in history] == \
        [("", "received")] + list(zip(["received"] + [s for _w, s, _f in COMPLAINT_PATH[:-1]],
                                      [s for _w, s, _f in COMPLAINT_PATH]))
    assert [h["version"] for h in history] == list(range(1, 10))
    assert [h["actor_staff_id"] for h in history[1:]] == \
        ["A1001", "A1001", "A1001", "S2001", "A1001", "A1001", "A1001", "L3001"]
    assert [h["reason"] for h in history[1:]] == ["step to " + s for _w, s, _f in COMPLAINT_PATH]
    times = [instant(h["at"]) for h in history]
    assert times == sorted(times)
    types = db.outbox_types("ticket/%d" % tid)
    assert types.count("ticket.created") == 1
    assert types.count("ticket.transitioned") == 8
    assert types.count("audit.record.ticket.transitioned") == 8


def test_rejected_from_received_keeps_the_explanation(api):
    # TKT-3: assessed as invalid -> rejected, with the explanation given to the customer.
    ticket = api.agent.create()
    explanation = "Outside our responsibility: the carrier handles lost parcels; customer told by phone"
    moved = api.agent.move(ticket["id"], "rejected", reason="assessed as invalid", rejection_explanation=explanation)
    assert moved["status"] == "rejected" and moved["version"] == 2
    assert moved["rejection_explanation"] == explanation
    history = api.agent.history(ticket["id"])
    assert (history[-1]["from_status"], history[-1]["to_status"], history[-1]["reason"]) == \
        ("received", "rejected", "assessed as invalid")


def test_inquiry_and_work_order_workflows(api, department):
    # TKT-1, TKT-6: the shorter workflow; a work order is dispatched to a department.
    q = api.agent.create(body=inquiry())
    for to in ("in_progress", "resolved"):
        api.agent.move(q["id"], to)
    assert api.shift_lead.move(q["id"], "reviewed", review_summary="answered")["status"] == "reviewed"

    w = api.agent.create(body=work_order(category="unrouted-" + uuid.uuid4().hex[:8]))
    assert w["status"] == "received"
    r = api.agent.move(w["id"], "in_progress", expect=409)
    assert_problem(r, 409, field="to", slug="illegal-transition")
    r = api.agent.move(w["id"], "dispatched", expect=422)
    assert_problem(r, 422, field="department_id")
    moved = api.agent.move(w["id"], "dispatched", department_id=department)
    assert (moved["status"], moved["department_id"]) == ("dispatched", department)
    assert api.agent.move(w["id"], "in_progress")["status"] == "in_progress"


def test_supervisor_reopens_a_resolved_complaint(api):
    # TKT-4: an unsatisfied callback reopens the complaint (a supervisor may send it back).
    ticket = api.agent.create()
    advance(api, ticket["id"], "resolved")
    r = api.agent.move(ticket["id"], "investigating", expect=403)
    assert_problem(r, 403)
    assert api.supervisor.move(ticket["id"], "investigating")["status"] == "investigating"


@pytest.mark.parametrize("kind", ["complaint", "inquiry", "suggestion", "work_order"])
def test_illegal_transitions_are_409_and_change_nothing(api, db, kind, department):
    # TKT-3: an illegal transition is refused and changes nothing.
    if kind == "complaint":
        table, path = COMPLAINT_NEXT, [s for _w, s, _f in COMPLAINT_PATH]
        ticket = api.agent.create()
    elif kind in ("inquiry", "suggestion"):
        table, path = SIMPLE_NEXT, ["in_progress", "resolved", "reviewed"]
        ticket = api.agent.create(body=inquiry(kind=kind))
    else:
        table, path = WORK_ORDER_NEXT, ["dispatched", "in_progress", "resolved", "reviewed"]
        ticket = api.agent.create(body=work_order(category="unrouted-" + uuid.uuid4().hex[:8]))
    tid = ticket["id"]
    tried = 0

    def refuse_all_illegal(status):
        nonlocal tried
        before = ticket_row(db, tid)
        assert before["status"] == status
        with db.unchanged():
            for to in STATUSES:
                if to in table[status]:
                    continue
                # The manager holds every handler right: the refusal is the transition's.
                r = api.manager.post("/v1/tickets/%d/transitions" % tid,
                                     json=dict(to=to, reason="try " + to, department_id=department, **ALL_FIELDS))
                assert_problem(r, 409, field="to", slug="illegal-transition")
                tried += 1
        assert ticket_row(db, tid) == before

    refuse_all_illegal("received")
    for to in path:
        who = {"remedy_approved": "supervisor", "reviewed": "shift_lead"}.get(to, "agent")
        getattr(api, who).move(tid, to, department_id=department, **ALL_FIELDS)
        refuse_all_illegal(to)
    body = {"complaint": complaint, "inquiry": inquiry, "work_order": work_order}.get(kind, inquiry)()
    body["kind"] = kind
    if kind == "work_order":
        body["category"] = "unrouted-" + uuid.uuid4().hex[:8]
    rejected = api.agent.create(body=body)
    tid = rejected["id"]
    api.agent.move(tid, "rejected", **ALL_FIELDS)
    refuse_all_illegal("rejected")
    assert tried >= 20


def test_unknown_target_status_is_422_and_changes_nothing(api, db):
    ticket = api.agent.create()
    with db.unchanged():
        r = api.agent.post("/v1/tickets/%d/transitions" % ticket["id"], json={"to": "closed", "reason": "x"})
        assert_problem(r, 422, field="to")


@pytest.mark.parametrize("to,missing", [
    ("investigating", "responsible_department"),
    ("investigating", "responsible_person"),
    ("remedy_proposed", "remedy"),
    ("customer_accepted", "customer_confirmation"),
    ("customer_accepted", "confirmation_method"),
    ("remedy_proposed", "responsible_party"),
    ("remedy_proposed", "sanction"),
    ("rejected", "rejection_explanation"),
    ("reviewed", "review_summary"),
    ("assessed", "reason"),
])
def test_transition_without_what_the_target_needs_is_422(api, db, to, missing):
    # TKT-3: investigating names department and person; a remedy; the customer's
    # confirmation; a summary evaluation; a reason for every step.
    ticket = api.agent.create()
    previous = {"investigating": "assessed", "remedy_proposed": "investigating",
                "customer_accepted": "implementing", "reviewed": "resolved", "assessed": "received",
                "rejected": "received"}[to]
    advance(api, ticket["id"], previous)
    who = api.shift_lead if to == "reviewed" else api.agent
    body = dict(to=to, reason="because", **ALL_FIELDS)
    del body[missing]
    before = ticket_row(db, ticket["id"])
    with db.unchanged():
        r = who.post("/v1/tickets/%d/transitions" % ticket["id"], json=body)
        assert_problem(r, 422, field=missing)
    assert ticket_row(db, ticket["id"]) == before


def test_stale_if_match_is_412_and_changes_nothing(api, db):
    # DESIGN §4: ETag / If-Match on updates; a stale version is 412.
    ticket = api.agent.create()
    api.agent.move(ticket["id"], "assessed", if_match=1)
    before = ticket_row(db, ticket["id"])
    with db.unchanged():
        r = api.agent.move(ticket["id"], "investigating", expect=412, if_match=1, **ALL_FIELDS)
        assert_problem(r, 412)
    assert ticket_row(db, ticket["id"]) == before
    assert api.agent.move(ticket["id"], "investigating", if_match=2, **ALL_FIELDS)["version"] == 3


# --- roles ------------------------------------------------------------------------------------


def test_agent_may_not_approve_a_remedy(api, db):
    # TKT-3: a supervisor approves the remedy.
    ticket = api.agent.create()
    advance(api, ticket["id"], "remedy_proposed")
    before = ticket_row(db, ticket["id"])
    with db.unchanged():
        for who in ("agent", "agent2", "shift_lead"):
            assert_problem(getattr(api, who).move(ticket["id"], "remedy_approved", expect=403), 403)
    assert ticket_row(db, ticket["id"]) == before


def test_supervisor_may_not_approve_the_remedy_they_proposed(api, db):
    # TKT-3: approver != proposer.
    ticket = api.agent.create()
    advance(api, ticket["id"], "investigating")
    api.supervisor.move(ticket["id"], "remedy_proposed", remedy="Voucher of 50 CNY",
                        responsible_party="Shop floor", sanction="None: a system fault")
    before = ticket_row(db, ticket["id"])
    with db.unchanged():
        r = api.supervisor.move(ticket["id"], "remedy_approved", expect=403)
        assert_problem(r, 403, slug="approver-is-proposer")
    assert ticket_row(db, ticket["id"]) == before
    approved = api.supervisor2.move(ticket["id"], "remedy_approved")
    assert (approved["remedy_proposed_by"], approved["remedy_approved_by"]) == ("S2001", "S2002")


def test_agent_may_not_review(api, db):
    # TKT-3: closing with the summary evaluation is for the shift lead and above.
    ticket = api.agent.create()
    advance(api, ticket["id"], "resolved")
    with db.unchanged():
        r = api.agent.move(ticket["id"], "reviewed", expect=403, review_summary="fine")
        assert_problem(r, 403)


def test_auditor_admin_and_integration_may_not_move_tickets(api, db):
    ticket = api.agent.create()
    before = ticket_row(db, ticket["id"])
    with db.unchanged():
        for who in ("auditor", "admin", "integration"):
            assert_problem(getattr(api, who).move(ticket["id"], "assessed", expect=403), 403)
    assert ticket_row(db, ticket["id"]) == before


def test_auditor_and_admin_may_not_create_tickets(api, db):
    with db.unchanged():
        for who in ("auditor", "admin"):
            r = getattr(api, who).post("/v1/tickets", json=complaint())
            assert_problem(r, 403)


# --- lists ------------------------------------------------------------------------------------


def walk(client, query, limit):
    """Every page of a list; returns (ids in order, number of pages)."""
    ids, after, pages = [], None, 0
    while True:
        params = dict(query, limit=limit)
        if after is not None:
            params["after"] = after
        r = client.get("/v1/tickets", params=params)
        assert r.status_code == 200, describe(r)
        page = r.json()
        assert set(page) >= {"items", "next"}, page
        assert len(page["items"]) <= limit
        pages += 1
        ids += [t["id"] for t in page["items"]]
        if page["next"] is None:
            return ids, pages
        assert isinstance(page["next"], str) and page["next"], page
        assert page["items"], "an empty page with a next cursor"
        after = page["next"]
        assert pages < 10000


def test_pagination_over_250_tickets(api, db):
    # DESIGN §4: cursor pagination, stable order.
    customer = "PAGE-" + uuid.uuid4().hex[:12]
    created = [api.agent.create(body=complaint(customer_id=customer, subject="page %d" % i))["id"]
               for i in range(250)]

    ids, pages = walk(api.agent, {"customer_id": customer}, 7)
    assert ids == sorted(created)           # each exactly once, ascending, none missing
    assert pages == 36                      # 35 full pages of 7, then 5, and next is null

    ids, pages = walk(api.agent, {"customer_id": customer}, 50)
    assert ids == sorted(created) and pages == 5    # no empty page after an exact multiple

    # Without a filter: the whole table, every id once, ascending, no gap.
    everything, _ = walk(api.agent, {}, 7)
    assert everything == sorted(set(everything))
    in_db = [int(r[0]) for r in db.rows("SELECT id FROM tickets.tickets ORDER BY id")]
    assert everything == in_db


def test_list_default_limit_and_filters(api):
    customer = "FILTER-" + uuid.uuid4().hex[:12]
    person = "Zhao Liu " + uuid.uuid4().hex[:6]
    c1 = api.agent.create(body=complaint(customer_id=customer))
    c2 = api.agent.create(body=complaint(customer_id=customer))
    q = api.agent.create(body=inquiry(customer_id=customer))
    api.agent.move(c2["id"], "assessed")
    api.agent.move(c2["id"], "investigating", responsible_department="Billing", responsible_person=person)

    def ids(**query):
        r = api.agent.get("/v1/tickets", params=dict(customer_id=customer, **query))
        assert r.status_code == 200, describe(r)
        for item in r.json()["items"]:
            assert_ticket_shape(item)
        return [t["id"] for t in r.json()["items"]]

    assert ids() == [c1["id"], c2["id"], q["id"]]
    assert ids(kind="complaint") == [c1["id"], c2["id"]]
    assert ids(kind="inquiry") == [q["id"]]
    assert ids(status="received") == [c1["id"], q["id"]]
    assert ids(status="investigating") == [c2["id"]]
    assert ids(responsible_person=person) == [c2["id"]]
    assert ids(assignee="A1001") == [c1["id"], c2["id"], q["id"]]   # who handles it: the creator
    assert ids(status="reviewed") == []

    r = api.agent.get("/v1/tickets")
    assert r.status_code == 200 and len(r.json()["items"]) <= 50


@pytest.mark.parametrize("query", [
    "limit=0", "limit=201", "limit=-1", "limit=abc", "limit=1.5", "after=abc", "after=-1",
    "after=99999999999999999999999999",
])
def test_bad_limit_or_after_is_400(api, db, query):
    with db.unchanged():
        assert_problem(api.agent.get("/v1/tickets?" + query), 400)


def test_list_limit_bounds_are_accepted(api):
    for limit in (1, 200):
        r = api.agent.get("/v1/tickets", params={"limit": limit})
        assert r.status_code == 200, describe(r)
        assert len(r.json()["items"]) <= limit


def test_driven_clock_reaches_the_service(api, clock):
    """KEFU_CLOCK_FILE moves the services' clock: a received_at three days ahead of
    the real time is in the future until the clock is moved past it."""
    ahead = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=3)
    body = {"kind": "inquiry", "channel": "phone", "priority": "normal", "category": "billing",
            "subject": "clock", "description": "driven clock", "customer_id": "C-CLOCK",
            "received_at": ahead.strftime("%Y-%m-%dT%H:%M:%SZ")}
    refused = api.agent.post("/v1/tickets", json=body)
    assert refused.status_code == 422, refused.text
    clock.set(int((ahead + datetime.timedelta(days=1)).timestamp() * 1000))
    accepted = api.agent.post("/v1/tickets", json=body)
    assert accepted.status_code == 201, accepted.text


def test_a_clock_driven_into_the_past_leaves_request_deadlines_alone(api, clock):
    """Deadlines between processes are real time (kefu_time_real_ms): with the
    driven clock a year behind, a request is still served, not a 504."""
    clock.set_rfc3339("2025-11-25T09:00:00+08:00")
    r = api.agent.post("/v1/tickets", json=complaint(received_at=None))
    assert r.status_code == 201, describe(r)
    assert r.json()["created_at"].startswith("2025-11-25T01:0"), describe(r)
