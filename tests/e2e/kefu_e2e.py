"""Helpers of the end-to-end tests: processes, clients, database, assertions.

Everything here is black-box: the tests start the real binaries from
$KEFU_TEST_BIN, talk to them over HTTP and ZeroMQ only, and look at the
database as the superuser to check what was (or was not) written.
conftest.py turns these into fixtures.
"""

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid

import requests
import zmq

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.environ.get("KEFU_TEST_PYTHONPATH") or os.path.join(ROOT, "build", "py"))

from kefu.v1 import audit_pb2, envelope_pb2, tickets_pb2  # noqa: E402,F401  (generated; re-exported)

START_TIMEOUT = 60.0     # a sanitized binary running its migrations on a loaded machine
STOP_TIMEOUT = 15.0
HTTP_TIMEOUT = 15.0

# Who the tests act as: one API key per role (and a second agent and
# supervisor, for "not by the proposer" and for per-actor idempotency keys).
ROLES = {
    "agent": ("agent", "A1001"),
    "agent2": ("agent", "A1002"),
    "shift_lead": ("shift_lead", "L3001"),
    "supervisor": ("supervisor", "S2001"),
    "supervisor2": ("supervisor", "S2002"),
    "manager": ("manager", "M4001"),
    "auditor": ("auditor", "U5001"),
    "admin": ("admin", "D6001"),
    "integration": ("integration", "I7001"),
}

TICKET_FIELDS = [f.name for f in tickets_pb2.Ticket.DESCRIPTOR.fields]
TRANSITION_FIELDS = [f.name for f in tickets_pb2.TicketTransition.DESCRIPTOR.fields]
PROBLEM_PREFIX = "urn:kefu:problem:"


# --- environment ---------------------------------------------------------------------


class E2EEnv:
    """The KEFU_TEST_* variables tests/run.sh exports."""

    NAMES = ("KEFU_TEST_PG_PORT", "KEFU_TEST_PG_DATADIR", "KEFU_TEST_PG_CTL", "KEFU_TEST_DSN_ADMIN",
             "KEFU_TEST_BIN", "KEFU_TEST_LOG_DIR", "KEFU_TEST_PYTHONPATH")

    def __init__(self):
        missing = [n for n in self.NAMES if not os.environ.get(n)]
        if missing:
            raise RuntimeError("missing %s: run the e2e tests through `make test` (tests/run.sh), "
                               "or export them by hand as its header says" % ", ".join(missing))
        self.pg_port = int(os.environ["KEFU_TEST_PG_PORT"])
        self.pg_datadir = os.environ["KEFU_TEST_PG_DATADIR"]
        self.pg_ctl = os.environ["KEFU_TEST_PG_CTL"]
        self.dsn_admin = os.environ["KEFU_TEST_DSN_ADMIN"]
        self.bin = os.environ["KEFU_TEST_BIN"]
        self.log_dir = os.environ["KEFU_TEST_LOG_DIR"]
        os.makedirs(self.log_dir, exist_ok=True)
        # The driven clock every process of the run shares (common/kefu_time.h).
        self.clock_file = os.path.join(self.log_dir, "clock.offset")
        self._clock_mtime_ns = time.time_ns()
        self.set_clock(None)

    def set_clock(self, unix_ms):
        """Make every kefu process read `unix_ms` now (its clock keeps ticking from
        there); None returns them to the real clock. The file's modification time is
        set by hand and always moves forward, so a change is never missed within one
        file-system tick."""
        offset = 0 if unix_ms is None else int(unix_ms) - int(time.time() * 1000)
        tmp = self.clock_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % offset)
        self._clock_mtime_ns = max(self._clock_mtime_ns + 1_000_000, time.time_ns())
        os.utime(tmp, ns=(self._clock_mtime_ns, self._clock_mtime_ns))
        os.replace(tmp, self.clock_file)

    def service_dsn(self, service):
        return "host=127.0.0.1 port=%d dbname=kefu user=kefu_%s" % (self.pg_port, service)

    def base_environ(self):
        """The caller's environment without any KEFU_* setting but the KEFU_TEST_* ones
        (tests/run.sh recognises its processes by KEFU_TEST_LOG_DIR)."""
        e = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_") or k.startswith("KEFU_TEST_")}
        e["KEFU_CLOCK_FILE"] = self.clock_file
        return e

    def restart_postgres(self):
        subprocess.run([self.pg_ctl, "restart", self.pg_datadir, str(self.pg_port)], check=True,
                       stdout=subprocess.DEVNULL, timeout=120)

    def stop_postgres(self):
        subprocess.run([self.pg_ctl, "stop", self.pg_datadir], check=True, stdout=subprocess.DEVNULL, timeout=120)

    def start_postgres(self):
        subprocess.run([self.pg_ctl, "start", self.pg_datadir, str(self.pg_port)], check=True,
                       stdout=subprocess.DEVNULL, timeout=120)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The session's event bus. The session gateway binds it; every tickets process
