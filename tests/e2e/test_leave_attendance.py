"""Leave (SCH-5) and attendance (SCH-6), over HTTP through the gateway, clock driven.

A stack of this module's own: the scheduling service, ticking every 100 ms
(KEFU_SCHEDULING_TICK_MS) so its timed rules (undecided leave at shift start,
no-shows, the report reminder on the 25th) follow the driven clock, and a
gateway routing to it. People are real staff who log in; every role is exempt
from the on-shift log-in rule here (KEFU_SHIFT_EXEMPT_ROLES), so that a person
can ask for leave a day ahead without a shift at that hour: that rule (AUD-2) is
test_staff.py's. Shifts are planned with POST /v1/shifts (no roster: in force at
once), each test on days of its own in 2031 (Asia/Shanghai, UTC+8), so the
ticker's rules never see another test's shifts within their one-day look-back.

Each rule has a case that passes and one refused with its problem type; each
change leaves its event and its audit record; refusals write nothing.
"""
import concurrent.futures
import csv
import io
import itertools
import json
import secrets
import threading
import time

import pytest
import requests

from conftest import _stopped_cleanly
from kefu_e2e import (HTTP_TIMEOUT, assert_problem, create_admin, describe, free_port, make_gateway,
                      make_scheduling, make_session_keys, poll_until)

MINUTE_MS = 60 * 1000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
# Monday 2031-03-03 00:00 UTC (08:00 in Shanghai); each test takes ten days of its own.
FIRST_DAY_MS = 1930262400000
DAYS_PER_TEST = 10
TICKER_TIMEOUT = 15.0
# Requests sent at once with one Idempotency-Key (fewer than the workers of a service).
CONCURRENT_DUPLICATES = 3
STRONG = "Kefu-e2e-" + secrets.token_hex(6)
EVERY_ROLE = "agent,shift_lead,supervisor,manager,archivist,auditor,admin,integration"
# Tables requests about leave and attendance write, and the events they raise; not
# the ticker's absences and reminders, which it may record at any tick.
WRITTEN = ("leave_requests", "attendance", "attendance_breaks", "attendance_violations")
TICKER_EVENTS = ("attendance.absent", "attendance.report_due", "audit.record.attendance.absent",
                 "audit.record.attendance.report_due")


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms // 1000))


class Person:
    def __init__(self, stack, staff_no, password, staff_id):
        self.stack, self.staff_no, self.password, self.id = stack, staff_no, password, staff_id
        self._token, self._issued = None, None

    def token(self):
        """A session token valid at the driven clock's current time (logging in again
        when the clock moved past its life or back before its issue)."""
        now = self.stack.now
        if self._token is None or not 0 <= now - self._issued < 12 * HOUR_MS:
            r = self.stack.call("POST", "/v1/sessions", body={"staff_no": self.staff_no, "password": self.password,
                                                              "terminal": "T-" + self.staff_no})
            assert r.status_code == 201, describe(r)
            self._token, self._issued = r.json()["token"], now
        return self._token

    def call(self, method, path, body=None, headers=None, params=None):
        return self.stack.call(method, path, self.token(), body, headers, params)


