"""The complete complaint loop over HTTP, black box: reopen, merge, hand-offs and the
first-contact owner's notifications (TKT-5), watchers, comments and attachment
metadata, departments, routing rules and dispatch (TKT-6), accountability (TKT-8),
and If-Match on every route that changes something. Every refusal is checked
against the tables: nothing written."""

import hashlib
import uuid

import pytest

from kefu_e2e import (assert_problem, complaint, describe, envelope_pb2, etag_version, inquiry, tickets_pb2,
                      work_order)
from test_http_tickets import ALL_FIELDS, advance, ticket_row

SHA = hashlib.sha256(b"photo of the broken meter").hexdigest()


# --- helpers ----------------------------------------------------------------------------------


def ok(response, status=200):
    assert response.status_code == status, describe(response)
    return response.json() if status != 204 else None


def department(api, name=None, who="supervisor"):
    r = getattr(api, who).post("/v1/departments", json={"name": name or "Dept " + uuid.uuid4().hex[:8]})
    return ok(r, 201)


def rule(api, category, department_id):
    return ok(api.supervisor.post("/v1/routing-rules", json={"category": category, "department_id": department_id}),
              201)


def comment(client, ticket_id, body="Called the customer back", visibility="internal", **kw):
    return client.post("/v1/tickets/%d/comments" % ticket_id, json={"body": body, "visibility": visibility}, **kw)


def attachment(**overrides):
    body = {"file_name": "meter.jpg", "media_type": "image/jpeg", "size_bytes": 48213, "sha256": SHA,
            "storage_uri": "s3://crm-attachments/tickets/meter.jpg"}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def if_match(version):
    return {"If-Match": '"%d"' % version}


def owner_notices(db, owner, ticket_id):
    """The ticket.owner_notified payloads for `ticket_id` in the outbox, in order."""
    notices = []
    for kind, payload, _txid in db.outbox("staff/" + owner):
        assert kind == "ticket.owner_notified", kind
        notice = tickets_pb2.TicketOwnerNotified.FromString(payload)
        if notice.ticket_id == ticket_id:
            notices.append(notice)
    return notices


# --- reopen (TKT-3, TKT-4) ------------------------------------------------------------------------


@pytest.mark.parametrize("kind,closed,back", [
    ("complaint", "resolved", "investigating"),
    ("complaint", "reviewed", "investigating"),
    ("inquiry", "resolved", "in_progress"),
    ("inquiry", "reviewed", "in_progress"),
])
def test_reopen_needs_a_reason_and_keeps_history(api, db, kind, closed, back):
    if kind == "complaint":
        tid = api.agent.create()["id"]
        advance(api, tid, closed)
    else:
        tid = api.agent.create(body=inquiry())["id"]
        for to in ("in_progress", "resolved"):
            api.agent.move(tid, to)
        if closed == "reviewed":
            api.shift_lead.move(tid, "reviewed", review_summary="answered")
    history = api.agent.history(tid)
    before = ticket_row(db, tid)
    with db.unchanged():
        r = api.supervisor.post("/v1/tickets/%d/transitions" % tid, json={"to": back})
        assert_problem(r, 422, field="reason")
        assert_problem(api.agent.move(tid, back, expect=403, reason="customer unhappy"), 403)
    assert ticket_row(db, tid) == before
    reopened = api.supervisor.move(tid, back, reason="callback: customer unsatisfied")
    assert reopened["status"] == back
    assert reopened["review_summary"] == "" and reopened["customer_confirmation"] == ""
    after = api.agent.history(tid)
    assert after[:len(history)] == history
    assert (after[-1]["from_status"], after[-1]["to_status"], after[-1]["reason"]) == \
        (closed, back, "callback: customer unsatisfied")


def test_complaint_accepted_records_confirmation_and_how(api):
    tid = api.agent.create()["id"]
    advance(api, tid, "implementing")
    r = api.agent.move(tid, "customer_accepted", expect=422, customer_confirmation="Yes", confirmation_method="pigeon")
    assert_problem(r, 422, field="confirmation_method")
    t = api.agent.move(tid, "customer_accepted", customer_confirmation="Accepted the refund", confirmation_method="sms")
    assert (t["customer_confirmation"], t["confirmation_method"]) == ("Accepted the refund", "sms")


# --- accountability (TKT-8) -------------------------------------------------------------------------


def test_accountability_is_recorded_and_queryable(api):
    party = "Courier " + uuid.uuid4().hex[:8]
    tid = api.agent.create()["id"]
    advance(api, tid, "investigating")
    r = api.agent.move(tid, "remedy_proposed", expect=422, remedy="Refund", sanction="Fine")
    assert_problem(r, 422, field="responsible_party")
    t = api.agent.move(tid, "remedy_proposed", remedy="Refund", responsible_party=party, sanction="Fine of 200 CNY")
    assert (t["responsible_party"], t["sanction"]) == (party, "Fine of 200 CNY")
    page = ok(api.auditor.get("/v1/accountability", params={"responsible_party": party}))
    assert [i["id"] for i in page["items"]] == [tid] and page["next"] is None
    assert page["items"][0]["sanction"] == "Fine of 200 CNY"
    by_department = ok(api.auditor.get("/v1/accountability",
                                       params={"responsible_department": "Billing", "limit": 1}))
    assert len(by_department["items"]) == 1 and by_department["items"][0]["responsible_department"] == "Billing"
    assert_problem(api.auditor.get("/v1/accountability", params={"limit": 0}), 400, field="limit")


