"""The event streams: Server-Sent Events from the gateway, and the ZeroMQ bus.

GET /v1/events (DESIGN.md §4) streams CloudEvents JSON; each `id:` is a cursor
over every source ("tickets:42"), and reconnecting with it as Last-Event-ID
gives exactly what was missed, in order, then live events, whether the client,
the gateway or the tickets service went away in between. A client that does not
read is cut off (kefu.stream.closed, slow-consumer) without holding anyone up;
quiet streams get heartbeat comments; auth and input are checked as on every
route. A plain ZeroMQ SUB on the gateway's XPUB gets typed kefu.v1.Event
messages filtered by topic.

Most tests use the session's gateway and tickets service (every tickets process
publishes to the session bus, which that gateway runs); the slow-consumer and
heartbeat tests use a second gateway reading the same bus with a small buffer
and a short heartbeat. The SSE client is a plain socket, so that a test controls
exactly when bytes are read (or never are).
"""

import json
import re
import socket
import threading
import time
import urllib.parse

import pytest
import requests
import zmq

from conftest import _stopped_cleanly
from kefu_e2e import (SESSION_BUS_XPUB, TICKET_FIELDS, ZmqClient, assert_problem, inquiry, make_actor,
                      make_gateway, poll_until, tickets_pb2)

from kefu.v1 import envelope_pb2  # noqa: E402  (generated, path set by kefu_e2e)

EVENT_TIMEOUT = 30.0   # for events to arrive on a loaded machine, sanitized binaries
MISSED = 100           # events created while a client is away
CURSOR = re.compile(r"^[a-z][a-z0-9_]*:[0-9]+(,[a-z][a-z0-9_]*:[0-9]+)*$")
SLOW_BUFFER_BYTES = 65536
HEARTBEAT_MS = 200


# --- an SSE client on a plain socket ---------------------------------------------------------


