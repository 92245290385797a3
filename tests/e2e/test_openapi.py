"""The OpenAPI contract (GET /openapi.json) against the gateway that serves it.

The document is generated from the route table and the protobuf descriptors
(gateway_openapi); these tests hold it to what the gateway really does: every
route is documented and every documented operation is a route, with the same
roles; the served bytes are what `kefu-gateway --openapi` prints, with a
strong ETag, and pass the OpenAPI validator of tests/openapi; every example
matches its schema; and every operation, called with an allowed role's key,
answers with a status the document declares for it and a body that matches
the schema declared for that status.
"""

import copy
import json
import os
import re
import secrets
import subprocess
import uuid

import jsonschema
import pytest
import requests

from kefu_e2e import HTTP_TIMEOUT, ROLES, describe, free_port, make_session_keys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VALIDATOR = os.path.join(ROOT, "tests", "openapi", "validate.js")
METHODS = ("get", "put", "post", "delete", "patch")
# Ids no resource has: the service's own 404, never the gateway's "no such route".
ABSENT_ID = "999999999"
ABSENT_KEY = "wh_000000000000000000000000"
# The staff number every scheduling example uses (gateway_routes.c); the tests
# put a number of their own in its place, so that a run never meets an earlier one.
EXAMPLE_STAFF_NO = "S0107"


def gateway_output(e2e_env, option):
    out = subprocess.run([os.path.join(e2e_env.bin, "kefu-gateway"), option], capture_output=True,
                         timeout=30, check=False)
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    return out.stdout.decode()


@pytest.fixture(scope="module")
def routes(e2e_env):
    return json.loads(gateway_output(e2e_env, "--routes"))


@pytest.fixture
def served(gateway):
    r = requests.get(gateway.base + "/openapi.json", timeout=HTTP_TIMEOUT)
    assert r.status_code == 200, describe(r)
    return r


def operations(document):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def validator_for(document, schema):
    """A JSON Schema 2020-12 validator of `schema`, its $refs resolved in `document`."""
    resolver = jsonschema.RefResolver.from_schema(document)
    return jsonschema.Draft202012Validator(schema, resolver=resolver)


def check_schema(document, schema, instance, where):
    errors = sorted(validator_for(document, schema).iter_errors(instance), key=str)
    assert not errors, "%s: %s\n%s" % (where, errors[0].message, json.dumps(instance)[:1500])


def resolve(document, node):
    while "$ref" in node:
        target = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


# --- the document itself ------------------------------------------------------------------


def test_routes_option_prints_the_table_in_its_fixed_shape(e2e_env, routes):
    text = gateway_output(e2e_env, "--routes")
    assert text.startswith('[{"method": "GET", "pattern": "/healthz", "roles": [], "anonymous": true}, ')
    for row in routes:
        assert list(row) == ["method", "pattern", "roles", "anonymous"], row
        assert re.fullmatch(r"GET|POST|PUT|PATCH|DELETE", row["method"])
        assert row["anonymous"] == (row["roles"] == []), row
        assert set(row["roles"]) <= {role for role, _staff in ROLES.values()} | {"archivist"}, row


def test_served_document_is_the_generated_one_with_a_strong_etag(e2e_env, gateway, served):
    assert served.headers["Content-Type"] == "application/json"
    assert served.text == gateway_output(e2e_env, "--openapi").rstrip("\n")
    assert served.headers["Cache-Control"] == "no-cache"  # keep it, but revalidate
    etag = served.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag), etag
    again = requests.get(gateway.base + "/openapi.json", timeout=HTTP_TIMEOUT)
    assert again.headers["ETag"] == etag and again.content == served.content
    cached = requests.get(gateway.base + "/openapi.json", headers={"If-None-Match": etag}, timeout=HTTP_TIMEOUT)
    assert cached.status_code == 304 and cached.content == b"", describe(cached)
    other = requests.get(gateway.base + "/openapi.json", headers={"If-None-Match": '"0"'}, timeout=HTTP_TIMEOUT)
    assert other.status_code == 200 and other.content == served.content


def test_an_unknown_option_is_refused(e2e_env):
    out = subprocess.run([os.path.join(e2e_env.bin, "kefu-gateway"), "--no-such-option"], capture_output=True,
                         timeout=30, check=False)
    assert out.returncode != 0 and b"usage" in out.stderr


