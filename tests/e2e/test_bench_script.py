"""make bench's baseline scripts (tests/bench/bench.py): the SQL that kefu
ran, as PostgreSQL logged it, becomes a pgbench script with the same
statements and the same parameters. No stack needed: these are the pure
parts, checked on log lines in the format PostgreSQL writes."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bench"))

import bench  # noqa: E402


def test_parameters_of_a_logged_execute():
    detail = "parameters: $1 = 'A1001', $2 = 'it''s $3 = ''x''', $3 = NULL, $10 = '', $11 = '\\x0a01'"
    assert bench.parameters(detail) == {1: "A1001", 2: "it's $3 = 'x'", 3: None, 10: "", 11: "\\x0a01"}
    assert bench.parameters(None) == {}


def test_create_script_keeps_statements_and_parameters():
    statements = [
        ("BEGIN", {}),
        ("INSERT INTO keys (actor, key) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1", {1: "A1", 2: "k-9"}),
        ("INSERT INTO tickets (a, b, c) VALUES ($1, $2, coalesce($3, now())) RETURNING id, kind",
         {1: "1", 2: "", 3: None}),
        ("UPDATE keys SET ticket_id = $3 WHERE actor = $1 AND key = $2", {1: "A1", 2: "k-9", 3: "57"}),
        ("INSERT INTO history (ticket_id, version, p10) VALUES ($1, $2, $10)", {1: "57", 2: "1", 10: "x"}),
        ("COMMIT", {}),
    ]
    lines, defines = bench.pgbench_script(statements, {"k-9": "key"}, returned="57")
    assert lines == [
        "BEGIN;",
        "INSERT INTO keys (actor, key) VALUES (:p1_1, :key) ON CONFLICT DO NOTHING RETURNING 1;",
        # The id comes from the last RETURNING before its first use; '' and
        # NULL cannot be pgbench variables and stay literals.
        "INSERT INTO tickets (a, b, c) VALUES (:p2_1, '', coalesce(NULL, now())) RETURNING id, kind \\gset ret_",
        "UPDATE keys SET ticket_id = :ret_id WHERE actor = :p3_1 AND key = :key;",
        # $10 is not $1 followed by 0; "1" is the version here, not the id.
        "INSERT INTO history (ticket_id, version, p10) VALUES (:ret_id, :p4_2, :p4_10);",
        "COMMIT;",
    ]
    assert defines == {"p1_1": "A1", "p2_1": "1", "p3_1": "A1", "p4_2": "1", "p4_10": "x"}


def test_a_returned_id_that_is_never_used_is_an_error():
    statements = [("INSERT INTO t (a) VALUES ($1) RETURNING id", {1: "a"})]
    try:
        bench.pgbench_script(statements, {}, returned="5")
    except RuntimeError:
        return
    raise AssertionError("pgbench_script accepted an id nothing uses")


def test_result_line_of_the_load_generators():
    figures = bench.result_of("noise\nRESULT requests=10 seconds=2.000 rps=5.0 p50_ms=1.500 p99_ms=2.000 "
                              "p999_ms=3.250 errors=1\n", "wrk")
    assert figures == {"requests": 10, "errors": 1, "rps": 5.0, "p50_ms": 1.5, "p99_ms": 2.0, "p999_ms": 3.25}


def test_received_at_as_the_milliseconds_kefu_passed():
    assert bench.rfc3339_ms("2026-11-25T21:39:46.043Z") == "1795642786043"
    assert bench.rfc3339_ms("1970-01-01T00:00:00.001Z") == "1"


def test_customer_draw_of_the_creations():
    # Ids of 8 digits, the regulars' share near REPEAT_PERCENT, and the
    # captured create's customer outside the drawn range (else pgbench_script
    # could replace a drawn value that means something else).
    draws = [int(bench.draw_customer()) for _ in range(20000)]
    assert all(bench.CUSTOMER_FIRST <= d < bench.CUSTOMER_FIRST + bench.CUSTOMERS for d in draws)
    assert all(len(str(d)) == 8 for d in draws)
    regular = sum(d < bench.CUSTOMER_FIRST + bench.REGULAR_CUSTOMERS for d in draws) / len(draws)
    assert abs(regular - bench.REPEAT_PERCENT / 100) < 0.01
    assert len(set(draws)) > len(draws) * (1 - bench.REPEAT_PERCENT / 100) * 0.99
    assert not bench.CUSTOMER_FIRST <= int(bench.CAPTURED_CUSTOMER) < bench.CUSTOMER_FIRST + bench.CUSTOMERS
    assert "random(0, %d)" % (bench.REGULAR_CUSTOMERS - 1) in bench.CUSTOMER_DRAW
    assert "<= %d" % bench.REPEAT_PERCENT in bench.CUSTOMER_DRAW
