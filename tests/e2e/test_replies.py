"""Standard replies over HTTP (TKT-10, 统一的答复口径): /v1/replies.

Versions move draft -> approved -> retired; an edit writes a new draft version
and old versions stay readable; a supervisor or manager other than the
version's author approves, which retires the version approved before; agents
are given approved versions by default; the list is searchable (Chinese
included, the tickets' search) and filterable by category; ETag/If-Match
guards every change (412 when stale); Idempotency-Key on create; each change
writes its event and audit record, and a refused request writes nothing. A
public ticket comment cites an approved version (reply_id, reply_version),
checked in the comment's transaction.
"""
import contextlib
import random
import uuid

import pytest

from kefu_e2e import assert_problem, complaint, describe, etag_version, json_dumps, tickets_pb2

CJK_FIRST, CJK_LAST = 0x4E00, 0x9FA5
REPLY_FIELDS = ["id", "version", "latest_version", "revision", "category", "title", "body", "state",
                "author_staff_id", "approved_by", "approved_at", "retired_by", "retired_at", "created_at"]


def cjk_word(length):
    return "".join(chr(random.randint(CJK_FIRST, CJK_LAST)) for _ in range(length))


def new_category():
    return "cat-" + uuid.uuid4().hex[:10]


def reply_body(**overrides):
    body = {"category": "billing", "title": "退款未到账的答复 " + uuid.uuid4().hex[:6],
            "body": "您好，退款将在3至5个工作日内到账。\n如有疑问请致电客服。"}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def assert_reply_shape(reply):
    missing = [f for f in REPLY_FIELDS if f not in reply]
    assert not missing, "reply lacks %s: %r" % (missing, reply)
    for name in REPLY_FIELDS:
        kind = int if name in ("id", "version", "latest_version", "revision") else str
        assert type(reply[name]) is kind, "%s: %r" % (name, reply[name])


def create(client, expect=201, headers=None, **overrides):
    r = client.post("/v1/replies", json=reply_body(**overrides), headers=headers)
    assert r.status_code == expect, describe(r)
    if expect != 201:
        return r
    reply = r.json()
    assert_reply_shape(reply)
    assert r.headers.get("Location") == "/v1/replies/%d" % reply["id"]
    assert etag_version(r) == reply["revision"]
    return reply


def review(client, reply_id, action, expect=200, version=None, if_match=None, reason=None):
    body = {}
    if version is not None:
        body["version"] = version
    if reason is not None:
        body["reason"] = reason
    headers = {"If-Match": '"%d"' % if_match} if if_match is not None else None
    r = client.post("/v1/replies/%d/%s" % (reply_id, action), json=body, headers=headers)
    assert r.status_code == expect, describe(r)
    return r.json() if expect == 200 else r


def edit(client, reply_id, if_match=None, expect=200, **overrides):
    headers = {"If-Match": '"%d"' % if_match} if if_match is not None else None
    r = client.request("PUT", "/v1/replies/%d" % reply_id, json=reply_body(**overrides), headers=headers)
    assert r.status_code == expect, describe(r)
    return r.json() if expect == 200 else r


def get(client, reply_id, version=None, expect=200):
    params = {"version": version} if version is not None else None
    r = client.get("/v1/replies/%d" % reply_id, params=params)
    assert r.status_code == expect, describe(r)
    return r.json() if expect == 200 else r


def listed(client, **query):
    r = client.get("/v1/replies", params=dict(limit=200, **query))
    assert r.status_code == 200, describe(r)
    page = r.json()
    assert page["next"] is None, page
    for item in page["items"]:
        assert_reply_shape(item)
    return [(item["id"], item["version"]) for item in page["items"]]


def reply_counts(db):
    row = db.rows("SELECT (SELECT count(*) FROM tickets.replies), (SELECT count(*) FROM tickets.reply_versions), "
                  "(SELECT count(*) FROM tickets.outbox), (SELECT count(*) FROM tickets.idempotency_keys), "
                  "(SELECT sum(revision) FROM tickets.replies), "
                  "(SELECT count(*) FROM tickets.reply_versions WHERE state = 'approved')")[0]
    return row


@contextlib.contextmanager
def nothing_written(db):
    """DESIGN §4: a refused request writes nothing, to replies or anywhere."""
    before = reply_counts(db)
    yield
    assert reply_counts(db) == before, "rows were written"


# --- the life of a standard reply -------------------------------------------------------------