# --- merge ------------------------------------------------------------------------------------------


def test_merge_carries_history_comments_watchers_and_attachments_over(api, db):
    customer = "C-" + uuid.uuid4().hex[:8]
    primary = api.agent.create(body=complaint(customer_id=customer))["id"]
    duplicate = api.agent2.create(body=complaint(customer_id=customer))["id"]
    api.agent2.move(duplicate, "assessed")
    ok(comment(api.agent2, duplicate, "Same customer called twice"), 201)
    ok(api.agent2.post("/v1/tickets/%d/watchers" % duplicate, json={"staff_id": "S2001"}))
    ok(api.agent2.post("/v1/tickets/%d/attachments" % duplicate, json=attachment()), 201)
    ok(api.agent.post("/v1/tickets/%d/watchers" % primary, json={"staff_id": "S2001"}))
    duplicate_history = api.agent.history(duplicate)
    primary_history = api.agent.history(primary)
    version = api.agent.ticket(duplicate)["version"]

    r = api.agent.post("/v1/tickets/%d/merge" % duplicate, json={"into": primary, "reason": "same matter"},
                       headers=if_match(version))
    merged = ok(r)
    assert etag_version(r) == merged["version"] == version + 1
    assert (merged["status"], merged["merged_into"]) == ("merged", primary)
    # The duplicate's own history stays readable, with the merge at its end.
    after = api.agent.history(duplicate)
    assert after[:-1] == duplicate_history
    assert (after[-1]["from_status"], after[-1]["to_status"]) == ("assessed", "merged")
    # The primary holds copies, marked with where they came from.
    history = api.agent.history(primary)
    assert history[:len(primary_history)] == primary_history
    copied = [h for h in history if h["merged_from_ticket_id"] == duplicate]
    assert [(h["from_status"], h["to_status"]) for h in copied] == \
        [(h["from_status"], h["to_status"]) for h in duplicate_history]
    assert "merged into this one" in history[-1]["reason"]
    comments = ok(api.agent.get("/v1/tickets/%d/comments" % primary))["items"]
    assert [(c["body"], c["merged_from_ticket_id"]) for c in comments] == [("Same customer called twice", duplicate)]
    watchers = ok(api.agent.get("/v1/tickets/%d/watchers" % primary))["items"]
    assert [w["staff_id"] for w in watchers] == ["S2001"]
    attachments = ok(api.agent.get("/v1/tickets/%d/attachments" % primary))["items"]
    assert [(a["sha256"], a["merged_from_ticket_id"]) for a in attachments] == [(SHA, duplicate)]
    assert len(ok(api.agent.get("/v1/tickets/%d/comments" % duplicate))["items"]) == 1
    types = db.outbox_types("ticket/%d" % primary)
    assert "ticket.merge_received" in types
    assert "ticket.transitioned" in db.outbox_types("ticket/%d" % duplicate)

    # A merged ticket takes no more changes: they belong to the primary.
    with db.unchanged():
        assert_problem(comment(api.agent, duplicate), 409, slug="ticket-merged")
        assert_problem(api.supervisor.move(duplicate, "investigating", expect=409, **ALL_FIELDS), 409)


def test_merge_refusals_change_nothing(api, db):
    customer = "C-" + uuid.uuid4().hex[:8]
    a = api.agent.create(body=complaint(customer_id=customer))["id"]
    b = api.agent.create(body=complaint(customer_id=customer))["id"]
    c = api.agent.create(body=complaint(customer_id=customer))["id"]
    other_customer = api.agent.create(body=complaint(customer_id="C-other-" + uuid.uuid4().hex[:6]))["id"]
    other_kind = api.agent.create(body=inquiry(customer_id=customer))["id"]
    ok(api.agent.post("/v1/tickets/%d/merge" % c, json={"into": a, "reason": "duplicate"}))

    def merge(duplicate, into, reason="duplicate"):
        return api.agent.post("/v1/tickets/%d/merge" % duplicate, json={"into": into, "reason": reason})

    with db.unchanged():
        assert_problem(merge(a, a), 422, field="into", slug="merge-into-itself")
        assert_problem(merge(b, c), 409, field="into", slug="merge-into-merged")
        assert_problem(merge(c, b), 409, slug="ticket-merged")
        assert_problem(merge(b, other_customer), 422, field="into", slug="merge-customer-mismatch")
        assert_problem(merge(b, other_kind), 422, field="into", slug="merge-kind-mismatch")
        assert_problem(merge(b, 999999999), 422, field="into", slug="unknown-ticket")
        assert_problem(merge(b, a, reason=" "), 422, field="reason")
        assert_problem(api.agent.post("/v1/tickets/%d/merge" % b, json={"reason": "x"}), 422, field="into")
        assert_problem(api.auditor.post("/v1/tickets/%d/merge" % b, json={"into": a, "reason": "x"}), 403)