# publishes to it, since replicas share one outbox and whichever holds the
# publisher lock sends the events: a dashboard on the session bus sees them all.
# Other gateways bind buses of their own (gateway_environ), or read this one.
SESSION_BUS_XSUB = "tcp://127.0.0.1:%d" % free_port()
SESSION_BUS_XPUB = "tcp://127.0.0.1:%d" % free_port()


def poll_until(check, timeout, interval=0.05, what="condition"):
    """Call check() until it returns something truthy; return that. Bounded."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            result = check()
            if result:
                return result
        except Exception as error:  # noqa: BLE001 (keep polling; report the last one)
            last_error = error
        if time.monotonic() >= deadline:
            raise AssertionError("%s not reached within %.1f s (last error: %r)" % (what, timeout, last_error))
        time.sleep(interval)


# --- processes -----------------------------------------------------------------------


class ServiceProcess:
    """One kefu binary as a subprocess: log appended to LOG_DIR/<name>.log, pid in
    LOG_DIR/<name>.pid, started until its readiness handshake answers, stopped with
    SIGTERM (and a bounded wait)."""

    def __init__(self, name, binary, env, ready, log_dir):
        self.name = name
        self.binary = binary
        self.env = env
        self.ready = ready          # callable(process) -> bool, one quick probe
        self.log_path = os.path.join(log_dir, name + ".log")
        self.pid_path = os.path.join(log_dir, name + ".pid")
        self.proc = None
        self.exit_codes = []        # of every stop, for the teardown check
        self.log_start = None       # offset of this object's first start in the log

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, "rb") as f:
                return b"".join(f.readlines()[-lines:]).decode("utf-8", "replace")
        except OSError:
            return ""

    def start(self, timeout=START_TIMEOUT):
        assert not self.alive(), "%s is already running" % self.name
        if not os.access(self.binary, os.X_OK):
            raise AssertionError("%s: no executable %s (build it: make SANITIZE=1 build)" % (self.name, self.binary))
        with open(self.log_path, "ab") as log:
            if self.log_start is None:
                self.log_start = log.tell()     # what earlier runs left is not ours
            log.write(("--- e2e: starting %s at %s\n" % (self.name, time.strftime("%H:%M:%S"))).encode())
            log.flush()
            self.proc = subprocess.Popen([self.binary], env=self.env, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        with open(self.pid_path, "w") as f:
            f.write("%d\n" % self.proc.pid)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise AssertionError("%s exited with %s while starting; log:\n%s"
                                     % (self.name, self.proc.returncode, self.log_tail()))
            try:
                if self.ready(self):
                    return self
            except Exception:  # noqa: BLE001 (not ready yet)
                pass
            if time.monotonic() >= deadline:
                self.kill()
                raise AssertionError("%s not ready within %.0f s; log:\n%s" % (self.name, timeout, self.log_tail()))
            time.sleep(0.05)

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM and wait; returns the exit code (SIGKILL and an error past the timeout)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError("%s did not stop within %.0f s of SIGTERM" % (self.name, timeout))
        rc = self.proc.returncode
        self.exit_codes.append(rc)
        with contextlib.suppress(OSError):
            os.unlink(self.pid_path)
        return rc

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        with contextlib.suppress(OSError):
            os.unlink(self.pid_path)

    SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")

    def sanitizer_report(self, lines=60):
        """The first sanitizer report in the log (from its first line on), or ""."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self.log_start or 0)
                text = f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return ""
        for i, line in enumerate(text):
            if any(marker in line for marker in self.SANITIZER_MARKERS):
                return "\n".join(text[i:i + lines])
        return ""

    def restart(self):
        rc = self.stop()
        self.start()
        return rc


