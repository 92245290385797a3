"""The tickets service over ZeroMQ, with Google's protobuf runtime: a DEALER
sends [b"", Request] and gets [b"", Reply] (DESIGN.md §2 "Request/reply")."""

import time
import uuid

from kefu_e2e import envelope_pb2, make_actor, tickets_pb2

OK = envelope_pb2.OK


def create_request(**overrides):
    fields = dict(kind="complaint", channel="api", priority="normal", category="delivery",
                  subject="Parcel lost " + uuid.uuid4().hex[:8], description="The parcel never arrived.",
                  customer_id="C-ZMQ-1", requested_remedy="resend", received_at="2025-06-01T08:00:00Z")
    fields.update(overrides)
    return tickets_pb2.CreateTicketRequest(**fields)


def assert_status(reply, code, field=None, slug=None):
    assert reply is not None, "no reply within the timeout"
    assert reply.status.code == code, "expected %s, got %s" % (
        envelope_pb2.Code.Name(code), reply)
    assert reply.status.message, reply
    if field is not None:
        assert reply.status.field == field, reply
    if slug is not None:
        assert reply.status.type == slug, reply


def assert_still_serving(client):
    reply = client.call("sys.ping", actor=None)
    assert reply is not None and reply.status.code == OK, reply
    ping = envelope_pb2.PingReply.FromString(reply.payload)
    assert ping.service == "tickets" and ping.database_up, ping


def test_sys_ping_answers_ok_with_database_up(zmq_client):
    reply = zmq_client.call("sys.ping", actor=None, request_id="ping-1")
    assert reply.request_id == "ping-1"
    assert reply.status.code == OK
    ping = envelope_pb2.PingReply.FromString(reply.payload)
    assert ping.service == "tickets"
    assert ping.database_up is True
    assert ping.version


def test_create_then_get_round_trip(zmq_client, db):
    # TKT-1, TKT-2: a complaint is registered with its complainant, channel, category, content.
    request = create_request()
    reply = zmq_client.call("tickets.create", request, request_id="create-1")
    assert reply.request_id == "create-1"
    assert reply.status.code == OK, reply
    created = tickets_pb2.Ticket.FromString(reply.payload)
    assert created.id > 0
    assert created.status == "received"
    assert created.version == 1
    assert created.owner_staff_id == "A1001"  # TKT-5: first contact is the owner of record
    for name in ("kind", "channel", "priority", "category", "subject", "description", "customer_id",
                 "requested_remedy"):
        assert getattr(created, name) == getattr(request, name), name
    assert created.received_at == "2025-06-01T08:00:00.000Z"
    assert created.created_at and created.updated_at

    reply = zmq_client.call("tickets.get", tickets_pb2.GetTicketRequest(id=created.id), request_id="get-1")
    assert reply.request_id == "get-1"
    assert reply.status.code == OK, reply
    assert tickets_pb2.Ticket.FromString(reply.payload) == created
    assert db.count("SELECT count(*) FROM tickets.tickets WHERE id = :'id' AND subject = :'s'",
                    id=created.id, s=request.subject) == 1


def test_garbage_frame_is_invalid_argument_and_service_keeps_serving(zmq_client, db):
    with db.unchanged():
        for garbage in (b"\xff\xfe\xfd garbage \x00\x01\x02", b"\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
                        b"\x07" * 64):
            zmq_client.send_frames([b"", garbage])
            frames = zmq_client.recv_frames(5)
            assert frames is not None and len(frames) == 2 and frames[0] == b"", frames
            assert_status(envelope_pb2.Reply.FromString(frames[1]), envelope_pb2.INVALID_ARGUMENT)
            assert_still_serving(zmq_client)
        # Far too many frames to be a request.
        zmq_client.send_frames([b""] * 20 + [b"x"])
        frames = zmq_client.recv_frames(5)
        assert frames is not None, "no answer to a 21-frame message"
        assert_status(envelope_pb2.Reply.FromString(frames[-1]), envelope_pb2.INVALID_ARGUMENT)
        assert_still_serving(zmq_client)
    reply = zmq_client.call("tickets.create", create_request())
    assert reply.status.code == OK, reply


