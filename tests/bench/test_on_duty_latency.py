"""On duty at an instant (SCH-8) over a published roster of 500 agents × 31 days.

Not part of `make test`: run it on its own, with the release binaries, in the
throw-away cluster of tests/run.sh:

    make build && KEFU_TEST_UNITS=none \\
        KEFU_TEST_PYTEST="tests/bench/test_on_duty_latency.py -s" make test

It starts tickets, scheduling and a gateway (release builds), loads the roster
as tests/e2e/test_rosters.py does (and publishes it, which validates all of it),
then times on_duty.at over ZeroMQ (the service's answer: decoding, the indexed
query, encoding; plus one loopback round trip) and GET /v1/on-duty through the
gateway, and prints PostgreSQL's own execution time of the statement (EXPLAIN
ANALYZE) with its plan. Times are printed, never asserted.
"""
import os
import statistics
import sys
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))

from kefu_e2e import E2EEnv, Db, HTTP_TIMEOUT, free_port, make_api_keys, make_tickets  # noqa: E402
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
        http_ms = []
        with requests.Session() as session:
            for _ in range(CALLS):
                began = time.perf_counter()
                r = session.get(stack.base + "/v1/on-duty", params={"at": day + "T10:00:00+08:00", "skill": skill},
                                headers={"Authorization": "Bearer " + keys["auditor"]}, timeout=HTTP_TIMEOUT)
                http_ms.append((time.perf_counter() - began) * 1000)
                assert r.status_code == 200, r.text
        plan = [row[0] for row in stack.db.rows(
            "SET search_path = scheduling; SET jit = off; EXPLAIN (ANALYZE) " + ON_DUTY_SQL, at=at_ms, skill=skill)]
        print("\n%d agents x 31 days (%d shifts in force), %d calls each; published (validated) in %.2f s"
              % (BIG_AGENTS, BIG_AGENTS * 31, CALLS, publish_s))
        for name, values, count in (("on_duty.at, one skill, ZeroMQ", zmq_ms, len(answer.items)),
                                    ("on_duty.at, everyone, ZeroMQ", everyone_ms, len(everyone.items)),
                                    ("GET /v1/on-duty, one skill", http_ms, len(answer.items))):
            print("%s (%d people): p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, mean %.3f ms"
                  % (name, count, percentile(values, 0.5), percentile(values, 0.9), percentile(values, 0.99),
                     statistics.mean(values)))
        print("\n".join(plan))
    finally:
        stack.close()
        tickets.stop()