# --- ownership (TKT-5) --------------------------------------------------------------------------------


def test_handoffs_keep_the_owner_and_are_listed(api, db):
    t = api.agent.create()
    tid = t["id"]
    assert (t["owner_staff_id"], t["assignee_staff_id"]) == ("A1001", "A1001")
    first = ok(api.agent.post("/v1/tickets/%d/handoffs" % tid, json={"to_staff_id": "A1002", "reason": "end of shift"},
                              headers=if_match(1)))
    assert (first["owner_staff_id"], first["assignee_staff_id"], first["version"]) == ("A1001", "A1002", 2)
    second = ok(api.shift_lead.post("/v1/tickets/%d/handoffs" % tid,
                                    json={"to_staff_id": "S2001", "reason": "needs a supervisor"}))
    assert (second["owner_staff_id"], second["assignee_staff_id"]) == ("A1001", "S2001")
    r = api.auditor.get("/v1/tickets/%d/handoffs" % tid)
    listed = ok(r)
    assert etag_version(r) == listed["ticket_version"] == 3
    assert [(h["from_staff_id"], h["to_staff_id"], h["by_staff_id"], h["reason"]) for h in listed["items"]] == [
        ("A1001", "A1002", "A1001", "end of shift"), ("A1002", "S2001", "L3001", "needs a supervisor")]
    assert all(h["at"].endswith("Z") for h in listed["items"])
    with db.unchanged():
        assert_problem(api.agent.post("/v1/tickets/%d/handoffs" % tid, json={"to_staff_id": "A1003"}), 422,
                       field="reason")
        assert_problem(api.agent.post("/v1/tickets/%d/handoffs" % tid, json={"to_staff_id": "S2001", "reason": "x"}),
                       422, field="to_staff_id", slug="same-assignee")
        assert_problem(api.integration.post("/v1/tickets/%d/handoffs" % tid,
                                            json={"to_staff_id": "A1003", "reason": "x"}), 403)
    rejected = api.agent.create()["id"]
    api.agent.move(rejected, "rejected", rejection_explanation="not ours")
    with db.unchanged():
        assert_problem(api.agent.post("/v1/tickets/%d/handoffs" % rejected,
                                      json={"to_staff_id": "A1002", "reason": "x"}), 409, slug="ticket-closed")


def test_owner_is_notified_of_every_change(api, db):
    # TKT-5: the first contact is notified of every change, even after hand-off.
    tid = api.agent2.create()["id"]
    changes = ["ticket.created"]

    def did(change, response, status=200):
        ok(response, status)
        changes.append(change)

    did("ticket.transitioned", api.agent.post("/v1/tickets/%d/transitions" % tid, json={"to": "assessed", "reason": "ok"}))
    did("ticket.handed_off", api.agent2.post("/v1/tickets/%d/handoffs" % tid, json={"to_staff_id": "A1001",
                                                                                       "reason": "leave"}))
    did("ticket.watcher_added", api.agent.post("/v1/tickets/%d/watchers" % tid, json={"staff_id": "M4001"}))
    did("ticket.watcher_removed", api.agent.request("DELETE", "/v1/tickets/%d/watchers/M4001" % tid))
    did("ticket.commented", comment(api.agent, tid, visibility="public"), 201)
    did("ticket.attachment_added", api.agent.post("/v1/tickets/%d/attachments" % tid, json=attachment()), 201)
    did("ticket.transitioned", api.agent.post("/v1/tickets/%d/transitions" % tid,
                                              json={"to": "investigating", "reason": "r", **ALL_FIELDS}))
    notices = owner_notices(db, "A1002", tid)
    assert [n.change for n in notices] == changes
    assert all(n.owner_staff_id == "A1002" for n in notices)
    assert [n.version for n in notices] == list(range(1, len(changes) + 1))
    assert notices[2].actor_staff_id == "A1002" and notices[3].actor_staff_id == "A1001"
    assert owner_notices(db, "A1001", tid) == []

    # A work order routed on creation notifies its owner of both.
    category = "routed-" + uuid.uuid4().hex[:8]
    rule(api, category, department(api)["id"])
    wid = api.agent2.create(body=work_order(category=category))["id"]
    assert [n.change for n in owner_notices(db, "A1002", wid)] == \
        ["ticket.created", "ticket.transitioned", "ticket.dispatched"]