def test_served_document_passes_the_openapi_validator(served, tmp_path):
    path = tmp_path / "openapi.json"
    path.write_bytes(served.content)
    out = subprocess.run(["node", VALIDATOR, str(path)], capture_output=True, timeout=120, check=False)
    assert out.returncode == 0, (out.stdout + out.stderr).decode(errors="replace")


def test_every_route_is_documented_and_every_operation_is_a_route(routes, served):
    document = served.json()
    documented = {(method, path): op for method, path, op in operations(document)}
    table = {(row["method"], row["pattern"]): row for row in routes}
    assert set(documented) == set(table)
    for key, row in table.items():
        op = documented[key]
        assert op["x-kefu-roles"] == row["roles"], key
        assert (op["security"] == []) == row["anonymous"], key
        assert op["summary"] and op["operationId"], key
        path_names = re.findall(r"\{(\w+)\}", key[1])
        declared = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]
        assert sorted(declared) == sorted(path_names), key


def test_every_example_matches_its_schema(served):
    document = served.json()
    checked = 0
    for method, path, op in operations(document):
        media = list(op.get("requestBody", {}).get("content", {}).items())
        for status, response in op["responses"].items():
            response = resolve(document, response)
            media += [("%s %s" % (status, t), m) for t, m in response.get("content", {}).items()]
        media += [("parameter " + p["name"], p) for p in op.get("parameters", []) if "example" in p]
        for where, m in media:
            if "example" in m:
                check_schema(document, m["schema"], m["example"], "%s %s %s" % (method, path, where))
                checked += 1
    assert checked >= len(list(operations(document)))


def test_problem_schema_holds_what_the_gateway_sends(gateway, served):
    document = served.json()
    r = requests.get(gateway.base + "/v1/tickets", timeout=HTTP_TIMEOUT)
    assert r.status_code == 401
    check_schema(document, document["components"]["responses"]["Problem401"]["content"]
                 ["application/problem+json"]["schema"], r.json(), "401")
    # The schema is not vacuous: a problem with another status, or without a type, fails.
    wrong = dict(r.json(), status=403)
    with pytest.raises(AssertionError):
        check_schema(document, document["components"]["responses"]["Problem401"]["content"]
                     ["application/problem+json"]["schema"], wrong, "401")
    with pytest.raises(AssertionError):
        check_schema(document, {"$ref": "#/components/schemas/Problem"},
                     {k: v for k, v in r.json().items() if k != "type"}, "problem")


# --- every operation answers as documented --------------------------------------------------


@pytest.fixture
def full_gateway(e2e_env, spawn, tickets, session_bus):
    """A gateway that routes every service the table names (tickets, webhooks and
    scheduling), verifies session tokens and runs the bus scheduling publishes to."""
    webhooks = spawn.webhooks(tickets.port, KEFU_BUS_XSUB="", KEFU_BUS_XPUB=session_bus["KEFU_BUS_XPUB"])
    signing, public = make_session_keys(e2e_env, "k1")
    bus_xsub = "tcp://127.0.0.1:%d" % free_port()
    scheduling = spawn.scheduling(signing, bus_xsub)
    return spawn.gateway(tickets.port, KEFU_GATEWAY_SERVICES="tickets,webhooks,scheduling",
                         KEFU_WEBHOOKS_ENDPOINT=webhooks.endpoint, KEFU_SCHEDULING_ENDPOINT=scheduling.endpoint,
                         KEFU_SESSION_PUBLIC_KEYS=public, KEFU_BUS_XSUB=bus_xsub,
                         KEFU_BUS_XPUB="tcp://127.0.0.1:%d" % free_port())


def who_may(op):
    """The key of a role the operation admits (None: anonymous)."""
    if not op["x-kefu-roles"]:
        return None
    for who, (role, _staff) in ROLES.items():
        if role in op["x-kefu-roles"]:
            return who
    pytest.fail("no test key has one of the roles %r" % op["x-kefu-roles"])