class SseStream:
    """GET /v1/events over one socket: the response head, then the chunked body parsed
    into SSE messages ({"id", "event", "data", "comments"}); `last_id` follows every id
    field, as a browser's EventSource does."""

    def __init__(self, port, key=None, types=None, last_event_id=None, query_last_event_id=None,
                 receive_buffer=None, timeout=10.0, subject=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_buffer:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        query = []
        if types is not None:
            query.append("types=" + types)
        if query_last_event_id is not None:
            query.append("last_event_id=" + query_last_event_id)
        if subject is not None:
            query.append("subject=" + urllib.parse.quote(subject, safe=""))
        path = "/v1/events" + ("?" + "&".join(query) if query else "")
        head = ["GET %s HTTP/1.1" % path, "Host: 127.0.0.1:%d" % port, "Accept: text/event-stream"]
        if key:
            head.append("Authorization: Bearer " + key)
        if last_event_id is not None:
            head.append("Last-Event-ID: " + last_event_id)
        self.sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        self.raw = b""          # received, not yet de-chunked
        self.text = ""          # de-chunked, not yet parsed
        self.ended = False      # the last chunk came (or the connection closed)
        self.last_id = None
        self.comments = 0
        self.started = None     # the first id seen: where the stream starts
        self._read_head()

    def _receive(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("nothing more from the SSE stream in time")
        self.sock.settimeout(left)
        data = self.sock.recv(65536)
        if not data:
            self.ended = True
        self.raw += data
        return data

    def _read_head(self):
        deadline = time.monotonic() + 10
        while b"\r\n\r\n" not in self.raw:
            if not self._receive(deadline):
                raise AssertionError("connection closed before the response head")
        head, self.raw = self.raw.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        self.chunked = self.headers.get("transfer-encoding", "").lower() == "chunked"

    def _dechunk(self):
        if not self.chunked:
            self.text += self.raw.decode("utf-8")
            self.raw = b""
            return
        while True:
            line_end = self.raw.find(b"\r\n")
            if line_end < 0:
                return
            size = int(self.raw[:line_end].split(b";")[0], 16)
            if size == 0:
                self.ended = True
                self.raw = b""
                return
            if len(self.raw) < line_end + 2 + size + 2:
                return
            self.text += self.raw[line_end + 2:line_end + 2 + size].decode("utf-8")
            self.raw = self.raw[line_end + 2 + size + 2:]

    def body(self, timeout=10.0):
        """The whole body of a non-200 answer, as JSON."""
        length = int(self.headers.get("content-length", "0"))
        deadline = time.monotonic() + timeout
        while len(self.raw) < length:
            if not self._receive(deadline):
                break
        return json.loads(self.raw[:length].decode("utf-8"))

    def next_message(self, timeout=EVENT_TIMEOUT):
        """The next message (blank-line terminated), or None once the stream ended."""
        deadline = time.monotonic() + timeout
        while True:
            self._dechunk()     # what came with the head, or with the last message
            if "\n\n" in self.text:
                break
            if self.ended:
                return None
            self._receive(deadline)
        block, self.text = self.text.split("\n\n", 1)
        message = {"comments": []}
        for line in block.split("\n"):
            if line.startswith(":"):
                message["comments"].append(line[1:].strip())
                self.comments += 1
                continue
            field, _, value = line.partition(":")
            message[field] = value[1:] if value.startswith(" ") else value
        if "id" in message:
            self.last_id = message["id"]
            if self.started is None:
                self.started = message["id"]
        return message

    def wait_started(self, timeout=EVENT_TIMEOUT):
        """Read up to the first id (the starting cursor, once every source answered)."""
        deadline = time.monotonic() + timeout
        while self.started is None:
            message = self.next_message(max(0.1, deadline - time.monotonic()))
            assert message is not None, "the stream ended before it started"
        return self

    def events(self, count, timeout=EVENT_TIMEOUT):
        """The next `count` events (messages with an event field), in order."""
        found = []
        deadline = time.monotonic() + timeout
        while len(found) < count:
            message = self.next_message(max(0.1, deadline - time.monotonic()))
            assert message is not None, "the stream ended after %d of %d events" % (len(found), count)
            if "event" in message:
                found.append(message)
        return found

    def close(self):
        """Go away as a killed client does (wakes a thread blocked reading it, too)."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


# --- helpers ---------------------------------------------------------------------------------


def create_tickets(client, count):
    """Create `count` tickets over HTTP; their ids, in order."""
    return [client.create(body=inquiry())["id"] for _ in range(count)]


def ticket_ids(messages):
    """The ticket ids of ticket.created messages, checking each one's shape."""
    ids = []
    for message in messages:
        assert message["event"] == "ticket.created", message
        assert CURSOR.match(message["id"]), message["id"]
        event = json.loads(message["data"])
        ids.append(event["data"]["ticket"]["id"])
    return ids


def position(cursor, source="tickets"):
    return int(dict(entry.split(":") for entry in cursor.split(","))[source])


def open_stream(gateway, keys, who="supervisor", **kw):
    stream = SseStream(gateway.port, keys[who], **kw)
    assert stream.status == 200, "GET /v1/events -> %d %r" % (stream.status, stream.raw[:500])
    return stream


def gateway_log_has(gateway, text):
    with open(gateway.log_path, "rb") as f:
        f.seek(gateway.log_start or 0)
        return text in f.read().decode("utf-8", "replace")


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reader_gateway(e2e_env, tickets_process, api_keys):
    """A second gateway reading the session bus (no bus of its own), with a small buffer
    per client and a short heartbeat."""
    if not tickets_process.alive():
        tickets_process.start()
    process = make_gateway(e2e_env, "events.reader-gateway", tickets_process.port, api_keys,
                           KEFU_BUS_XSUB="", KEFU_BUS_XPUB=SESSION_BUS_XPUB,
                           KEFU_SSE_BUFFER_BYTES=SLOW_BUFFER_BYTES, KEFU_SSE_HEARTBEAT_MS=HEARTBEAT_MS)
    process.start()
    yield process
    _stopped_cleanly(process)


# --- tests -----------------------------------------------------------------------------------


def test_live_events_are_cloudevents_with_cursor_ids(api, gateway, api_keys):
    # DESIGN §4: GET /v1/events is SSE, CloudEvents JSON, id = the cursor, ?types= filters.
    # (These tests follow ticket.created: every change of a ticket is followed by a
    # ticket.owner_notified, TKT-5, which a "ticket." prefix would let through too.)
    stream = open_stream(gateway, api_keys, types="ticket.created")
    try:
        assert stream.headers["content-type"] == "text/event-stream"
        assert stream.headers["cache-control"] == "no-store"
        assert stream.headers["x-accel-buffering"] == "no"
        first = stream.next_message()
        assert first == {"comments": [], "retry": "2000"}, first
        stream.wait_started()
        assert CURSOR.match(stream.started), stream.started
        created = [api.supervisor.create(body=inquiry()) for _ in range(3)]
        messages = stream.events(3)
        assert ticket_ids(messages) == [t["id"] for t in created]
        seqs = []
        for message, ticket in zip(messages, created):
            event = json.loads(message["data"])
            assert event["specversion"] == "1.0"
            assert event["source"] == "tickets" and event["type"] == "ticket.created"
            assert event["subject"] == "ticket/%d" % ticket["id"]
            assert event["datacontenttype"] == "application/json"
            assert re.match(r"^[0-9a-f-]{36}$", event["id"]), event["id"]
            assert event["time"].endswith("Z")
            assert event["data"]["ticket"]["subject"] == ticket["subject"]
            missing = [f for f in TICKET_FIELDS if f not in event["data"]["ticket"]]
            assert not missing, missing
            # The id is the position in every source just after this event.
            assert position(message["id"]) == event["seq"]
            seqs.append(event["seq"])
        assert seqs == sorted(seqs) and len(set(seqs)) == 3
        assert position(stream.started) < seqs[0]
    finally:
        stream.close()


def test_audit_records_only_for_auditors(api, gateway, api_keys):
    # AUD-8: audit.record.* go to auditors only, whatever another role asks for.
    others = open_stream(gateway, api_keys, "manager", types="audit.,ticket.created").wait_started()
    auditor = open_stream(gateway, api_keys, "auditor", types="audit.record.ticket.created").wait_started()
    try:
        ticket = api.supervisor.create(body=inquiry())
        [record] = auditor.events(1)
        assert record["event"] == "audit.record.ticket.created"
        assert json.loads(record["data"])["subject"] == "ticket/%d" % ticket["id"]
        [created] = others.events(1)
        assert created["event"] == "ticket.created"
        # The manager's cursor moved past the audit record without receiving it.
        api.supervisor.create(body=inquiry())
        [following] = others.events(1)
        assert following["event"] == "ticket.created"
        assert position(following["id"]) > position(created["id"]) + 1
    finally:
        others.close()
        auditor.close()


def test_reconnect_with_last_event_id_gets_exactly_the_missed(api, gateway, api_keys):
    # DESIGN §4: Last-Event-ID resumes without loss: exactly the missing ones, in order.
    stream = open_stream(gateway, api_keys, types="ticket.created").wait_started()
    create_tickets(api.supervisor, 3)
    stream.events(3)
    cursor = stream.last_id
    stream.close()                      # the client dies mid-stream
    missed = create_tickets(api.supervisor, MISSED)
    again = open_stream(gateway, api_keys, types="ticket.created", last_event_id=cursor)
    try:
        assert ticket_ids(again.events(MISSED)) == missed
        # ...then live continues, with nothing in between.
        later = create_tickets(api.supervisor, 2)
        assert ticket_ids(again.events(2)) == later
    finally:
        again.close()
    # The same from ?last_event_id= (for clients that cannot set headers).
    again = open_stream(gateway, api_keys, types="ticket.created", query_last_event_id=cursor)
    try:
        assert ticket_ids(again.events(MISSED + 2)) == missed + later
    finally:
        again.close()


def test_resume_across_a_gateway_restart(api, gateway, api_keys, tickets):
    # Stopping the gateway ends the stream with the cursor to resume from; what is
    # created while it is down comes on reconnection to the new gateway.
    stream = open_stream(gateway, api_keys, types="ticket.created").wait_started()
    create_tickets(api.supervisor, 2)
    stream.events(2)
    gateway.stop()
    closing = stream.events(1, timeout=10)[0]
    assert closing["event"] == "kefu.stream.closed"
    ending = json.loads(closing["data"])
    assert ending["reason"] == "shutdown"
    assert ending["resume"] == stream.last_id == closing["id"]
    assert stream.next_message(timeout=10) is None      # and the response ends
    stream.close()
    missed = []
    with ZmqClient(tickets.endpoint) as client:         # the gateway is down: straight to the service
        for _ in range(MISSED):
            request = tickets_pb2.CreateTicketRequest(kind="inquiry", channel="api", priority="normal",
                                                      category="events", subject="while the gateway is down")
            reply = client.call("tickets.create", request, actor=make_actor("supervisor"))
            assert reply is not None and reply.status.code == envelope_pb2.OK, reply
            missed.append(tickets_pb2.Ticket.FromString(reply.payload).id)
    gateway.start()
    again = open_stream(gateway, api_keys, types="ticket.created", last_event_id=ending["resume"])
    try:
        assert ticket_ids(again.events(MISSED)) == missed
        later = create_tickets(api.supervisor, 1)
        assert ticket_ids(again.events(1)) == later
    finally:
        again.close()


def test_resume_across_a_tickets_restart(api, gateway, api_keys, tickets):
    # A stream kept open while the tickets service restarts loses nothing, and one
    # that reconnects afterwards gets exactly what it missed.
    kept = open_stream(gateway, api_keys, types="ticket.created").wait_started()
    gone = open_stream(gateway, api_keys, types="ticket.created").wait_started()
    before = create_tickets(api.supervisor, 2)
    kept.events(2)
    gone.events(2)
    cursor = gone.last_id
    gone.close()
    tickets.restart()
    poll_until(lambda: requests.get(gateway.base + "/readyz", timeout=2).status_code == 200, 30,
               what="the gateway to see tickets again")
    missed = create_tickets(api.supervisor, MISSED)
    again = open_stream(gateway, api_keys, types="ticket.created", last_event_id=cursor)
    try:
        assert ticket_ids(again.events(MISSED)) == missed
        assert ticket_ids(kept.events(MISSED)) == missed
        assert before
    finally:
        again.close()
        kept.close()


def test_slow_client_is_cut_off_and_others_keep_receiving(api, reader_gateway, api_keys):
    # A client that never reads is closed (slow-consumer) once its buffer is full; a
    # fast one on the same gateway gets every event; the slow one resumes exactly.
    slow = open_stream(reader_gateway, api_keys, types="ticket.created", receive_buffer=2048).wait_started()
    fast = open_stream(reader_gateway, api_keys, types="ticket.created").wait_started()
    received = []
    failure = []

    def read_fast():
        try:
            while True:
                message = fast.next_message(timeout=60)
                if message is None:
                    return
                if "event" in message:
                    received.append(message)
        except OSError:
            return                  # closed by the test
        except Exception as error:  # noqa: BLE001 (reported below)
            failure.append(error)

    reader = threading.Thread(target=read_fast, daemon=True)
    reader.start()
    created = []
    try:
        # The kernel's buffers take some first: create until the gateway gives up.
        for _ in range(40):
            created += create_tickets(api.supervisor, 20)
            if gateway_log_has(reader_gateway, '"reason":"slow-consumer"'):
                break
        assert gateway_log_has(reader_gateway, '"reason":"slow-consumer"'), "the slow client was never cut off"
        poll_until(lambda: len(received) >= len(created), EVENT_TIMEOUT, what="the fast client's events")
        assert not failure, failure
        assert ticket_ids(received) == created
    finally:
        fast.close()
        reader.join(10)
    # Reading at last: a prefix of the events, then the reason and where to resume.
    got = []
    while True:
        message = slow.next_message()
        assert message is not None, "the slow stream ended without kefu.stream.closed"
        if message.get("event") == "kefu.stream.closed":
            break
        if "event" in message:
            got.append(message)
    ending = json.loads(message["data"])
    assert ending["reason"] == "slow-consumer"
    assert ending["resume"] == message["id"]
    assert ticket_ids(got) == created[:len(got)]
    # The cursor may have moved past audit records the client does not get.
    assert position(ending["resume"]) >= position(got[-1]["id"] if got else slow.started)
    assert slow.next_message(timeout=10) is None
    slow.close()
    again = open_stream(reader_gateway, api_keys, types="ticket.created", last_event_id=ending["resume"])
    try:
        rest = created[len(got):]
        assert ticket_ids(again.events(len(rest))) == rest
    finally:
        again.close()


def test_heartbeat_comments_keep_a_quiet_stream_open(reader_gateway, api_keys):
    stream = open_stream(reader_gateway, api_keys, types="nothing.matches.this").wait_started()
    try:
        deadline = time.monotonic() + 10
        while stream.comments < 3 and time.monotonic() < deadline:
            message = stream.next_message(timeout=10)
            assert message is not None and "event" not in message, message
        assert stream.comments >= 3
    finally:
        stream.close()


def test_auth_roles_and_bad_input(api, gateway, api_keys):
    base = gateway.base + "/v1/events"
    # 401 without a key or with a wrong one; 403 for a role that may not watch events.
    assert_problem(requests.get(base, timeout=10), 401)
    assert_problem(requests.get(base, headers={"Authorization": "Bearer not-a-key-at-all-0000"}, timeout=10), 401)
    for who in ("agent", "admin"):
        headers = {"Authorization": "Bearer " + api_keys[who]}
        assert_problem(requests.get(base, headers=headers, timeout=10), 403)
    headers = {"Authorization": "Bearer " + api_keys["integration"]}
    # 400 for a bad filter or cursor, naming the field at fault.
    for types in ("Ticket.", "ticket.,", "ticket-created", "a" * 65, ",".join("t%d" % i for i in range(17))):
        assert_problem(requests.get(base, params={"types": types}, headers=headers, timeout=10), 400,
                       field="types")
    for cursor in ("tickets", "tickets:", "tickets:-1", "tickets:1,", "tickets:1,tickets:2", "Tickets:1",
                   "tickets:18446744073709551616", "tickets:1;webhooks:2"):
        assert_problem(requests.get(base, headers=dict(headers, **{"Last-Event-ID": cursor}), timeout=10), 400,
                       field="Last-Event-ID")
        assert_problem(requests.get(base, params={"last_event_id": cursor}, headers=headers, timeout=10), 400,
                       field="last_event_id")
    # Sources this gateway does not serve are ignored, not refused.
    stream = open_stream(gateway, api_keys, "integration", last_event_id="callbacks:5,tickets:1")
    stream.close()


def test_zmq_subscriber_gets_typed_events_by_topic(api, gateway):
    # DESIGN §2: a dashboard SUBscribes to the gateway's XPUB with a topic prefix and
    # gets [type][kefu.v1.Event], the data a typed protobuf message.
    context = zmq.Context.instance()
    sub = context.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt(zmq.SUBSCRIBE, b"ticket.created")
    sub.connect(SESSION_BUS_XPUB)
    try:
        # Subscriptions travel to the publishers asynchronously: create until one arrives.
        def first_event():
            api.supervisor.create(body=inquiry())
            return sub.poll(500) and sub.recv_multipart()
        poll_until(first_event, EVENT_TIMEOUT, what="a first event on the SUB socket")
        while sub.poll(500):
            sub.recv_multipart()
        created = [api.supervisor.create(body=inquiry()) for _ in range(3)]
        seen = []
        deadline = time.monotonic() + EVENT_TIMEOUT
        while len(seen) < 3 and time.monotonic() < deadline:
            if not sub.poll(1000):
                continue
            topic, payload = sub.recv_multipart()
            assert topic.startswith(b"ticket."), topic
            event = envelope_pb2.Event.FromString(payload)
            assert event.type == topic.decode()
            assert event.source == "tickets" and event.seq > 0
            assert event.datacontenttype == "application/protobuf; messageType=kefu.v1.TicketCreated"
            seen.append(tickets_pb2.TicketCreated.FromString(event.data).ticket.id)
        assert seen == [t["id"] for t in created]
    finally:
        sub.close(0)
