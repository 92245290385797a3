"""Fixtures of the end-to-end tests: the real kefu-tickets and kefu-gateway
binaries from $KEFU_TEST_BIN, started as subprocesses on free ports, ready
when their handshake answers (sys.ping over ZeroMQ; GET /healthz and /readyz
over HTTP), stopped with SIGTERM.

The session's service and gateway are shared by every test; a test that stops
them leaves them running again, and resilience tests mostly use their own
instances (the `spawn` fixture). Environment: see tests/run.sh.
"""

import datetime

import pytest

from kefu_e2e import (SESSION_BUS_XPUB, SESSION_BUS_XSUB, Api, Db, E2EEnv, ZmqClient, make_api_keys, make_gateway,
                      make_scheduling, make_tickets, make_webhooks)


def _stopped_cleanly(process):
    """Stop `process`; every exit of it must have been clean (0, no sanitizer report)."""
    rc = process.stop()
    bad = [code for code in process.exit_codes if code != 0]
    report = process.sanitizer_report()
    assert not bad and not report, "%s exited with %r; %s" % (
        process.name, process.exit_codes, ("sanitizer report:\n" + report) if report else "log:\n" + process.log_tail())
    return rc


@pytest.fixture(scope="session")
def e2e_env():
    try:
        return E2EEnv()
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def api_keys():
    return make_api_keys()


@pytest.fixture(scope="session")
def db(e2e_env):
    return Db(e2e_env.dsn_admin)


@pytest.fixture(scope="session")
def session_bus():
    """The event bus the session gateway runs, which every tickets process publishes to."""
    return {"KEFU_BUS_XSUB": SESSION_BUS_XSUB, "KEFU_BUS_XPUB": SESSION_BUS_XPUB}


@pytest.fixture(scope="session")
def tickets_process(e2e_env):
    process = make_tickets(e2e_env, "tickets")
    process.start()
    yield process
    _stopped_cleanly(process)


@pytest.fixture(scope="session")
def gateway_process(e2e_env, tickets_process, api_keys, session_bus):
    process = make_gateway(e2e_env, "gateway", tickets_process.port, api_keys, **session_bus)
    process.start()
    yield process
    _stopped_cleanly(process)


def _ensure_alive(process):
    """A shared process that died is a failure of whoever was running then; say so
    here, and start it again so the rest of the session can go on."""
    if process.alive():
        return
    code = process.proc.returncode if process.proc else None
    tail = process.log_tail()
    process.start()
    pytest.fail("%s had died (exit %r) before this test; restarted it. Log:\n%s" % (process.name, code, tail),
                pytrace=False)


@pytest.fixture
def clock(e2e_env):
    """Drive the time of every kefu process: clock.set(unix_ms) or
    clock.set_rfc3339("2026-12-04T17:00:00+08:00"); the real clock returns after
    the test."""
    class Clock:
        def set(self, unix_ms):
            e2e_env.set_clock(unix_ms)

        def set_rfc3339(self, text):
            e2e_env.set_clock(int(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000))

    yield Clock()
    e2e_env.set_clock(None)


@pytest.fixture
def tickets(tickets_process):
    _ensure_alive(tickets_process)
    return tickets_process


@pytest.fixture
def gateway(gateway_process, tickets):
    _ensure_alive(gateway_process)
    return gateway_process


@pytest.fixture
def api(gateway, api_keys):
    return Api(gateway.base, api_keys)


@pytest.fixture
def zmq_client(tickets):
    client = ZmqClient(tickets.endpoint)
    yield client
    client.close()


class Spawner:
    """Function-scoped processes of a test's own, stopped (cleanly) at its end."""

    def __init__(self, env, keys, request):
        self.env = env
        self.keys = keys
        self.prefix = request.node.name.replace("[", "-").replace("]", "").replace("/", "-")[:60]
        self.processes = []

    def tickets(self, start=True, **extra):
        process = make_tickets(self.env, "%s.tickets" % self.prefix, **extra)
        self.processes.append(process)
        return process.start() if start else process

    def gateway(self, tickets_port, start=True, expect_ready=True, **extra):
        process = make_gateway(self.env, "%s.gateway" % self.prefix, tickets_port, self.keys,
                               expect_ready=expect_ready, **extra)
        self.processes.append(process)
        return process.start() if start else process

    def webhooks(self, tickets_port, start=True, **extra):
        process = make_webhooks(self.env, "%s.webhooks" % self.prefix, tickets_port, **extra)
        self.processes.append(process)
        return process.start() if start else process

    def scheduling(self, signing_keys, bus_xsub, start=True, **extra):
        process = make_scheduling(self.env, "%s.scheduling" % self.prefix, signing_keys, bus_xsub, **extra)
        self.processes.append(process)
        return process.start() if start else process

    def api(self, gateway):
        return Api(gateway.base, self.keys)

    def stop_and_check(self, process, check=True):
        """Stop `process` now and (unless told not to) assert it exited cleanly; it is
        not checked again at the end."""
        self.processes.remove(process)
        return _stopped_cleanly(process) if check else process.stop()

    def close(self):
        problems = []
        for process in reversed(self.processes):
            try:
                _stopped_cleanly(process)
            except AssertionError as error:
                problems.append(str(error))
        assert not problems, "\n".join(problems)


@pytest.fixture
def spawn(e2e_env, api_keys, request):
    spawner = Spawner(e2e_env, api_keys, request)
    yield spawner
    spawner.close()