def check_answer(document, method, path, op, r):
    """The status is one the operation declares, never the gateway's 'no such
    route', and the body matches the schema declared for it."""
    where = "%s %s" % (method, path)
    assert r.status_code != 405, describe(r)
    if r.status_code == 404:
        assert r.json().get("detail") != "no such resource", describe(r)
    declared = op["responses"]
    assert str(r.status_code) in declared, "%s answered %d, not declared (%s)\n%s" % (
        where, r.status_code, sorted(declared), describe(r))
    response = resolve(document, declared[str(r.status_code)])
    content = response.get("content", {})
    if not content:
        assert r.content == b"", describe(r)
        return
    media_type = r.headers["Content-Type"].split(";")[0]
    assert media_type in content, "%s: %s not declared for %d" % (where, media_type, r.status_code)
    if media_type.endswith("json"):
        check_schema(document, content[media_type]["schema"], r.json(), "%s %d" % (where, r.status_code))
    elif media_type != "text/event-stream":
        # A document (CSV, iCalendar): text, as declared.
        check_schema(document, content[media_type]["schema"], r.content.decode("utf-8"),
                     "%s %d" % (where, r.status_code))
    for header in response.get("headers", {}):
        assert header in r.headers, "%s %d: header %s missing" % (where, r.status_code, header)


