"""Webhooks: signed, durable delivery of kefu events to CRM systems.

A module of its own processes: kefu-webhooks (consuming the session's tickets
service, loopback receivers allowed, backoff 50 ms doubling to 500 ms) and a
gateway routing tickets and webhooks. Receivers are small HTTP
servers in this process on 127.0.0.1 that can fail on purpose or go away.

What is proved, black box: every ticket event reaches the receiver through answers
of 500 and a period of connection refused, exactly once after dedup by
Kefu-Event-Id, with the same body every time and a signature that Python's own
hmac verifies; audit records never leave (AUD-8); bad URLs and non-http schemes are
422 and write nothing, loopback targets too unless allowed; the delivery log shows
attempts, status codes and errors; redelivery resends the same event id; pause holds
deliveries and resume sends them; a delivery failing past the retry window is dead,
with an event; delete is 204 and stops delivery.
"""

import hashlib
import hmac
import http.server
import json
import threading
import time

import pytest

from conftest import _stopped_cleanly
from kefu_e2e import (Api, ZmqClient, assert_problem, describe, free_port, inquiry, make_actor,
                      make_gateway, make_webhooks, poll_until)

from kefu.v1 import envelope_pb2, tickets_pb2, webhooks_pb2  # noqa: E402  (generated, path set by kefu_e2e)

# Dead after this long since the first attempt: far longer than the receiver's
# planned downtime below, even on a loaded machine. The dead-letter test runs a
# second instance with a window of DEAD_AFTER_S beside it.
GIVE_UP_S = 300
DEAD_AFTER_S = 2
DOWNTIME_S = 2.5
DELIVERY_TIMEOUT = 60.0
# Replay protection a receiver applies (the README's recipe).
TIMESTAMP_TOLERANCE_S = 300


# --- the receiver -------------------------------------------------------------------------