def test_owner_notifications_are_filtered_by_subject_on_sse(api, gateway, api_keys):
    from test_events import open_stream
    import json
    mine = open_stream(gateway, api_keys, types="ticket.owner_notified", subject="staff/A1002").wait_started()
    others = open_stream(gateway, api_keys, types="ticket.owner_notified", subject="staff/A1001").wait_started()
    try:
        tid = api.agent2.create()["id"]
        api.agent.move(tid, "assessed")
        ok(comment(api.agent, tid), 201)
        sentinel = api.agent.create()["id"]
        events = [json.loads(m["data"]) for m in mine.events(3)]
        assert [e["subject"] for e in events] == ["staff/A1002"] * 3
        assert [e["data"]["change"] for e in events] == ["ticket.created", "ticket.transitioned", "ticket.commented"]
        assert all(e["data"]["ticket_id"] == tid for e in events)
        first_other = json.loads(others.events(1)[0]["data"])
        assert (first_other["subject"], first_other["data"]["ticket_id"]) == ("staff/A1001", sentinel)
    finally:
        mine.close()
        others.close()
    r = api.supervisor.get("/v1/events", params={"subject": "x" * 201})
    assert_problem(r, 400, field="subject")


# --- watchers -------------------------------------------------------------------------------------------


def test_watchers_added_listed_and_removed(api, db):
    tid = api.agent.create()["id"]
    r = api.agent.post("/v1/tickets/%d/watchers" % tid, json={"staff_id": "S2001"}, headers=if_match(1))
    watchers = ok(r)
    assert etag_version(r) == watchers["ticket_version"] == 2
    assert [(w["staff_id"], w["added_by"]) for w in watchers["items"]] == [("S2001", "A1001")]
    ok(api.agent.post("/v1/tickets/%d/watchers" % tid, json={"staff_id": "M4001"}))
    listed = ok(api.auditor.get("/v1/tickets/%d/watchers" % tid))
    assert sorted(w["staff_id"] for w in listed["items"]) == ["M4001", "S2001"]
    with db.unchanged():
        assert_problem(api.agent.post("/v1/tickets/%d/watchers" % tid, json={"staff_id": "S2001"}), 409,
                       slug="already-watching")
        assert_problem(api.agent.request("DELETE", "/v1/tickets/%d/watchers/X9999" % tid), 404)
        assert_problem(api.agent.post("/v1/tickets/%d/watchers" % tid, json={"staff_id": ""}), 422, field="staff_id")
        assert_problem(api.agent.post("/v1/tickets/%d/watchers" % tid, json={"staff_id": "x" * 65}), 422,
                       field="staff_id")
        assert_problem(api.agent.post("/v1/tickets/999999999/watchers", json={"staff_id": "S1"}), 404)
    remaining = ok(api.agent.request("DELETE", "/v1/tickets/%d/watchers/S2001" % tid))
    assert [w["staff_id"] for w in remaining["items"]] == ["M4001"]


# --- comments and attachments -----------------------------------------------------------------------------


def test_comment_visibility(api, db):
    tid = api.agent.create()["id"]
    r = comment(api.agent, tid, "Customer is a journalist; handle with care", "internal", headers=if_match(1))
    internal = ok(r, 201)
    assert etag_version(r) == internal["ticket_version"] == 2
    assert (internal["visibility"], internal["author_staff_id"]) == ("internal", "A1001")
    ok(comment(api.agent, tid, "We are sorry; the refund is on its way", "public"), 201)
    staff = ok(api.agent.get("/v1/tickets/%d/comments" % tid))["items"]
    assert [c["visibility"] for c in staff] == ["internal", "public"]
    assert [c["visibility"] for c in ok(api.auditor.get("/v1/tickets/%d/comments" % tid))["items"]] == \
        ["internal", "public"]
    crm = ok(api.integration.get("/v1/tickets/%d/comments" % tid))["items"]
    assert [c["body"] for c in crm] == ["We are sorry; the refund is on its way"]
    assert_problem(api.integration.get("/v1/tickets/%d/comments?visibility=internal" % tid), 403)
    assert [c["visibility"] for c in ok(api.agent.get("/v1/tickets/%d/comments?visibility=public" % tid))["items"]] \
        == ["public"]
    # The event says a comment was written, never what an internal one says.
    payloads = [tickets_pb2.TicketChanged.FromString(p) for t, p, _x in db.outbox("ticket/%d" % tid)
                if t == "ticket.commented"]
    assert len(payloads) == 2 and all(p.comment.body == "" for p in payloads)
    with db.unchanged():
        assert_problem(comment(api.agent, tid, "x", "secret"), 422, field="visibility")
        assert_problem(comment(api.agent, tid, "   "), 422, field="body")
        assert_problem(comment(api.agent, tid, "x" * 10001), 422, field="body")
        assert_problem(comment(api.integration, tid), 403)
        assert_problem(api.agent.post("/v1/tickets/%d/comments" % tid, data=b"{", headers={
            "Content-Type": "application/json"}), 400)
        assert_problem(api.agent.post("/v1/tickets/%d/comments" % tid, json={"body": 5, "visibility": "public"}), 400)