def test_every_operation_answers_as_documented(full_gateway, api_keys):
    base = full_gateway.base
    document = requests.get(base + "/openapi.json", timeout=HTTP_TIMEOUT).json()
    session = requests.Session()
    staff_no = "S" + secrets.token_hex(4)

    def example(op):
        """The operation's request example, with this run's staff number."""
        body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
        if "example" not in body:
            return None
        return json.loads(json.dumps(body["example"]).replace(EXAMPLE_STAFF_NO, staff_no))

    def call(method, path, op, token=None, **kw):
        who = who_may(op)
        headers = kw.pop("headers", {})
        if token:
            headers["Authorization"] = "Bearer " + token
        elif who:
            headers["Authorization"] = "Bearer " + api_keys[who]
        if method == "GET" and path == "/v1/events":
            with session.get(base + path, headers=headers, stream=True, timeout=HTTP_TIMEOUT, **kw) as r:
                if r.status_code == 200:
                    assert r.headers["Content-Type"] == "text/event-stream"
                    return r
                r.content  # noqa: B018 (read the problem body)
                return r
        return session.request(method, base + path, headers=headers, timeout=HTTP_TIMEOUT, **kw)

    # Real resources, made from the documented examples, so successes are checked too.
    ops = {(m, p): op for m, p, op in operations(document)}
    created = {}
    for pattern, field in (("/v1/tickets", "id"), ("/v1/webhooks", "id"), ("/v1/staff", "id")):
        op = ops[("POST", pattern)]
        body = example(op)
        if "url" in body:  # the example's host is not resolvable here; loopback is allowed
            body = dict(body, url="http://127.0.0.1:9/kefu")
        r = call("POST", pattern, op, json=body)
        check_answer(document, "POST", pattern, op, r)
        assert r.status_code == 201, describe(r)
        created[pattern] = str(r.json()[field])
    # The examples' person sets the password the log-in example uses; the
    # /v1/staff/{id} operations (suspend, depart...) act on another person.
    op = ops[("POST", "/v1/sessions/password")]
    r = call("POST", "/v1/sessions/password", op, json=example(op))
    check_answer(document, "POST", "/v1/sessions/password", op, r)
    assert r.status_code == 200 and not r.json()["must_change_password"], describe(r)
    person = example(ops[("POST", "/v1/staff")])
    person["staff_no"] = "S" + secrets.token_hex(4)
    r = call("POST", "/v1/staff", ops[("POST", "/v1/staff")], json=person)
    assert r.status_code == 201, describe(r)
    created["/v1/staff/"] = str(r.json()["id"])
    op = ops[("POST", "/v1/api-keys")]
    r = call("POST", "/v1/api-keys", op, json=example(op))
    check_answer(document, "POST", "/v1/api-keys", op, r)
    assert r.status_code == 201, describe(r)
    created["/v1/api-keys/"] = r.json()["api_key"]["id"]

    def concrete(pattern):
        """The pattern with the ids of the resources made above (an absent {id} elsewhere)."""
        path = pattern.replace("{key}", created["/v1/api-keys/" if pattern.startswith("/v1/api-keys/")
                                                 else "/v1/webhooks"])
        if path.startswith("/v1/tickets"):
            return path.replace("{id}", created["/v1/tickets"])
        if path.startswith("/v1/staff/"):
            return path.replace("{id}", created["/v1/staff/"])
        return path.replace("{id}", ABSENT_ID)

    answered = set()
    answers = {}  # (method, pattern): the answer to the documented call
    made = []  # Locations of what the examples created, deleted at the end
    # DELETE last: it removes the webhook the other calls use.
    for method, pattern, op in sorted(operations(document), key=lambda o: o[0] == "DELETE"):
        path = concrete(pattern)
        body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
        kw = {"json": example(op)} if "example" in body else ({"json": {}} if body else {})
        if method == "POST" and pattern == "/v1/tickets/{id}/transitions":
            kw["headers"] = {"If-Match": '"1"'}
        # The query as documented: every parameter's example.
        params = {p["name"]: p for p in op.get("parameters", []) if p["in"] == "query"}
        query = {name: p["example"] for name, p in params.items() if "example" in p}
        assert all(name in query for name, p in params.items() if p["required"]), (method, pattern)
        if query:
            kw["params"] = query
        r = call(method, path, op, **kw)
        check_answer(document, method, pattern, op, r)
        answered.add(r.status_code)
        answers[(method, pattern)] = r
        # A log-in, a comment or an attachment creates nothing with a URL of
        # its own (no Location).
        if r.status_code == 201 and "Location" in r.headers:
            made.append(r.headers["Location"])

        # Deliberately invalid: a field no request has, or a query value out of
        # bounds; and each required query parameter left out, each open end of
        # a number's range reached (400s naming the parameter).
        bads = []
        if body:
            bads.append(({"json": {"no_such_field": 1}}, None))
        elif "limit" in params:
            bads.append(({"params": {"limit": params["limit"]["schema"]["maximum"] + 1}}, "limit"))
        elif "types" in params:
            bads.append(({"params": {"types": "NOT A PREFIX!"}}, None))
        for name, p in params.items():
            if p["required"]:
                bads.append(({"params": {k: v for k, v in query.items() if k != name}}, name))
            for end in ("exclusiveMinimum", "exclusiveMaximum"):
                if end in p["schema"]:
                    bads.append(({"params": dict(query, **{name: p["schema"][end]})}, name))
        for bad_kw, field in bads:
            bad = call(method, path, op, **bad_kw)
            check_answer(document, method, pattern, op, bad)
            assert bad.status_code == 400, describe(bad)
            assert bad.json()["type"] == "urn:kefu:problem:invalid-field", describe(bad)
            if field:
                assert bad.json()["field"] == field, describe(bad)
    # Not every call failed: successes were checked against their schemas too.
    assert {200, 201, 204} <= answered, answered

    # The staffing examples (SCH-9) are what the service answers to the
    # documented query and body, to the examples' seven digits; only the
    # agents on shift (and so the gap) depend on the shifts stored.
    def documented_answer(method, pattern):
        r = answers[(method, pattern)]
        assert r.status_code == 200, describe(r)
        return r.json(), ops[(method, pattern)]["responses"]["200"]["content"]["application/json"]["example"]

    got, want = documented_answer("GET", "/v1/staffing/erlang-c")
    assert got == pytest.approx(want, rel=1e-6)
    got, want = documented_answer("POST", "/v1/staffing/plan")
    assert len(got["items"]) == len(want["items"])
    for item, documented in zip(got["items"], want["items"]):
        assert item["gap"] == item["agents_scheduled"] - item["agents_required"], item
        shifts = ("agents_scheduled", "gap")
        assert {k: v for k, v in item.items() if k not in shifts} == pytest.approx(
            {k: v for k, v in documented.items() if k not in shifts}, rel=1e-6)

    # The bearerToken scheme: the token POST /v1/sessions returns is a credential.
    op = ops[("POST", "/v1/sessions")]
    r = call("POST", "/v1/sessions", op, json=example(op))
    check_answer(document, "POST", "/v1/sessions", op, r)
    assert r.status_code == 201, describe(r)
    token = r.json()["token"]
    op = ops[("GET", "/v1/staff/{id}")]
    r = call("GET", concrete("/v1/staff/{id}"), op, token=token)
    check_answer(document, "GET", "/v1/staff/{id}", op, r)
    assert r.status_code == 200, describe(r)
    op = ops[("GET", "/v1/tickets")]
    r = call("GET", "/v1/tickets", op, token=token)
    check_answer(document, "GET", "/v1/tickets", op, r)
    assert r.status_code == 200, describe(r)
    op = ops[("DELETE", "/v1/sessions/current")]
    r = call("DELETE", "/v1/sessions/current", op, token=token)
    check_answer(document, "DELETE", "/v1/sessions/current", op, r)
    assert r.status_code == 204, describe(r)

    # What the examples created goes, newest first (a policy before the calendar
    # it uses), so later tests see no SLA policy or webhook of this test's.
    for location in reversed(made):
        collection = location.rsplit("/", 1)[0]
        for pattern in (collection + "/{id}", collection + "/{key}"):
            if ("DELETE", pattern) in ops:
                r = call("DELETE", location, ops[("DELETE", pattern)])
                check_answer(document, "DELETE", pattern, ops[("DELETE", pattern)], r)
                assert r.status_code == 204, describe(r)