def test_versions_approval_and_retirement(api, db):
    # TKT-10: approved answers per category, with versions and an approver.
    category = new_category()
    draft = create(api.agent, category=category)
    rid = draft["id"]
    assert (draft["version"], draft["latest_version"], draft["state"], draft["author_staff_id"]) == \
        (1, 1, "draft", "A1001")
    assert draft["approved_by"] == "" and draft["approved_at"] == ""
    # Agents get approved versions only, by default.
    assert listed(api.agent, category=category) == []
    assert listed(api.agent, category=category, state="draft") == [(rid, 1)]

    approved = review(api.supervisor, rid, "approve", if_match=draft["revision"], reason="口径统一")
    assert (approved["version"], approved["state"], approved["approved_by"]) == (1, "approved", "S2001")
    assert approved["approved_at"] and approved["revision"] == draft["revision"] + 1
    assert listed(api.agent, category=category) == [(rid, 1)]

    # An edit writes version 2 as a draft; version 1 stays approved and readable.
    stale = edit(api.agent, rid, if_match=draft["revision"], expect=412, title="stale")
    assert_problem(stale, 412, field="If-Match")
    v2 = edit(api.agent2, rid, if_match=approved["revision"], title="新版本的答复", category=category)
    assert (v2["version"], v2["latest_version"], v2["state"], v2["author_staff_id"]) == (2, 2, "draft", "A1002")
    assert listed(api.agent, category=category) == [(rid, 1)]
    assert get(api.agent, rid, version=1)["state"] == "approved"
    latest = api.agent.get("/v1/replies/%d" % rid)
    assert latest.status_code == 200 and latest.json()["version"] == 2
    assert etag_version(latest) == v2["revision"]
    versions = api.agent.get("/v1/replies/%d/versions" % rid).json()["items"]
    assert [(v["version"], v["state"]) for v in versions] == [(1, "approved"), (2, "draft")]

    # Approving version 2 retires version 1: one approved version at a time.
    v2_approved = review(api.manager, rid, "approve", version=2)
    assert v2_approved["state"] == "approved" and v2_approved["approved_by"] == "M4001"
    v1 = get(api.agent, rid, version=1)
    assert (v1["state"], v1["retired_by"]) == ("retired", "M4001") and v1["retired_at"]
    assert listed(api.agent, category=category) == [(rid, 2)]

    # Retire: out of the agents' list, still readable, listed on request.
    retired = review(api.supervisor2, rid, "retire", if_match=v2_approved["revision"], reason="政策变更")
    assert (retired["state"], retired["retired_by"]) == ("retired", "S2002")
    assert listed(api.agent, category=category) == []
    assert listed(api.agent, category=category, state="retired") == [(rid, 1), (rid, 2)]
    assert listed(api.agent, category=category, state="any") == [(rid, 1), (rid, 2)]

    # Events and audit records, one of each per change, in order.
    subject = "reply/%d" % rid
    assert db.outbox_types(subject) == [
        "reply.created", "audit.record.reply.created",
        "reply.approved", "audit.record.reply.approved",
        "reply.revised", "audit.record.reply.revised",
        "reply.approved", "audit.record.reply.approved",
        "reply.retired", "audit.record.reply.retired",
    ]


def test_approval_rules(api, db):
    category = new_category()
    by_supervisor = create(api.supervisor, category=category)
    rid = by_supervisor["id"]
    with nothing_written(db):
        # Not by the author of the version.
        assert_problem(review(api.supervisor, rid, "approve", expect=403), 403, slug="approver-is-author")
        # Only supervisors and managers.
        assert_problem(review(api.agent, rid, "approve", expect=403), 403)
        assert_problem(review(api.shift_lead, rid, "approve", expect=403), 403)
        assert_problem(review(api.integration, rid, "approve", expect=403), 403)
        # Retiring a draft: only approved versions retire.
        assert_problem(review(api.manager, rid, "retire", expect=409), 409, field="version")
        assert_problem(review(api.manager, rid, "retire", version=1, expect=409), 409, field="version")
        # No such version, no such reply.
        assert_problem(review(api.manager, rid, "approve", version=9, expect=404), 404)
        assert_problem(review(api.manager, 999999999, "approve", expect=404), 404)
        # Stale If-Match.
        assert_problem(review(api.manager, rid, "approve", if_match=by_supervisor["revision"] + 5, expect=412),
                       412, field="If-Match")
    review(api.supervisor2, rid, "approve")
    v2 = edit(api.agent, rid, category=category)
    edit(api.agent, rid, category=category)          # version 3
    with nothing_written(db):
        # Approved twice; an older draft (only the latest version is approved).
        assert_problem(review(api.manager, rid, "approve", version=1, expect=409), 409, field="version")
        assert_problem(review(api.manager, rid, "approve", version=v2["version"], expect=409), 409)
    assert review(api.manager, rid, "approve")["version"] == 3