def test_truncated_protobuf_is_invalid_argument_and_service_keeps_serving(zmq_client, db):
    request = zmq_client.request("tickets.create", create_request())
    whole = request.SerializeToString()
    payload_length = len(request.payload)
    assert whole.endswith(request.payload)  # payload (field 7) is serialized last
    with db.unchanged():
        # Cut inside the payload field: the envelope itself is truncated.
        for cut in (1, payload_length // 2, payload_length - 1):
            zmq_client.send_frames([b"", whole[:-cut]])
            frames = zmq_client.recv_frames(5)
            assert frames is not None and frames[0] == b"", frames
            assert_status(envelope_pb2.Reply.FromString(frames[1]), envelope_pb2.INVALID_ARGUMENT)
            assert_still_serving(zmq_client)
        # A whole envelope whose payload is a truncated CreateTicketRequest.
        bad = zmq_client.request("tickets.create", create_request().SerializeToString()[:-1])
        zmq_client.send_frames([b"", bad.SerializeToString()])
        reply = zmq_client.recv_reply(bad.request_id, 5)
        assert_status(reply, envelope_pb2.INVALID_ARGUMENT, field="payload")
        assert_still_serving(zmq_client)
    reply = zmq_client.call("tickets.create", create_request())
    assert reply.status.code == OK, reply


def test_unknown_method_is_not_found(zmq_client, db):
    with db.unchanged():
        reply = zmq_client.call("tickets.destroy_everything", b"", request_id="unknown-1")
        assert reply.request_id == "unknown-1"
        assert_status(reply, envelope_pb2.NOT_FOUND, field="method")
    assert_still_serving(zmq_client)


def test_missing_actor_is_unauthenticated(zmq_client, db):
    ticket = tickets_pb2.Ticket.FromString(zmq_client.call("tickets.create", create_request()).payload)
    calls = [
        ("tickets.create", create_request()),
        ("tickets.get", tickets_pb2.GetTicketRequest(id=ticket.id)),
        ("tickets.list", tickets_pb2.ListTicketsRequest(limit=5)),
        ("tickets.transition", tickets_pb2.TransitionTicketRequest(id=ticket.id, to="assessed", reason="x")),
        ("tickets.history", tickets_pb2.GetTicketRequest(id=ticket.id)),
    ]
    with db.unchanged():
        for method, payload in calls:
            assert_status(zmq_client.call(method, payload, actor=None), envelope_pb2.UNAUTHENTICATED)
            # An actor without a staff id is no actor either.
            nobody = envelope_pb2.Actor(roles=["manager"], session_id="e2e")
            assert_status(zmq_client.call(method, payload, actor=nobody), envelope_pb2.UNAUTHENTICATED)
    assert_still_serving(zmq_client)


def test_deadline_in_the_past_is_deadline_exceeded(zmq_client, db):
    past = int(time.time() * 1000) - 1000
    with db.unchanged():
        reply = zmq_client.call("tickets.create", create_request(), deadline_ms=past, request_id="late-1")
        assert reply.request_id == "late-1"
        assert_status(reply, envelope_pb2.DEADLINE_EXCEEDED)
    assert_still_serving(zmq_client)


def test_invalid_create_is_invalid_argument_and_writes_nothing(zmq_client, db):
    # TKT-1: the enumerations; TKT-2: a complaint names its complainant.
    with db.unchanged():
        assert_status(zmq_client.call("tickets.create", create_request(kind="bug")),
                      envelope_pb2.INVALID_ARGUMENT, field="kind")
        assert_status(zmq_client.call("tickets.create", create_request(channel="fax")),
                      envelope_pb2.INVALID_ARGUMENT, field="channel")
        assert_status(zmq_client.call("tickets.create", create_request(customer_id="", complainant_name="Li Si")),
                      envelope_pb2.INVALID_ARGUMENT, field="customer_id")
        assert_status(zmq_client.call("tickets.create", create_request(subject="")),
                      envelope_pb2.INVALID_ARGUMENT, field="subject")


def test_transition_and_history_over_zeromq(zmq_client, db):
    # TKT-3: a legal step is recorded with actor and reason; an illegal one is refused.
    ticket = tickets_pb2.Ticket.FromString(zmq_client.call("tickets.create", create_request()).payload)
    reply = zmq_client.call("tickets.transition", tickets_pb2.TransitionTicketRequest(
        id=ticket.id, to="assessed", reason="valid complaint", expected_version=1))
    assert reply.status.code == OK, reply
    moved = tickets_pb2.Ticket.FromString(reply.payload)
    assert (moved.status, moved.version) == ("assessed", 2)
    with db.unchanged():
        assert_status(zmq_client.call("tickets.transition", tickets_pb2.TransitionTicketRequest(
            id=ticket.id, to="resolved", reason="skip it all")), envelope_pb2.FAILED_PRECONDITION, field="to")
        assert_status(zmq_client.call("tickets.transition", tickets_pb2.TransitionTicketRequest(
            id=ticket.id, to="rejected", reason="stale", expected_version=1)), envelope_pb2.STALE_VERSION)
    reply = zmq_client.call("tickets.history", tickets_pb2.GetTicketRequest(id=ticket.id), actor=make_actor("auditor"))
    assert reply.status.code == OK, reply
    items = tickets_pb2.TicketHistory.FromString(reply.payload).items
    assert [(i.from_status, i.to_status, i.version) for i in items] == [("", "received", 1), ("received", "assessed", 2)]
    assert items[1].actor_staff_id == "A1001" and items[1].reason == "valid complaint"


def test_idempotency_key_over_zeromq(zmq_client, db):
    key = "zmq-" + uuid.uuid4().hex
    request = create_request()
    first = zmq_client.call("tickets.create", request, idempotency_key=key)
    assert first.status.code == OK, first
    with db.unchanged("tickets", "ticket_transitions", "idempotency_keys"):
        again = zmq_client.call("tickets.create", request, idempotency_key=key)
        assert again.status.code == OK, again
        assert tickets_pb2.Ticket.FromString(again.payload).id == tickets_pb2.Ticket.FromString(first.payload).id
    with db.unchanged():
        other = zmq_client.call("tickets.create", create_request(subject="something else"), idempotency_key=key)
        assert_status(other, envelope_pb2.INVALID_ARGUMENT, field="Idempotency-Key", slug="idempotency-key-reused")