def tickets_environ(env, port, **extra):
    """kefu-tickets on `port`, publishing to the session bus (`extra` may say another
    KEFU_BUS_XSUB), never to a default port another run may own."""
    e = env.base_environ()
    e.update({
        "KEFU_TICKETS_BIND": "tcp://127.0.0.1:%d" % port,
        "KEFU_TICKETS_DSN": env.service_dsn("tickets"),
        "KEFU_BUS_XSUB": SESSION_BUS_XSUB,
        "KEFU_LOG_LEVEL": "info",
    })
    e.update({k: str(v) for k, v in extra.items()})
    return e


def api_keys_setting(keys):
    return ",".join("e2e-%s:%s:%s:%s" % (who, role, staff, keys[who]) for who, (role, staff) in ROLES.items())


def gateway_environ(env, http_port, tickets_port, keys, **extra):
    e = env.base_environ()
    e.update({
        "KEFU_HTTP_BIND": "127.0.0.1",
        "KEFU_HTTP_PORT": str(http_port),
        "KEFU_TICKETS_ENDPOINT": "tcp://127.0.0.1:%d" % tickets_port,
        "KEFU_GATEWAY_SERVICES": "tickets",
        "KEFU_REQUEST_TIMEOUT_MS": "5000",
        "KEFU_API_KEYS": api_keys_setting(keys),
        "KEFU_LOG_LEVEL": "info",
        # Every gateway runs the event bus; on free ports (unless `extra` says
        # otherwise), so that gateways of one run, or of concurrent runs, never
        # contend for the default 5560/5561.
        "KEFU_BUS_XSUB": "tcp://127.0.0.1:%d" % free_port(),
        "KEFU_BUS_XPUB": "tcp://127.0.0.1:%d" % free_port(),
    })
    e.update({k: str(v) for k, v in extra.items()})
    return e


# The key sealing webhook secrets at rest (KEFU_WEBHOOKS_SECRET_KEY): one per
# test session, as the session's database is.
WEBHOOKS_SECRET_KEY = secrets.token_hex(32)


def webhooks_environ(env, port, tickets_port, **extra):
    """kefu-webhooks for tests: loopback receivers allowed, retries within a test's
    patience (backoff 50 ms doubling to 500 ms), consuming the tickets service at
    `tickets_port`. `extra` (KEFU_BUS_XPUB, KEFU_WEBHOOKS_GIVE_UP_S, ...) wins."""
    e = env.base_environ()
    e.update({
        "KEFU_WEBHOOKS_BIND": "tcp://127.0.0.1:%d" % port,
        "KEFU_WEBHOOKS_DSN": env.service_dsn("webhooks"),
        "KEFU_WEBHOOKS_SECRET_KEY": WEBHOOKS_SECRET_KEY,
        "KEFU_WEBHOOKS_SOURCES": "tickets",
        "KEFU_TICKETS_ENDPOINT": "tcp://127.0.0.1:%d" % tickets_port,
        "KEFU_WEBHOOKS_ALLOW_PRIVATE": "true",
        "KEFU_WEBHOOKS_BACKOFF_BASE_MS": "50",
        "KEFU_WEBHOOKS_BACKOFF_MAX_MS": "500",
        "KEFU_LOG_LEVEL": "info",
    })
    e.update({k: str(v) for k, v in extra.items()})
    return e


