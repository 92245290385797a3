"""Login latency through the gateway (SCH-2: Argon2id dominates by design).

Not part of `make test`: run it on its own, with the release binaries, in the
throw-away cluster of tests/run.sh:

    make build && KEFU_TEST_UNITS=none \\
        KEFU_TEST_PYTEST="tests/bench/test_login_latency.py -s" make test

It starts scheduling and a gateway (release builds), creates one person, and
times POST /v1/sessions sequentially and with as many concurrent clients as
scheduling has workers; prints p50/p90/p99 in milliseconds.
"""
import concurrent.futures
import os
import secrets
import statistics
import sys
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))

from kefu_e2e import (E2EEnv, create_admin, free_port, make_api_keys, make_gateway,  # noqa: E402
                      make_scheduling, make_session_keys, make_tickets)

LOGINS = int(os.environ.get("KEFU_BENCH_LOGINS", "100"))
WORKERS = 4


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def test_login_latency():
    env = E2EEnv()
    env.bin = os.path.join(os.path.dirname(__file__), "..", "..", "build", "release", "bin")
    seed, public = make_session_keys(env, "bench")
    xsub, xpub = "tcp://127.0.0.1:%d" % free_port(), "tcp://127.0.0.1:%d" % free_port()
    password = "Bench-" + secrets.token_hex(8)
    assert create_admin(env, "BENCH1", "bench", password).returncode == 0
    tickets = make_tickets(env, "bench.tickets", KEFU_BUS_XSUB=xsub).start()
    scheduling = make_scheduling(env, "bench.scheduling", seed, xsub,
                                 KEFU_SCHEDULING_WORKERS=str(WORKERS)).start()
    gateway = make_gateway(env, "bench.gateway", tickets.port, make_api_keys(),
                           KEFU_GATEWAY_SERVICES="tickets,scheduling", KEFU_SCHEDULING_ENDPOINT=scheduling.endpoint,
                           KEFU_SESSION_PUBLIC_KEYS=public, KEFU_BUS_XSUB=xsub, KEFU_BUS_XPUB=xpub).start()
    body = {"staff_no": "BENCH1", "password": password, "terminal": "bench"}

    def login(_=None):
        started = time.perf_counter()
        response = requests.post(gateway.base + "/v1/sessions", json=body, timeout=30)
        assert response.status_code == 201, response.text
        return (time.perf_counter() - started) * 1000

    try:
        login()
        sequential = [login() for _ in range(LOGINS)]
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            started = time.perf_counter()
            concurrent_ms = list(pool.map(login, range(LOGINS)))
            rate = LOGINS / (time.perf_counter() - started)
        for name, values in (("sequential", sequential), ("%d concurrent" % WORKERS, concurrent_ms)):
            print("\nlogin latency, %s (%d logins): p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, mean %.1f ms"
                  % (name, len(values), percentile(values, 0.5), percentile(values, 0.9),
                     percentile(values, 0.99), statistics.mean(values)))
        print("logins per second with %d concurrent clients and %d workers: %.1f" % (WORKERS, WORKERS, rate))
    finally:
        for process in (gateway, scheduling, tickets):
            process.stop()