def test_a_retried_create_of_a_deleted_resource_answers_as_documented(gateway, api_keys):
    """The same Idempotency-Key after the resource it created was deleted is a
    404, which the document declares for a create whose resources can be
    deleted (not only for paths with an id)."""
    base = gateway.base
    document = requests.get(base + "/openapi.json", timeout=HTTP_TIMEOUT).json()
    ops = {(m, p): op for m, p, op in operations(document)}
    create, delete = ops[("POST", "/v1/sla/calendars")], ops[("DELETE", "/v1/sla/calendars/{id}")]
    headers = {"Authorization": "Bearer " + api_keys[who_may(create)],
               "Idempotency-Key": "openapi-" + uuid.uuid4().hex}
    example = create["requestBody"]["content"]["application/json"]["example"]
    body = dict(example, name="%s %s" % (example["name"], uuid.uuid4().hex[:8]))
    first = requests.post(base + "/v1/sla/calendars", json=body, headers=headers, timeout=HTTP_TIMEOUT)
    check_answer(document, "POST", "/v1/sla/calendars", create, first)
    assert first.status_code == 201, describe(first)
    gone = requests.delete(base + first.headers["Location"], timeout=HTTP_TIMEOUT,
                           headers={"Authorization": "Bearer " + api_keys[who_may(delete)]})
    assert gone.status_code == 204, describe(gone)
    again = requests.post(base + "/v1/sla/calendars", json=body, headers=headers, timeout=HTTP_TIMEOUT)
    check_answer(document, "POST", "/v1/sla/calendars", create, again)
    assert again.status_code == 404 and again.json()["type"] == "urn:kefu:problem:not-found", describe(again)


def test_security_is_declared_per_operation(served):
    """Both credentials are HTTP bearer schemes; anonymous operations (log-in,
    the password change, probes, this document) say so with `security: []`."""
    document = served.json()
    schemes = document["components"]["securitySchemes"]
    assert {name: (s["type"], s["scheme"]) for name, s in schemes.items()} == {
        "apiKey": ("http", "bearer"), "bearerToken": ("http", "bearer")}
    assert document["security"] == [{"apiKey": []}, {"bearerToken": []}]
    anonymous = {(m, p) for m, p, op in operations(document) if op["security"] == []}
    assert anonymous == {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/openapi.json"),
                         ("POST", "/v1/sessions"), ("POST", "/v1/sessions/password")}
    for method, path, op in operations(document):
        assert op["x-kefu-anonymous"] == ((method, path) in anonymous), (method, path)
        if (method, path) not in anonymous:
            assert op["security"] == [{"apiKey": []}, {"bearerToken": []}], (method, path)
            assert "401" in op["responses"] and "403" in op["responses"], (method, path)
    # Log-in is anonymous, yet refuses bad credentials: 401 and 403 are documented.
    login = document["paths"]["/v1/sessions"]["post"]["responses"]
    assert {"201", "401", "403"} <= set(login)


def test_a_ticket_read_matches_the_schema_and_a_broken_one_does_not(api, served):
    """The reply schema is strict enough to notice a wrong type or a missing field."""
    document = served.json()
    ticket = api.agent.create()
    schema = {"$ref": "#/components/schemas/kefu.v1.Ticket"}
    check_schema(document, schema, api.agent.ticket(ticket["id"]), "ticket")
    for broken in (dict(ticket, version="1"), {k: v for k, v in ticket.items() if k != "status"}):
        with pytest.raises(AssertionError):
            check_schema(document, schema, copy.deepcopy(broken), "broken ticket")