class Stack:
    def __init__(self, env, db, keys, tickets_port):
        self.env, self.db = env, db
        seed, public = make_session_keys(env, "k1")
        xsub = "tcp://127.0.0.1:%d" % free_port()
        xpub = "tcp://127.0.0.1:%d" % free_port()
        self.admin_no = "ADL" + secrets.token_hex(3)
        done = create_admin(env, self.admin_no, "考勤管理员", STRONG + "-admin")
        assert done.returncode == 0, done.stderr.decode()
        self.scheduling = make_scheduling(env, "leave.scheduling", seed, xsub, KEFU_SCHEDULING_TICK_MS="100",
                                          KEFU_SHIFT_EXEMPT_ROLES=EVERY_ROLE, KEFU_SESSION_TTL_MIN="1440")
        self.scheduling.start()
        self.gateway = make_gateway(env, "leave.gateway", tickets_port, keys,
                                    KEFU_GATEWAY_SERVICES="tickets,scheduling",
                                    KEFU_SCHEDULING_ENDPOINT=self.scheduling.endpoint,
                                    KEFU_SESSION_PUBLIC_KEYS=public, KEFU_BUS_XSUB=xsub, KEFU_BUS_XPUB=xpub)
        self.gateway.start()
        self.base = self.gateway.base
        self.now = int(time.time() * 1000)
        self.admin = Person(self, self.admin_no, STRONG + "-admin", None)
        self.supervisor = self.new_person(["supervisor"])
        self.manager = self.new_person(["manager"])

    def close(self):
        _stopped_cleanly(self.gateway)
        _stopped_cleanly(self.scheduling)

    def call(self, method, path, token=None, body=None, headers=None, params=None):
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = "Bearer " + token
        data = None
        if body is not None:
            all_headers["Content-Type"] = "application/json"
            data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        return requests.request(method, self.base + path, data=data, headers=all_headers, params=params,
                                timeout=HTTP_TIMEOUT)

    def new_person(self, roles):
        staff_no = "L" + secrets.token_hex(4)
        first = STRONG + "-first"
        created = self.admin.call("POST", "/v1/staff", {"staff_no": staff_no, "name": "请假测试 " + staff_no,
                                                        "roles": roles, "department": "热线一部", "password": first})
        assert created.status_code == 201, describe(created)
        password = STRONG + "-" + staff_no
        changed = self.call("POST", "/v1/sessions/password",
                            body={"staff_no": staff_no, "password": first, "new_password": password})
        assert changed.status_code == 200, describe(changed)
        return Person(self, staff_no, password, created.json()["id"])

    def shift(self, person, starts_ms, hours=8):
        made = self.admin.call("POST", "/v1/shifts", {"staff_no": person.staff_no, "starts_at": iso(starts_ms),
                                                      "ends_at": iso(starts_ms + hours * HOUR_MS),
                                                      "site_zone": "Asia/Shanghai"})
        assert made.status_code == 201, describe(made)
        return made.json()["id"]

    # --- database -----------------------------------------------------------------------

    def written(self):
        return self.db.rows("SELECT " + ", ".join("(SELECT count(*) FROM scheduling.%s)" % t for t in WRITTEN)
                            + ", (SELECT count(*) FROM scheduling.outbox WHERE (type LIKE 'leave.%' "
                            "OR type LIKE 'attendance.%' OR type LIKE 'audit.record.leave.%' "
                            "OR type LIKE 'audit.record.attendance.%') AND type NOT IN ("
                            + ", ".join("'%s'" % t for t in TICKER_EVENTS) + "))")[0]

    def events(self, event_type, subject):
        return self.db.count("SELECT count(*) FROM scheduling.outbox WHERE type = :'t' AND subject = :'s'",
                             t=event_type, s=subject)

    def payload(self, event_type, subject, message):
        rows = self.db.rows("SELECT encode(payload, 'hex') FROM scheduling.outbox WHERE type = :'t' "
                            "AND subject = :'s' ORDER BY id", t=event_type, s=subject)
        return [message.FromString(bytes.fromhex(r[0])) for r in rows]


@pytest.fixture(scope="module")
def stack(e2e_env, db, api_keys, tickets_process):
    s = Stack(e2e_env, db, api_keys, tickets_process.port)
    yield s
    s.close()


_days = itertools.count()


@pytest.fixture
def day(stack, clock):
    """The first instant (00:00 UTC, 08:00 local) of this test's ten days, and a
    `at(ms)` that moves every process's clock there."""
    first = FIRST_DAY_MS + next(_days) * DAYS_PER_TEST * DAY_MS

    def at(ms):
        clock.set(ms)
        stack.now = ms

    yield first, at
    stack.now = int(time.time() * 1000)


def leave_body(kind, starts_ms, ends_ms, **extra):
    body = {"kind": kind, "starts_at": iso(starts_ms), "ends_at": iso(ends_ms), "reason": "家中有事"}
    body.update(extra)
    return body


def refused(stack, response, status, slug, field=None):
    """A refusal with its rule named, and nothing written."""
    return assert_problem(response, status, field=field, slug=slug)


class Nothing:
    """Assert that a block writes nothing to leave and attendance."""

    def __init__(self, stack):
        self.stack = stack

    def __enter__(self):
        self.before = self.stack.written()

    def __exit__(self, *exc):
        if exc[0] is None:
            assert self.stack.written() == self.before, "rows were written"


# --- SCH-5: timing -----------------------------------------------------------------------


def test_personal_leave_a_day_ahead_special_an_hour(stack, day):
    # SCH-5: personal leave a day before the shift, special leave an hour before.
    first, at = day
    agent = stack.new_person(["agent"])
    shift = first + DAY_MS  # day 2, 08:00-16:00 local
    stack.shift(agent, shift)
    at(shift - DAY_MS - MINUTE_MS)  # a day and a minute ahead: in time
    made = agent.call("POST", "/v1/leave", leave_body("personal", shift, shift + 8 * HOUR_MS))
    assert made.status_code == 201, describe(made)
    leave = made.json()
    assert leave["status"] == "requested" and leave["staff_no"] == agent.staff_no == leave["requested_by"]
    assert made.headers["Location"] == "/v1/leave/%d" % leave["id"] and made.headers["ETag"] == '"1"'
    subject = "leave/%d" % leave["id"]
    assert stack.events("leave.requested", subject) == 1
    assert stack.events("audit.record.leave.requested", subject) == 1
    assert agent.call("POST", "/v1/leave/%d/cancel" % leave["id"], {}).status_code == 200

    at(shift - DAY_MS + MINUTE_MS)  # a minute less than a day: too late for personal leave
    with Nothing(stack):
        refused(stack, agent.call("POST", "/v1/leave", leave_body("personal", shift, shift + 8 * HOUR_MS)),
                422, "leave-too-late", "starts_at")
        refused(stack, agent.call("POST", "/v1/leave", leave_body("annual", shift, shift + 8 * HOUR_MS)),
                422, "leave-too-late", "starts_at")
    # ...but special leave is asked an hour before.
    at(shift - HOUR_MS - MINUTE_MS)
    made = agent.call("POST", "/v1/leave", leave_body("special", shift, shift + 4 * HOUR_MS))
    assert made.status_code == 201, describe(made)
    assert agent.call("POST", "/v1/leave/%d/cancel" % made.json()["id"], {}).status_code == 200
    at(shift - HOUR_MS + MINUTE_MS)
    with Nothing(stack):
        refused(stack, agent.call("POST", "/v1/leave", leave_body("special", shift, shift + 4 * HOUR_MS)),
                422, "leave-too-late", "starts_at")


