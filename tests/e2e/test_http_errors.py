"""Every error status of the HTTP contract, as RFC 9457 problem details, and
each with proof that nothing was written (DESIGN.md §4: nothing is written on
any error): the row counts of tickets, ticket_transitions, outbox and
idempotency_keys are the same before and after."""

import json

import pytest

from kefu_e2e import assert_problem, complaint, describe

MAX_BODY = 65536  # KEFU_HTTP_MAX_BODY's default


@pytest.fixture
def ticket(api):
    return api.agent.create()


# --- 401 --------------------------------------------------------------------------------------


def test_missing_or_wrong_credentials_are_401(api, db, ticket, api_keys):
    tid = ticket["id"]
    secret = api_keys["agent"]
    requests_to_try = [
        ("POST", "/v1/tickets", complaint()),
        ("GET", "/v1/tickets/%d" % tid, None),
        ("GET", "/v1/tickets", None),
        ("GET", "/v1/tickets/%d/history" % tid, None),
        ("POST", "/v1/tickets/%d/transitions" % tid, {"to": "assessed", "reason": "x"}),
    ]
    authorizations = [None, "Bearer not-a-key-of-ours-0123456789", "Bearer " + secret + "x",
                      "Bearer " + secret[:-1], "Basic " + secret, "Bearer", "Bearer ", secret]
    with db.unchanged():
        for method, path, body in requests_to_try:
            for authorization in authorizations:
                headers = {"Authorization": authorization} if authorization is not None else {}
                r = api.anonymous.request(method, path, json=body, headers=headers)
                assert_problem(r, 401)
                assert r.headers.get("WWW-Authenticate", "").lower().startswith("bearer"), describe(r)


# --- 400 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [
    b'{"kind": "complaint",',
    b"not json at all",
    b"",
    b'{"kind": "complaint"} {"kind": "inquiry"}',
    b'{"kind": "compl\xff\xfeint"}',
    b"{'kind': 'complaint'}",
    b'{"kind": "complaint", "kind": }',
])
def test_malformed_json_is_400(api, db, raw):
    with db.unchanged():
        r = api.agent.post("/v1/tickets", data=raw, headers={"Content-Type": "application/json"})
        assert_problem(r, 400)


@pytest.mark.parametrize("field,value", [
    ("priority", 5),
    ("subject", ["Refund"]),
    ("kind", True),
    ("customer_id", {"id": "C-1"}),
    ("received_at", 20250314),
    ("description", 1.5),
])
def test_wrong_json_type_is_400_with_the_field(api, db, field, value):
    with db.unchanged():
        r = api.agent.post("/v1/tickets", json=complaint(**{field: value}))
        assert_problem(r, 400, field=field)


@pytest.mark.parametrize("body", [[], "complaint", 42, None])
def test_body_that_is_not_an_object_is_400(api, db, body):
    with db.unchanged():
        r = api.agent.post("/v1/tickets", data=json.dumps(body), headers={"Content-Type": "application/json"})
        assert_problem(r, 400)


@pytest.mark.parametrize("field,value", [
    ("colour", "red"),
    ("status", "resolved"),          # a ticket cannot be born resolved
    ("owner_staff_id", "A9999"),     # nor with another owner than its creator (TKT-5)
    ("id", 1),
    ("version", 7),
])
def test_unknown_field_is_400_with_the_field(api, db, field, value):
    with db.unchanged():
        r = api.agent.post("/v1/tickets", json=dict(complaint(), **{field: value}))
        assert_problem(r, 400, field=field)


def test_transition_body_errors_are_400(api, db, ticket):
    path = "/v1/tickets/%d/transitions" % ticket["id"]
    with db.unchanged():
        assert_problem(api.agent.post(path, json={"to": 5, "reason": "x"}), 400, field="to")
        assert_problem(api.agent.post(path, json={"to": "assessed", "reason": ["x"]}), 400, field="reason")
        assert_problem(api.agent.post(path, json={"to": "assessed", "reason": "x", "colour": "red"}), 400,
                       field="colour")
        assert_problem(api.agent.post(path, data=b'{"to": "assessed", ', headers={"Content-Type": "application/json"}),
                       400)


# --- 413 --------------------------------------------------------------------------------------


def body_of_size(size):
    """A complaint whose JSON is exactly `size` bytes (the description pads it)."""
    body = complaint(description="")
    pad = size - len(json.dumps(body).encode())
    assert pad > 0
    body["description"] = "x" * pad
    data = json.dumps(body).encode()
    assert len(data) == size
    return data