def make_webhooks(env, name, tickets_port, port=None, **extra):
    port = port or free_port()
    endpoint = "tcp://127.0.0.1:%d" % port

    def ready(_process):
        with ZmqClient(endpoint) as client:
            reply = client.call("sys.ping", actor=None, timeout=0.5)
            return reply is not None and reply.status.code == envelope_pb2.OK

    process = ServiceProcess(name, os.path.join(env.bin, "kefu-webhooks"),
                             webhooks_environ(env, port, tickets_port, **extra), ready, env.log_dir)
    process.port = port
    process.endpoint = endpoint
    return process


def make_session_keys(env, kid):
    """A new Ed25519 token key from `kefu-scheduling keygen`: (signing entry, public entry)."""
    out = subprocess.run([os.path.join(env.bin, "kefu-scheduling"), "keygen", kid], capture_output=True,
                         check=True, timeout=60, env=env.base_environ()).stdout.decode()
    values = dict(line.split("=", 1) for line in out.split())
    return values["KEFU_SESSION_SIGNING_KEYS"], values["KEFU_SESSION_PUBLIC_KEYS"]


def scheduling_environ(env, port, signing_keys, bus_xsub, **extra):
    """kefu-scheduling on `port`, signing with `signing_keys`, publishing to `bus_xsub`."""
    e = env.base_environ()
    e.update({
        "KEFU_SCHEDULING_BIND": "tcp://127.0.0.1:%d" % port,
        "KEFU_SCHEDULING_DSN": env.service_dsn("scheduling"),
        "KEFU_SESSION_SIGNING_KEYS": signing_keys,
        "KEFU_BUS_XSUB": bus_xsub,
        "KEFU_LOG_LEVEL": "info",
        # No consumer of complaints (security desk) unless a test gives a
        # source: the default would reach for a tickets service on 5551.
        "KEFU_SCHEDULING_COMPLAINTS_SOURCE": "",
    })
    e.update({k: str(v) for k, v in extra.items()})
    return e


def create_admin(env, staff_no, name, password):
    """The documented first-admin command: kefu-scheduling create-admin, password on stdin."""
    e = env.base_environ()
    e["KEFU_SCHEDULING_DSN"] = env.service_dsn("scheduling")
    return subprocess.run([os.path.join(env.bin, "kefu-scheduling"), "create-admin", staff_no, name],
                          input=(password + "\n").encode(), capture_output=True, timeout=120, env=e)


def make_scheduling(env, name, signing_keys, bus_xsub, port=None, **extra):
    port = port or free_port()
    endpoint = "tcp://127.0.0.1:%d" % port

    def ready(_process):
        with ZmqClient(endpoint) as client:
            reply = client.call("sys.ping", actor=None, timeout=0.5)
            return reply is not None and reply.status.code == envelope_pb2.OK

    process = ServiceProcess(name, os.path.join(env.bin, "kefu-scheduling"),
                             scheduling_environ(env, port, signing_keys, bus_xsub, **extra), ready, env.log_dir)
    process.port = port
    process.endpoint = endpoint
    return process


def make_api_keys():
    return {who: "e2e-%s-%s" % (who.replace("_", "-"), secrets.token_hex(12)) for who in ROLES}


def make_tickets(env, name, port=None, **extra):
    port = port or free_port()
    endpoint = "tcp://127.0.0.1:%d" % port

    def ready(_process):
        with ZmqClient(endpoint) as client:
            reply = client.call("sys.ping", actor=None, timeout=0.5)
            return reply is not None and reply.status.code == envelope_pb2.OK

    process = ServiceProcess(name, os.path.join(env.bin, "kefu-tickets"), tickets_environ(env, port, **extra),
                             ready, env.log_dir)
    process.port = port
    process.endpoint = endpoint
    return process