class Receiver:
    """A CRM's endpoint: records every request, answers what `policy(path, event_id,
    attempt)` says (attempt counts from 1 per path and event id), can go away and
    come back on the same port."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []
        self.attempts = {}
        self.policy = lambda path, event_id, attempt: (200, b"ok")
        self.server = None
        self.port = None
        self.start()

    def url(self, path="/hook"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def _handler(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                event_id = self.headers.get("Kefu-Event-Id", "")
                with receiver.lock:
                    key = (self.path, event_id)
                    receiver.attempts[key] = receiver.attempts.get(key, 0) + 1
                    status, answer = receiver.policy(self.path, event_id, receiver.attempts[key])
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                              "status": status, "at": time.time()})
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        return Handler

    def start(self):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port or 0), self._handler())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        """Close the listening socket: connections are refused until start()."""
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def seen(self, path=None):
        with self.lock:
            return [r for r in self.requests if path is None or r["path"] == path]

    def accepted(self, path):
        """Event id -> the requests answered 2xx (what the application processed)."""
        result = {}
        for r in self.seen(path):
            if 200 <= r["status"] < 300:
                result.setdefault(r["headers"]["Kefu-Event-Id"], []).append(r)
        return result


def signature_valid(secret, request):
    """The receiver's check, as the README gives it: HMAC-SHA256 keyed with the whole
    secret string over "<Kefu-Timestamp>.<raw body>", compared in constant time, and
    a timestamp within five minutes."""
    timestamp = request["headers"]["Kefu-Timestamp"]
    if abs(int(timestamp) - time.time()) > TIMESTAMP_TOLERANCE_S:
        return False
    expected = "v1=" + hmac.new(secret.encode(), timestamp.encode() + b"." + request["body"],
                                hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request["headers"]["Kefu-Signature"])


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stack(e2e_env, tickets_process, gateway_process, api_keys, session_bus):
    """kefu-webhooks and a gateway routing tickets and webhooks, for this module.
    kefu-webhooks reads the session bus, where tickets publishes, as it would in
    production (events arrive live; replay only fills gaps)."""
    if not tickets_process.alive():
        tickets_process.start()
    bus_xsub, bus_xpub = "tcp://127.0.0.1:%d" % free_port(), "tcp://127.0.0.1:%d" % free_port()
    webhooks = make_webhooks(e2e_env, "webhooks", tickets_process.port, KEFU_BUS_XSUB=bus_xsub,
                             KEFU_BUS_XPUB=session_bus["KEFU_BUS_XPUB"], KEFU_WEBHOOKS_GIVE_UP_S=GIVE_UP_S)
    webhooks.start()
    gateway = make_gateway(e2e_env, "webhooks.gateway", tickets_process.port, api_keys,
                           KEFU_GATEWAY_SERVICES="tickets,webhooks",
                           KEFU_WEBHOOKS_ENDPOINT=webhooks.endpoint, KEFU_BUS_XSUB=bus_xsub,
                           KEFU_BUS_XPUB=bus_xpub)
    try:
        gateway.start()
    except AssertionError:
        _stopped_cleanly(webhooks)
        raise
    yield {"webhooks": webhooks, "gateway": gateway, "api": Api(gateway.base, api_keys)}
    problems = []
    for process in (gateway, webhooks):
        try:
            _stopped_cleanly(process)
        except AssertionError as error:
            problems.append(str(error))
    assert not problems, "\n".join(problems)


@pytest.fixture
def api(stack):
    for name in ("webhooks", "gateway"):
        assert stack[name].alive(), "%s died:\n%s" % (name, stack[name].log_tail())
    return stack["api"]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture
def hooks(api):
    """Create webhooks (as the integration role); all are deleted at the end."""
    created = []

    def create(url, event_types=None, **body):
        body = dict(body, url=url)
        if event_types is not None:
            body["event_types"] = event_types
        r = api.integration.post("/v1/webhooks", json=body)
        assert r.status_code == 201, describe(r)
        created.append(r.json()["id"])
        return r.json()

    yield create
    for webhook_id in created:
        api.integration.request("DELETE", "/v1/webhooks/" + webhook_id)


def deliveries(api, webhook_id, **query):
    r = api.integration.get("/v1/webhooks/%s/deliveries" % webhook_id, params=dict({"limit": 200}, **query))
    assert r.status_code == 200, describe(r)
    return r.json()["items"]


def ticket_events(db, ticket_ids, prefix="ticket."):
    """{event id: type} of the outbox events of these tickets whose type has `prefix`."""
    subjects = ",".join("ticket/%d" % i for i in ticket_ids)
    rows = db.rows("SELECT event_id, type FROM tickets.outbox WHERE subject = ANY (string_to_array(:'s', ',')) "
                   "AND starts_with(type, :'p')", s=subjects, p=prefix)
    return {event_id: event_type for event_id, event_type in rows}


def owner_notices(db, ticket_ids):
    """{event id: type} of the ticket.owner_notified events (TKT-5) about these tickets."""
    rows = db.rows("SELECT event_id, encode(payload, 'hex') FROM tickets.outbox WHERE type = 'ticket.owner_notified'")
    return {event_id: "ticket.owner_notified" for event_id, payload in rows
            if tickets_pb2.TicketOwnerNotified.FromString(bytes.fromhex(payload)).ticket_id in ticket_ids}


def create_tickets(api, count):
    return [api.agent.create(body=inquiry())["id"] for _ in range(count)]


# --- registration -------------------------------------------------------------------------


def test_create_shows_secret_once_and_get_list_never(api, receiver):
    r = api.integration.post("/v1/webhooks", json={"url": receiver.url(), "event_types": ["ticket."],
                                                   "description": "CRM sync"})
    assert r.status_code == 201, describe(r)
    created = r.json()
    hooks_created = created["id"]
    try:
        assert created["id"].startswith("wh_") and len(created["id"]) == 27, created
        assert r.headers["Location"] == "/v1/webhooks/" + created["id"]
        assert created["secret"].startswith("whsec_") and len(created["secret"]) == 70, created
        assert created["status"] == "active" and created["event_types"] == ["ticket."]
        assert created["url"] == receiver.url() and created["description"] == "CRM sync"
        got = api.admin.get("/v1/webhooks/" + created["id"])
        assert got.status_code == 200, describe(got)
        assert got.json()["secret"] == "" and got.json()["id"] == created["id"]
        listed = api.integration.get("/v1/webhooks", params={"limit": 200})
        assert listed.status_code == 200, describe(listed)
        mine = [w for w in listed.json()["items"] if w["id"] == created["id"]]
        assert len(mine) == 1 and mine[0]["secret"] == ""
    finally:
        assert api.integration.request("DELETE", "/v1/webhooks/" + hooks_created).status_code == 204


def test_create_with_idempotency_key_answers_the_first_webhook_again(api, receiver, db):
    """DESIGN §4: the same key and body give the first answer, secret included (it may
    never have reached the caller); another body with the key is 422."""
    key = "e2e-webhook-" + hashlib.sha256(receiver.url().encode()).hexdigest()[:16]
    body = {"url": receiver.url("/idem"), "event_types": ["ticket.created"]}
    first = api.integration.post("/v1/webhooks", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == 201, describe(first)
    try:
        again = api.integration.post("/v1/webhooks", json=body, headers={"Idempotency-Key": key})
        assert again.status_code == 201, describe(again)
        assert again.json()["id"] == first.json()["id"] and again.json()["secret"] == first.json()["secret"]
        assert db.count("SELECT count(*) FROM webhooks.webhooks WHERE url = :'u'", u=body["url"]) == 1
        other = api.integration.post("/v1/webhooks", json=dict(body, description="changed"),
                                     headers={"Idempotency-Key": key})
        assert_problem(other, 422, field="Idempotency-Key")
        # The secret shown again is on the audit record, like the creation.
        assert db.count("SELECT count(*) FROM webhooks.outbox WHERE type = 'audit.record.webhook.create_replayed' "
                        "AND subject = :'s'", s="webhook/" + first.json()["id"]) == 1
    finally:
        assert api.integration.request("DELETE", "/v1/webhooks/" + first.json()["id"]).status_code == 204
    # A late retry is told the webhook is gone; it does not create another.
    late = api.integration.post("/v1/webhooks", json=body, headers={"Idempotency-Key": key})
    assert_problem(late, 404, field="Idempotency-Key")
    assert db.count("SELECT count(*) FROM webhooks.webhooks WHERE url = :'u'", u=body["url"]) == 0


def test_only_admin_and_integration_manage_webhooks(api, receiver):
    for who in ("agent", "supervisor", "manager", "auditor"):
        client = getattr(api, who)
        assert_problem(client.post("/v1/webhooks", json={"url": receiver.url()}), 403)
        assert_problem(client.get("/v1/webhooks"), 403)
    assert_problem(api.anonymous.get("/v1/webhooks"), 401)


def test_bad_url_or_scheme_is_422_and_writes_nothing(api, db):
    before = db.rows("SELECT (SELECT count(*) FROM webhooks.webhooks), (SELECT count(*) FROM webhooks.outbox)")
    bad = ["not a url", "ftp://example.com/hooks", "file:///etc/passwd", "gopher://127.0.0.1/",
           "http://user:secret@127.0.0.1/hook", "http://127.0.0.1:0/hook", "http://127.0.0.1:70000/",
           "http:///nohost", "http://2130706433/", "http://example.com/#frag", "", "javascript:alert(1)"]
    for url in bad:
        problem = assert_problem(api.integration.post("/v1/webhooks", json={"url": url}), 422, field="url")
        assert "url" in problem["detail"], problem
    problem = assert_problem(api.integration.post("/v1/webhooks", json={"url": "http://127.0.0.1:1/",
                                                                         "event_types": ["audit.record."]}),
                             422, field="event_types[0]")
    assert "AUD-8" in problem["detail"], problem
    assert_problem(api.integration.post("/v1/webhooks", json={"url": "http://127.0.0.1:1/",
                                                              "event_types": ["ticket created"]}), 422)
    assert_problem(api.integration.post("/v1/webhooks", json={"url": 42}), 400)
    after = db.rows("SELECT (SELECT count(*) FROM webhooks.webhooks), (SELECT count(*) FROM webhooks.outbox)")
    assert after == before


def test_loopback_refused_unless_allowed(spawn, tickets_process):
    """A second instance without KEFU_WEBHOOKS_ALLOW_PRIVATE (the production default)
    refuses loopback, private and link-local targets, over ZeroMQ as over HTTP."""
    strict = spawn.webhooks(tickets_process.port, KEFU_WEBHOOKS_ALLOW_PRIVATE="false",
                            KEFU_BUS_XSUB="", KEFU_BUS_XPUB="tcp://127.0.0.1:%d" % free_port())
    with ZmqClient(strict.endpoint) as client:
        for url in ("http://127.0.0.1:8080/hook", "http://[::1]/hook", "http://10.0.0.7/hook",
                    "http://169.254.169.254/latest/meta-data/", "http://[::ffff:127.0.0.1]/",
                    "http://localhost/hook", "http://0.0.0.0/"):
            reply = client.call("webhooks.create", webhooks_pb2.CreateWebhookRequest(url=url),
                                actor=make_actor("integration"))
            assert reply is not None
            assert reply.status.code == envelope_pb2.INVALID_ARGUMENT, (url, reply.status)
            assert reply.status.field == "url", reply.status


def test_unknown_webhook_is_404(api):
    for path in ("/v1/webhooks/wh_000000000000000000000000", "/v1/webhooks/whatever",
                 "/v1/webhooks/wh_000000000000000000000000/deliveries"):
        assert_problem(api.integration.get(path), 404)
    assert_problem(api.integration.request("DELETE", "/v1/webhooks/wh_000000000000000000000000"), 404)
    assert_problem(api.integration.post("/v1/webhooks/wh_000000000000000000000000/pause"), 404)
    assert_problem(api.integration.get("/v1/webhooks/%2e%2e"), 404)


# --- delivery -----------------------------------------------------------------------------


def test_every_event_delivered_once_through_failures_and_downtime(api, hooks, receiver, db):
    """The first two attempts of each event get 500, then the receiver is down for a
    while (connection refused), then back: every ticket event arrives, none twice to
    the application, every request signed; audit records never arrive (AUD-8)."""
    failures_per_event = 2
    receiver.policy = lambda path, event_id, attempt: (
        (500, b"not yet") if path == "/hook" and attempt <= failures_per_event else (200, b"ok"))
    # ticket.created: a "ticket." prefix would bring each ticket's ticket.owner_notified too.
    hook = hooks(receiver.url("/hook"), ["ticket.created"])
    everything = hooks(receiver.url("/all"))      # no prefixes: every event type there is

    ticket_ids = create_tickets(api, 4)
    first = ticket_events(db, ticket_ids)
    poll_until(lambda: set(first) <= set(receiver.accepted("/hook")), DELIVERY_TIMEOUT,
               what="the first events delivered through two 500s each")

    receiver.stop()
    during = create_tickets(api, 3)
    ticket_ids += during
    down_events = ticket_events(db, during)

    def refused_attempts_logged():
        items = [d for d in deliveries(api, hook["id"]) if d["event_id"] in down_events]
        return items and all(d["attempts"] >= 2 and d["last_status_code"] == 0 and d["status"] == "pending"
                             for d in items) and items
    logged = poll_until(refused_attempts_logged, DELIVERY_TIMEOUT, what="refused attempts in the log")
    assert all("connect" in d["last_error"].lower() for d in logged), logged
    time.sleep(DOWNTIME_S)
    receiver.start()
    ticket_ids += create_tickets(api, 2)

    expected = ticket_events(db, ticket_ids)
    assert len(expected) == 9, expected
    # No prefix: the owner's notifications of these tickets too.
    expected_all = dict(expected, **owner_notices(db, ticket_ids))
    assert len(expected_all) == 18, expected_all
    poll_until(lambda: set(expected) <= set(receiver.accepted("/hook"))
               and set(expected_all) <= set(receiver.accepted("/all")), DELIVERY_TIMEOUT,
               what="every event delivered after the downtime")

    for path, wanted in (("/hook", expected), ("/all", expected_all)):
        accepted = receiver.accepted(path)
        # After dedup by event id the application saw each event once; here no
        # event was even accepted twice.
        assert set(accepted) == set(wanted), (path, set(accepted) ^ set(wanted))
        assert all(len(requests) == 1 for requests in accepted.values()), path
    hook_requests = receiver.seen("/hook")
    for request in receiver.seen():
        headers = request["headers"]
        secret = hook["secret"] if request["path"] == "/hook" else everything["secret"]
        assert signature_valid(secret, request), headers
        assert headers["Content-Type"] == "application/cloudevents+json"
        assert headers["Idempotency-Key"] == headers["Kefu-Event-Id"]
        event = json.loads(request["body"])
        assert event["specversion"] == "1.0" and event["id"] == headers["Kefu-Event-Id"]
        assert event["source"] == "tickets" and event["type"] == headers["Kefu-Event-Type"]
        assert not event["type"].startswith("audit.record."), event["type"]      # AUD-8
        data = event["data"]
        about = data["ticket"]["id"] if "ticket" in data else data["ticket_id"]
        assert event["datacontenttype"] == "application/json" and about in ticket_ids
    # Retries send the very same bytes.
    bodies = {}
    for request in hook_requests:
        bodies.setdefault(request["headers"]["Kefu-Event-Id"], set()).add(request["body"])
    assert all(len(b) == 1 for b in bodies.values())
    # The catch-all webhook got no audit record although tickets wrote them.
    assert ticket_events(db, ticket_ids, prefix="audit.record."), "tickets wrote no audit records?"

    log = {d["event_id"]: d for d in deliveries(api, hook["id"]) if d["event_id"] in expected}
    assert set(log) == set(expected)
    for event_id, entry in log.items():
        assert entry["status"] == "delivered" and entry["last_status_code"] == 200, entry
        assert entry["attempts"] >= failures_per_event + 1 and entry["delivered_at"], entry
        assert entry["last_error"] == "" and entry["next_attempt_at"] == "", entry
        assert entry["event_source"] == "tickets" and entry["event_type"] == expected[event_id]
        delivered = receiver.accepted("/hook")[event_id][0]
        assert delivered["headers"]["Kefu-Delivery-Id"] == str(entry["id"])
    assert all(log[e]["attempts"] >= failures_per_event + 3 for e in down_events), log


def test_delivery_log_shows_status_codes_and_errors(api, hooks, receiver):
    receiver.policy = lambda path, event_id, attempt: (503, b"busy right now\x00\xff")
    hook = hooks(receiver.url("/busy"), ["ticket.created"])
    create_tickets(api, 1)
    items = poll_until(lambda: [d for d in deliveries(api, hook["id"]) if d["attempts"] >= 3], DELIVERY_TIMEOUT,
                       what="three failed attempts")
    entry = items[0]
    assert entry["status"] == "pending" and entry["event_type"] == "ticket.created", entry
    assert entry["last_status_code"] == 503, entry
    assert entry["last_error"].startswith("HTTP 503: busy right now"), entry
    assert isinstance(entry["last_latency_ms"], int) and entry["next_attempt_at"], entry
    assert entry["last_attempt_at"] and entry["delivered_at"] == "", entry
    assert [d["id"] for d in deliveries(api, hook["id"], status="pending")] == [entry["id"]]
    assert deliveries(api, hook["id"], status="delivered") == []
    assert_problem(api.integration.get("/v1/webhooks/%s/deliveries" % hook["id"], params={"status": "bogus"}),
                   422, field="status")


def test_redelivery_sends_same_event_id_again(api, hooks, receiver, db):
    hook = hooks(receiver.url("/redo"), ["ticket.created"])
    [ticket_id] = create_tickets(api, 1)
    [event_id] = ticket_events(db, [ticket_id], prefix="ticket.created")
    poll_until(lambda: event_id in receiver.accepted("/redo"), DELIVERY_TIMEOUT, what="first delivery")
    [entry] = deliveries(api, hook["id"])
    r = api.integration.post("/v1/webhooks/%s/deliveries/%d/redeliver" % (hook["id"], entry["id"]))
    assert r.status_code == 202, describe(r)
    assert r.json()["id"] == entry["id"] and r.json()["event_id"] == event_id
    poll_until(lambda: len(receiver.accepted("/redo").get(event_id, [])) == 2, DELIVERY_TIMEOUT,
               what="the redelivery")
    first, again = receiver.accepted("/redo")[event_id]
    assert again["body"] == first["body"]
    assert again["headers"]["Kefu-Delivery-Id"] == first["headers"]["Kefu-Delivery-Id"]
    assert signature_valid(hook["secret"], again)
    poll_until(lambda: deliveries(api, hook["id"])[0]["status"] == "delivered", DELIVERY_TIMEOUT)
    assert_problem(api.integration.post("/v1/webhooks/%s/deliveries/%d/redeliver" % (hook["id"], entry["id"] + 10**9)),
                   404)
    other = hooks(receiver.url("/other"), ["nothing."])
    assert_problem(api.integration.post("/v1/webhooks/%s/deliveries/%d/redeliver" % (other["id"], entry["id"])),
                   404)
    assert db.count("SELECT count(*) FROM webhooks.outbox WHERE type = 'webhook.delivery.redelivered' "
                    "AND subject = :'s'", s="webhook/%s/delivery/%d" % (hook["id"], entry["id"])) == 1


def test_pause_holds_deliveries_and_resume_sends_them(api, hooks, receiver, db):
    hook = hooks(receiver.url("/paused"), ["ticket.created"])
    r = api.integration.post("/v1/webhooks/%s/pause" % hook["id"])
    assert r.status_code == 200 and r.json()["status"] == "paused", describe(r)
    [ticket_id] = create_tickets(api, 1)
    expected = ticket_events(db, [ticket_id])
    # Queued while paused, never attempted.
    poll_until(lambda: {d["event_id"] for d in deliveries(api, hook["id"])} == set(expected), DELIVERY_TIMEOUT,
               what="the delivery queued")
    time.sleep(1.0)
    assert receiver.seen("/paused") == []
    assert all(d["attempts"] == 0 and d["status"] == "pending" for d in deliveries(api, hook["id"]))
    r = api.integration.post("/v1/webhooks/%s/resume" % hook["id"])
    assert r.status_code == 200 and r.json()["status"] == "active", describe(r)
    poll_until(lambda: set(receiver.accepted("/paused")) == set(expected), DELIVERY_TIMEOUT,
               what="delivery after resume")
    # Pausing twice changes nothing the second time.
    assert api.integration.post("/v1/webhooks/%s/pause" % hook["id"]).status_code == 200
    assert api.integration.post("/v1/webhooks/%s/pause" % hook["id"]).status_code == 200
    assert db.count("SELECT count(*) FROM webhooks.outbox WHERE type = 'webhook.paused' AND subject = :'s'",
                    s="webhook/" + hook["id"]) == 2


def test_failing_past_the_window_is_dead_with_an_event(api, hooks, receiver, db, spawn, tickets_process):
    """A second instance with a retry window of DEAD_AFTER_S shares the queue (as a
    replica would) and declares the delivery dead on its first failure past it."""
    receiver.policy = lambda path, event_id, attempt: (500, b"down for good")
    hook = hooks(receiver.url("/dead"), ["ticket.created"])
    spawn.webhooks(tickets_process.port, KEFU_WEBHOOKS_GIVE_UP_S=DEAD_AFTER_S, KEFU_BUS_XSUB="",
                   KEFU_BUS_XPUB="tcp://127.0.0.1:%d" % free_port())
    create_tickets(api, 1)
    [entry] = poll_until(lambda: [d for d in deliveries(api, hook["id"]) if d["status"] == "dead"],
                         DEAD_AFTER_S + DELIVERY_TIMEOUT, what="the delivery declared dead")
    assert entry["last_status_code"] == 500 and "down for good" in entry["last_error"], entry
    assert entry["next_attempt_at"] == "", entry
    subject = "webhook/%s/delivery/%d" % (hook["id"], entry["id"])
    assert db.count("SELECT count(*) FROM webhooks.outbox WHERE type = 'webhook.delivery.dead' "
                    "AND subject = :'s'", s=subject) == 1
    attempts = len(receiver.seen("/dead"))
    time.sleep(1.0)
    assert len(receiver.seen("/dead")) == attempts, "a dead delivery was tried again"
    # A manual redelivery gives it a fresh window.
    receiver.policy = lambda path, event_id, attempt: (200, b"ok")
    r = api.integration.post("/v1/webhooks/%s/deliveries/%d/redeliver" % (hook["id"], entry["id"]))
    assert r.status_code == 202, describe(r)
    poll_until(lambda: deliveries(api, hook["id"])[0]["status"] == "delivered", DELIVERY_TIMEOUT)


def test_delete_is_204_and_stops_delivery(api, receiver, db):
    r = api.admin.post("/v1/webhooks", json={"url": receiver.url("/gone"), "event_types": ["ticket."]})
    assert r.status_code == 201, describe(r)
    webhook_id = r.json()["id"]
    r = api.admin.request("DELETE", "/v1/webhooks/" + webhook_id)
    assert r.status_code == 204 and r.content == b"", describe(r)
    assert_problem(api.admin.get("/v1/webhooks/" + webhook_id), 404)
    assert_problem(api.admin.request("DELETE", "/v1/webhooks/" + webhook_id), 404)
    create_tickets(api, 1)
    time.sleep(1.5)
    assert receiver.seen("/gone") == []
    types = [row[0] for row in db.rows("SELECT type FROM webhooks.outbox WHERE subject = :'s' ORDER BY id",
                                       s="webhook/" + webhook_id)]
    assert types == ["webhook.created", "audit.record.webhook.created", "webhook.deleted",
                     "audit.record.webhook.deleted"], types
