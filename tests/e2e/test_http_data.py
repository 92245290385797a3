"""What is stored is what was sent; retries are idempotent; every change and
every access leaves its event and audit record in the same transaction."""

import json
import threading
import uuid

import requests

from kefu_e2e import HTTP_TIMEOUT, assert_problem, audit_pb2, complaint, describe, tickets_pb2

CHINESE = "退款未到账，客户要求赔偿 🙏"


# --- text round trips -----------------------------------------------------------------------


def test_chinese_text_round_trips_byte_for_byte(api, db):
    body = complaint(
        subject=CHINESE,
        description="顾客投诉：退款未到账。\n客户要求赔偿，并希望尽快回电。\t（已核实订单）🙏🏽",
        category="退款",
        customer_id="客户-0042",
        complainant_name="王小明",
        complainant_contact="北京市朝阳区 ☎ 138-0000-0000",
        requested_remedy="全额退款 + 书面道歉 ✅",
    )
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    r = api.agent.post("/v1/tickets", data=data, headers={"Content-Type": "application/json"})
    assert r.status_code == 201, describe(r)
    created = r.json()
    fetched = api.agent.ticket(created["id"])
    for name in ("subject", "description", "category", "customer_id", "complainant_name", "complainant_contact",
                 "requested_remedy"):
        assert created[name] == body[name], name
        assert fetched[name] == body[name], name
        stored = db.scalar("SELECT encode(convert_to(%s, 'UTF8'), 'hex') FROM tickets.tickets WHERE id = :'id'"
                           % name, id=created["id"])
        assert bytes.fromhex(stored) == body[name].encode("utf-8"), name
    # Also escaped as \\uXXXX (surrogate pairs for the emoji) on the way in.
    r = api.agent.post("/v1/tickets", data=json.dumps(body, ensure_ascii=True),
                       headers={"Content-Type": "application/json"})
    assert r.status_code == 201, describe(r)
    assert r.json()["subject"] == CHINESE and r.json()["description"] == body["description"]
    # And a list filter in Chinese finds it.
    r = api.agent.get("/v1/tickets", params={"customer_id": "客户-0042"})
    assert r.status_code == 200, describe(r)
    assert created["id"] in [t["id"] for t in r.json()["items"]]


TRICKY = [
    "'); DROP TABLE tickets; --",
    "Robert'); DELETE FROM tickets.tickets WHERE ('1'='1",
    "\" OR \"\"=\"",
    "back\\slash \\\\ \\' \\\" \\n \\x41 \\u0041 E'\\x41'",
    "$1 $$ $body$ :'name' %s %(x)s {0} ${x} `id`",
    "/* comment */ -- also a comment; SELECT pg_sleep(10);",
    "\\N \\. NULL null None",
    "'' '' ''",
]


def test_sql_looking_strings_are_stored_verbatim(api, db):
    for text in TRICKY:
        body = complaint(subject=text[:200], description=text + "\n" + text, customer_id=text[:64],
                         complainant_name=text, requested_remedy=text)
        created = api.agent.create(body=body)
        fetched = api.agent.ticket(created["id"])
        for name in ("subject", "description", "customer_id", "complainant_name", "requested_remedy"):
            assert created[name] == body[name], (name, text)
            assert fetched[name] == body[name], (name, text)
        assert db.scalar("SELECT description FROM tickets.tickets WHERE id = :'id'", id=created["id"]) \
            == body["description"]
        # Filters too are values, not SQL.
        r = api.agent.get("/v1/tickets", params={"customer_id": body["customer_id"]})
        assert r.status_code == 200, describe(r)
        assert created["id"] in [t["id"] for t in r.json()["items"]]
        assert all(t["customer_id"] == body["customer_id"] for t in r.json()["items"])
        moved = api.agent.move(created["id"], "rejected", reason=text, rejection_explanation=text)
        assert moved["rejection_explanation"] == text
    assert db.count("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'tickets' "
                    "AND table_name IN ('tickets', 'ticket_transitions', 'outbox', 'idempotency_keys')") == 4