def test_idempotency_key_answers_a_retry_with_the_first_leave(stack, day):
    first, at = day
    agent = stack.new_person(["agent"])
    shift = first + 2 * DAY_MS
    stack.shift(agent, shift)
    at(first)
    body = leave_body("personal", shift, shift + 8 * HOUR_MS)
    key = {"Idempotency-Key": "leave-" + secrets.token_hex(8)}
    made = agent.call("POST", "/v1/leave", body, headers=key)
    assert made.status_code == 201, describe(made)
    again = agent.call("POST", "/v1/leave", body, headers=key)
    assert again.status_code == 201 and again.json() == made.json(), describe(again)
    assert stack.db.count("SELECT count(*) FROM scheduling.leave_requests l JOIN scheduling.staff s "
                          "ON s.id = l.staff_id WHERE s.staff_no = :'n'", n=agent.staff_no) == 1
    subject = "leave/%d" % made.json()["id"]
    assert stack.events("leave.requested", subject) == 1
    assert stack.events("audit.record.leave.request_replayed", subject) == 1
    with Nothing(stack):
        refused(stack, agent.call("POST", "/v1/leave", dict(body, reason="另有安排"), headers=key),
                422, "idempotency-key-reused", "Idempotency-Key")
    # One key sent three times at once (another person, in this test's days, so
    # that no other test's days move): one leave, and every answer is it (the
    # duplicates wait for the first to commit, then replay it).
    agent = stack.new_person(["agent"])
    stack.shift(agent, shift)
    key = {"Idempotency-Key": "leave-" + secrets.token_hex(8)}
    agent.token()
    gate = threading.Barrier(CONCURRENT_DUPLICATES)

    def send(_):
        gate.wait()
        return agent.call("POST", "/v1/leave", body, headers=key)

    with concurrent.futures.ThreadPoolExecutor(CONCURRENT_DUPLICATES) as pool:
        answers = list(pool.map(send, range(CONCURRENT_DUPLICATES)))
    assert [r.status_code for r in answers] == [201] * CONCURRENT_DUPLICATES, [describe(r) for r in answers]
    assert all(r.json() == answers[0].json() for r in answers)
    assert stack.db.count("SELECT count(*) FROM scheduling.leave_requests l JOIN scheduling.staff s "
                          "ON s.id = l.staff_id WHERE s.staff_no = :'n'", n=agent.staff_no) == 1
    subject = "leave/%d" % answers[0].json()["id"]
    assert stack.events("leave.requested", subject) == 1
    assert stack.events("audit.record.leave.request_replayed", subject) == CONCURRENT_DUPLICATES - 1


def test_leave_must_cover_a_shift_and_not_overlap(stack, day):
    first, at = day
    agent = stack.new_person(["agent"])
    shift = first + 3 * DAY_MS
    stack.shift(agent, shift)
    at(first)
    with Nothing(stack):
        refused(stack, agent.call("POST", "/v1/leave", leave_body("personal", shift + DAY_MS, shift + 2 * DAY_MS)),
                422, "leave-covers-no-shift", "starts_at")
    assert agent.call("POST", "/v1/leave", leave_body("personal", shift, shift + HOUR_MS)).status_code == 201
    with Nothing(stack):
        refused(stack, agent.call("POST", "/v1/leave", leave_body("annual", shift, shift + 8 * HOUR_MS)),
                409, "leave-overlaps", "starts_at")