@pytest.mark.parametrize("field,value", [
    ("sha256", SHA.upper()),
    ("sha256", SHA[:63]),
    ("sha256", SHA + "0"),
    ("size_bytes", 0),
    ("size_bytes", -1),
    ("size_bytes", 100 * 1024 * 1024 + 1),
    ("storage_uri", "file:///etc/passwd"),
    ("storage_uri", "http://example.com/a.jpg"),
    ("storage_uri", "https://"),
    ("storage_uri", "https://bucket/a b.jpg"),
    ("storage_uri", "https://x/" + "a" * 2048),
    ("media_type", "jpeg"),
    ("media_type", "image/jpeg; q=1"),
    ("file_name", "../../etc/passwd"),
    ("file_name", "a" * 256),
    ("file_name", ""),
    ("file_name", None),
])
def test_bad_attachment_metadata_is_refused(api, db, field, value):
    tid = api.agent.create()["id"]
    with db.unchanged():
        r = api.agent.post("/v1/tickets/%d/attachments" % tid, json=attachment(**{field: value}))
        assert_problem(r, 422, field=field)


def test_attachment_metadata_recorded(api):
    tid = api.agent.create()["id"]
    r = api.agent.post("/v1/tickets/%d/attachments" % tid, json=attachment(storage_uri="https://files.crm.example/x/1"))
    written = ok(r, 201)
    assert etag_version(r) == written["ticket_version"] == 2
    assert (written["file_name"], written["media_type"], written["size_bytes"], written["sha256"]) == \
        ("meter.jpg", "image/jpeg", 48213, SHA)
    listed = ok(api.integration.get("/v1/tickets/%d/attachments" % tid))
    assert [a["storage_uri"] for a in listed["items"]] == ["https://files.crm.example/x/1"]


# --- departments, routing rules, dispatch (TKT-6) ------------------------------------------------------------


def test_departments_crud(api, db):
    name = "Logistics " + uuid.uuid4().hex[:8]
    r = api.manager.post("/v1/departments", json={"name": name})
    created = ok(r, 201)
    assert r.headers["Location"] == "/v1/departments/%d" % created["id"]
    assert etag_version(r) == created["version"] == 1 and created["active"] is True
    did = created["id"]
    r = api.agent.get("/v1/departments/%d" % did)
    assert ok(r)["name"] == name and etag_version(r) == 1
    assert did in [d["id"] for d in ok(api.auditor.get("/v1/departments", params={"limit": 200}))["items"]]
    with db.unchanged():
        assert_problem(api.admin.post("/v1/departments", json={"name": name}), 409, field="name")
        assert_problem(api.agent.post("/v1/departments", json={"name": "x"}), 403)
        assert_problem(api.manager.post("/v1/departments", json={"name": ""}), 422, field="name")
        assert_problem(api.manager.post("/v1/departments", json={"name": "x" * 101}), 422, field="name")
        assert_problem(api.manager.request("PUT", "/v1/departments/%d" % did, json={"name": name + " 2"},
                                           headers=if_match(7)), 412)
        assert_problem(api.manager.get("/v1/departments/999999999"), 404)
    updated = ok(api.manager.request("PUT", "/v1/departments/%d" % did,
                                     json={"name": name + " 2", "active": False}, headers=if_match(1)))
    assert (updated["name"], updated["active"], updated["version"]) == (name + " 2", False, 2)
    assert "department.updated" in db.outbox_types("department/%d" % did)
    with db.unchanged():
        assert_problem(api.manager.request("DELETE", "/v1/departments/%d" % did, headers=if_match(1)), 412)
    assert api.manager.request("DELETE", "/v1/departments/%d" % did, headers=if_match(2)).status_code == 204
    assert_problem(api.manager.get("/v1/departments/%d" % did), 404)


def test_routing_rules_crud_and_a_department_in_use(api, db):
    d1, d2 = department(api)["id"], department(api)["id"]
    category = "cat-" + uuid.uuid4().hex[:8]
    r = api.supervisor.post("/v1/routing-rules", json={"category": category, "department_id": d1})
    created = ok(r, 201)
    assert r.headers["Location"] == "/v1/routing-rules/%d" % created["id"]
    with db.unchanged():
        assert_problem(api.supervisor.post("/v1/routing-rules", json={"category": category, "department_id": d2}),
                       409, field="category")
        assert_problem(api.supervisor.post("/v1/routing-rules", json={"category": "c" + category,
                                                                      "department_id": 999999999}),
                       422, field="department_id")
        assert_problem(api.supervisor.post("/v1/routing-rules", json={"category": "", "department_id": d1}), 422,
                       field="category")
        assert_problem(api.agent.post("/v1/routing-rules", json={"category": "y", "department_id": d1}), 403)
        # A department a rule names cannot go.
        assert_problem(api.manager.request("DELETE", "/v1/departments/%d" % d1), 409)
    moved = ok(api.supervisor.request("PUT", "/v1/routing-rules/%d" % created["id"],
                                      json={"category": category, "department_id": d2}, headers=if_match(1)))
    assert (moved["department_id"], moved["version"]) == (d2, 2)
    assert created["id"] in [x["id"] for x in ok(api.auditor.get("/v1/routing-rules", params={"limit": 200}))["items"]]
    assert api.supervisor.request("DELETE", "/v1/routing-rules/%d" % created["id"]).status_code == 204
    assert api.manager.request("DELETE", "/v1/departments/%d" % d1).status_code == 204


