"""Resilience: the gateway without the tickets service, PostgreSQL restarted
under running services, a request past its deadline. Every wait here is a
bounded poll."""

import time
import uuid

from kefu_e2e import (ZmqClient, assert_problem, complaint, describe, envelope_pb2, poll_until, table_lock)

RECOVERY_TIMEOUT = 20.0   # generous for sanitized binaries on a busy 2-core machine


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_tickets_down_is_503_fast_and_recovers_without_gateway_restart(spawn, db):
    service = spawn.tickets()
    gateway = spawn.gateway(service.port)
    api = spawn.api(gateway)
    ticket = api.agent.create()
    gateway_pid = gateway.pid

    assert service.stop() == 0
    refused_subject = "refused while down " + uuid.uuid4().hex
    with db.unchanged():
        for _ in range(3):
            r, elapsed = timed(lambda: api.agent.post("/v1/tickets", json=complaint(subject=refused_subject)))
            assert_problem(r, 503)
            assert elapsed < 2.0, "503 took %.2f s" % elapsed
        r, elapsed = timed(lambda: api.agent.get("/v1/tickets/%d" % ticket["id"]))
        assert_problem(r, 503)
        assert elapsed < 2.0, "503 took %.2f s" % elapsed
        r, elapsed = timed(lambda: api.anonymous.get("/readyz"))
        assert r.status_code == 503, describe(r)
        assert elapsed < 2.0, "/readyz took %.2f s" % elapsed
        assert api.anonymous.get("/healthz").status_code == 200

    service.start()

    def created():
        r = api.agent.post("/v1/tickets", json=complaint(subject="after restart " + uuid.uuid4().hex))
        return r.json() if r.status_code == 201 else None

    poll_until(created, RECOVERY_TIMEOUT, interval=0.1, what="a create after the tickets service restarted")
    poll_until(lambda: api.anonymous.get("/readyz").status_code == 200, RECOVERY_TIMEOUT, what="/readyz 200")
    assert api.agent.ticket(ticket["id"]) == dict(ticket)
    assert gateway.alive() and gateway.pid == gateway_pid, "the gateway was restarted"
    # Nothing refused with 503 was created behind our back once the service came back.
    for _ in range(5):
        api.agent.ticket(ticket["id"])
    assert db.count("SELECT count(*) FROM tickets.tickets WHERE subject = :'s'", s=refused_subject) == 0


def test_postgres_restart_service_reconnects_and_keeps_acknowledged_tickets(e2e_env, api, db, tickets, gateway):
    acknowledged = [api.agent.create() for _ in range(20)]
    tickets_pid, gateway_pid = tickets.pid, gateway.pid

    e2e_env.restart_postgres()

    def created():
        r = api.agent.post("/v1/tickets", json=complaint())
        return r.json() if r.status_code == 201 else None

    poll_until(created, RECOVERY_TIMEOUT, interval=0.1, what="a create after PostgreSQL restarted")
    for ticket in acknowledged:
        fetched = poll_until(lambda: api.agent.get("/v1/tickets/%d" % ticket["id"]), RECOVERY_TIMEOUT,
                             what="GET after PostgreSQL restarted")
        assert fetched.status_code == 200, describe(fetched)
        assert fetched.json() == ticket
    poll_until(lambda: api.anonymous.get("/readyz").status_code == 200, RECOVERY_TIMEOUT, what="/readyz 200")
    with ZmqClient(tickets.endpoint) as client:
        reply = client.call("sys.ping", actor=None)
        assert reply.status.code == envelope_pb2.OK
        assert envelope_pb2.PingReply.FromString(reply.payload).database_up
    assert (tickets.pid, gateway.pid) == (tickets_pid, gateway_pid) and tickets.alive() and gateway.alive()


def test_postgres_down_makes_readyz_503_and_refuses_without_writing(e2e_env, api, db, tickets, gateway):
    ticket = api.agent.create()
    before = db.counts()
    subject = "while the database was down " + uuid.uuid4().hex
    e2e_env.stop_postgres()
    try:
        poll_until(lambda: api.anonymous.get("/readyz").status_code == 503, RECOVERY_TIMEOUT,
                   what="/readyz 503 with PostgreSQL down")
        assert api.anonymous.get("/healthz").status_code == 200
        r = api.agent.post("/v1/tickets", json=complaint(subject=subject))
        assert r.status_code in (503, 504), describe(r)
        assert_problem(r, r.status_code)
    finally:
        e2e_env.start_postgres()
    poll_until(lambda: api.anonymous.get("/readyz").status_code == 200, RECOVERY_TIMEOUT, what="/readyz 200 again")
    poll_until(lambda: api.agent.get("/v1/tickets/%d" % ticket["id"]).status_code == 200, RECOVERY_TIMEOUT,
               what="GET after PostgreSQL came back")
    assert db.count("SELECT count(*) FROM tickets.tickets WHERE subject = :'s'", s=subject) == 0
    assert db.counts()["tickets"] == before["tickets"]


def test_request_past_the_deadline_is_504_and_late_replies_are_not_mixed_up(e2e_env, spawn, api, tickets):
    # KEFU_REQUEST_TIMEOUT_MS: past it, 504; the late answer must not become another request's.
    gateway = spawn.gateway(tickets.port, KEFU_REQUEST_TIMEOUT_MS=1000)
    own = spawn.api(gateway)
    first, second = api.agent.create(), api.agent.create()
    with table_lock(e2e_env.dsn_admin, "tickets.tickets"):
        r, elapsed = timed(lambda: own.agent.get("/v1/tickets/%d" % first["id"]))
        assert_problem(r, 504)
        assert 0.9 <= elapsed < 3.5, "504 after %.2f s with a 1 s timeout" % elapsed
    # The service answers the first request late; the next request gets its own answer.
    for _ in range(3):
        assert own.agent.ticket(second["id"])["id"] == second["id"]
        assert own.agent.ticket(first["id"])["id"] == first["id"]