# --- idempotency ------------------------------------------------------------------------------


def test_idempotent_retry_returns_the_same_ticket(api, db):
    # DESIGN §4: Idempotency-Key on every POST that creates.
    key = "retry-" + uuid.uuid4().hex
    body = complaint()
    first = api.agent.post("/v1/tickets", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == 201, describe(first)
    with db.unchanged("tickets", "ticket_transitions", "idempotency_keys"):
        for _ in range(3):
            again = api.agent.post("/v1/tickets", json=body, headers={"Idempotency-Key": key})
            assert again.status_code in (200, 201), describe(again)
            assert again.json() == first.json()
        # The same body with its keys in another order and other spacing is the same request.
        reordered = json.dumps(dict(reversed(list(body.items()))), indent=2)
        again = api.agent.post("/v1/tickets", data=reordered, headers={"Idempotency-Key": key,
                                                                      "Content-Type": "application/json"})
        assert again.status_code in (200, 201), describe(again)
        assert again.json()["id"] == first.json()["id"]
    assert db.count("SELECT count(*) FROM tickets.tickets WHERE subject = :'s'", s=body["subject"]) == 1


def test_idempotency_key_reused_with_another_body_is_422(api, db):
    key = "reuse-" + uuid.uuid4().hex
    body = complaint()
    assert api.agent.post("/v1/tickets", json=body, headers={"Idempotency-Key": key}).status_code == 201
    with db.unchanged():
        r = api.agent.post("/v1/tickets", json=dict(body, priority="low"), headers={"Idempotency-Key": key})
        assert_problem(r, 422, slug="idempotency-key-reused")


def test_idempotency_keys_belong_to_their_actor(api, db):
    # One agent's key never hands another agent's ticket out.
    key = "shared-" + uuid.uuid4().hex
    body = complaint()
    mine = api.agent.create(body=body, headers={"Idempotency-Key": key})
    theirs = api.agent2.create(body=body, headers={"Idempotency-Key": key})
    assert mine["id"] != theirs["id"]
    assert (mine["owner_staff_id"], theirs["owner_staff_id"]) == ("A1001", "A1002")


def test_concurrent_creates_with_one_key_make_exactly_one_ticket(api, db, api_keys):
    key = "race-" + uuid.uuid4().hex
    body = complaint()
    threads_count = 16
    barrier = threading.Barrier(threads_count)
    results = [None] * threads_count

    def create(i):
        barrier.wait(10)
        try:
            results[i] = requests.post(api.base + "/v1/tickets", json=body, timeout=HTTP_TIMEOUT,
                                       headers={"Authorization": "Bearer " + api_keys["agent"],
                                                "Idempotency-Key": key})
        except Exception as error:  # noqa: BLE001 (reported below)
            results[i] = error

    before = db.counts()
    threads = [threading.Thread(target=create, args=(i,)) for i in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for r in results:
        assert isinstance(r, requests.Response), r
        assert r.status_code in (200, 201), describe(r)
    assert len({r.json()["id"] for r in results}) == 1
    after = db.counts()
    assert after["tickets"] == before["tickets"] + 1
    assert after["ticket_transitions"] == before["ticket_transitions"] + 1
    assert after["idempotency_keys"] == before["idempotency_keys"] + 1
    assert db.count("SELECT count(*) FROM tickets.tickets WHERE subject = :'s'", s=body["subject"]) == 1
    assert db.outbox_types("ticket/%d" % results[0].json()["id"]).count("ticket.created") == 1


# --- outbox and audit (DESIGN §2: a change and its event in one transaction; AUD-1) ----------------


def xmin(db, table, where, **params):
    return int(db.scalar("SELECT xmin::text FROM %s WHERE %s" % (table, where), **params))


def test_create_writes_its_event_and_audit_record_in_one_transaction(api, db):
    before = db.counts()
    ticket = api.agent.create()
    subject = "ticket/%d" % ticket["id"]
    rows = db.outbox(subject)
    assert [t for t, _p, _x in rows] == ["ticket.created", "audit.record.ticket.created"]
    after = db.counts()
    # ... and the owner's notification (TKT-5), about staff/<owner>, in the same transaction.
    assert after["outbox"] == before["outbox"] + 3
    [notice] = [r for r in db.outbox("staff/A1001") if r[0] == "ticket.owner_notified"
                and tickets_pb2.TicketOwnerNotified.FromString(r[1]).ticket_id == ticket["id"]]
    assert notice[2] == rows[0][2]
    assert after["tickets"] == before["tickets"] + 1

    created = tickets_pb2.TicketCreated.FromString(rows[0][1])
    assert created.ticket.id == ticket["id"] and created.ticket.status == "received"
    record = audit_pb2.AuditRecord.FromString(rows[1][1])
    assert record.action == "ticket.created" and record.resource == subject
    assert record.actor.staff_id == "A1001" and "agent" in record.actor.roles
    assert record.time
    # One transaction: the ticket row, its history row and both events share it.
    txids = {x for _t, _p, x in rows}
    assert len(txids) == 1
    txid = txids.pop() % 2 ** 32
    assert xmin(db, "tickets.tickets", "id = :'id'", id=ticket["id"]) == txid
    assert xmin(db, "tickets.ticket_transitions", "ticket_id = :'id'", id=ticket["id"]) == txid


def test_get_writes_a_viewed_audit_record(api, db):
    # AUD-1: every access to customer data is recorded.
    ticket = api.agent.create()
    subject = "ticket/%d" % ticket["id"]
    api.agent2.ticket(ticket["id"])
    rows = db.outbox(subject)
    viewed = [p for t, p, _x in rows if t == "audit.record.ticket.viewed"]
    assert len(viewed) == 1, [t for t, _p, _x in rows]
    record = audit_pb2.AuditRecord.FromString(viewed[0])
    assert (record.action, record.resource, record.actor.staff_id) == ("ticket.viewed", subject, "A1002")
    with db.unchanged("tickets", "ticket_transitions", "idempotency_keys"):
        api.agent.history(ticket["id"])
        api.agent.get("/v1/tickets", params={"customer_id": ticket["customer_id"], "limit": 3})


def test_transition_writes_its_event_and_audit_record_in_one_transaction(api, db):
    ticket = api.agent.create()
    subject = "ticket/%d" % ticket["id"]
    before = len(db.outbox(subject))
    api.agent.move(ticket["id"], "assessed", reason="valid: order 42 refund overdue")
    rows = db.outbox(subject)[before:]
    assert [t for t, _p, _x in rows] == ["ticket.transitioned", "audit.record.ticket.transitioned"]
    event = tickets_pb2.TicketTransitioned.FromString(rows[0][1])
    assert (event.ticket.status, event.transition.from_status, event.transition.to_status) == \
        ("assessed", "received", "assessed")
    record = audit_pb2.AuditRecord.FromString(rows[1][1])
    assert record.reason == "valid: order 42 refund overdue"
    assert rows[0][2] == rows[1][2]
    assert xmin(db, "tickets.tickets", "id = :'id'", id=ticket["id"]) == rows[0][2] % 2 ** 32


def test_refused_requests_write_no_event_and_no_audit_record(api, db):
    ticket = api.agent.create()
    tid = ticket["id"]
    subject = "ticket/%d" % tid
    before = db.outbox_types(subject)
    with db.unchanged():
        api.anonymous.get("/v1/tickets/%d" % tid)                                            # 401
        api.auditor.post("/v1/tickets", json=complaint())                                   # 403
        api.agent.move(tid, "remedy_approved", expect=409)                                  # 409
        api.agent.move(tid, "assessed", expect=412, if_match=7)                             # 412
        api.agent.move(tid, "assessed", expect=422, reason="")                              # 422
        api.agent.post("/v1/tickets", json=complaint(kind="bug"))                           # 422
        api.agent.get("/v1/tickets/%d" % (10 ** 12))                                        # 404
    assert db.outbox_types(subject) == before
