"""Event latency and fan-out benchmarks (run by tests/bench/run.sh).

Creates tickets through the tickets service at a fixed rate, so that its
outbox produces KEFU_BENCH_EVENT_RATE events per second (two per ticket: the
event and its audit record), and measures when each ticket.created arrives:

  - at a ZeroMQ SUB on the bus (topic filter "ticket.created"),
  - at an SSE client of the gateway, alone and among many others,
  - at a webhook receiver, for deliveries per second.

Latency is measured from the commit of the transaction that wrote the
event, as PostgreSQL recorded it (track_commit_timestamp), to its arrival,
on the same machine's clock. Prints markdown rows (run.sh keeps them in build/bench/events.md and
adds them to the generated section of docs/PERFORMANCE.md).
"""
import http.server
import json
import multiprocessing
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

import bench    # tests/bench/bench.py: the customers of its creations

HTTP = os.environ["KEFU_BENCH_HTTP"]
XPUB = os.environ["KEFU_BENCH_XPUB"]
TICKETS = os.environ["KEFU_BENCH_TICKETS"]
DSN = os.environ["KEFU_BENCH_DSN"]
SSE_KEY = os.environ["KEFU_BENCH_SUPERVISOR_KEY"]
INTEGRATION_KEY = os.environ["KEFU_BENCH_INTEGRATION_KEY"]
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


def commit_times(event_ids, numbered=None):
    """event id -> commit time (Unix seconds) of the transaction that wrote it;
    `numbered`, if given, gets event id -> when the publisher numbered it."""
    result = {}
    ids = list(event_ids)
    for start in range(0, len(ids), 2000):
        chunk = ",".join("'%s'" % i for i in ids[start:start + 2000])
        for event_id, commit, published in psql(
                "SELECT o.event_id, extract(epoch FROM pg_xact_commit_timestamp(o.txid::text::xid)), "
                "extract(epoch FROM p.published_at) FROM tickets.outbox o "
                "JOIN tickets.outbox_published p ON p.outbox_id = o.id WHERE o.event_id IN (%s)" % chunk):
            result[event_id] = float(commit)
            if numbered is not None:
                numbered[event_id] = float(published)
    return result


def drive_creates(seconds, rate_per_second):
    """Create tickets over ZeroMQ at a steady rate; returns how many."""
    context = zmq.Context.instance()
    dealer = context.socket(zmq.DEALER)
    dealer.connect(TICKETS)
    # The customers of bench.py's creations: one customer for all would
    # make every creation wait for the one before it to commit (the repeat
    # complaint's lock, migrations/0005), which could hold the rate below its target.
    request_of = tickets_pb2.CreateTicketRequest(
        kind="complaint", channel="phone", priority="high", category="billing",
        subject="退款未到账", description="benchmark")
    actor = envelope_pb2.Actor(staff_id="A1001", roles=["agent"])
    interval = 1.0 / rate_per_second
    sent = answered = 0
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        due = started + sent * interval
        now = time.monotonic()
        if now >= due:
            request_of.customer_id = bench.draw_customer()
            request = envelope_pb2.Request(request_id=str(sent), method="tickets.create", actor=actor,
                                           payload=request_of.SerializeToString())
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


def latency_row(name, arrivals, numbered_row=False):
    """arrivals: event id -> arrival time. A markdown row of commit -> arrival
    (and, first, one of commit -> numbered by the publisher, if asked)."""
    numbered = {}
    commits = commit_times(arrivals, numbered)
    latencies = [(arrivals[i] - commits[i]) * 1000 for i in arrivals if i in commits]
    if not latencies:
        return "| %s | no events arrived | | | |" % name
    row = "| %s | %d | %.2f ms | %.2f ms | %.2f ms |" % (
        name, len(latencies), percentile(latencies, 0.50), percentile(latencies, 0.99), max(latencies))
    if numbered_row:
        steps = [(numbered[i] - commits[i]) * 1000 for i in numbered if i in commits]
        row = "| (of which: commit -> numbered by the publisher) | %d | %.2f ms | %.2f ms | %.2f ms |\n" % (
            len(steps), percentile(steps, 0.50), percentile(steps, 0.99), max(steps)) + row
    return row


# Listeners run in processes of their own, so that the Python interpreter
# lock shared with the load driver does not delay (and so inflate) the
# arrival times they note.

def listen_zmq(ready, stop, results):
    socket = zmq.Context.instance().socket(zmq.SUB)
    socket.setsockopt(zmq.SUBSCRIBE, b"ticket.created")
    socket.connect(XPUB)
    arrivals = {}
    ready.set()
    while not stop.is_set():
        if socket.poll(100):
            _, data = socket.recv_multipart()
            arrived = time.time()
            arrivals[envelope_pb2.Event.FromString(data).id] = arrived
    socket.close()
    results.put(arrivals)