def test_work_order_routed_on_create_and_redispatched(api, db):
    d1, d2 = department(api), department(api)
    category = "repair-" + uuid.uuid4().hex[:8]
    routing = rule(api, category, d1["id"])
    r = api.agent.post("/v1/tickets", json=work_order(category=category))
    w = ok(r, 201)
    assert (w["status"], w["department_id"], w["version"]) == ("dispatched", d1["id"], 2)
    assert etag_version(r) == 2
    dispatches = ok(api.agent.get("/v1/tickets/%d/dispatches" % w["id"]))["items"]
    assert [(d["from_department_id"], d["to_department_id"], d["routing_rule_id"], d["by_staff_id"])
            for d in dispatches] == [(0, d1["id"], routing["id"], "A1001")]
    types = db.outbox_types("ticket/%d" % w["id"])
    assert types[:3] == ["ticket.created", "ticket.transitioned", "ticket.dispatched"]

    with db.unchanged():
        assert_problem(api.agent.post("/v1/tickets/%d/dispatch" % w["id"], json={"department_id": d2["id"]}), 422,
                       field="reason")
        assert_problem(api.agent.post("/v1/tickets/%d/dispatch" % w["id"],
                                      json={"department_id": d1["id"], "reason": "x"}), 422, field="department_id")
        assert_problem(api.agent.post("/v1/tickets/%d/dispatch" % w["id"],
                                      json={"department_id": 999999999, "reason": "x"}), 422, field="department_id")
    r = api.shift_lead.post("/v1/tickets/%d/dispatch" % w["id"], json={"department_id": d2["id"],
                                                                        "reason": "wrong site"}, headers=if_match(2))
    moved = ok(r)
    assert (moved["status"], moved["department_id"], moved["version"]) == ("dispatched", d2["id"], 3)
    last = ok(api.auditor.get("/v1/tickets/%d/dispatches" % w["id"]))["items"][-1]
    assert (last["from_department_id"], last["to_department_id"], last["by_staff_id"], last["reason"],
            last["routing_rule_id"]) == (d1["id"], d2["id"], "L3001", "wrong site", 0)
    assert "ticket.redispatched" in db.outbox_types("ticket/%d" % w["id"])

    # An inactive department receives nothing; an unrouted category waits for a hand.
    ok(api.manager.request("PUT", "/v1/departments/%d" % d1["id"], json={"name": d1["name"], "active": False}))
    with db.unchanged():
        assert_problem(api.agent.post("/v1/tickets/%d/dispatch" % w["id"],
                                      json={"department_id": d1["id"], "reason": "x"}), 422,
                       slug="inactive-department")
    unrouted = api.agent.create(body=work_order(category=category))
    assert (unrouted["status"], unrouted["department_id"]) == ("received", 0)
    by_hand = ok(api.agent.post("/v1/tickets/%d/dispatch" % unrouted["id"],
                                json={"department_id": d2["id"], "reason": "by hand"}))
    assert (by_hand["status"], by_hand["department_id"]) == ("dispatched", d2["id"])
    q = api.agent.create(body=inquiry())
    with db.unchanged():
        assert_problem(api.agent.post("/v1/tickets/%d/dispatch" % q["id"],
                                      json={"department_id": d2["id"], "reason": "x"}), 422, slug="not-a-work-order")


# --- If-Match on every update route ----------------------------------------------------------------------------


def _update_routes(api):
    """(method, path, body) of every route that changes a ticket, department or rule,
    each on a fresh object at version 1."""
    d = department(api)
    category = "c-" + uuid.uuid4().hex[:8]
    rr = rule(api, category, d["id"])
    customer = "C-" + uuid.uuid4().hex[:8]
    t = lambda body=None: api.agent.create(body=body or complaint(customer_id=customer))["id"]  # noqa: E731
    watched = t()
    ok(api.agent.post("/v1/tickets/%d/watchers" % watched, json={"staff_id": "S2001"}))
    wo = api.agent.create(body=work_order(category="unrouted-" + uuid.uuid4().hex[:8]))["id"]
    return [
        ("POST", "/v1/tickets/%d/transitions" % t(), {"to": "assessed", "reason": "x"}, 1),
        ("POST", "/v1/tickets/%d/merge" % t(), {"into": t(), "reason": "x"}, 1),
        ("POST", "/v1/tickets/%d/dispatch" % wo, {"department_id": d["id"], "reason": "x"}, 1),
        ("POST", "/v1/tickets/%d/handoffs" % t(), {"to_staff_id": "A1002", "reason": "x"}, 1),
        ("POST", "/v1/tickets/%d/watchers" % t(), {"staff_id": "S2001"}, 1),
        ("DELETE", "/v1/tickets/%d/watchers/S2001" % watched, None, 2),
        ("POST", "/v1/tickets/%d/comments" % t(), {"body": "x", "visibility": "public"}, 1),
        ("POST", "/v1/tickets/%d/attachments" % t(), attachment(), 1),
        ("PUT", "/v1/departments/%d" % department(api)["id"], {"name": "n-" + uuid.uuid4().hex[:8], "active": True}, 1),
        ("DELETE", "/v1/departments/%d" % department(api)["id"], None, 1),
        ("PUT", "/v1/routing-rules/%d" % rr["id"], {"category": category, "department_id": d["id"]}, 1),
        ("DELETE", "/v1/routing-rules/%d" % rule(api, "c-" + uuid.uuid4().hex[:8], d["id"])["id"], None, 1),
    ]