def test_body_over_max_body_is_413(api, db):
    with db.unchanged():
        r = api.agent.post("/v1/tickets", data=body_of_size(MAX_BODY + 1), headers={"Content-Type": "application/json"})
        assert_problem(r, 413)
        r = api.agent.post("/v1/tickets", data=body_of_size(4 * MAX_BODY), headers={"Content-Type": "application/json"})
        assert_problem(r, 413)
        # At the limit the body is read; the description is then too long for the rule (422).
        r = api.agent.post("/v1/tickets", data=body_of_size(MAX_BODY), headers={"Content-Type": "application/json"})
        assert_problem(r, 422, field="description")


def test_chunked_body_over_max_body_is_413(api, db):
    data = body_of_size(2 * MAX_BODY)
    chunks = (data[i:i + 8192] for i in range(0, len(data), 8192))
    with db.unchanged():
        r = api.agent.post("/v1/tickets", data=chunks, headers={"Content-Type": "application/json"})
        assert_problem(r, 413)


# --- 415 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml",
                                          "multipart/form-data; boundary=x"])
def test_non_json_content_type_is_415(api, db, ticket, content_type):
    with db.unchanged():
        r = api.agent.post("/v1/tickets", data=json.dumps(complaint()), headers={"Content-Type": content_type})
        assert_problem(r, 415)
        r = api.agent.post("/v1/tickets/%d/transitions" % ticket["id"],
                           data=json.dumps({"to": "assessed", "reason": "x"}), headers={"Content-Type": content_type})
        assert_problem(r, 415)


# --- 404 --------------------------------------------------------------------------------------


def test_unknown_ticket_is_404(api, db):
    missing = 10 ** 12
    with db.unchanged():
        assert_problem(api.agent.get("/v1/tickets/%d" % missing), 404)
        assert_problem(api.agent.get("/v1/tickets/%d/history" % missing), 404)
        assert_problem(api.agent.post("/v1/tickets/%d/transitions" % missing, json={"to": "assessed", "reason": "x"}),
                       404)


@pytest.mark.parametrize("path", ["/v1/nope", "/v2/tickets", "/v1/tickets/1/nope", "/", "/v1", "/v1/tickets/1/history/x"])
def test_unknown_path_is_404(api, db, path):
    with db.unchanged():
        assert_problem(api.agent.get(path), 404)


# --- 405 --------------------------------------------------------------------------------------


def test_wrong_method_is_405(api, db, ticket):
    tid = ticket["id"]
    cases = [
        ("DELETE", "/v1/tickets/%d" % tid),
        ("PUT", "/v1/tickets/%d" % tid),
        ("PATCH", "/v1/tickets/%d" % tid),
        ("PUT", "/v1/tickets"),
        ("DELETE", "/v1/tickets"),
        ("GET", "/v1/tickets/%d/transitions" % tid),
        ("POST", "/v1/tickets/%d/history" % tid),
        ("POST", "/v1/tickets/%d" % tid),
    ]
    with db.unchanged():
        for method, path in cases:
            r = api.agent.request(method, path, json={"to": "assessed", "reason": "x"})
            assert_problem(r, 405)
            assert r.headers.get("Allow"), "405 without Allow: " + describe(r)


# --- 422 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("overrides,field", [
    ({"kind": "bug"}, "kind"),                                  # TKT-1
    ({"channel": "fax"}, "channel"),                            # TKT-1
    ({"priority": "asap"}, "priority"),                         # TKT-1
    ({"kind": None}, "kind"),
    ({"channel": None}, "channel"),
    ({"category": None}, "category"),                           # TKT-1: a category on every ticket
    ({"subject": None}, "subject"),
    ({"subject": "   "}, "subject"),
    ({"description": None}, "description"),                     # TKT-2: the complaint's content
    ({"customer_id": None, "complainant_contact": None}, "customer_id"),   # TKT-2: a complainant
    ({"customer_id": "", "complainant_name": ""}, "customer_id"),
    ({"received_at": "yesterday"}, "received_at"),
    ({"received_at": "2999-01-01T00:00:00Z"}, "received_at"),
    ({"subject": "x" * 201}, "subject"),
    ({"subject": "line\u0001break"}, "subject"),
])
def test_broken_rule_is_422_with_the_field(api, db, overrides, field):
    with db.unchanged():
        r = api.agent.post("/v1/tickets", json=complaint(**overrides))
        assert_problem(r, 422, field=field)