def test_search_and_category(api):
    # TKT-10: searchable, Chinese included (the same search as tickets').
    word = cjk_word(5)
    category = new_category()
    a = create(api.agent, category=category, title="关于%s的答复" % word)
    b = create(api.agent, category=category, body="第一行\n请说明%s，谢谢" % word[1:4])
    c = create(api.agent, category=new_category(), title="其他 " + word[3:5])
    for reply in (a, b, c):
        review(api.supervisor, reply["id"], "approve")

    def found(**query):
        return [rid for rid, _v in listed(api.agent, **query)]

    assert found(q=word) == [a["id"]]
    assert found(q=word[1:4]) == [a["id"], b["id"]]            # 3 characters
    assert found(q=word[2:4]) == [a["id"], b["id"]]            # 2 characters
    assert found(q=word[3:5]) == [a["id"], c["id"]]
    assert found(q=word[3:5], category=category) == [a["id"]]
    assert found(q=word[4] + word[0]) == []
    assert found(category=category) == [a["id"], b["id"]]
    assert found(q=word[1:4], state="draft") == []


def test_list_pagination(api):
    category = new_category()
    ids = [create(api.agent, category=category)["id"] for _ in range(7)]
    for rid in ids:
        review(api.supervisor, rid, "approve")
    seen, after = [], None
    while True:
        params = {"category": category, "limit": 3}
        if after is not None:
            params["after"] = after
        page = api.agent.get("/v1/replies", params=params).json()
        seen += [item["id"] for item in page["items"]]
        if page["next"] is None:
            break
        after = page["next"]
    assert seen == ids