def make_gateway(env, name, tickets_port, keys, expect_ready=True, port=None, **extra):
    port = port or free_port()
    base = "http://127.0.0.1:%d" % port

    def ready(process):
        if requests.get(base + "/healthz", timeout=1).status_code != 200:
            return False
        return not process.expect_ready or requests.get(base + "/readyz", timeout=2).status_code == 200

    process = ServiceProcess(name, os.path.join(env.bin, "kefu-gateway"),
                             gateway_environ(env, port, tickets_port, keys, **extra), ready, env.log_dir)
    process.port = port
    process.base = base
    process.expect_ready = expect_ready
    return process


# --- ZeroMQ ----------------------------------------------------------------------------


def make_actor(who="agent", session_id=None, terminal="127.0.0.1"):
    role, staff = ROLES[who]
    return envelope_pb2.Actor(staff_id=staff, roles=[role], session_id=session_id or "e2e:" + who, terminal=terminal)


class ZmqClient:
    """A DEALER to a service's ROUTER: [b"", Request] out, [b"", Reply] back."""

    def __init__(self, endpoint):
        self.context = zmq.Context.instance()
        self.socket = self.context.socket(zmq.DEALER)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.connect(endpoint)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.socket.close(0)

    def send_frames(self, frames):
        self.socket.send_multipart(frames)

    def recv_frames(self, timeout):
        if not self.socket.poll(int(timeout * 1000)):
            return None
        return self.socket.recv_multipart()

    def recv_reply(self, request_id, timeout):
        """The Reply with request_id (others, late ones, are dropped), or None."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            frames = self.recv_frames(left)
            if frames is None:
                return None
            assert frames[0] == b"" and len(frames) == 2, "reply frames: %r" % (frames,)
            reply = envelope_pb2.Reply.FromString(frames[1])
            if request_id is None or reply.request_id == request_id:
                return reply

    def request(self, method, payload=b"", actor="agent", deadline_ms=None, idempotency_key="",
                request_id=None):
        request = envelope_pb2.Request(
            request_id=request_id or uuid.uuid4().hex,
            method=method,
            idempotency_key=idempotency_key,
            trace_id=uuid.uuid4().hex,
            payload=payload.SerializeToString() if hasattr(payload, "SerializeToString") else payload,
        )
        if actor is not None:
            request.actor.CopyFrom(actor if isinstance(actor, envelope_pb2.Actor) else make_actor(actor))
        if deadline_ms is None:
            deadline_ms = int(time.time() * 1000) + 5000
        request.deadline_unix_ms = deadline_ms
        return request

    def call(self, method, payload=b"", timeout=5.0, **kw):
        request = self.request(method, payload, **kw)
        self.send_frames([b"", request.SerializeToString()])
        return self.recv_reply(request.request_id, timeout)


# --- HTTP ------------------------------------------------------------------------------


class Client:
    """HTTP as one API key (or none)."""

    def __init__(self, base, secret=None, staff_id=None):
        self.base = base
        self.secret = secret
        self.staff_id = staff_id
        self.session = requests.Session()

    def headers(self, extra):
        h = {}
        if self.secret:
            h["Authorization"] = "Bearer " + self.secret
        h.update(extra or {})
        return h

    def request(self, method, path, headers=None, **kw):
        kw.setdefault("timeout", HTTP_TIMEOUT)
        return self.session.request(method, self.base + path, headers=self.headers(headers), **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    # The API in a few words.

    def create(self, expect=201, **kw):
        body = kw.pop("body", None)
        r = self.post("/v1/tickets", json=body if body is not None else complaint(), **kw)
        assert r.status_code == expect, describe(r)
        return r.json() if expect in (200, 201) else r

    def ticket(self, ticket_id):
        r = self.get("/v1/tickets/%d" % ticket_id)
        assert r.status_code == 200, describe(r)
        return r.json()

    def history(self, ticket_id):
        r = self.get("/v1/tickets/%d/history" % ticket_id)
        assert r.status_code == 200, describe(r)
        return r.json()["items"]

    def move(self, ticket_id, to, expect=200, if_match=None, **fields):
        body = {"to": to, "reason": fields.pop("reason", "e2e: moving to %s" % to)}
        body.update(fields)
        headers = {"If-Match": '"%d"' % if_match} if if_match is not None else None
        r = self.post("/v1/tickets/%d/transitions" % ticket_id, json=body, headers=headers)
        assert r.status_code == expect, describe(r)
        return r.json() if expect == 200 else r


class Api:
    """One Client per role of ROLES, plus `anonymous`."""

    def __init__(self, base, keys):
        self.base = base
        self.anonymous = Client(base)
        for who, (_role, staff) in ROLES.items():
            setattr(self, who, Client(base, keys[who], staff))


def describe(response):
    body = response.content[:2000].decode("utf-8", "replace")
    return "%s %s -> %d %s\n%s" % (response.request.method, response.request.url, response.status_code,
                                   response.headers.get("Content-Type"), body)


def complaint(**overrides):
    """A complete, valid complaint registration (TKT-2)."""
    body = {
        "kind": "complaint",
        "channel": "phone",
        "priority": "high",
        "category": "billing",
        "subject": "Refund not received " + uuid.uuid4().hex[:8],
        "description": "The customer was promised a refund two weeks ago.\nNothing arrived.",
        "customer_id": "C-10001",
        "complainant_name": "Zhang San",
        "complainant_contact": "+86 138 0000 0000",
        "requested_remedy": "refund and an apology",
        "received_at": "2025-03-14T09:30:00Z",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def inquiry(**overrides):
    body = {"kind": "inquiry", "channel": "web", "priority": "normal", "category": "opening-hours",
            "subject": "When are you open? " + uuid.uuid4().hex[:8]}
    body.update(overrides)
    return body


def work_order(**overrides):
    body = {"kind": "work_order", "channel": "email", "priority": "urgent", "category": "repair",
            "subject": "Broken meter " + uuid.uuid4().hex[:8], "description": "Meter 42 shows nothing."}
    body.update(overrides)
    return body


def etag_version(response):
    etag = response.headers.get("ETag")
    assert etag and etag.startswith('"') and etag.endswith('"'), "ETag %r is not a quoted version" % etag
    return int(etag[1:-1])


def assert_ticket_shape(ticket):
    """All fields of kefu.v1.Ticket, snake_case; id and version JSON integers."""
    missing = [f for f in TICKET_FIELDS if f not in ticket]
    assert not missing, "ticket lacks %s: %r" % (missing, ticket)
    for name in TICKET_FIELDS:
        if name in ("id", "version", "merged_into", "department_id"):
            assert type(ticket[name]) is int, "%s must be a JSON integer: %r" % (name, ticket[name])
        else:
            assert isinstance(ticket[name], str), "%s must be a string: %r" % (name, ticket[name])


def assert_problem(response, status, field=None, slug=None):
    """RFC 9457 problem details with kefu's conventions."""
    assert response.status_code == status, describe(response)
    content_type = response.headers.get("Content-Type", "")
    assert content_type.split(";")[0].strip() == "application/problem+json", describe(response)
    problem = response.json()
    assert isinstance(problem.get("type"), str) and problem["type"].startswith(PROBLEM_PREFIX), problem
    assert len(problem["type"]) > len(PROBLEM_PREFIX), problem
    assert isinstance(problem.get("title"), str) and problem["title"], problem
    assert problem.get("status") == status, problem
    assert isinstance(problem.get("detail"), str) and problem["detail"], problem
    if field is not None:
        assert problem.get("field") == field, "expected field %r: %r" % (field, problem)
    if slug is not None:
        assert problem["type"] == PROBLEM_PREFIX + slug, problem
    return problem


