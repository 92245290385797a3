"""On duty at an instant (SCH-8) over a published roster of 500 agents × 31 days.

Not part of `make test`: run it on its own, with the release binaries, in the
throw-away cluster of tests/run.sh:

    make build && KEFU_TEST_UNITS=none \\
        KEFU_TEST_PYTEST="tests/bench/test_on_duty_latency.py -s" make test

It starts tickets, scheduling and a gateway (release builds), loads the roster
as tests/e2e/test_rosters.py does (and publishes it, which validates all of it),
then times on_duty.at over ZeroMQ (the service's answer: decoding, the indexed
query, encoding; plus one loopback round trip) and GET /v1/on-duty through the
gateway, the statement alone as pgbench runs it (prepared, one client: the
database's share of the answer), and prints its plan (EXPLAIN ANALYZE). Times
are printed, never asserted.
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))

from kefu_e2e import E2EEnv, Db, HTTP_TIMEOUT, ZmqClient, free_port, make_api_keys, make_tickets  # noqa: E402
from test_rosters import (BIG_AGENTS, ON_DUTY_SQL, RosterStack, load_big_roster, ms,  # noqa: E402
                          on_duty_timings)

CALLS = int(os.environ.get("KEFU_BENCH_ON_DUTY_CALLS", "1000"))


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def test_on_duty_latency():
    env = E2EEnv()
    env.bin = os.path.join(os.path.dirname(__file__), "..", "..", "build", "release", "bin")
    xsub = "tcp://127.0.0.1:%d" % free_port()
    tickets = make_tickets(env, "bench.tickets", KEFU_BUS_XSUB=xsub).start()
    keys = make_api_keys()
    stack = RosterStack(env, Db(env.dsn_admin), keys, tickets.port)
    try:
        roster, skill, day, publish_s = load_big_roster(stack)
        at_ms = ms(day + "T10:00:00+08:00")
        on_duty_timings(stack.scheduling.endpoint, at_ms, skill, 50)  # warm up
        zmq_ms, answer = on_duty_timings(stack.scheduling.endpoint, at_ms, skill, CALLS)
        everyone_ms, everyone = on_duty_timings(stack.scheduling.endpoint, at_ms, "", CALLS)
        # The baseline: a request the service answers without work (sys.ping),
        # so that on_duty.at minus it is the time spent in the service.
        ping_ms = []
        with ZmqClient(stack.scheduling.endpoint) as client:
            for _ in range(CALLS):
                began = time.perf_counter()
                reply = client.call("sys.ping", actor=None)
                ping_ms.append((time.perf_counter() - began) * 1000)
                assert reply is not None
        http_ms = []
        with requests.Session() as session:
            for _ in range(CALLS):
                began = time.perf_counter()
                r = session.get(stack.base + "/v1/on-duty", params={"at": day + "T10:00:00+08:00", "skill": skill},
                                headers={"Authorization": "Bearer " + keys["auditor"]}, timeout=HTTP_TIMEOUT)
                http_ms.append((time.perf_counter() - began) * 1000)
                assert r.status_code == 200, r.text
        # The statement alone, prepared, as the service runs it.
        with tempfile.NamedTemporaryFile("w", suffix=".pgbench") as script:
            script.write(re.sub(r":'(\w+)'", r":\1", ON_DUTY_SQL).replace(":skill", "'%s'" % skill) + ";\n")
            script.flush()
            out = subprocess.run(["pgbench", "-n", "-M", "prepared", "-c", "1", "-t", str(CALLS), "-D",
                                  "at=%d" % at_ms, "-f", script.name, "-d",
                                  env.dsn_admin + " options=-csearch_path=scheduling"],
                                 capture_output=True, text=True, timeout=600)
            assert out.returncode == 0, out.stderr
            latency = re.search(r"latency average = ([0-9.]+) ms", out.stdout)
        # One bulk assignment of the largest batch through the gateway: the
        # same 500 people on one more day, in a roster of another site.
        people = [row[0] for row in stack.db.rows(
            "SELECT staff_no FROM scheduling.staff s JOIN scheduling.shifts sh ON sh.staff_id = s.id "
            "WHERE sh.roster_id = :r GROUP BY staff_no ORDER BY staff_no", r=roster["id"])]
        other = stack.roster(stack.site(), "%d-06" % (stack.year + 2))
        template = stack.template("08:00", 480)
        items = [{"staff_no": p, "date": "%d-06-%02d" % (stack.year + 2, d), "template_code": template}
                 for p in people for d in range(1, 2)]
        began = time.perf_counter()
        r = stack.post("/v1/rosters/%d/shifts/bulk" % other["id"], {"items": items})
        bulk_s = time.perf_counter() - began
        assert r.status_code == 201, r.text
        plan = [row[0] for row in stack.db.rows(
            "SET search_path = scheduling; SET jit = off; EXPLAIN (ANALYZE) " + ON_DUTY_SQL, at=at_ms, skill=skill)]
        print("\n%d agents x 31 days (%d shifts in force), %d calls each; published (validated) in %.2f s"
              % (BIG_AGENTS, BIG_AGENTS * 31, CALLS, publish_s))
        for name, values, count in (("sys.ping, ZeroMQ (baseline)", ping_ms, 0),
                                    ("on_duty.at, one skill, ZeroMQ", zmq_ms, len(answer.items)),
                                    ("on_duty.at, everyone, ZeroMQ", everyone_ms, len(everyone.items)),
                                    ("GET /v1/on-duty, one skill", http_ms, len(answer.items))):
            print("%s (%d people): p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, mean %.3f ms"
                  % (name, count, percentile(values, 0.5), percentile(values, 0.9), percentile(values, 0.99),
                     statistics.mean(values)))
        print("POST /v1/rosters/{id}/shifts/bulk, %d assignments in one batch: %.2f s" % (len(items), bulk_s))
        print("the statement alone (pgbench, prepared, 1 client, %d runs): latency average %s ms"
              % (CALLS, latency.group(1) if latency else "?"))
        print("\n".join(plan))
    finally:
        stack.close()
        tickets.stop()