def published_night(stack, person, night_ms):
    """A night shift (template 22:00 + 600 minutes, is_night) of `person` starting
    at `night_ms` (22:00 Shanghai), from a published roster of a site of its own."""
    planner = stack.supervisor
    site = "night-" + secrets.token_hex(3)
    made = planner.call("POST", "/v1/sites", {"code": site, "name": "夜班热线", "zone": "Asia/Shanghai"})
    assert made.status_code == 201, describe(made)
    made = planner.call("POST", "/v1/shift-templates", {"code": site, "name": "夜班", "start": "22:00",
                                                        "duration_minutes": 600, "is_night": True})
    assert made.status_code == 201, describe(made)
    local_day = time.strftime("%Y-%m-%d", time.gmtime((night_ms + 8 * HOUR_MS) // 1000))
    roster = planner.call("POST", "/v1/rosters", {"site_code": site, "month": local_day[:7]})
    assert roster.status_code == 201, describe(roster)
    path = "/v1/rosters/%d" % roster.json()["id"]
    shift = planner.call("POST", path + "/shifts", {"staff_no": person.staff_no, "date": local_day,
                                                    "template_code": site})
    assert shift.status_code == 201, describe(shift)
    assert shift.json()["starts_at"] == iso(night_ms).replace("Z", ".000Z"), shift.json()
    published = planner.call("POST", path + "/publish", {},
                             headers={"If-Match": planner.call("GET", path).headers["ETag"]})
    assert published.status_code == 200, describe(published)
    return shift.json()["id"]


def test_night_shift_leave_only_before_noon(stack, day):
    """SCH-5: leave from a night shift only before 12:00 the same day, the shift
    night by its template (is_night): a night shift starting 22:00 local, so the
    deadline is 12:00 local that day (04:00 UTC)."""
    first, at = day
    agent = stack.new_person(["agent"])
    night = first + 2 * DAY_MS + 14 * HOUR_MS  # 22:00 local on day 3
    published_night(stack, agent, night)
    noon = first + 2 * DAY_MS + 4 * HOUR_MS  # 12:00 local on day 3
    # Special leave (an hour ahead would do) after noon: refused by the night rule.
    at(noon + MINUTE_MS)
    with Nothing(stack):
        refused(stack, agent.call("POST", "/v1/leave", leave_body("special", night, night + 10 * HOUR_MS)),
                422, "leave-night-after-noon", "starts_at")
    at(noon - MINUTE_MS)
    made = agent.call("POST", "/v1/leave", leave_body("special", night, night + 10 * HOUR_MS))
    assert made.status_code == 201, describe(made)


# --- SCH-5: who asks, what it needs ------------------------------------------------------


def test_no_leave_by_proxy_except_sick_leave(stack, day):
    first, at = day
    agent, colleague = stack.new_person(["agent"]), stack.new_person(["agent"])
    shift = first + 2 * DAY_MS
    stack.shift(agent, shift)
    at(shift - 2 * HOUR_MS)
    with Nothing(stack):
        refused(stack, colleague.call("POST", "/v1/leave", leave_body("special", shift, shift + 8 * HOUR_MS,
                                                                          staff_no=agent.staff_no)),
                422, "leave-by-proxy", "staff_no")
    # An emergency phoned in by someone else: sick leave, recorded as requested by them.
    made = colleague.call("POST", "/v1/leave", leave_body("sick", shift, shift + 8 * HOUR_MS,
                                                          staff_no=agent.staff_no, reason="急诊"))
    assert made.status_code == 201, describe(made)
    assert made.json()["staff_no"] == agent.staff_no and made.json()["requested_by"] == colleague.staff_no
    # Sick leave too must come before the shift starts.
    stack.shift(agent, shift + DAY_MS)
    at(shift + DAY_MS + MINUTE_MS)
    with Nothing(stack):
        refused(stack, agent.call("POST", "/v1/leave", leave_body("sick", shift + DAY_MS, shift + DAY_MS + HOUR_MS)),
                422, "leave-too-late", "starts_at")


def test_sick_leave_over_a_day_needs_certificate(stack, day):
    first, at = day
    agent = stack.new_person(["agent"])
    shift = first + DAY_MS
    stack.shift(agent, shift)
    at(first)
    with Nothing(stack):
        refused(stack, agent.call("POST", "/v1/leave", leave_body("sick", shift, shift + 2 * DAY_MS)),
                422, "leave-needs-certificate", "certificate_ref")
    made = agent.call("POST", "/v1/leave", leave_body("sick", shift, shift + 2 * DAY_MS,
                                                      certificate_ref="沪一院-2031-0042"))
    assert made.status_code == 201 and made.json()["certificate_ref"] == "沪一院-2031-0042", describe(made)


# --- SCH-5: decisions ----------------------------------------------------------------------


def test_approval_by_level_never_by_oneself(stack, day):
    # SCH-5: up to a day the supervisor, beyond it administration (a manager);
    # never the person on leave or whoever asked.
    first, at = day
    agent = stack.new_person(["agent"])
    shift = first + 2 * DAY_MS
    stack.shift(agent, shift)
    stack.shift(agent, shift + DAY_MS)
    at(first)
    one_day = agent.call("POST", "/v1/leave", leave_body("personal", shift, shift + 8 * HOUR_MS)).json()
    two_days = agent.call("POST", "/v1/leave", leave_body("annual", shift + DAY_MS - HOUR_MS,
                                                          shift + 3 * DAY_MS)).json()
    with Nothing(stack):
        refused(stack, stack.manager.call("POST", "/v1/leave/%d/approve" % one_day["id"], {}),
                422, "leave-approver-not-allowed")
        refused(stack, stack.supervisor.call("POST", "/v1/leave/%d/approve" % two_days["id"], {}),
                422, "leave-approver-not-allowed")
        refused(stack, stack.supervisor.call("POST", "/v1/leave/%d/approve" % one_day["id"], {},
                                             headers={"If-Match": '"7"'}), 412, "stale-version")
        assert_problem(agent.call("POST", "/v1/leave/%d/approve" % one_day["id"], {}), 403)
    approved = stack.supervisor.call("POST", "/v1/leave/%d/approve" % one_day["id"], {"note": "同意"},
                                     headers={"If-Match": '"1"'})
    assert approved.status_code == 200, describe(approved)
    body = approved.json()
    assert body["status"] == "approved" and body["decided_by"] == stack.supervisor.staff_no
    assert body["version"] == 2 and body["decision_note"] == "同意" and approved.headers["ETag"] == '"2"'
    subject = "leave/%d" % one_day["id"]
    assert stack.events("leave.approved", subject) == 1 and stack.events("audit.record.leave.approved", subject) == 1
    with Nothing(stack):
        refused(stack, stack.supervisor.call("POST", "/v1/leave/%d/refuse" % one_day["id"], {}),
                409, "leave-not-pending")
    refused_leave = stack.manager.call("POST", "/v1/leave/%d/refuse" % two_days["id"], {"note": "人手不足"})
    assert refused_leave.status_code == 200 and refused_leave.json()["status"] == "refused", describe(refused_leave)
    assert stack.events("leave.refused", "leave/%d" % two_days["id"]) == 1
    assert stack.events("audit.record.leave.refused", "leave/%d" % two_days["id"]) == 1

    # A supervisor on leave does not approve their own; nor does the one who asked.
    boss = stack.new_person(["supervisor"])
    stack.shift(boss, shift)
    own = boss.call("POST", "/v1/leave", leave_body("personal", shift, shift + 8 * HOUR_MS)).json()
    with Nothing(stack):
        refused(stack, boss.call("POST", "/v1/leave/%d/approve" % own["id"], {}), 422, "leave-approver-not-allowed")
    stack.shift(agent, shift + 5 * DAY_MS)
    proxy = boss.call("POST", "/v1/leave", leave_body("sick", shift + 5 * DAY_MS, shift + 5 * DAY_MS + HOUR_MS,
                                                      staff_no=agent.staff_no)).json()
    with Nothing(stack):
        refused(stack, boss.call("POST", "/v1/leave/%d/approve" % proxy["id"], {}), 422,
                "leave-approver-not-allowed")
    assert stack.supervisor.call("POST", "/v1/leave/%d/approve" % proxy["id"], {}).status_code == 200


def test_list_leave_the_supervisors_queue_and_ones_own(stack, day):
    first, at = day
    agent, colleague = stack.new_person(["agent"]), stack.new_person(["agent"])
    shift = first + 2 * DAY_MS
    stack.shift(agent, shift)
    stack.shift(agent, shift + DAY_MS)
    stack.shift(colleague, shift)
    at(first)
    mine = [agent.call("POST", "/v1/leave", leave_body("personal", start, start + HOUR_MS)).json()["id"]
            for start in (shift, shift + DAY_MS)]
    theirs = colleague.call("POST", "/v1/leave", leave_body("personal", shift, shift + HOUR_MS)).json()["id"]
    queue = stack.supervisor.call("GET", "/v1/leave", params={"status": "requested", "staff_no": agent.staff_no})
    assert queue.status_code == 200, describe(queue)
    assert [leave["id"] for leave in queue.json()["items"]] == mine and queue.json()["next"] is None
    page = stack.supervisor.call("GET", "/v1/leave", params={"staff_no": agent.staff_no, "limit": 1}).json()
    assert [leave["id"] for leave in page["items"]] == mine[:1] and page["next"] == str(mine[0])
    rest = stack.supervisor.call("GET", "/v1/leave", params={"staff_no": agent.staff_no, "after": page["next"]})
    assert [leave["id"] for leave in rest.json()["items"]] == mine[1:]
    # An agent sees only what they are on or asked for, whatever they filter by.
    own = agent.call("GET", "/v1/leave").json()["items"]
    assert [leave["id"] for leave in own] == mine
    assert agent.call("GET", "/v1/leave", params={"staff_no": colleague.staff_no}).json()["items"] == []
    assert theirs not in [leave["id"] for leave in own]
    assert stack.events("audit.record.leave.listed", "leave") >= 4
    for bad in ({"status": "pending"}, {"staff_no": "no spaces"}, {"limit": "0"}, {"after": "-1"}):
        assert_problem(stack.supervisor.call("GET", "/v1/leave", params=bad), 400)


def test_cancel_by_the_person_before_it_starts(stack, day):
    first, at = day
    agent, other = stack.new_person(["agent"]), stack.new_person(["agent"])
    shift = first + 2 * DAY_MS
    stack.shift(agent, shift)
    at(first)
    leave = agent.call("POST", "/v1/leave", leave_body("personal", shift, shift + 8 * HOUR_MS)).json()
    path = "/v1/leave/%d" % leave["id"]
    # Others do not even see it; supervisors do.
    assert_problem(other.call("GET", path), 404)
    assert stack.supervisor.call("GET", path).json()["id"] == leave["id"]
    with Nothing(stack):
        assert_problem(other.call("POST", path + "/cancel", {}), 403)
    at(shift + MINUTE_MS)
    with Nothing(stack):
        refused(stack, agent.call("POST", path + "/cancel", {}), 409, "leave-started")
    # (The ticker recorded that undecided leave as an absence at the start; a
    # refusal by a supervisor is still possible.)
    at(shift - MINUTE_MS)
    cancelled = agent.call("POST", path + "/cancel", {"note": "事情已解决"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled", describe(cancelled)
    assert stack.events("leave.cancelled", "leave/%d" % leave["id"]) == 1
    assert stack.events("audit.record.leave.cancelled", "leave/%d" % leave["id"]) == 1


def test_malformed_or_oversized_leave_writes_nothing(stack, day):
    first, at = day
    agent = stack.new_person(["agent"])
    shift = first + 2 * DAY_MS
    stack.shift(agent, shift)
    at(first)
    good = leave_body("personal", shift, shift + 8 * HOUR_MS)
    with Nothing(stack):
        for change, field in ((dict(kind="holiday"), "kind"), (dict(starts_at="tomorrow"), "starts_at"),
                              (dict(ends_at=iso(shift - HOUR_MS)), "ends_at"),
                              (dict(ends_at=iso(shift + 400 * DAY_MS)), "ends_at"),
                              (dict(reason=""), "reason"), (dict(reason="长" * 2001), "reason"),
                              (dict(certificate_ref="x\ny"), "certificate_ref"),
                              (dict(staff_no="no spaces"), "staff_no")):
            r = agent.call("POST", "/v1/leave", dict(good, **change))
            assert r.status_code in (400, 422), describe(r)
            assert r.json()["field"] == field, describe(r)
        assert_problem(agent.call("POST", "/v1/leave", dict(good, no_such_field=1)), 400)
        assert_problem(agent.call("POST", "/v1/leave", b"{not json"), 400)
        assert_problem(agent.call("POST", "/v1/leave", dict(good, reason=7)), 400)
        assert_problem(agent.call("POST", "/v1/leave/999999999/approve", {}), 403)
        assert_problem(stack.supervisor.call("POST", "/v1/leave/999999999/approve", {}), 404)


# --- SCH-5 at shift start, SCH-6 no-shows (the ticker) -----------------------------------


def test_undecided_leave_turns_into_absence_once(stack, day):
    first, at = day
    agent = stack.new_person(["agent"])
    shift = first + 2 * DAY_MS
    shift_id = stack.shift(agent, shift)
    at(first)
    leave = agent.call("POST", "/v1/leave", leave_body("personal", shift, shift + 8 * HOUR_MS)).json()
    subject = "shift/%d" % shift_id
    at(shift - MINUTE_MS)
    time.sleep(0.5)
    assert stack.events("attendance.absent", subject) == 0
    at(shift + MINUTE_MS)
    poll_until(lambda: stack.events("attendance.absent", subject) == 1, TICKER_TIMEOUT, what="absence")
    from kefu.v1 import attendance_pb2
    absence = stack.payload("attendance.absent", subject, attendance_pb2.AttendanceAbsence)[0]
    assert absence.cause == "leave_undecided" and absence.leave_id == leave["id"]
    assert absence.staff_no == agent.staff_no
    assert stack.events("audit.record.attendance.absent", subject) == 1
    # Later ticks (and the no-show rule 20 minutes in) add nothing.
    at(shift + 25 * MINUTE_MS)
    time.sleep(1.0)
    assert stack.events("attendance.absent", subject) == 1


def test_no_show_twenty_minutes_in_unless_on_leave(stack, day):
    # SCH-6: no clock-in 20 minutes after the start and no approved leave is an absence.
    first, at = day
    agent, excused = stack.new_person(["agent"]), stack.new_person(["agent"])
    shift = first + 2 * DAY_MS
    absent_shift = stack.shift(agent, shift)
    excused_shift = stack.shift(excused, shift)
    at(first)
    leave = excused.call("POST", "/v1/leave", leave_body("personal", shift, shift + 8 * HOUR_MS)).json()
    assert stack.supervisor.call("POST", "/v1/leave/%d/approve" % leave["id"], {}).status_code == 200
    at(shift + 19 * MINUTE_MS)
    time.sleep(0.5)
    assert stack.events("attendance.absent", "shift/%d" % absent_shift) == 0
    at(shift + 20 * MINUTE_MS + 1000)
    poll_until(lambda: stack.events("attendance.absent", "shift/%d" % absent_shift) == 1, TICKER_TIMEOUT,
               what="no-show")
    time.sleep(0.5)
    assert stack.events("attendance.absent", "shift/%d" % excused_shift) == 0
    assert stack.events("attendance.absent", "shift/%d" % absent_shift) == 1


# --- SCH-6: clock-in/out, lateness, absence from post ------------------------------------


def test_lateness_of_twenty_minutes_is_a_violation(stack, day):
    first, at = day
    agent = stack.new_person(["agent"])
    on_time, late = first + DAY_MS, first + 2 * DAY_MS
    on_time_id, late_id = stack.shift(agent, on_time), stack.shift(agent, late)
    at(on_time - 20 * MINUTE_MS)
    with Nothing(stack):
        refused(stack, agent.call("POST", "/v1/attendance/clock-in"), 422, "attendance-no-shift")
    at(on_time + 19 * MINUTE_MS)  # late, not yet a violation
    r = agent.call("POST", "/v1/attendance/clock-in")
    assert r.status_code == 200, describe(r)
    record = r.json()
    assert record["shift_id"] == on_time_id and record["late_minutes"] == 19
    assert record["clock_in_terminal"] == "T-" + agent.staff_no and record["clock_out_at"] == ""
    assert stack.events("attendance.clocked_in", "shift/%d" % on_time_id) == 1
    assert stack.events("audit.record.attendance.clocked_in", "shift/%d" % on_time_id) == 1
    assert stack.events("attendance.violation", "shift/%d" % on_time_id) == 0
    with Nothing(stack):
        refused(stack, agent.call("POST", "/v1/attendance/clock-in"), 409, "already-clocked-in")
    at(on_time + 8 * HOUR_MS)
    assert agent.call("POST", "/v1/attendance/clock-out").status_code == 200
    with Nothing(stack):
        refused(stack, agent.call("POST", "/v1/attendance/clock-out"), 409, "not-clocked-in")

    at(late + 20 * MINUTE_MS)
    r = agent.call("POST", "/v1/attendance/clock-in")
    assert r.status_code == 200 and r.json()["late_minutes"] == 20, describe(r)
    from kefu.v1 import attendance_pb2
    violations = stack.payload("attendance.violation", "shift/%d" % late_id, attendance_pb2.AttendanceViolation)
    assert [(v.kind, v.minutes, v.staff_no) for v in violations] == [("late", 20, agent.staff_no)]
    assert stack.events("audit.record.attendance.violation", "shift/%d" % late_id) == 1


def test_absence_from_post_of_twenty_minutes_is_a_violation(stack, day):
    first, at = day
    agent = stack.new_person(["agent"])
    shift = first + DAY_MS
    shift_id = stack.shift(agent, shift)
    subject = "shift/%d" % shift_id
    at(shift - 5 * MINUTE_MS)
    assert agent.call("POST", "/v1/attendance/clock-in").json()["late_minutes"] == 0
    with Nothing(stack):
        refused(stack, agent.call("POST", "/v1/attendance/return-post"), 409, "not-away")
    at(shift + HOUR_MS)
    away = agent.call("POST", "/v1/attendance/leave-post").json()
    assert away["away_since"].startswith(iso(shift + HOUR_MS)[:19])
    with Nothing(stack):
        refused(stack, agent.call("POST", "/v1/attendance/leave-post"), 409, "already-away")
        refused(stack, agent.call("POST", "/v1/attendance/clock-out"), 409, "away-from-post")
    # Half a minute over each mark: the driven clock ticks on between requests.
    at(shift + HOUR_MS + 19 * MINUTE_MS + 30 * 1000)
    back = agent.call("POST", "/v1/attendance/return-post").json()
    assert back["away_since"] == "" and back["away_minutes"] == 19
    assert stack.events("attendance.violation", subject) == 0
    at(shift + 2 * HOUR_MS)
    agent.call("POST", "/v1/attendance/leave-post")
    at(shift + 2 * HOUR_MS + 25 * MINUTE_MS + 10 * 1000)
    back = agent.call("POST", "/v1/attendance/return-post").json()
    assert back["away_minutes"] == 44
    from kefu.v1 import attendance_pb2
    violations = stack.payload("attendance.violation", subject, attendance_pb2.AttendanceViolation)
    assert [(v.kind, v.minutes) for v in violations] == [("off_post", 25)]
    at(shift + 8 * HOUR_MS)
    out = agent.call("POST", "/v1/attendance/clock-out")
    assert out.status_code == 200 and out.json()["clock_out_terminal"] == "T-" + agent.staff_no, describe(out)
    for event in ("attendance.left_post", "attendance.returned_to_post"):
        assert stack.events(event, subject) == 2 and stack.events("audit.record." + event, subject) == 2
    assert stack.events("attendance.clocked_out", subject) == 1
    assert stack.events("audit.record.attendance.clocked_out", subject) == 1


# --- SCH-6: the monthly report -------------------------------------------------------------


def test_monthly_report_json_and_csv(stack, day, clock):
    first, at = day
    agent = stack.new_person(["agent"])
    early, second, third = first + DAY_MS, first + 2 * DAY_MS, first + 3 * DAY_MS
    stack.shift(agent, early)
    second_id = stack.shift(agent, second)
    stack.shift(agent, third)
    at(first)
    leave = agent.call("POST", "/v1/leave", leave_body("personal", third, third + 8 * HOUR_MS)).json()
    stack.supervisor.call("POST", "/v1/leave/%d/approve" % leave["id"], {})
    at(early + 25 * MINUTE_MS)      # 25 minutes late: a violation
    agent.call("POST", "/v1/attendance/clock-in")
    at(early + 2 * HOUR_MS)
    agent.call("POST", "/v1/attendance/leave-post")
    at(early + 2 * HOUR_MS + 10 * MINUTE_MS)
    agent.call("POST", "/v1/attendance/return-post")
    at(early + 8 * HOUR_MS + 30 * 1000)  # half a minute over: the clock ticks between requests
    agent.call("POST", "/v1/attendance/clock-out")
    at(second + 21 * MINUTE_MS)     # the second shift: a no-show
    # (The first shift may have been marked a no-show too, had the ticker run
    # before the late clock-in arrived: the report counts absences without a
    # clock-in only.)
    poll_until(lambda: stack.events("attendance.absent", "shift/%d" % second_id) == 1, TICKER_TIMEOUT,
               what="no-show")
    month = time.strftime("%Y-%m", time.gmtime((first + 8 * HOUR_MS) // 1000))
    report = stack.supervisor.call("GET", "/v1/attendance/report", params={"month": month})
    assert report.status_code == 200, describe(report)
    body = report.json()
    assert body["month"] == month and body["zone"] == "Asia/Shanghai"
    mine = [row for row in body["items"] if row["staff_no"] == agent.staff_no]
    assert mine == [{"staff_no": agent.staff_no, "name": "请假测试 " + agent.staff_no, "shifts": 3,
                     "scheduled_minutes": 3 * 480, "worked_minutes": 480 - 25 - 10, "late_count": 1,
                     "late_minutes": 25, "absences": 1, "violations": 1,
                     "leave": [{"kind": "personal", "minutes": 480}]}], mine
    assert stack.events("audit.record.attendance.report_read", "attendance/report/" + month) >= 1

    exported = stack.supervisor.call("GET", "/v1/attendance/report.csv", params={"month": month})
    assert exported.status_code == 200, describe(exported)
    assert exported.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="attendance-%s.csv"' % month in exported.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8"), newline="")))
    line = [r for r in rows if r["staff_no"] == agent.staff_no]
    assert len(line) == 1 and line[0]["name"] == "请假测试 " + agent.staff_no
    assert {k: int(v) for k, v in line[0].items() if k not in ("staff_no", "name")} == {
        "shifts": 3, "scheduled_minutes": 1440, "worked_minutes": 445, "late_count": 1, "late_minutes": 25,
        "absences": 1, "violations": 1, "leave_personal_minutes": 480, "leave_special_minutes": 0,
        "leave_sick_minutes": 0, "leave_annual_minutes": 0, "leave_marriage_minutes": 0,
        "leave_bereavement_minutes": 0, "leave_maternity_minutes": 0, "leave_official_minutes": 0}
    assert len(rows) == len(body["items"])

    # A person reads their own line only; a malformed month is 400.
    own = agent.call("GET", "/v1/attendance/report", params={"month": month}).json()
    assert [row["staff_no"] for row in own["items"]] == [agent.staff_no]
    for bad in ("2031-13", "2031-3", "31-03", "2031-03-01", "", "x" * 300):
        assert_problem(stack.supervisor.call("GET", "/v1/attendance/report", params={"month": bad}), 400,
                       field="month")
    assert_problem(stack.supervisor.call("GET", "/v1/attendance/report.csv"), 400, field="month")


def test_report_reminder_on_the_25th_once(stack, day):
    # 考勤: the report goes to HR on the 25th; the ticker reminds once a month.
    # (January 2032: after every other test's days.)
    _first, at = day
    subject = "attendance/report/2032-01"
    the_25th = 1958572800000            # 2032-01-25 00:00 Shanghai (2032-01-24T16:00Z)
    at(the_25th - 60 * MINUTE_MS)       # the 24th, 23:00 Shanghai
    time.sleep(0.5)
    assert stack.events("attendance.report_due", subject) == 0
    at(the_25th + MINUTE_MS)
    poll_until(lambda: stack.events("attendance.report_due", subject) == 1, TICKER_TIMEOUT, what="reminder")
    from kefu.v1 import attendance_pb2
    due = stack.payload("attendance.report_due", subject, attendance_pb2.AttendanceReportDue)[0]
    assert (due.month, due.due_on, due.zone) == ("2032-01", "2032-01-25", "Asia/Shanghai")
    assert stack.events("audit.record.attendance.report_due", subject) == 1
    at(the_25th + DAY_MS)               # the 26th: still once
    time.sleep(0.5)
    assert stack.events("attendance.report_due", subject) == 1