# --- database ----------------------------------------------------------------------------


class Db:
    """Superuser queries through psql (no driver needed). Parameters are psql
    variables, quoted by psql itself: db.rows("... WHERE subject = :'s'", s=value)."""

    FIELD_SEP = "\x1f"
    RECORD_SEP = "\x1e"

    def __init__(self, dsn):
        self.dsn = dsn

    def rows(self, sql, **params):
        argv = ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-F", self.FIELD_SEP,
                "-R", self.RECORD_SEP, "-d", self.dsn]
        for name, value in params.items():
            argv += ["-v", "%s=%s" % (name, value)]
        result = subprocess.run(argv + ["-f", "-"], input=sql.encode("utf-8"), capture_output=True, timeout=60)
        if result.returncode != 0:
            raise AssertionError("psql failed (%d): %s\n%s" % (result.returncode, result.stderr.decode(), sql))
        out = result.stdout.decode("utf-8")
        if out.endswith("\n"):
            out = out[:-1]
        if out == "":
            return []
        return [record.split(self.FIELD_SEP) for record in out.split(self.RECORD_SEP)]

    def scalar(self, sql, **params):
        rows = self.rows(sql, **params)
        assert len(rows) == 1 and len(rows[0]) == 1, rows
        return rows[0][0]

    def count(self, sql, **params):
        return int(self.scalar(sql, **params))

    # Tables a request may write, and the sums of versions that move on any update.
    COUNTED = ("tickets", "ticket_transitions", "outbox", "idempotency_keys", "ticket_handoffs", "ticket_watchers",
               "ticket_comments", "ticket_attachments", "ticket_dispatches", "departments", "routing_rules",
               "creation_keys", "ticket_stats_opened", "ticket_stats_resolutions")
    VERSIONED = ("tickets", "departments", "routing_rules")

    def counts(self):
        """Row counts of every table a request may write, and the sum of the versions of
        the versioned ones (every change bumps a version, so an update shows too)."""
        parts = ["(SELECT count(*) FROM tickets.%s)" % t for t in self.COUNTED]
        parts += ["(SELECT coalesce(sum(version), 0) FROM tickets.%s)" % t for t in self.VERSIONED]
        row = self.rows("SELECT " + ", ".join(parts))[0]
        names = list(self.COUNTED) + [t + ".versions" for t in self.VERSIONED]
        return dict(zip(names, map(int, row)))

    @contextlib.contextmanager
    def unchanged(self, *tables):
        """Assert that the block writes nothing (DESIGN §4: nothing is written on any
        error) to `tables` (default: all of counts())."""
        before = self.counts()
        yield before
        after = self.counts()
        if tables:
            before = {t: before[t] for t in tables}
            after = {t: after[t] for t in tables}
        assert after == before, "rows were written: before %r, after %r" % (before, after)

    def outbox(self, subject):
        """[(type, payload bytes, txid)] of the outbox rows about `subject`, in order."""
        rows = self.rows("SELECT type, encode(payload, 'hex'), txid FROM tickets.outbox "
                         "WHERE subject = :'s' ORDER BY id", s=subject)
        return [(t, bytes.fromhex(p), int(x)) for t, p, x in rows]

    def outbox_types(self, subject):
        return [t for t, _p, _x in self.outbox(subject)]


@contextlib.contextmanager
def table_lock(dsn, table):
    """Hold ACCESS EXCLUSIVE on `table` in an open transaction until the block ends."""
    p = subprocess.Popen(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", dsn],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        p.stdin.write(("BEGIN;\nLOCK TABLE %s IN ACCESS EXCLUSIVE MODE;\nSELECT 'locked';\n" % table).encode())
        p.stdin.flush()
        line = p.stdout.readline()
        assert line.strip() == b"locked", (line, p.stderr.read() if p.poll() is not None else b"")
        yield
    finally:
        with contextlib.suppress(Exception):
            p.stdin.write(b"ROLLBACK;\n")
            p.stdin.close()
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def json_dumps(body, **kw):
    return json.dumps(body, ensure_ascii=False, **kw).encode("utf-8")