def test_stale_if_match_is_412_on_every_update_route(api, db):
    routes = _update_routes(api)
    for method, path, body, version in routes:
        with db.unchanged():
            r = api.supervisor.request(method, path, json=body, headers=if_match(version + 1))
            assert_problem(r, 412, field="If-Match")
        r = api.supervisor.request(method, path, json=body, headers=if_match(version))
        assert r.status_code in (200, 201, 204), describe(r)
        if r.status_code != 204:
            assert etag_version(r) == version + 1, describe(r)


def test_malformed_input_on_every_new_route_is_400(api, db):
    tid = api.agent.create()["id"]
    posts = ["/v1/tickets/%d/%s" % (tid, p) for p in ("merge", "dispatch", "handoffs", "watchers", "comments",
                                                      "attachments")]
    posts += ["/v1/departments", "/v1/routing-rules"]
    d = department(api)["id"]
    puts = ["/v1/departments/%d" % d, "/v1/routing-rules/%d" % rule(api, "m-" + uuid.uuid4().hex[:8], d)["id"]]
    with db.unchanged():
        for method, path in [("POST", p) for p in posts] + [("PUT", p) for p in puts]:
            for data in (b"{", b"[]", b"", b'{"unknown_field": 1}', b'{"name": 7}', b'\xff\xfe'):
                r = api.supervisor.request(method, path, data=data, headers={"Content-Type": "application/json"})
                assert_problem(r, 400)
            r = api.supervisor.request(method, path, data=b"x" * (2 * 1024 * 1024),
                                       headers={"Content-Type": "application/json"})
            assert r.status_code in (400, 413), describe(r)
            r = api.supervisor.request(method, path, data=b"{}", headers={"Content-Type": "text/plain"})
            assert_problem(r, 415)
        assert_problem(api.supervisor.get("/v1/tickets/%d/comments?visibility=secret" % tid), 422, field="visibility")
        assert_problem(api.supervisor.get("/v1/accountability", params={"responsible_party": "x" * 201}), 422,
                       field="responsible_party")
        for path in ("/v1/tickets/0/comments", "/v1/tickets/abc/watchers", "/v1/departments/-1"):
            assert api.supervisor.get(path).status_code == 404
        assert_problem(api.supervisor.request("PUT", "/v1/departments/1", json={"name": "x"},
                                              headers={"If-Match": "nope"}), 400, field="If-Match")
        assert_problem(api.supervisor.get("/v1/departments", params={"limit": 201}), 400, field="limit")
        assert_problem(api.supervisor.request("DELETE", "/v1/tickets/%d/watchers/%s" % (tid, "x" * 65)), 404)


# --- over ZeroMQ ---------------------------------------------------------------------------------------------


def test_new_methods_over_zeromq_check_roles_and_versions(zmq_client, db):
    from test_zmq import assert_status, create_request

    def assert_ok(reply):
        assert reply is not None and reply.status.code == envelope_pb2.OK, reply

    reply = zmq_client.call("tickets.create", create_request())
    assert_ok(reply)
    ticket = tickets_pb2.Ticket.FromString(reply.payload)
    handoff = tickets_pb2.HandOffTicketRequest(id=ticket.id, to_staff_id="A1002", reason="over the bus",
                                              expected_version=1)
    with db.unchanged():
        # The service checks roles itself: the bus is not only the gateway's.
        assert_status(zmq_client.call("tickets.handoff", handoff, actor="auditor"), envelope_pb2.PERMISSION_DENIED)
        stale = tickets_pb2.HandOffTicketRequest(id=ticket.id, to_staff_id="A1002", reason="x", expected_version=9)
        assert_status(zmq_client.call("tickets.handoff", stale), envelope_pb2.STALE_VERSION, field="If-Match")
        assert_status(zmq_client.call("departments.create", tickets_pb2.DepartmentRequest(name="Bus dept")),
                      envelope_pb2.PERMISSION_DENIED)
        assert_status(zmq_client.call("tickets.handoff", b"\xff\xff\xff"), envelope_pb2.INVALID_ARGUMENT)
    reply = zmq_client.call("tickets.handoff", handoff)
    assert_ok(reply)
    moved = tickets_pb2.Ticket.FromString(reply.payload)
    assert (moved.owner_staff_id, moved.assignee_staff_id, moved.version) == ("A1001", "A1002", 2)
    reply = zmq_client.call("tickets.handoffs", tickets_pb2.GetTicketRequest(id=ticket.id), actor="auditor")
    assert_ok(reply)
    listed = tickets_pb2.TicketHandoffs.FromString(reply.payload)
    assert [(h.from_staff_id, h.to_staff_id) for h in listed.items] == [("A1001", "A1002")]
    assert listed.ticket_version == 2
    # Audited as every change is (AUD-1), in the change's transaction.
    rows = db.outbox("ticket/%d" % ticket.id)
    types = [t for t, _p, _x in rows]
    assert "audit.record.ticket.handed_off" in types and "audit.record.ticket.handoffs_viewed" in types
    handed = [x for t, _p, x in rows if t in ("ticket.handed_off", "audit.record.ticket.handed_off")]
    assert len(handed) == 2 and len(set(handed)) == 1