def listen_sse(ready, stop, results, types="ticket.created"):
    response = requests.get(HTTP + "/v1/events", params={"types": types}, stream=True,
                            headers={"Authorization": "Bearer " + SSE_KEY}, timeout=(5, 30))
    arrivals = {}
    ready.set()
    # The bench gateway sends a heartbeat every 500 ms, so a line always comes
    # soon enough to look at `stop`.
    for line in response.iter_lines(chunk_size=None):
        if stop.is_set():
            break
        if line.startswith(b"data: "):
            arrived = time.time()
            arrivals[json.loads(line[6:]).get("id")] = arrived
    response.close()
    results.put(arrivals)


class Listener:
    def __init__(self, target):
        self.ready, self.stop, self.results = (multiprocessing.Event(), multiprocessing.Event(),
                                               multiprocessing.Queue())
        self.process = multiprocessing.Process(target=target, args=(self.ready, self.stop, self.results))
        self.process.start()
        self.ready.wait(10)

    def finish(self):
        self.stop.set()
        arrivals = self.results.get(timeout=30)
        self.process.join(10)
        return arrivals


def bench_zmq_and_sse():
    rows = ["", "| commit -> arrival, %d events/s on the bus (%ds) | events | p50 | p99 | max |" % (EVENT_RATE, SECONDS),
            "|---|---|---|---|---|"]
    zmq_listener = Listener(listen_zmq)
    sse_listener = Listener(listen_sse)
    time.sleep(1.0)
    drive_creates(SECONDS, EVENT_RATE / EVENTS_PER_TICKET)
    time.sleep(SETTLE_SECONDS)
    rows.append(latency_row("ZeroMQ SUB (topic ticket.created)", zmq_listener.finish(), numbered_row=True))
    rows.append(latency_row("SSE client, alone", sse_listener.finish()))

    # Fan-out: FANOUT - 1 other clients read every event (curl into /dev/null)
    # while one measured client does the same as above.
    others = [subprocess.Popen(["curl", "-sN", "-o", "/dev/null", "-H", "Authorization: Bearer " + SSE_KEY,
                                HTTP + "/v1/events?types=ticket."]) for _ in range(FANOUT - 1)]
    probe = Listener(listen_sse)
    time.sleep(2.0)
    drive_creates(SECONDS, EVENT_RATE / EVENTS_PER_TICKET)
    time.sleep(SETTLE_SECONDS)
    probe_arrivals = probe.finish()
    alive = sum(1 for p in others if p.poll() is None)
    for p in others:
        p.terminate()
    for p in others:
        p.wait()
    rows.append(latency_row("SSE client among %d (%d others still connected at the end)" % (FANOUT, alive),
                            probe_arrivals))
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


def gateway(method, path, key, body=None):
    response = requests.request(method, HTTP + path, json=body, timeout=10, headers={
        "Authorization": "Bearer " + key, "Idempotency-Key": str(uuid.uuid4())})
    response.raise_for_status()
    return response.json() if response.content else None


def bench_webhooks():
    """Deliveries per second: queue a backlog behind a paused webhook, then
    resume it and time how fast the backlog reaches a local receiver."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        webhook = gateway("POST", "/v1/webhooks", INTEGRATION_KEY, {
            "url": "http://127.0.0.1:%d/hook" % server.server_port,
            "event_types": ["ticket.created"], "description": "bench"})
        gateway("POST", "/v1/webhooks/%s/pause" % webhook["id"], INTEGRATION_KEY)
    except requests.RequestException as error:
        return ["", "webhooks: not measured (%s)" % error]
    tickets = drive_creates(SECONDS, EVENT_RATE / EVENTS_PER_TICKET)
    time.sleep(SETTLE_SECONDS)          # let the consumer queue every delivery
    started = time.time()
    gateway("POST", "/v1/webhooks/%s/resume" % webhook["id"], INTEGRATION_KEY)
    deadline = started + 300
    while len(Receiver.arrivals) < tickets and time.time() < deadline:
        time.sleep(0.05)
    server.shutdown()
    arrived = sorted(Receiver.arrivals.values())
    if not arrived:
        return ["", "webhooks: nothing delivered"]
    span = arrived[-1] - started
    return ["", "| webhook deliveries to a local receiver (Python http.server) | queued | delivered | deliveries/s |",
            "|---|---|---|---|",
            "| backlog of ticket.created behind a paused webhook, sent on resume | %d | %d | %.0f |" % (
                tickets, len(arrived), len(arrived) / span)]


def main():
    rows = bench_zmq_and_sse()
    rows += bench_webhooks()
    print("\n".join(rows))


if __name__ == "__main__":
    main()
