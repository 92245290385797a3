"""Clean exits: after every kind of request, refusals included, SIGTERM stops
each binary with status 0 and no sanitizer report in its log (no leak, no
memory error on any path). Each test runs its own processes, so a failure
names the binary and the paths exercised."""

import time
import uuid

from kefu_e2e import ZmqClient, complaint, envelope_pb2, tickets_pb2


def test_tickets_exits_cleanly_after_every_kind_of_request(spawn):
    service = spawn.tickets()
    missing = 10 ** 12
    with ZmqClient(service.endpoint) as client:
        def call(method, payload=b"", **kw):
            reply = client.call(method, payload, **kw)
            assert reply is not None, method
            return reply

        create = tickets_pb2.CreateTicketRequest(kind="complaint", channel="api", category="c", subject="s",
                                                 description="d", customer_id="C-1")
        ticket = tickets_pb2.Ticket.FromString(call("tickets.create", create).payload)
        key = uuid.uuid4().hex
        call("tickets.create", create, idempotency_key=key)
        call("tickets.create", create, idempotency_key=key)                          # replay
        call("tickets.create", tickets_pb2.CreateTicketRequest(kind="inquiry"), idempotency_key=key)  # reused
        call("tickets.create", tickets_pb2.CreateTicketRequest(kind="bug"))          # invalid
        call("tickets.get", tickets_pb2.GetTicketRequest(id=ticket.id))
        call("tickets.get", tickets_pb2.GetTicketRequest(id=missing))                # not found
        call("tickets.history", tickets_pb2.GetTicketRequest(id=ticket.id))
        call("tickets.history", tickets_pb2.GetTicketRequest(id=missing))            # not found
        call("tickets.list", tickets_pb2.ListTicketsRequest(limit=3))
        call("tickets.list", tickets_pb2.ListTicketsRequest(limit=1000))             # bad limit
        move = tickets_pb2.TransitionTicketRequest
        call("tickets.transition", move(id=missing, to="assessed", reason="r"))      # not found
        call("tickets.transition", move(id=ticket.id, to="resolved", reason="r"))    # illegal
        call("tickets.transition", move(id=ticket.id, to="assessed", reason="r", expected_version=9))  # stale
        call("tickets.transition", move(id=ticket.id, to="assessed", reason="r"), actor="auditor")     # role
        call("tickets.transition", move(id=ticket.id, to="assessed", reason=""))     # missing reason
        call("tickets.transition", move(id=ticket.id, to="assessed", reason="r"))
        call("tickets.nope")                                                         # unknown method
        call("tickets.get", tickets_pb2.GetTicketRequest(id=1), actor=None)          # no actor
        call("tickets.get", tickets_pb2.GetTicketRequest(id=1), deadline_ms=int(time.time() * 1000) - 1)
        client.send_frames([b"", b"\xff garbage"])
        assert client.recv_frames(5) is not None
        assert call("sys.ping", actor=None).status.code == envelope_pb2.OK
    spawn.stop_and_check(service)


def test_gateway_exits_cleanly_after_every_kind_of_request(spawn):
    service = spawn.tickets()
    gateway = spawn.gateway(service.port)
    api = spawn.api(gateway)
    ticket = api.agent.create()
    tid = ticket["id"]
    path = "/v1/tickets/%d" % tid
    api.agent.create(body=complaint(), headers={"Idempotency-Key": "k-" + uuid.uuid4().hex})
    api.agent.get(path)
    api.agent.get(path + "/history")
    api.agent.get("/v1/tickets", params={"limit": 2})
    api.agent.get("/v1/tickets", params={"limit": 0})
    api.agent.get("/v1/tickets/%d" % 10 ** 12)
    api.agent.get("/v1/nope")
    api.agent.request("DELETE", path)
    api.anonymous.get(path)
    api.auditor.post("/v1/tickets", json=complaint())
    api.agent.post("/v1/tickets", data=b'{"kind": ', headers={"Content-Type": "application/json"})
    api.agent.post("/v1/tickets", data=b"x" * 70000, headers={"Content-Type": "application/json"})
    api.agent.post("/v1/tickets", data=b"{}", headers={"Content-Type": "text/plain"})
    api.agent.post("/v1/tickets", json=dict(complaint(), colour="red"))
    api.agent.post("/v1/tickets", json=complaint(kind="bug"))
    api.agent.move(tid, "resolved", expect=409)
    api.agent.move(tid, "assessed", expect=412, if_match=5)
    api.agent.move(tid, "assessed")
    api.anonymous.get("/healthz")
    api.anonymous.get("/readyz")
    spawn.stop_and_check(service, check=False)     # the test above checks the service itself
    api.agent.post("/v1/tickets", json=complaint())                                  # 503
    api.anonymous.get("/readyz")
    spawn.stop_and_check(gateway)