def test_idempotency_key_on_create(api, db):
    key = "reply-" + uuid.uuid4().hex
    body = reply_body(category=new_category())
    first = api.agent.post("/v1/replies", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == 201, describe(first)
    again = api.agent.post("/v1/replies", json=body, headers={"Idempotency-Key": key})
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"], describe(again)
    assert db.count("SELECT count(*) FROM tickets.replies WHERE id = %d" % first.json()["id"]) == 1
    with nothing_written(db):
        other = api.agent.post("/v1/replies", json=reply_body(), headers={"Idempotency-Key": key})
        assert_problem(other, 422, field="Idempotency-Key")
    # A key that created a ticket does not create a reply.
    ticket_key = "ticket-" + uuid.uuid4().hex
    api.agent.create(headers={"Idempotency-Key": ticket_key})
    with nothing_written(db):
        reused = api.agent.post("/v1/replies", json=body, headers={"Idempotency-Key": ticket_key})
        assert_problem(reused, 422, field="Idempotency-Key")


# --- refused requests ---------------------------------------------------------------------------


@pytest.mark.parametrize("overrides,field", [
    ({"title": None}, "title"),
    ({"body": None}, "body"),
    ({"category": None}, "category"),
    ({"title": "  "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": "a\nb"}, "title"),
    ({"body": "x" * 10001}, "body"),
    ({"category": "x" * 101}, "category"),
])
def test_bad_reply_is_422_and_writes_nothing(api, db, overrides, field):
    with nothing_written(db):
        assert_problem(create(api.agent, expect=422, **overrides), 422, field=field)


def test_malformed_requests_are_4xx_and_write_nothing(api, db):
    rid = create(api.agent)["id"]
    with nothing_written(db):
        bad_json = api.agent.post("/v1/replies", data=b"{", headers={"Content-Type": "application/json"})
        assert_problem(bad_json, 400)
        assert_problem(api.agent.post("/v1/replies", json=reply_body(colour="red")), 400, field="colour")
        assert_problem(api.agent.post("/v1/replies", json=reply_body(title=5)), 400, field="title")
        assert_problem(api.agent.post("/v1/replies", data=json_dumps(reply_body()),
                                      headers={"Content-Type": "text/plain"}), 415)
        assert_problem(api.agent.request("PUT", "/v1/replies/%d" % rid, json=reply_body(),
                                         headers={"If-Match": "three"}), 400, field="If-Match")
        assert_problem(api.agent.request("PUT", "/v1/replies/%d" % rid, json=reply_body(body=None)), 422,
                       field="body")
        assert_problem(api.agent.request("PUT", "/v1/replies/999999999", json=reply_body()), 404)
        assert_problem(api.agent.request("PUT", "/v1/replies/abc", json=reply_body()), 404)
        assert_problem(api.supervisor.post("/v1/replies/%d/approve" % rid, json={"version": "1"}), 400,
                       field="version")
        assert_problem(api.supervisor.post("/v1/replies/%d/approve" % rid, json={"version": -1}), 422,
                       field="version")
        assert_problem(api.supervisor.post("/v1/replies/%d/approve" % rid, json={"reason": "x" * 2001}), 422,
                       field="reason")
        assert_problem(api.auditor.post("/v1/replies", json=reply_body()), 403)
        assert_problem(api.integration.request("PUT", "/v1/replies/%d" % rid, json=reply_body()), 403)
        assert_problem(api.anonymous.get("/v1/replies"), 401)
        for query, field in [({"version": "0"}, "version"), ({"version": "x"}, "version")]:
            assert_problem(api.agent.get("/v1/replies/%d" % rid, params=query), 400, field=field)
        assert_problem(api.agent.get("/v1/replies/%d" % rid, params={"version": "7"}), 404)
        assert_problem(api.agent.get("/v1/replies/999999999/versions"), 404)
        assert_problem(api.agent.get("/v1/replies/0/versions"), 404)
        assert_problem(api.supervisor.post("/v1/replies/999999999/retire", json={}), 404)
        assert_problem(api.supervisor.post("/v1/replies/%d/retire" % rid, json={"colour": 1}), 400,
                       field="colour")
        too_large = api.agent.post("/v1/replies", data=b'{"title": "' + b"x" * (4 * 65536) + b'"}',
                                   headers={"Content-Type": "application/json"})
        assert_problem(too_large, 413)
        for query, field in [({"q": "x" * 101}, "q"), ({"q": " "}, "q"), ({"state": "gone"}, "state"),
                             ({"category": "x" * 101}, "category"), ({"limit": "201"}, "limit"),
                             ({"after": "x"}, "after"), ({"q": "x" * 300}, "q")]:
            assert_problem(api.agent.get("/v1/replies", params=query), 400, field=field)


# --- citations in ticket comments ---------------------------------------------------------------


def test_public_comment_cites_only_an_approved_version(api, db):
    reply = create(api.agent)
    rid = reply["id"]
    review(api.supervisor, rid, "approve")                               # version 1 approved
    tid = api.agent.create(body=complaint())["id"]

    def comment(client=api.agent, expect=201, **fields):
        body = {"body": "您好，退款将在3至5个工作日内到账。", "visibility": "public"}
        body.update(fields)
        r = client.post("/v1/tickets/%d/comments" % tid, json=body)
        if expect != 201:
            return r
        assert r.status_code == 201, describe(r)
        return r.json()

    def refused(field, slug, **fields):
        with db.unchanged():
            assert_problem(comment(expect=422, **fields), 422, field=field, slug=slug)

    cited = comment(reply_id=rid, reply_version=1)
    assert (cited["reply_id"], cited["reply_version"]) == (rid, 1)
    plain = comment()
    assert (plain["reply_id"], plain["reply_version"]) == (0, 0)
    # The event carries the citation (not the body).
    events = [tickets_pb2.TicketChanged.FromString(p) for t, p, _x in db.outbox("ticket/%d" % tid)
              if t == "ticket.commented"]
    assert [(e.comment.id, e.comment.reply_id, e.comment.reply_version, e.comment.body) for e in events] == [
        (cited["id"], rid, 1, ""), (plain["id"], 0, 0, "")]

    # An edit writes version 2, a draft: not citable until approved; version 1 still is.
    edit(api.agent, rid)
    refused("reply_version", "reply-not-citable", reply_id=rid, reply_version=2)
    comment(reply_id=rid, reply_version=1)
    # Approving version 2 retires version 1.
    review(api.supervisor, rid, "approve")
    refused("reply_version", "reply-not-citable", reply_id=rid, reply_version=1)
    assert comment(reply_id=rid, reply_version=2)["reply_version"] == 2
    # No such version, no such reply.
    refused("reply_version", "reply-not-citable", reply_id=rid, reply_version=3)
    refused("reply_version", "reply-not-citable", reply_id=999999999, reply_version=1)
    # Both or neither, positive; only a public comment cites.
    refused("reply_version", "invalid-field", reply_id=rid)
    refused("reply_id", "invalid-field", reply_version=2)
    refused("reply_id", "invalid-field", reply_id=-1, reply_version=2)
    refused("reply_version", "invalid-field", reply_id=rid, reply_version=2 ** 31)
    refused("reply_id", "citation-not-public", reply_id=rid, reply_version=2, visibility="internal")
    # Retired: no longer citable; what cited it keeps its citation.
    review(api.supervisor, rid, "retire")
    refused("reply_version", "reply-not-citable", reply_id=rid, reply_version=2)
    r = api.agent.get("/v1/tickets/%d/comments" % tid)
    assert r.status_code == 200, describe(r)
    assert [(c["reply_id"], c["reply_version"]) for c in r.json()["items"]] == [(rid, 1), (0, 0), (rid, 1), (rid, 2)]
    assert db.count("SELECT count(*) FROM tickets.ticket_comments WHERE ticket_id = :t AND reply_id = :r",
                    t=tid, r=rid) == 3
