"""Event latency and fan-out benchmarks (run by tests/bench/run.sh).

Creates tickets through the tickets service at a fixed rate, so that its
outbox produces KEFU_BENCH_EVENT_RATE events per second (two per ticket: the
event and its audit record), and measures when each ticket.created arrives:

  - at a ZeroMQ SUB on the bus (topic filter "ticket.created"),
  - at an SSE client of the gateway, alone and among many others,
  - at a webhook receiver, for deliveries per second.

Latency is measured from the commit of the transaction that wrote the
event, as PostgreSQL recorded it (track_commit_timestamp), to its arrival,
on the same machine's clock. Prints markdown rows for build/bench/results.md.
"""
import http.server
import json
import os
import statistics
import subprocess
import socket
import threading
import time
import uuid

import requests
import zmq

from kefu.v1 import envelope_pb2, tickets_pb2

HTTP = os.environ["KEFU_BENCH_HTTP"]
XPUB = os.environ["KEFU_BENCH_XPUB"]
TICKETS = os.environ["KEFU_BENCH_TICKETS"]
DSN = os.environ["KEFU_BENCH_DSN"]
KEY = os.environ["KEFU_BENCH_KEY"]
SECONDS = float(os.environ.get("KEFU_BENCH_SECONDS", "15"))
EVENT_RATE = int(os.environ.get("KEFU_BENCH_EVENT_RATE", "1000"))
FANOUT = int(os.environ.get("KEFU_BENCH_SSE_CLIENTS", "100"))
EVENTS_PER_TICKET = 2
SETTLE_SECONDS = 3.0


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def psql(sql):
    out = subprocess.run(["psql", "-X", "-A", "-t", "-F", "\t", "-d", DSN, "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def commit_times(event_ids):
    """event id -> commit time (Unix seconds) of the transaction that wrote it."""
    result = {}
    ids = list(event_ids)
    for start in range(0, len(ids), 2000):
        chunk = ",".join("'%s'" % i for i in ids[start:start + 2000])
        for event_id, commit in psql(
                "SELECT event_id, extract(epoch FROM pg_xact_commit_timestamp(txid::text::xid)) "
                "FROM tickets.outbox WHERE event_id IN (%s)" % chunk):
            result[event_id] = float(commit)
    return result


def drive_creates(seconds, rate_per_second):
    """Create tickets over ZeroMQ at a steady rate; returns how many."""
    context = zmq.Context.instance()
    dealer = context.socket(zmq.DEALER)
    dealer.connect(TICKETS)
    payload = tickets_pb2.CreateTicketRequest(
        kind="complaint", channel="phone", priority="high", category="billing",
        subject="退款未到账", description="benchmark", customer_id="C-10023").SerializeToString()
    actor = envelope_pb2.Actor(staff_id="A1001", roles=["agent"])
    interval = 1.0 / rate_per_second
    sent = answered = 0
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        due = started + sent * interval
        now = time.monotonic()
        if now >= due:
            request = envelope_pb2.Request(request_id=str(sent), method="tickets.create", actor=actor,
                                           payload=payload)
            dealer.send_multipart([b"", request.SerializeToString()])
            sent += 1
            continue
        if dealer.poll(max(0, int((due - now) * 1000))):
            dealer.recv_multipart()
            answered += 1
    while answered < sent and dealer.poll(5000):
        dealer.recv_multipart()
        answered += 1
    dealer.close()
    return sent


def latency_row(name, arrivals):
    """arrivals: event id -> arrival time. A markdown row of commit -> arrival."""
    commits = commit_times(arrivals)
    latencies = [(arrivals[i] - commits[i]) * 1000 for i in arrivals if i in commits]
    if not latencies:
        return "| %s | no events arrived | | | |" % name
    return "| %s | %d | %.2f ms | %.2f ms | %.2f ms |" % (
        name, len(latencies), percentile(latencies, 0.50), percentile(latencies, 0.99), max(latencies))


class ZmqListener(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.arrivals = {}
        self.stop = False
        self.socket = zmq.Context.instance().socket(zmq.SUB)
        self.socket.setsockopt(zmq.SUBSCRIBE, b"ticket.created")
        self.socket.connect(XPUB)

    def run(self):
        while not self.stop:
            if self.socket.poll(100):
                _, data = self.socket.recv_multipart()
                arrived = time.time()
                event = envelope_pb2.Event.FromString(data)
                self.arrivals[event.id] = arrived
        self.socket.close()


class SseListener(threading.Thread):
    """One SSE client, noting when each ticket.created arrives."""

    def __init__(self, types="ticket.created"):
        super().__init__(daemon=True)
        self.arrivals = {}
        self.stop = False
        self.response = requests.get(HTTP + "/v1/events", params={"types": types}, stream=True,
                                     headers={"Authorization": "Bearer " + KEY}, timeout=(5, 60))

    def run(self):
        try:
            for line in self.response.iter_lines(chunk_size=None):
                if self.stop:
                    break
                if line.startswith(b"data: "):
                    arrived = time.time()
                    self.arrivals[json.loads(line[6:]).get("id")] = arrived
        except Exception:
            pass         # finish() closed the connection under us
        finally:
            self.response.close()

    def finish(self):
        self.stop = True
        try:
            self.response.raw._fp.fp.raw._sock.shutdown(socket.SHUT_RDWR)
        except Exception:
            self.response.close()
        self.join(5)


def bench_zmq_and_sse():
    rows = ["", "| commit -> arrival, %d events/s on the bus (%ds) | events | p50 | p99 | max |" % (EVENT_RATE, SECONDS),
            "|---|---|---|---|---|"]
    zmq_listener = ZmqListener()
    sse_listener = SseListener()
    zmq_listener.start()
    sse_listener.start()
    time.sleep(1.0)
    drive_creates(SECONDS, EVENT_RATE / EVENTS_PER_TICKET)
    time.sleep(SETTLE_SECONDS)
    zmq_listener.stop = True
    zmq_listener.join()
    sse_listener.finish()
    rows.append(latency_row("ZeroMQ SUB (topic ticket.created)", zmq_listener.arrivals))
    rows.append(latency_row("SSE client, alone", sse_listener.arrivals))

    # Fan-out: FANOUT - 1 other clients read every event (curl into /dev/null)
    # while one measured client does the same as above.
    others = [subprocess.Popen(["curl", "-sN", "-o", "/dev/null", "-H", "Authorization: Bearer " + KEY,
                                HTTP + "/v1/events?types=ticket."]) for _ in range(FANOUT - 1)]
    probe = SseListener()
    probe.start()
    time.sleep(2.0)
    drive_creates(SECONDS, EVENT_RATE / EVENTS_PER_TICKET)
    time.sleep(SETTLE_SECONDS)
    probe.finish()
    alive = sum(1 for p in others if p.poll() is None)
    for p in others:
        p.terminate()
    for p in others:
        p.wait()
    rows.append(latency_row("SSE client among %d (%d others still connected at the end)" % (FANOUT, alive),
                            probe.arrivals))
    return rows


class Receiver(http.server.BaseHTTPRequestHandler):
    arrivals = {}

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        Receiver.arrivals.setdefault(self.headers.get("Kefu-Event-Id"), time.time())
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def bench_webhooks():
    import urllib.request
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    body = json.dumps({"url": "http://127.0.0.1:%d/hook" % server.server_port,
                       "event_types": ["ticket.created"], "description": "bench"}).encode()
    request = urllib.request.Request(HTTP + "/v1/webhooks", data=body, method="POST", headers={
        "Authorization": "Bearer " + os.environ.get("KEFU_BENCH_INTEGRATION_KEY", KEY),
        "Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())})
    try:
        urllib.request.urlopen(request).read()
    except Exception as error:          # no webhooks service, or refused
        return ["", "webhooks: not measured (%s)" % error]
    tickets = int(SECONDS * EVENT_RATE / EVENTS_PER_TICKET)
    started = time.time()
    drive_creates(SECONDS, EVENT_RATE / EVENTS_PER_TICKET)
    deadline = time.time() + 120
    while len(Receiver.arrivals) < tickets and time.time() < deadline:
        time.sleep(0.1)
    server.shutdown()
    arrived = sorted(Receiver.arrivals.values())
    if not arrived:
        return ["", "webhooks: nothing delivered"]
    span = arrived[-1] - started
    return ["", "| webhook deliveries to a local receiver | tickets | delivered | deliveries/s | last delivery after |",
            "|---|---|---|---|---|",
            "| ticket.created, one webhook, %d creates/s for %ds | %d | %d | %.0f | %.1f s |" % (
                EVENT_RATE / EVENTS_PER_TICKET, SECONDS, tickets, len(arrived), len(arrived) / span, span)]


def main():
    rows = bench_zmq_and_sse()
    rows += bench_webhooks()
    print("\n".join(rows))


if __name__ == "__main__":
    main()