# --- Idempotency-Key on every creating POST (DESIGN §4) ---------------------------------------------------------


def test_creating_posts_are_idempotent(api, db):
    # A replay writes only its audit record (ticket.create_replayed, ...).
    replayed = lambda: db.unchanged(*[name for name in db.counts() if name != "outbox"])  # noqa: E731
    tid = api.agent.create()["id"]
    key = {"Idempotency-Key": "comment-" + uuid.uuid4().hex}
    first = ok(comment(api.agent, tid, "Promised a call back", headers=dict(key, **if_match(1))), 201)
    # The retry names the version the first one moved on from: it is still the same request.
    with replayed():
        again = ok(comment(api.agent, tid, "Promised a call back", headers=dict(key, **if_match(1))), 201)
        assert (again["id"], again["ticket_version"]) == (first["id"], 2)
    with db.unchanged():
        assert_problem(comment(api.agent, tid, "Something else", headers=key), 422, slug="idempotency-key-reused")
        assert_problem(api.agent.post("/v1/tickets/%d/attachments" % tid, json=attachment(), headers=key), 422,
                       slug="idempotency-key-reused")
    # Keys belong to their actor: another agent's same key is another request.
    ok(comment(api.agent2, tid, "Promised a call back", headers=key), 201)

    key = {"Idempotency-Key": "attachment-" + uuid.uuid4().hex}
    first = ok(api.agent.post("/v1/tickets/%d/attachments" % tid, json=attachment(), headers=key), 201)
    with replayed():
        assert ok(api.agent.post("/v1/tickets/%d/attachments" % tid, json=attachment(), headers=key), 201)["id"] \
            == first["id"]

    name = "Idempotent " + uuid.uuid4().hex[:8]
    key = {"Idempotency-Key": "department-" + uuid.uuid4().hex}
    created = ok(api.manager.post("/v1/departments", json={"name": name}, headers=key), 201)
    with replayed():
        assert ok(api.manager.post("/v1/departments", json={"name": name}, headers=key), 201) == created
    key = {"Idempotency-Key": "rule-" + uuid.uuid4().hex}
    body = {"category": "idem-" + uuid.uuid4().hex[:8], "department_id": created["id"]}
    rule_created = ok(api.manager.post("/v1/routing-rules", json=body, headers=key), 201)
    with replayed():
        assert ok(api.manager.post("/v1/routing-rules", json=body, headers=key), 201) == rule_created
    assert "audit.record.department.create_replayed" in db.outbox_types("department/%d" % created["id"])
    with db.unchanged():
        assert_problem(api.manager.post("/v1/departments", json={"name": "x"}, headers={"Idempotency-Key": "é"}), 400)


def test_opposite_merges_at_once_one_wins_none_fails(api, db):
    # Two agents merge the same pair in opposite directions at the same moment: the
    # locks are taken in one order, so one merge wins and the other is refused (409),
    # never a deadlock or a 5xx.
    import threading
    for _ in range(5):
        customer = "C-" + uuid.uuid4().hex[:8]
        a = api.agent.create(body=complaint(customer_id=customer))["id"]
        b = api.agent.create(body=complaint(customer_id=customer))["id"]
        results = {}
        start = threading.Barrier(2)

        def merge(who, duplicate, into):
            start.wait()
            results[who] = getattr(api, who).post("/v1/tickets/%d/merge" % duplicate,
                                                  json={"into": into, "reason": "race"})

        threads = [threading.Thread(target=merge, args=("agent", a, b)),
                   threading.Thread(target=merge, args=("agent2", b, a))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        statuses = sorted(r.status_code for r in results.values())
        assert statuses == [200, 409], [describe(r) for r in results.values()]
        merged = [t for t in (api.agent.ticket(a), api.agent.ticket(b)) if t["status"] == "merged"]
        assert len(merged) == 1
