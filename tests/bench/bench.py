"""The cases of `make bench` (run by tests/bench/run.sh, which starts the stack).

Every kefu figure is measured next to a baseline from the same run, on the
same cluster: pgbench running exactly the SQL that kefu ran for one such
request. That SQL is not written down here (it would drift from the
service): it is captured. For a moment PostgreSQL logs every statement
(log_statement = all, JSON log lines read back with pg_read_file); one
request goes through the gateway; its transaction, found in the log by a
marker only it carries (the Idempotency-Key of a creation, the id of a
get), becomes a pgbench script: the same statements in the same order, the
same $n parameters with the values kefu sent, run with -M prepared against
copies of the service's tables (schema bench, with their indexes, foreign
keys and triggers), so that the baseline's rows do not reach kefu's outbox
publisher. Values that must differ per transaction (the key, the customer
of a creation, its time, the new ticket's id from RETURNING, the ticket
read) become pgbench variables.

Cases (docs/PERFORMANCE.md, "How each figure is made"): ticket creation
through HTTP (wrk, tests/bench/http.lua) and straight over ZeroMQ
(kefu-bench-zmq) at 1, 8, 32 and 64 clients, each after its pgbench
baseline at the same client count; get by id and a filtered list at 32;
with BENCH_LARGE=1 the same on 1,000,000 tickets (tests/bench/large.sql)
plus transitions; with PROFILE=1 a profile of creation. For each kefu case,
CPU seconds per request of the gateway, the service and PostgreSQL (all
of its processes), from /proc/<pid>/stat; at the end the peak RSS (VmHWM)
of every kefu process.

Writes <results>/<date>-<host>.json in the fixed format of
docs/PERFORMANCE.md, prints the table, and (full runs) replaces the
generated part of docs/PERFORMANCE.md (`bench.py --append-to-docs FILE` adds
the event benchmark's tables to it). Exits 1 if any kefu request failed.
The environment comes from run.sh; without it the module only offers its
functions (tests/e2e/test_bench_script.py checks the script conversion).
"""
import datetime
import glob
import json
import os
import random
import re
import shlex
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HTTP = os.environ.get("KEFU_BENCH_HTTP", "")
TICKETS = os.environ.get("KEFU_BENCH_TICKETS", "")
DSN = os.environ.get("KEFU_BENCH_DSN", "")
PG_HOST = os.environ.get("KEFU_BENCH_PG_HOST", "")
PG_PORT = os.environ.get("KEFU_BENCH_PG_PORT", "")
KEY = os.environ.get("KEFU_BENCH_KEY", "")
ZMQ_CLIENT = os.environ.get("KEFU_BENCH_ZMQ", "")
TMP = os.environ.get("KEFU_BENCH_TMP", "")
RESULTS = os.environ.get("KEFU_BENCH_RESULTS", "")
DOCS = os.environ.get("KEFU_BENCH_DOCS", "")
COMMIT = os.environ.get("KEFU_BENCH_COMMIT", "unknown")
PROFILER = os.environ.get("KEFU_BENCH_PROFILER", "none")
PROFILE_CASE = os.environ.get("KEFU_BENCH_PROFILE_CASE", "create")
SECONDS = int(os.environ.get("KEFU_BENCH_SECONDS", "15"))
QUICK = os.environ.get("BENCH_QUICK", "0") == "1"
LARGE = os.environ.get("BENCH_LARGE", "0") == "1"
LARGE_TICKETS = int(os.environ.get("KEFU_BENCH_LARGE_TICKETS", "1000000"))
# The newest tickets of the large load are received complaints, for the
# transition case: enough for a run of SECONDS at a few thousand per second.
LARGE_FRESH = min(LARGE_TICKETS // 5, 200000)
# The statistics case (TKT-9): a month's report by category and department
# per day, ending now, over the large load (received over the two years
# before it). Read with the supervisor's key: agents may not.
STATS_PATH = os.environ.get("KEFU_BENCH_STATS_PATH") or (
    "/v1/tickets/stats?group_by=category,department&period=day&from=%s&to=%s" % tuple(
        (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for days in (30, 0)))
STATS_KEY = os.environ.get("KEFU_BENCH_SUPERVISOR_KEY", "")
PIDS = dict(item.split("=") for item in os.environ.get("KEFU_BENCH_PIDS", "").split(",") if item)

CREATE_CLIENTS = (1, 8, 32, 64)
READ_CLIENTS = 32
WRK_THREADS_MAX = 2         # one per core: wrk shares the machine with kefu
PGBENCH_THREADS_MAX = 2
# Every create carries a key; the capture's own transactions are found by it.
# The customer is drawn per request (create_body), from the same
# distribution by all three load generators: http.lua, kefu-bench-zmq and
# the pgbench baseline (CUSTOMER_DRAW).
CREATE_BODY = {"kind": "complaint", "channel": "phone", "priority": "high", "category": "billing",
               "subject": "退款未到账", "description": "Refund promised on 11-18 has not arrived.",
               "requested_remedy": "refund"}
# A complaint is a repeat when its customer complained in the same category
# within 30 days (migration 0005), and creations of one customer and
# category wait for each other's commit. A call centre's complaints come
# from many customers, a few of them calling again: so REPEAT_PERCENT of the
# creates come from REGULAR_CUSTOMERS customers (each a repeat once that
# customer has a first complaint in the schema), the rest from CUSTOMERS
# (10 million: a repeat only by the chance of a second draw, under 2 % of
# the creates by the end of a full run). Customer ids are the decimal
# numbers CUSTOMER_FIRST and up, all of 8 digits: a pgbench variable can
# only be a number, and one that equals no other parameter of a creation
# (ticket ids, version, millisecond times of 13 digits, hashes).
CUSTOMER_FIRST = 10000000
CUSTOMERS = 10000000
REGULAR_CUSTOMERS = 100
REPEAT_PERCENT = 5
# The customer of the captured create: outside the drawn range, so that it
# is replaced by the drawn :customer wherever kefu passed it.
CAPTURED_CUSTOMER = str(CUSTOMER_FIRST + CUSTOMERS)
CUSTOMER_DRAW = (f"\\set customer {CUSTOMER_FIRST} + CASE WHEN random(1, 100) <= {REPEAT_PERCENT} "
                 f"THEN random(0, {REGULAR_CUSTOMERS - 1}) ELSE random(0, {CUSTOMERS - 1}) END")
LIST_QUERY = "status=received&kind=complaint&limit=20"
LIST_MARKER = "complaint"    # a parameter of the list statement, of no other
WARM_UP_CREATES = 3          # statements prepared, and ticket ids past 1
SETTLE_SECONDS = 0.5         # for a configuration reload to reach the backends
BASELINE_SCHEMA = "bench"
SERVICE_ROLE = "kefu_tickets"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PROFILE_TOP_LINES = 120


def note(text):
    print(text, flush=True)


def psql(sql, dsn=DSN, **variables):
    """Run SQL as the superuser; psql variables are quoted by psql (:'name')."""
    command = ["psql", "-X", "-At", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn]
    for name, value in variables.items():
        command += ["-v", f"{name}={value}"]
    done = subprocess.run(command, input=sql, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"psql failed: {done.stderr}\n{sql}")
    return done.stdout


def http(method, path, body=None, key=None, bearer=None):
    headers = {"Authorization": f"Bearer {bearer or KEY}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if key:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(HTTP + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, None


# --- capturing the SQL of one request -------------------------------------

PARAMETER = re.compile(r"\$(\d+) = (NULL|'((?:[^']|'')*)')")
EXECUTE = re.compile(r"^execute [^:]*: (.*)$", re.S)


def log_position():
    path = psql("SELECT pg_current_logfile('jsonlog')").strip()
    size = int(psql("SELECT size FROM pg_stat_file(:'path')", path=path).strip())
    return path, size


def parameters(detail):
    values = {}
    for match in PARAMETER.finditer(detail or ""):
        values[int(match.group(1))] = None if match.group(2) == "NULL" else match.group(3).replace("''", "'")
    return values


def capture(marker, send):
    """The statements of the transaction that carried `marker` as a
    parameter value, while send() made one request: [(sql, {n: value})],
    BEGIN and COMMIT included; and what send() returned."""
    path, start = log_position()
    psql("ALTER SYSTEM SET log_statement = 'all'; SELECT pg_reload_conf();")
    time.sleep(SETTLE_SECONDS)
    try:
        answer = send()
    finally:
        psql("ALTER SYSTEM RESET log_statement; SELECT pg_reload_conf();")
    time.sleep(SETTLE_SECONDS)
    end_path, end = log_position()
    if end_path != path:
        raise RuntimeError("the PostgreSQL log rotated during the capture; run again")
    text = psql("SELECT pg_read_file(:'path', :start, :length)", path=path, start=start,
                length=end - start)
    records = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        # Only the tickets service's sessions: another service's statement
        # (a consumer's cursor, say) could carry the marker by chance.
        if record.get("user") != SERVICE_ROLE:
            continue
        message = record.get("message", "")
        if message.startswith("statement: "):
            records.append((record.get("session_id"), message[len("statement: "):], {}))
        elif EXECUTE.match(message):
            records.append((record.get("session_id"), EXECUTE.match(message).group(1),
                            parameters(record.get("detail"))))
    for index, (session, _, values) in enumerate(records):
        if marker in values.values():
            break
    else:
        raise RuntimeError(f"no logged statement carried {marker!r}")
    mine = [r for r in records[:index + 1] if r[0] == session]
    begin = max(i for i, r in enumerate(mine) if r[1].strip().upper() == "BEGIN")
    statements = [(sql, values) for _, sql, values in mine[begin:]]
    for _, sql, values in (r for r in records[index + 1:] if r[0] == session):
        statements.append((sql, values))
        if sql.strip().upper() in ("COMMIT", "ROLLBACK"):
            break
    return statements, answer


def pgbench_script(statements, variables, returned=None):
    """A pgbench script of the captured statements, and its -D definitions.

    `variables` maps a captured value to the pgbench variable that replaces
    it; a value equal to `returned` (the id a RETURNING gave) becomes
    :ret_id, from a \\gset on the last RETURNING statement before its first
    use. Every other parameter stays a parameter, with the captured value
    passed by -D, so -M prepared prepares the statement kefu prepared;
    except NULL and '', which -D cannot express: they are written as
    literals."""
    defines = {}
    lines = []
    first_use = next((i for i, (_, values) in enumerate(statements) if returned in values.values()), None)
    gset_at = None
    if returned is not None:
        if first_use is None:
            raise RuntimeError("the returned id is never used")
        gset_at = max(i for i in range(first_use) if "RETURNING" in statements[i][0].upper())
    for i, (sql, values) in enumerate(statements):
        def substitute(match, i=i, values=values):
            number = int(match.group(1))
            value = values.get(number)
            if value is None:
                return "NULL"
            if value == "":
                return "''"     # pgbench -D cannot define an empty variable
            if value in variables:
                return ":" + variables[value]
            if returned is not None and value == returned and i > gset_at:
                return ":ret_id"
            name = f"p{i}_{number}"
            defines[name] = value
            return ":" + name
        text = re.sub(r"\$(\d+)", substitute, sql.strip().rstrip(";"))
        lines.append(text + (" \\gset ret_" if i == gset_at else ";"))
    return lines, defines


def copy_tables():
    """Schema bench: empty copies of the tickets tables, with their indexes,
    defaults, foreign keys and triggers, for the baselines to write into."""
    psql(f"""
DROP SCHEMA IF EXISTS {BASELINE_SCHEMA} CASCADE;
CREATE SCHEMA {BASELINE_SCHEMA};
DO $copy$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'tickets' LOOP
        EXECUTE format('CREATE TABLE {BASELINE_SCHEMA}.%I (LIKE tickets.%I INCLUDING ALL)', t.tablename, t.tablename);
    END LOOP;
    FOR t IN SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) AS definition
               FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
              WHERE k.contype = 'f' AND k.connamespace = 'tickets'::regnamespace LOOP
        EXECUTE format('ALTER TABLE {BASELINE_SCHEMA}.%I ADD CONSTRAINT %I %s', t.relname, t.conname,
                       replace(t.definition, 'REFERENCES tickets.', 'REFERENCES {BASELINE_SCHEMA}.'));
    END LOOP;
    -- A serial column's copy would draw from the original's sequence.
    FOR t IN SELECT table_name, column_name FROM information_schema.columns
              WHERE table_schema = '{BASELINE_SCHEMA}' AND column_default LIKE 'nextval(%' LOOP
        EXECUTE format('CREATE SEQUENCE {BASELINE_SCHEMA}.%I OWNED BY {BASELINE_SCHEMA}.%I.%I',
                       t.table_name || '_' || t.column_name || '_seq', t.table_name, t.column_name);
        EXECUTE format('ALTER TABLE {BASELINE_SCHEMA}.%I ALTER COLUMN %I SET DEFAULT nextval(%L)',
                       t.table_name, t.column_name,
                       '{BASELINE_SCHEMA}.' || t.table_name || '_' || t.column_name || '_seq');
    END LOOP;
    -- Functions bound to the tickets schema (SET search_path: the statistics
    -- triggers of migration 0005) would write into the tickets tables: they
    -- get copies bound to the copies, and the copied triggers call those.
    FOR t IN SELECT pg_get_functiondef(p.oid) AS definition
               FROM pg_proc p
              WHERE p.pronamespace = 'tickets'::regnamespace AND p.proconfig @> ARRAY['search_path=tickets'] LOOP
        EXECUTE replace(replace(t.definition, ' FUNCTION tickets.', ' FUNCTION {BASELINE_SCHEMA}.'),
                        'search_path TO ''tickets''', 'search_path TO ''{BASELINE_SCHEMA}''');
    END LOOP;
    FOR t IN SELECT pg_get_triggerdef(g.oid) AS definition,
                    coalesce(p.proconfig @> ARRAY['search_path=tickets'], false) AS bound
               FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_proc p ON p.oid = g.tgfoid
              WHERE NOT g.tgisinternal AND c.relnamespace = 'tickets'::regnamespace LOOP
        EXECUTE replace(CASE WHEN t.bound
                             THEN replace(t.definition, ' EXECUTE FUNCTION tickets.',
                                          ' EXECUTE FUNCTION {BASELINE_SCHEMA}.')
                             ELSE t.definition END,
                        ' ON tickets.', ' ON {BASELINE_SCHEMA}.');
    END LOOP;
END
$copy$;
-- The statistics' one-row table of closed days (migration 0005) starts as
-- the original's, so that the copies' triggers take the same path.
INSERT INTO {BASELINE_SCHEMA}.ticket_stats_closed SELECT * FROM tickets.ticket_stats_closed;
GRANT USAGE ON SCHEMA {BASELINE_SCHEMA} TO kefu_tickets;
GRANT ALL ON ALL TABLES IN SCHEMA {BASELINE_SCHEMA} TO kefu_tickets;
GRANT ALL ON ALL SEQUENCES IN SCHEMA {BASELINE_SCHEMA} TO kefu_tickets;
""")


def copy_tickets():
    """The reading baselines read the same tickets kefu reads. The copy is a
    bulk load: with the triggers off, then the statistics facts rebuilt at
    once (row by row, the triggers would hold an advisory lock per customer
    and category until the copy commits; migrations/0005). The copy is
    analysed before the rebuild: planned on the statistics of the previous
    copy (the creations' tickets, before BENCH_LARGE's load), the rebuild's
    repeat-complaint statement repeated an index scan under its join and ran for
    minutes on 48,000 tickets."""
    psql(f"""
SET session_replication_role = replica;
TRUNCATE {BASELINE_SCHEMA}.tickets CASCADE;
INSERT INTO {BASELINE_SCHEMA}.tickets SELECT * FROM tickets.tickets;
ANALYZE {BASELINE_SCHEMA}.tickets;
SELECT {BASELINE_SCHEMA}.ticket_stats_rebuild(7);   -- 7: tickets_stats.c's STATS_OPEN_DAYS
RESET session_replication_role;
SELECT setval('{BASELINE_SCHEMA}.tickets_id_seq', (SELECT coalesce(max(id), 1) FROM {BASELINE_SCHEMA}.tickets));
""")


# --- measuring ---------------------------------------------------------------

def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS    # utime, stime


POSTMASTER = []     # its pid, read once: psql's own backend would come and go


def postmaster_pid():
    if not POSTMASTER:
        with open(os.path.join(psql("SHOW data_directory").strip(), "postmaster.pid")) as f:
            POSTMASTER.append(f.readline().strip())
    return POSTMASTER[0]


def postgres_pids():
    """The postmaster and its children alive now (backends, WAL writer, ...)."""
    postmaster = postmaster_pid()
    pids = [postmaster]
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                if f.read().rsplit(")", 1)[1].split()[1] == postmaster:
                    pids.append(stat.split("/")[2])
        except (OSError, IndexError):
            pass
    return pids


def postgres_cpu_seconds():
    """CPU used so far by PostgreSQL: in total (the postmaster, its children
    alive now and, through the postmaster's cutime and cstime, those that
    exited, such as pgbench's backends), and per live child."""
    postmaster, *children = postgres_pids()
    with open(f"/proc/{postmaster}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    own = sum(int(fields[i]) for i in (11, 12, 13, 14)) / CLOCK_TICKS    # utime stime cutime cstime
    per_child = {pid: cpu_seconds(pid) for pid in children}
    return own + sum(per_child.values()), per_child


def postgres_groups():
    """What each PostgreSQL process is, for the breakdown of its CPU: the
    role of a client backend ("kefu_tickets publisher" when its last
    statement numbered the outbox), else the backend type."""
    groups = {}
    rows = psql("SELECT pid, coalesce(usename, ''), coalesce(backend_type, ''), "
                "coalesce(query LIKE '%outbox_published%', false) FROM pg_stat_activity")
    for row in rows.splitlines():
        pid, user, kind, publisher = row.split("|")
        groups[pid] = (f"{user} publisher" if publisher == "t" else user) if user else kind
    return groups


def cpu_snapshot():
    snapshot = {name: cpu_seconds(pid) for name, pid in PIDS.items() if name != "webhooks"}
    snapshot["postgres"], snapshot["postgres_processes"] = postgres_cpu_seconds()
    return snapshot


def cpu_per_request(before, after, requests, processes=None):
    """Milliseconds of CPU (user + system) per request, per process, and
    PostgreSQL's split by what its processes are."""
    if requests == 0:
        return {}
    names = processes or [name for name in before if name != "postgres_processes"]
    used = {name: round((after[name] - before[name]) * 1000 / requests, 3) for name in names}
    groups = postgres_groups()
    detail = {}
    for pid, seconds in after["postgres_processes"].items():
        group = groups.get(pid, "postmaster children")
        detail[group] = detail.get(group, 0.0) + seconds - before["postgres_processes"].get(pid, 0.0)
    detail["exited backends, postmaster"] = (after["postgres"] - before["postgres"]) - sum(detail.values())
    used["postgres_detail"] = {group: round(seconds * 1000 / requests, 3)
                               for group, seconds in sorted(detail.items()) if round(seconds * 1000 / requests, 3)}
    return used


def memory_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


RESULT = re.compile(r"RESULT requests=(\d+) seconds=([\d.]+) rps=([\d.]+) p50_ms=([\d.]+) "
                    r"p99_ms=([\d.]+) p999_ms=([\d.]+) errors=(\d+)")


def result_of(output, tool):
    match = RESULT.search(output)
    if not match:
        raise RuntimeError(f"{tool} printed no RESULT:\n{output}")
    requests, _, rps, p50, p99, p999, errors = match.groups()
    return {"requests": int(requests), "errors": int(errors), "rps": float(rps),
            "p50_ms": float(p50), "p99_ms": float(p99), "p999_ms": float(p999)}


def run_wrk(mode, clients, seconds=None, **settings):
    environment = dict(os.environ, KEFU_BENCH_MODE=mode,
                       **{f"KEFU_BENCH_{k.upper()}": str(v) for k, v in settings.items()})
    command = ["wrk", "-t", str(min(clients, WRK_THREADS_MAX)), "-c", str(clients),
               "-d", f"{seconds or SECONDS}s", "--timeout", "10s", "-s",
               os.path.join(ROOT, "tests/bench/http.lua"), HTTP]
    done = subprocess.run(command, capture_output=True, text=True, env=environment)
    return result_of(done.stdout + done.stderr, "wrk")


# The customer draw, for http.lua (KEFU_BENCH_<NAME>) and kefu-bench-zmq
# (arguments, in this order).
CUSTOMER_SETTINGS = {"customer_first": CUSTOMER_FIRST, "customers": CUSTOMERS,
                     "regular_customers": REGULAR_CUSTOMERS, "repeat_percent": REPEAT_PERCENT}


def run_zmq(mode, clients, max_id=None):
    command = [ZMQ_CLIENT, TICKETS, mode, str(clients), str(SECONDS)] + (
        [str(max_id)] if max_id else [str(value) for value in CUSTOMER_SETTINGS.values()])
    done = subprocess.run(command, capture_output=True, text=True)
    return result_of(done.stdout + done.stderr, "kefu-bench-zmq")


def run_pgbench(name, lines, defines, clients, prologue=()):
    script = os.path.join(TMP, f"{name}.sql")
    with open(script, "w") as f:
        f.write("-- captured from kefu by tests/bench/bench.py\n")
        f.write("\n".join(list(prologue) + lines) + "\n")
    prefix = os.path.join(TMP, f"pgbench-{name}-{clients}")
    command = ["pgbench", "-n", "-M", "prepared", "-c", str(clients),
               "-j", str(min(clients, PGBENCH_THREADS_MAX)), "-T", str(SECONDS), "-f", script,
               "-l", f"--log-prefix={prefix}", "-h", PG_HOST, "-p", PG_PORT, "-U", SERVICE_ROLE]
    for variable, value in defines.items():
        command += ["-D", f"{variable}={value}"]
    # kefu's session settings (common/kefu_db.c), on the copied tables.
    environment = dict(os.environ, PGOPTIONS=f"-c search_path={BASELINE_SCHEMA},tickets -c jit=off "
                                             "-c timezone=UTC -c synchronous_commit=on")
    done = subprocess.run(command + ["kefu"], capture_output=True, text=True, env=environment)
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise RuntimeError(f"pgbench failed:\n{output}")
    latencies, failed = [], 0
    for log in glob.glob(prefix + ".*"):
        with open(log) as f:
            for line in f:
                fields = line.split()
                if len(fields) >= 3 and fields[2].isdigit():
                    latencies.append(int(fields[2]) / 1000)
                else:
                    failed += 1
        os.remove(log)
    tps = float(re.search(r"^tps = ([\d.]+)", output, re.M).group(1))
    return {"requests": len(latencies) + failed, "errors": failed, "rps": round(tps, 1),
            "p50_ms": round(percentile(latencies, 0.5), 3), "p99_ms": round(percentile(latencies, 0.99), 3),
            "p999_ms": round(percentile(latencies, 0.999), 3)}


class Bench:
    def __init__(self):
        self.cases = []
        self.baselines = {}

    def record(self, name, transport, clients, figures, cpu=None):
        baseline = None if transport == "pgbench" else self.baselines.get((name, clients))
        case = {"name": name, "transport": transport, "clients": clients, **figures,
                "baseline_rps": baseline,
                "ratio": round(figures["rps"] / baseline, 3) if baseline else None}
        if transport == "pgbench":
            self.baselines[(name, clients)] = figures["rps"]
        if cpu:
            case["cpu_ms_per_request"] = cpu
        self.cases.append(case)
        note("   %-22s %-7s %3d clients: %9.1f/s  p50 %7.2f  p99 %7.2f  p99.9 %7.2f ms  errors %d%s" % (
            name, transport, clients, case["rps"], case["p50_ms"], case["p99_ms"], case["p999_ms"],
            case["errors"], f"  ratio {case['ratio']:.2f}" if case["ratio"] else ""))

    def measured(self, run, processes=None):
        before = cpu_snapshot()
        figures = run()
        return figures, cpu_per_request(before, cpu_snapshot(), figures["requests"], processes)

    def baseline(self, name, clients, lines, defines, prologue=()):
        """Run and record the pgbench baseline of case `name`."""
        figures, cpu = self.measured(lambda: run_pgbench(name, lines, defines, clients, prologue),
                                     processes=("postgres",))
        self.record(name, "pgbench", clients, figures, cpu)


def draw_customer():
    """A customer id drawn as CUSTOMER_DRAW draws it."""
    drawn = random.randint(0, REGULAR_CUSTOMERS - 1) if random.randint(1, 100) <= REPEAT_PERCENT \
        else random.randint(0, CUSTOMERS - 1)
    return str(CUSTOMER_FIRST + drawn)


def create_body(customer):
    return {**CREATE_BODY, "customer_id": customer}


def rfc3339_ms(text):
    """Milliseconds since the epoch of an RFC 3339 time as kefu writes it."""
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return str(round(moment.timestamp() * 1000))


def clock_defines(clients, schema=BASELINE_SCHEMA):
    """The start of a create baseline's clock (CLOCK_PROLOGUE): now, or just
    after the newest ticket of the copies if an earlier baseline's clock ran
    ahead of the wall clock, so that every run's tickets are received after
    those already there, as kefu's are."""
    newest = psql(f"SELECT coalesce((extract(epoch FROM max(received_at)) * 1000)::bigint + 1, 0) "
                  f"FROM {schema}.tickets").strip()
    return {"now_n": 0, "now_clients": clients, "now_start": max(int(time.time() * 1000), int(newest))}


# kefu stamps a creation with its clock (received_at, the history's time):
# a constant there would make every baseline ticket received at the same
# millisecond, so that each creation finds all the earlier ones "received
# at or after it" and recomputes their repeat flags (migration 0005), work
# kefu never does. Each transaction of each client takes the next
# millisecond of its own instead, without a round trip to read a clock.
CLOCK_PROLOGUE = ["\\set now_n :now_n + 1",
                  "\\set now_ms :now_start + :now_n * :now_clients + :client_id"]


def capture_create():
    """The pgbench script of one create, with a fresh key, a drawn customer
    and the next millisecond per transaction (add clock_defines(clients) to
    its definitions)."""
    for _ in range(WARM_UP_CREATES):
        status, _ = http("POST", "/v1/tickets", create_body(draw_customer()), key=f"bench-warm-{uuid.uuid4()}")
        if status != 201:
            raise RuntimeError(f"warm-up create answered {status}")
    key = f"bench-capture-{uuid.uuid4()}"
    statements, (status, ticket) = capture(
        key, lambda: http("POST", "/v1/tickets", create_body(CAPTURED_CUSTOMER), key=key))
    if status != 201:
        raise RuntimeError(f"captured create answered {status}")
    now_ms = rfc3339_ms(ticket["received_at"])
    if not any(now_ms in values.values() for _, values in statements):
        raise RuntimeError(f"the captured create passed no parameter {now_ms} (its received_at)")
    lines, defines = pgbench_script(statements, {key: "key", CAPTURED_CUSTOMER: "customer", now_ms: "now_ms"},
                                    returned=str(ticket["id"]))
    # A fresh key per transaction, like every HTTP create.
    return lines, defines, ["\\set key random(1, 9000000000000000000)", CUSTOMER_DRAW] + CLOCK_PROLOGUE


def capture_get(ticket_id):
    statements, (status, _) = capture(str(ticket_id), lambda: http("GET", f"/v1/tickets/{ticket_id}"))
    if status != 200:
        raise RuntimeError(f"captured get answered {status}")
    lines, defines = pgbench_script(statements, {str(ticket_id): "id"})
    return lines, defines, ["\\set id random(1, :max_id)"]


def capture_list(query=LIST_QUERY, marker=LIST_MARKER):
    statements, (status, _) = capture(marker, lambda: http("GET", "/v1/tickets?" + query))
    if status != 200:
        raise RuntimeError(f"captured list answered {status}")
    lines, defines = pgbench_script(statements, {})
    return lines, defines, []


def capture_transition(ticket_id):
    body = {"to": "assessed", "reason": "bench: assessed"}
    statements, (status, _) = capture(str(ticket_id), lambda: http("POST", f"/v1/tickets/{ticket_id}/transitions", body))
    if status != 200:
        raise RuntimeError(f"captured transition answered {status}")
    lines, defines = pgbench_script(statements, {str(ticket_id): "id"})
    # Each transaction a ticket of its own, as http.lua spreads them.
    return lines, defines, ["\\set n :n + 1", "\\set id :first_id + :client_id * :id_stride + :n"]


def max_ticket_id():
    return int(psql("SELECT coalesce(max(id), 1) FROM tickets.tickets").strip())


def profile_settings():
    if PROFILE_CASE == "get":
        return {"max_id": max_ticket_id()}
    if PROFILE_CASE == "list":
        return {"list_query": LIST_QUERY}
    return CUSTOMER_SETTINGS


def run_profile(stem):
    """Profile one HTTP case (KEFU_BENCH_PROFILE_CASE: create, the default,
    get or list) at READ_CLIENTS clients: perf samples kefu's processes
    and PostgreSQL's (not the load generator, nor anything else running on
    the machine); callgrind, where perf cannot record, covers kefu-tickets
    only and run.sh writes its summary once the service has stopped."""
    path = os.path.join(RESULTS, f"{stem}-profile.txt")
    if PROFILER == "perf":
        data = os.path.join(TMP, "perf.data")
        settings = profile_settings()
        postmaster_pid()
        time.sleep(SETTLE_SECONDS)          # the last psql's backend has gone
        pids = list(PIDS.values()) + postgres_pids()
        with open(os.path.join(TMP, "perf.log"), "w") as log:
            recorder = subprocess.Popen(["perf", "record", "-g", "-F", "499", "-o", data, "-p", ",".join(pids),
                                         "--", "sleep", str(SECONDS)], stdout=log, stderr=log)
            figures = run_wrk(PROFILE_CASE, READ_CLIENTS, **settings)
            if recorder.wait() != 0:
                raise RuntimeError("perf record failed: " + open(os.path.join(TMP, "perf.log")).read())
        reports = []
        for sort in ("comm", "comm,dso", "comm,dso,symbol"):
            output = subprocess.run(["perf", "report", "-i", data, "--stdio", "-g", "none", "--no-children",
                                     "--sort", sort, "--fields", f"overhead,{sort.replace(',', ',')}",
                                     "--percent-limit", "0.5"], capture_output=True, text=True).stdout
            rows = [re.sub(r"(\s+-)+$", "", line.rstrip()) for line in output.splitlines()
                    if line.strip() and not line.startswith("#")]
            rows.sort(key=lambda row: -float(row.split("%")[0]))
            reports.append(f"## by {sort}\n" + "\n".join(rows[:PROFILE_TOP_LINES]))
        with open(path, "w") as f:
            f.write(f"# perf record -g of kefu and PostgreSQL, ticket_{PROFILE_CASE} over HTTP at {READ_CLIENTS} clients, "
                    f"{SECONDS} s: {figures['rps']:.0f}/s; commit {COMMIT}\n\n")
            f.write("\n\n".join(reports) + "\n")
        note(f"== profile (perf): {path}")
    elif PROFILER == "callgrind":
        run_wrk(PROFILE_CASE, READ_CLIENTS, **profile_settings())
        with open(os.path.join(TMP, "profile-path"), "w") as f:
            f.write(path)


def run_large(bench):
    note(f"== large: loading {LARGE_TICKETS} tickets (tests/bench/large.sql)")
    started = time.time()
    psql(open(os.path.join(ROOT, "tests/bench/large.sql")).read(), tickets=LARGE_TICKETS, fresh=LARGE_FRESH)
    note(f"   loaded in {time.time() - started:.0f} s")
    top = max_ticket_id()
    first_fresh = int(psql("SELECT min(id) FROM tickets.tickets WHERE id > :top - :fresh AND status = 'received'",
                           top=top, fresh=LARGE_FRESH).strip())
    copy_tickets()
    threads = min(READ_CLIENTS, WRK_THREADS_MAX)
    clients = READ_CLIENTS
    cases = [
        ("large_ticket_create", capture_create, lambda: run_wrk("create", clients, **CUSTOMER_SETTINGS),
         clock_defines(clients)),
        ("large_ticket_get", lambda: capture_get(top // 2), lambda: run_wrk("get", clients, max_id=top),
         {"max_id": top}),
        ("large_ticket_list", lambda: capture_list("customer_id=C-00042&limit=20", "C-00042"),
         lambda: run_wrk("list", clients, list_query="customer_id=C-00042&limit=20"), {}),
    ]
    for name, capturer, load, defines in cases:
        lines, captured, prologue = capturer()
        bench.baseline(name, clients, lines, {**captured, **defines}, prologue)
        figures, cpu = bench.measured(load)
        bench.record(name, "http", clients, figures, cpu)
    # Transitions: the baseline moves the copies' tickets, kefu its own, each
    # ticket once (the captured one is first_fresh, both start after it).
    lines, captured, prologue = capture_transition(first_fresh)
    per_client = (top - first_fresh) // clients
    bench.baseline("large_ticket_transition", clients, lines,
                   {**captured, "n": 0, "first_id": first_fresh + 1, "id_stride": per_client}, prologue)
    # wrk's threads each take a block of ids (http.lua).
    figures, cpu = bench.measured(lambda: run_wrk("transition", clients, first_id=first_fresh + 1,
                                                  id_stride=(top - first_fresh) // threads))
    bench.record("large_ticket_transition", "http", clients, figures, cpu)
    status, _ = http("GET", STATS_PATH, bearer=STATS_KEY)
    if status == 200:
        # One client: the time of one request (the 200 ms); 32: the
        # throughput, whose latency is mostly the queue of 32 on 2 cores.
        for stats_clients in (1, clients):
            figures, cpu = bench.measured(lambda: run_wrk("path", stats_clients, path=STATS_PATH, key=STATS_KEY))
            bench.record("large_stats", "http", stats_clients, figures, cpu)
    else:
        note(f"   no statistics at {STATS_PATH} yet ({status}): large_stats skipped")


def table(document):
    lines = ["| case | transport | clients | requests | errors | per second | p50 ms | p99 ms | p99.9 ms "
             "| pgbench per second | ratio | CPU ms/request gateway / tickets / PostgreSQL |",
             "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|"]
    for c in document["cases"]:
        cpu = c.get("cpu_ms_per_request", {})
        cpu_text = " / ".join(f"{cpu[p]:.3f}" if p in cpu else "-" for p in ("gateway", "tickets", "postgres"))
        lines.append(f"| {c['name']} | {c['transport']} | {c['clients']} | {c['requests']} | {c['errors']} "
                     f"| {c['rps']:.0f} | {c['p50_ms']:.2f} | {c['p99_ms']:.2f} | {c['p999_ms']:.2f} "
                     f"| {c['baseline_rps'] or '':} | {c['ratio'] if c['ratio'] is not None else ''} | {cpu_text} |")
    lines.append("")
    lines.append("| process | idle RSS (KiB) | peak RSS, VmHWM (KiB) |")
    lines.append("|---|--:|--:|")
    for name, peak in document["rss_kb"].items():
        lines.append(f"| {name} | {document['idle_rss_kb'].get(name, '')} | {peak} |")
    return "\n".join(lines)


DOCS_BEGIN = "<!-- bench:begin (generated by make bench) -->"
DOCS_END = "<!-- bench:end -->"


def docs_sections():
    with open(DOCS) as f:
        docs = f.read()
    if DOCS_BEGIN not in docs or DOCS_END not in docs:
        raise RuntimeError(f"{DOCS} lacks the markers {DOCS_BEGIN} ... {DOCS_END}")
    head, rest = docs.split(DOCS_BEGIN, 1)
    generated, tail = rest.split(DOCS_END, 1)
    return head, generated, tail


def update_docs(document, text):
    """Replace the generated section of docs/PERFORMANCE.md with this run."""
    heading = (f"Run of {document['date']} on {document['host']} ({document['cpus']} cores, "
               f"{document['machine']}), commit {document['commit']}, command `{command()}`, "
               f"{document['seconds_per_case']} s per case; results in `bench/results/{document['file']}`.")
    head, _, tail = docs_sections()
    with open(DOCS, "w") as f:
        f.write(f"{head}{DOCS_BEGIN}\n{heading}\n\n{text}\n{DOCS_END}{tail}")


def append_to_docs(path):
    """Add the event benchmark's tables (tests/bench/events.py, run after
    this script) to the generated section."""
    with open(path) as f:
        events = f.read().strip()
    head, generated, tail = docs_sections()
    with open(DOCS, "w") as f:
        f.write(f"{head}{DOCS_BEGIN}{generated.rstrip()}\n\n{events}\n{DOCS_END}{tail}")


def command():
    """The command line of this run, as someone would type it again."""
    settings = [f"{name}=1" for name, on in (("BENCH_LARGE", LARGE),) if on]
    return " ".join(settings + ["make bench"] + (["PROFILE=1"] if PROFILER != "none" else []))


def machine():
    with open("/proc/meminfo") as f:
        memory = int(f.readline().split()[1]) // 1048576
    release = dict(line.rstrip().split("=", 1) for line in open("/etc/os-release") if "=" in line)
    version = subprocess.run(["pg_config", "--version"], capture_output=True, text=True).stdout.split()[1]
    return f"{memory} GiB, {release.get('PRETTY_NAME', '').strip(chr(34))}, PostgreSQL {version}"


def main():
    bench = Bench()
    now = datetime.datetime.now(datetime.timezone.utc)
    host = socket.gethostname()
    stem = f"{now:%Y-%m-%dT%H%MZ}-{host}"
    idle = {name: memory_kb(pid, "VmRSS") for name, pid in PIDS.items()}
    if PROFILER == "callgrind":
        # kefu-tickets runs under valgrind: no figure of this run would mean
        # anything, so profile and stop.
        note(f"== profile only (callgrind, {SECONDS} s of ticket_{PROFILE_CASE} at {READ_CLIENTS} clients)")
        run_profile(stem)
        return 0
    note("== baseline tables: copies of the tickets schema in schema bench")
    copy_tables()

    note(f"== ticket_create: pgbench (captured SQL), HTTP and ZeroMQ; {SECONDS} s each")
    create_lines, create_defines, create_prologue = capture_create()
    # What the baseline ran, kept next to the results.
    with open(os.path.join(RESULTS, f"{stem}-ticket_create.pgbench"), "w") as f:
        f.write(f"-- ticket_create as kefu ran it (commit {COMMIT}), captured by tests/bench/bench.py;\n"
                "-- run with pgbench -M prepared and these -D definitions:\n")
        f.write("".join(f"--   -D {shlex.quote(f'{name}={value}')}\n" for name, value in create_defines.items()))
        f.write("-- and the clock's: -D now_n=0 -D now_clients=<clients> -D now_start=<milliseconds since the epoch>\n")
        f.write("\n".join(create_prologue + create_lines) + "\n")
    for clients in CREATE_CLIENTS:
        bench.baseline("ticket_create", clients, create_lines, {**create_defines, **clock_defines(clients)},
                       create_prologue)
        figures, cpu = bench.measured(lambda: run_wrk("create", clients, **CUSTOMER_SETTINGS))
        bench.record("ticket_create", "http", clients, figures, cpu)
        figures, cpu = bench.measured(lambda: run_zmq("create", clients))
        bench.record("ticket_create", "zmq", clients, figures, cpu)

    top = max_ticket_id()
    note(f"== ticket_get and ticket_list ({top} tickets), {READ_CLIENTS} clients")
    lines, defines, prologue = capture_get(top // 2)
    copy_tickets()
    bench.baseline("ticket_get", READ_CLIENTS, lines, {**defines, "max_id": top}, prologue)
    figures, cpu = bench.measured(lambda: run_wrk("get", READ_CLIENTS, max_id=top))
    bench.record("ticket_get", "http", READ_CLIENTS, figures, cpu)
    figures, cpu = bench.measured(lambda: run_zmq("get", READ_CLIENTS, max_id=top))
    bench.record("ticket_get", "zmq", READ_CLIENTS, figures, cpu)
    lines, defines, prologue = capture_list()
    bench.baseline("ticket_list", READ_CLIENTS, lines, defines, prologue)
    figures, cpu = bench.measured(lambda: run_wrk("list", READ_CLIENTS, list_query=LIST_QUERY))
    bench.record("ticket_list", "http", READ_CLIENTS, figures, cpu)

    if PROFILER != "none":
        run_profile(stem)
    if LARGE:
        run_large(bench)

    document = {"date": now.isoformat(timespec="seconds").replace("+00:00", "Z"), "host": host,
                "cpus": os.cpu_count(), "commit": COMMIT, "cases": bench.cases,
                "rss_kb": {name: memory_kb(pid, "VmHWM") for name, pid in PIDS.items()},
                "idle_rss_kb": idle, "seconds_per_case": SECONDS, "quick": QUICK,
                "tickets_workers": int(os.environ.get("KEFU_BENCH_WORKERS", "0"))}
    path = os.path.join(RESULTS, f"{stem}.json")
    with open(path, "w") as f:
        json.dump(document, f, indent=1, ensure_ascii=False)
        f.write("\n")
    text = table(document)
    note("\n" + text + f"\n\nwritten: {path}")
    if DOCS:
        update_docs({**document, "machine": machine(), "file": os.path.basename(path)}, text)
        note(f"updated: {DOCS}")
    failed = [c for c in bench.cases if c["errors"] and c["transport"] != "pgbench"]
    if failed:
        note(f"FAILED: {len(failed)} kefu case(s) had errors")
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--append-to-docs":
        append_to_docs(sys.argv[2])
        sys.exit(0)
    sys.exit(main())
