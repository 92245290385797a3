"""The workforce as one system (issue 6): a month of one site told as a story,
black box, clock driven, across rosters and on duty (SCH-3, SCH-8), swaps and
handovers (SCH-4, SCH-7), leave and attendance (SCH-5, SCH-6), staffing (SCH-9)
and grades (SCH-10), with the log-in rule (AUD-2) reading the same shifts.

Every shift here comes from a published roster of the site, so each feature
reads what the others wrote, as in production. The month is in a year of this
test's own (past every other test's), so on-duty, staffing and the attendance
report hold only this story's people. Every refusal names its rule and writes
nothing (the tables it could touch are counted around it).
"""
import csv
import datetime
import io
import itertools
import secrets
import time
import zoneinfo

import icalendar
import pytest
import requests

from kefu_e2e import HTTP_TIMEOUT, assert_problem, describe, poll_until
from swaps_stack import STRONG, WorkforceStack

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# Every table a workforce request of this story could write to.
TABLES = ("shifts", "rosters", "swaps", "leave_requests", "attendance", "attendance_absences", "handovers",
          "grade_changes")
SWEEP_TIMEOUT_S = 20.0


@pytest.fixture(scope="module")
def stack(e2e_env, db, api_keys):
    s = WorkforceStack(e2e_env, db, api_keys, "workforce")
    yield s
    s.close()


# A year of its own per story (past every other test's years: rosters and
# staffing use 2041..2090), so on-duty and staffing answers hold its people only.
_years = itertools.count(2091)


class Story:
    """One site's month: its year, the clock, and the people acting in it."""

    def __init__(self, stack, clock):
        self.stack = stack
        self.clock = clock
        self.year = next(_years)
        self.month = "%d-03" % self.year

    def local(self, day, hour, minute=0):
        """Unix ms of `day` of the story's month at hour:minute in Shanghai."""
        when = datetime.datetime(self.year, 3, day, hour, minute, tzinfo=SHANGHAI) if isinstance(day, int) \
            else datetime.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=SHANGHAI)
        return int(when.timestamp() * 1000)

    def at(self, day, hour, minute=0):
        self.clock.set(self.local(day, hour, minute))

    def date(self, day):
        return "%s-%02d" % (self.month, day)

    def post(self, who, path, body=None, **kw):
        return who.call("POST", path, body if body is not None else {}, **kw)

    def ok(self, response, status=200):
        assert response.status_code == status, describe(response)
        return response.json()

    def refused(self, response, status, rule):
        """A refusal naming `rule`; the caller checks that nothing was written."""
        problem = assert_problem(response, status, slug=rule)
        return problem

    def no_show(self, day, hour, shift_id):
        """Move to 25 minutes past `hour` on `day` and wait for the ticker to mark
        the shift a no-show (SCH-6: 20 minutes without clock-in or leave). The
        sweep looks a day back, as a running ticker does, so the story visits
        each day rather than jumping past it."""
        self.at(day, hour, 25)
        poll_until(lambda: self.absence(shift_id) == "no_show", SWEEP_TIMEOUT_S, what="no-show of %d" % shift_id)

    def absence(self, shift_id):
        rows = self.stack.db.rows("SELECT cause FROM scheduling.attendance_absences WHERE shift_id = %d"
                                  % int(shift_id))
        return rows[0][0] if rows else None


def rfc3339(unix_ms):
    return datetime.datetime.fromtimestamp(unix_ms / 1000, datetime.timezone.utc).isoformat(
        timespec="milliseconds").replace("+00:00", "Z")


def log_in(stack, person, password):
    return requests.post(stack.base + "/v1/sessions", timeout=HTTP_TIMEOUT,
                         json={"staff_no": person.staff_no, "password": password, "terminal": "T-WF1"})


def own_password(stack, person):
    """The person's first password changed to one of their own (SCH-2), which
    log-in needs; returns it."""
    first = STRONG + "-" + person.staff_no
    own = first + "-own"
    r = requests.post(stack.base + "/v1/sessions/password", timeout=HTTP_TIMEOUT,
                      json={"staff_no": person.staff_no, "password": first, "new_password": own})
    assert r.status_code == 200, describe(r)
    return own


def checklist(stack):
    listed = stack.as_role("agent", "GET", "/v1/handover-checklist")
    assert listed.status_code == 200, describe(listed)
    return [{"item_code": item["code"], "ok": True, "note": ""}
            for item in listed.json()["items"] if not item["retired"]]


def test_a_month_of_one_site(stack, clock):
    story = Story(stack, clock)
    s = story
    # --- February: the site, its shift types, the March roster drafted in bulk ----------
    s.at("%d-02-10" % s.year, 9)
    sup = stack.person(roles=("supervisor",), grade="senior")
    mgr = stack.person(roles=("manager",), grade="senior")
    a, b, d, e, g, h, i = (stack.person() for _ in range(7))
    c = stack.person(grade="trainee")
    site = "wf-" + a.staff_no.lower()
    s.ok(s.post(sup, "/v1/sites", {"code": site, "name": "热线 " + site, "zone": "Asia/Shanghai"}), 201)
    templates = {}
    for name, start, minutes, night in (("early", "08:00", 480, False), ("late", "16:00", 480, False),
                                        ("night", "23:00", 540, True)):
        code = name + "-" + a.staff_no.lower()
        s.ok(s.post(sup, "/v1/shift-templates", {"code": code, "name": name, "start": start,
                                                  "duration_minutes": minutes, "is_night": night}), 201)
        templates[name] = code
    roster = s.ok(s.post(sup, "/v1/rosters", {"site_code": site, "month": s.month}), 201)
    rid = roster["id"]
    plan = [(a, 5, "early"), (b, 12, "late"), (c, 14, "early"), (g, 27, "early"), (d, 8, "night"),
            (d, 10, "night"), (e, 16, "early"), (e, 25, "early"), (h, 18, "early"), (i, 18, "late")]
    made = s.ok(s.post(sup, "/v1/rosters/%d/shifts/bulk" % rid,
                       {"items": [{"staff_no": p.staff_no, "date": s.date(day), "template_code": templates[t]}
                                  for p, day, t in plan]}), 201)["items"]
    shift = {(p.staff_no, day): m["id"] for (p, day, _t), m in zip(plan, made)}
    # The night shift crosses midnight: 23:00 on the 8th to 08:00 on the 9th.
    night8 = made[4]
    assert night8["starts_at"] == rfc3339(s.local(8, 23)) and night8["ends_at"] == rfc3339(s.local(9, 8))
    # A draft roster's shift counts nowhere: not on duty, not a swap.
    assert [p["staff_no"] for p in sup.call("GET", "/v1/on-duty", params={"at": rfc3339(s.local(5, 9))})
            .json()["items"] if p["staff_no"] == a.staff_no] == []
    validation = s.ok(sup.call("GET", "/v1/rosters/%d/validation" % rid))
    assert validation["problem_count"] == 0, validation
    version = s.ok(sup.call("GET", "/v1/rosters/%d" % rid))["version"]
    published = s.ok(s.post(sup, "/v1/rosters/%d/publish" % rid, headers={"If-Match": '"%d"' % version}))
    assert published["status"] == "published" and published["shift_count"] == len(plan)

    # --- a swap of two published roster shifts (SCH-4): A's early on the 5th for B's
    # late on the 12th, requested, accepted, approved ------------------------------------
    swap = s.ok(s.post(a, "/v1/swaps", {"swap_shift_id": shift[(a.staff_no, 5)],
                                        "return_shift_id": shift[(b.staff_no, 12)], "reason": "家中有事"}), 201)
    s.ok(s.post(b, "/v1/swaps/%d/accept" % swap["id"]))
    approved = s.ok(s.post(sup, "/v1/swaps/%d/approve" % swap["id"], {"note": "同意"}))
    assert approved["status"] == "approved"
    # The roster's own views show the new owners, its count unchanged.
    listed = s.ok(sup.call("GET", "/v1/rosters/%d/shifts" % rid, params={"limit": 50}))["items"]
    owners = {item["id"]: item["staff_no"] for item in listed}
    assert owners[shift[(a.staff_no, 5)]] == b.staff_no and owners[shift[(b.staff_no, 12)]] == a.staff_no
    after = s.ok(sup.call("GET", "/v1/rosters/%d" % rid))
    assert after["status"] == "published" and after["shift_count"] == len(plan)
    assert s.ok(sup.call("GET", "/v1/rosters/%d/validation" % rid))["problem_count"] == 0
    # Exports of both people (CSV and iCalendar).
    for person, day, template, start in ((a, 12, "late", 16), (b, 5, "early", 8)):
        exported = sup.call("GET", "/v1/rosters/%d/staff/%s/shifts.csv" % (rid, person.staff_no))
        assert exported.status_code == 200, describe(exported)
        rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8"), newline="")))
        assert [r["date"] for r in rows] == [s.date(day)], rows
        assert rows[0]["local_start"] == datetime.datetime.fromtimestamp(
            s.local(day, start) / 1000, SHANGHAI).isoformat()
        ics = sup.call("GET", "/v1/rosters/%d/staff/%s/shifts.ics" % (rid, person.staff_no))
        assert ics.status_code == 200, describe(ics)
        events = [c for c in icalendar.Calendar.from_ical(ics.content).walk() if c.name == "VEVENT"]
        assert len(events) == 1
        assert int(events[0].decoded("DTSTART").timestamp() * 1000) == s.local(day, start)
        # Each reads their own month too, the swapped-in shift in it.
        own = person.call("GET", "/v1/rosters/%d/staff/%s/shifts.csv" % (rid, person.staff_no))
        assert own.status_code == 200 and own.content == exported.content, describe(own)
    # Staffing against the published roster after the swap (SCH-9): B covers the 5th's
    # morning, A the 12th's evening, nobody else of this story.
    for day, hour, who in ((5, 9, b), (12, 17, a)):
        body = {"starts_at": rfc3339(s.local(day, hour)), "interval_s": 1800,
                "forecast": [{"calls": 30, "aht_s": 180}], "target_answer_s": 20, "target_sl": 0.8}
        item = s.ok(s.post(sup, "/v1/staffing/plan", body))["items"][0]
        assert item["agents_scheduled"] == 1, item
        assert item["gap"] == 1 - item["agents_required"], item

    # --- grades (SCH-10): C, a trainee, may not swap with G, a junior; promoted, may --
    swap_body = {"swap_shift_id": shift[(c.staff_no, 14)], "return_shift_id": shift[(g.staff_no, 27)],
                 "reason": "调休"}
    before = stack.counts(*TABLES)
    s.refused(s.post(c, "/v1/swaps", swap_body), 422, "swap-skill-mismatch")
    assert stack.counts(*TABLES) == before
    s.ok(s.post(sup, "/v1/staff/%d/evaluations" % c.id, {"kind": "monthly", "period": "%d-02" % s.year,
                                                        "score": 90, "rank": 2, "result": "pass"}), 201)
    s.at(1, 10)
    change = s.ok(s.post(sup, "/v1/grade-changes", {"staff_id": c.id, "to_grade": "junior",
                                                    "at": "%d-02" % s.year, "reason": "试用期满"}), 201)
    s.ok(s.post(mgr, "/v1/grade-changes/%d/approve" % change["id"], {"reason": "同意"}))
    promoted = s.ok(s.post(c, "/v1/swaps", swap_body), 201)
    s.ok(s.post(g, "/v1/swaps/%d/accept" % promoted["id"]))
    s.ok(s.post(sup, "/v1/swaps/%d/approve" % promoted["id"]))

    # --- the 5th: on duty and the log-in rule follow the swap (SCH-8, AUD-2) ------------
    a_password, b_password = own_password(stack, a), own_password(stack, b)
    s.at(5, 8, 10)
    on_duty = [p["staff_no"] for p in sup.call("GET", "/v1/on-duty", params={"at": rfc3339(s.local(5, 9))})
               .json()["items"]]
    assert b.staff_no in on_duty and a.staff_no not in on_duty
    assert log_in(stack, b, b_password).status_code == 201
    assert_problem(log_in(stack, a, a_password), 403, slug="off-shift")
    s.no_show(5, 8, shift[(a.staff_no, 5)])

    # --- the 8th: D's leave from a published night shift (SCH-5 night rule) -----------
    s.at(8, 12, 30)
    night_leave = {"kind": "special", "starts_at": rfc3339(s.local(8, 23)), "ends_at": rfc3339(s.local(9, 8)),
                   "reason": "家中有事"}
    before = stack.counts(*TABLES)
    s.refused(s.post(d, "/v1/leave", night_leave), 422, "leave-night-after-noon")
    assert stack.counts(*TABLES) == before
    leave = s.ok(s.post(d, "/v1/leave", {"kind": "personal", "starts_at": rfc3339(s.local(10, 23)),
                                         "ends_at": rfc3339(s.local(11, 8)), "reason": "家中有事"}), 201)
    s.ok(s.post(sup, "/v1/leave/%d/approve" % leave["id"], {"note": "同意"}))
    # A swap on a leave day is refused (SCH-4).
    before = stack.counts(*TABLES)
    s.refused(s.post(d, "/v1/swaps", {"swap_shift_id": shift[(d.staff_no, 10)],
                                      "return_shift_id": shift[(e.staff_no, 25)], "reason": "换班"}),
              422, "swap-leave")
    assert stack.counts(*TABLES) == before

    # --- the nights: an absence for the uncovered one, none for the one on leave ------
    s.no_show(8, 23, shift[(d.staff_no, 8)])
    s.at(10, 23, 25)
    s.no_show(12, 16, shift[(b.staff_no, 12)])   # A, who took B's late shift, a no-show on the 12th
    assert s.absence(shift[(d.staff_no, 10)]) is None
    # E asks for leave from the 16th, a day ahead, and nobody decides it.
    s.at(14, 7)
    undecided = s.ok(s.post(e, "/v1/leave", {"kind": "personal", "starts_at": rfc3339(s.local(16, 8)),
                                             "ends_at": rfc3339(s.local(16, 16)), "reason": "看病"}), 201)
    s.no_show(14, 8, shift[(c.staff_no, 14)])    # G, who took C's shift
    s.at(16, 8, 1)
    poll_until(lambda: s.absence(shift[(e.staff_no, 16)]) == "leave_undecided", SWEEP_TIMEOUT_S,
               what="undecided leave turned absence")
    assert undecided["status"] == "requested"

    # --- the 18th: H clocks in and out, the handover to I accepted first (SCH-7) -------
    s.at(18, 8)
    assert s.ok(s.post(h, "/v1/attendance/clock-in"))["late_minutes"] == 0
    s.at(18, 15, 50)
    handover = s.ok(s.post(h, "/v1/handovers", {
        "shift_id": shift[(h.staff_no, 18)], "incoming_staff_no": i.staff_no, "work_in_progress": "回访两单",
        "open_problems": [], "checklist": checklist(stack), "staffing_changes": "", "notices": ""}), 201)
    s.at(18, 16)
    s.refused(s.post(h, "/v1/attendance/clock-out"), 409, "handover-not-accepted")
    s.ok(s.post(i, "/v1/handovers/%d/accept" % handover["id"]))
    # Half a minute over 16:01: the clock runs on between a step and the request.
    s.clock.set(s.local(18, 16, 1) + 30 * 1000)
    s.ok(s.post(h, "/v1/attendance/clock-out"))
    s.no_show(18, 16, shift[(i.staff_no, 18)])
    assert s.absence(shift[(h.staff_no, 18)]) is None
    s.no_show(25, 8, shift[(e.staff_no, 25)])
    s.no_show(27, 8, shift[(g.staff_no, 27)])    # C, who took G's shift

    # --- April: the monthly report (SCH-6) says what happened ---------------------------
    s.clock.set(s.local("%d-04-01" % s.year, 9))
    report = s.ok(sup.call("GET", "/v1/attendance/report", params={"month": s.month}))
    mine = {row["staff_no"]: row for row in report["items"]}

    def line(person):
        row = mine[person.staff_no]
        return (row["shifts"], row["scheduled_minutes"], row["absences"],
                {item["kind"]: item["minutes"] for item in row["leave"]})

    assert line(a) == (1, 480, 1, {})
    assert line(b) == (1, 480, 1, {})
    assert line(c) == (1, 480, 1, {})
    assert line(g) == (1, 480, 1, {})
    assert line(d) == (2, 1080, 1, {"personal": 540})
    assert line(e) == (2, 960, 2, {})
    assert line(h) == (1, 480, 0, {})
    assert mine[h.staff_no]["worked_minutes"] == 481
    assert line(i) == (1, 480, 1, {})


def published_roster(stack, s, sup, plan, start="08:00", minutes=480, night=False):
    """A site of its own, a template (early unless told), `plan` [(person, day)]
    drafted and published; returns (roster, {(staff_no, day): shift id}, template)."""
    site = "wf-" + secrets.token_hex(4)
    s.ok(s.post(sup, "/v1/sites", {"code": site, "name": "热线 " + site, "zone": "Asia/Shanghai"}), 201)
    early = "shift-" + site
    s.ok(s.post(sup, "/v1/shift-templates", {"code": early, "name": "班次", "start": start,
                                              "duration_minutes": minutes, "is_night": night}), 201)
    roster = s.ok(s.post(sup, "/v1/rosters", {"site_code": site, "month": s.month}), 201)
    made = s.ok(s.post(sup, "/v1/rosters/%d/shifts/bulk" % roster["id"],
                       {"items": [{"staff_no": p.staff_no, "date": s.date(day), "template_code": early}
                                  for p, day in plan]}), 201)["items"]
    version = s.ok(sup.call("GET", "/v1/rosters/%d" % roster["id"]))["version"]
    s.ok(s.post(sup, "/v1/rosters/%d/publish" % roster["id"], headers={"If-Match": '"%d"' % version}))
    return roster, {(p.staff_no, day): m["id"] for (p, day), m in zip(plan, made)}, early


def test_swap_changes_the_roster_version(stack, clock):
    # SCH-3 with SCH-4: a published roster changes only through approved requests,
    # and when it does its version (the ETag of GET /v1/rosters/{id}) moves on, so
    # a copy read before the swap is known to be stale.
    s = Story(stack, clock)
    s.at("%d-02-10" % s.year, 9)
    sup = stack.person(roles=("supervisor",), grade="senior")
    a, b = stack.person(), stack.person()
    roster, shift, _ = published_roster(stack, s, sup, [(a, 5), (b, 12)])
    path = "/v1/rosters/%d" % roster["id"]
    read = sup.call("GET", path)
    etag = read.headers["ETag"]
    swap = s.ok(s.post(a, "/v1/swaps", {"swap_shift_id": shift[(a.staff_no, 5)],
                                        "return_shift_id": shift[(b.staff_no, 12)], "reason": "调班"}), 201)
    s.ok(s.post(b, "/v1/swaps/%d/accept" % swap["id"]))
    assert sup.call("GET", path).headers["ETag"] == etag      # requested and accepted: nothing changed yet
    s.ok(s.post(sup, "/v1/swaps/%d/approve" % swap["id"]))
    after = sup.call("GET", path)
    assert after.headers["ETag"] != etag and after.json()["version"] == read.json()["version"] + 1, describe(after)


def test_swap_of_one_slot_between_two_people_is_refused(stack, clock):
    # SCH-4 against the roster's invariant (0004: one assignment of a template to a
    # person on a day): two people on the same template the same day of one roster
    # exchange nothing; the swap is refused by its rule, not failed by the index,
    # and nothing is written.
    s = Story(stack, clock)
    s.at("%d-02-10" % s.year, 9)
    sup = stack.person(roles=("supervisor",), grade="senior")
    a, b = stack.person(), stack.person()
    roster, shift, _ = published_roster(stack, s, sup, [(a, 5), (b, 5)])
    before = stack.counts(*TABLES)
    s.refused(s.post(a, "/v1/swaps", {"swap_shift_id": shift[(a.staff_no, 5)],
                                      "return_shift_id": shift[(b.staff_no, 5)], "reason": "调班"}),
              422, "swap-same-slot")
    assert stack.counts(*TABLES) == before


def test_leave_of_a_night_crossing_the_month_end_counts_in_the_shifts_month(stack, clock):
    # SCH-5 with SCH-6: the report is over the shifts starting in the month, so the
    # leave covering a night shift from the 31st to the 1st counts whole in the
    # month the shift belongs to (as its scheduled minutes do), none in the next.
    s = Story(stack, clock)
    s.at(29, 9)
    sup = stack.person(roles=("supervisor",), grade="senior")
    d = stack.person()
    _roster, shift, _ = published_roster(stack, s, sup, [(d, 31)], start="23:00", minutes=540, night=True)
    leave = s.ok(s.post(d, "/v1/leave", {"kind": "personal", "starts_at": rfc3339(s.local(31, 23)),
                                         "ends_at": rfc3339(s.local("%d-04-01" % s.year, 8)), "reason": "家中有事"}),
                 201)
    s.ok(s.post(sup, "/v1/leave/%d/approve" % leave["id"]))
    s.clock.set(s.local("%d-04-02" % s.year, 9))
    march = s.ok(sup.call("GET", "/v1/attendance/report", params={"month": s.month}))["items"]
    april = s.ok(sup.call("GET", "/v1/attendance/report", params={"month": "%d-04" % s.year}))["items"]
    mine = [row for row in march if row["staff_no"] == d.staff_no]
    assert len(mine) == 1 and (mine[0]["shifts"], mine[0]["scheduled_minutes"], mine[0]["absences"]) == (1, 540, 0)
    assert mine[0]["leave"] == [{"kind": "personal", "minutes": 540}], mine
    assert [row for row in april if row["staff_no"] == d.staff_no] == []
    assert s.absence(shift[(d.staff_no, 31)]) is None


def test_a_draft_rosters_shift_counts_nowhere(stack, clock):
    # SCH-3: until its roster is published a shift is a plan: no leave from it
    # (SCH-5), no swap of it (SCH-4), no clock-in on it and no absence from it
    # (SCH-6), nobody on duty (SCH-8) and nobody scheduled (SCH-9).
    s = Story(stack, clock)
    s.at("%d-02-10" % s.year, 9)
    sup = stack.person(roles=("supervisor",), grade="senior")
    a, b = stack.person(), stack.person()
    _published, published_shift, _ = published_roster(stack, s, sup, [(b, 12)])
    site = "wf-" + secrets.token_hex(4)
    s.ok(s.post(sup, "/v1/sites", {"code": site, "name": "热线 " + site, "zone": "Asia/Shanghai"}), 201)
    template = "draft-" + site
    s.ok(s.post(sup, "/v1/shift-templates", {"code": template, "name": "早班", "start": "08:00",
                                              "duration_minutes": 480, "is_night": False}), 201)
    draft = s.ok(s.post(sup, "/v1/rosters", {"site_code": site, "month": s.month}), 201)
    planned = s.ok(s.post(sup, "/v1/rosters/%d/shifts" % draft["id"], {"staff_no": a.staff_no, "date": s.date(5),
                                                                        "template_code": template}), 201)
    before = stack.counts(*TABLES)
    assert_problem(s.post(a, "/v1/leave", {"kind": "personal", "starts_at": rfc3339(s.local(5, 8)),
                                           "ends_at": rfc3339(s.local(5, 16)), "reason": "家中有事"}),
                   422, slug="leave-covers-no-shift")
    assert_problem(s.post(a, "/v1/swaps", {"swap_shift_id": planned["id"],
                                           "return_shift_id": published_shift[(b.staff_no, 12)], "reason": "调班"}),
                   422, field="swap_shift_id")
    assert_problem(s.post(b, "/v1/swaps", {"swap_shift_id": published_shift[(b.staff_no, 12)],
                                           "return_shift_id": planned["id"], "reason": "调班"}),
                   422, field="return_shift_id")
    s.at(5, 8, 5)
    assert_problem(s.post(a, "/v1/attendance/clock-in"), 422, slug="attendance-no-shift")
    on_duty = s.ok(sup.call("GET", "/v1/on-duty", params={"at": rfc3339(s.local(5, 9))}))["items"]
    assert a.staff_no not in [p["staff_no"] for p in on_duty]
    plan = s.ok(s.post(sup, "/v1/staffing/plan", {"starts_at": rfc3339(s.local(5, 9)), "interval_s": 1800,
                                                  "forecast": [{"calls": 30, "aht_s": 180}], "target_answer_s": 20,
                                                  "target_sl": 0.8}))
    assert plan["items"][0]["agents_scheduled"] == 0
    assert stack.counts(*TABLES) == before
    # Past the no-show threshold the sweep leaves it alone, while it marks a
    # published shift of the same morning.
    c = stack.person()
    _other, other_shift, _ = published_roster(stack, s, sup, [(c, 5)])
    s.no_show(5, 8, other_shift[(c.staff_no, 5)])
    assert s.absence(planned["id"]) is None


def test_a_promotion_between_request_and_approval_decides_the_swap(stack, clock):
    # SCH-10 with SCH-4: the equal-grade rule is checked again at approval: two
    # juniors' swap requested and accepted, one promoted meanwhile, is refused
    # at approval (swap-skill-mismatch) and no shift changes hands.
    s = Story(stack, clock)
    s.at("%d-02-10" % s.year, 9)
    sup = stack.person(roles=("supervisor",), grade="senior")
    mgr = stack.person(roles=("manager",), grade="senior")
    a, b = stack.person(grade="trainee"), stack.person(grade="trainee")
    roster, shift, _ = published_roster(stack, s, sup, [(a, 5), (b, 12)])
    swap = s.ok(s.post(a, "/v1/swaps", {"swap_shift_id": shift[(a.staff_no, 5)],
                                        "return_shift_id": shift[(b.staff_no, 12)], "reason": "调班"}), 201)
    s.ok(s.post(b, "/v1/swaps/%d/accept" % swap["id"]))
    s.ok(s.post(sup, "/v1/staff/%d/evaluations" % b.id, {"kind": "monthly", "period": "%d-01" % s.year,
                                                        "score": 90, "rank": 2, "result": "pass"}), 201)
    change = s.ok(s.post(sup, "/v1/grade-changes", {"staff_id": b.id, "to_grade": "junior",
                                                    "at": "%d-01" % s.year, "reason": "试用期满"}), 201)
    s.ok(s.post(mgr, "/v1/grade-changes/%d/approve" % change["id"], {"reason": "同意"}))
    before = stack.counts(*TABLES)
    version = s.ok(sup.call("GET", "/v1/rosters/%d" % roster["id"]))["version"]
    s.refused(s.post(sup, "/v1/swaps/%d/approve" % swap["id"]), 422, "swap-skill-mismatch")
    assert stack.counts(*TABLES) == before
    assert stack.shift_owner(shift[(a.staff_no, 5)]) == [a.staff_no, "1"]
    assert s.ok(sup.call("GET", "/v1/rosters/%d" % roster["id"]))["version"] == version
    assert s.ok(sup.call("GET", "/v1/swaps/%d" % swap["id"]))["status"] == "accepted"


def test_approved_leave_takes_the_person_off_duty(stack, clock):
    # SCH-5 with SCH-8, SCH-9 and AUD-2: approved leave leaves the roster's shift in
    # place but the person is not there: not on duty (callbacks and audit ask), not
    # scheduled against the forecast, not admitted by the on-shift log-in rule,
    # and back on duty once the leave ends.
    s = Story(stack, clock)
    s.at(7, 9)
    sup = stack.person(roles=("supervisor",), grade="senior")
    away, there = stack.person(), stack.person()
    _roster, shift, _ = published_roster(stack, s, sup, [(away, 9), (there, 9)])
    # Leave for the first four hours of the shift (08:00-12:00).
    leave = s.ok(s.post(away, "/v1/leave", {"kind": "personal", "starts_at": rfc3339(s.local(9, 8)),
                                            "ends_at": rfc3339(s.local(9, 12)), "reason": "看病"}), 201)
    s.ok(s.post(sup, "/v1/leave/%d/approve" % leave["id"]))
    passwords = {p.staff_no: own_password(stack, p) for p in (away, there)}

    def on_duty(hour, **extra):
        items = s.ok(sup.call("GET", "/v1/on-duty", params=dict({"at": rfc3339(s.local(9, hour))}, **extra)))
        return sorted(p["staff_no"] for p in items["items"] if p["staff_no"] in passwords)

    def scheduled(hour):
        body = {"starts_at": rfc3339(s.local(9, hour)), "interval_s": 1800,
                "forecast": [{"calls": 30, "aht_s": 180}], "target_answer_s": 20, "target_sl": 0.8}
        return s.ok(s.post(sup, "/v1/staffing/plan", body))["items"][0]["agents_scheduled"]

    assert on_duty(9) == [there.staff_no] and on_duty(9, grace="1") == [there.staff_no]
    assert scheduled(9) == 1
    s.at(9, 9)
    assert_problem(log_in(stack, away, passwords[away.staff_no]), 403, slug="off-shift")
    assert log_in(stack, there, passwords[there.staff_no]).status_code == 201
    # From 12:00 both are there.
    assert on_duty(13) == sorted([away.staff_no, there.staff_no])
    assert scheduled(13) == 2
    s.at(9, 12, 5)
    assert log_in(stack, away, passwords[away.staff_no]).status_code == 201


def test_a_refused_handover_is_not_escalated_to_a_lead_on_leave(stack, clock):
    # SCH-7 with SCH-5: a refusal tells each shift lead on duty; a lead whose
    # rostered shift is covered by approved leave at that moment is away.
    s = Story(stack, clock)
    s.at(18, 9)
    sup = stack.person(roles=("supervisor",), grade="senior")
    outgoing, incoming = stack.person(), stack.person()
    lead, lead_away = stack.person(roles=("agent", "shift_lead")), stack.person(roles=("agent", "shift_lead"))
    _roster, shift, _ = published_roster(stack, s, sup, [(outgoing, 20), (lead, 20), (lead_away, 20)])
    leave = s.ok(s.post(lead_away, "/v1/leave", {"kind": "personal", "starts_at": rfc3339(s.local(20, 14)),
                                                 "ends_at": rfc3339(s.local(20, 16)), "reason": "看病"}), 201)
    s.ok(s.post(sup, "/v1/leave/%d/approve" % leave["id"]))
    s.at(20, 15, 50)
    handover = s.ok(s.post(outgoing, "/v1/handovers", {
        "shift_id": shift[(outgoing.staff_no, 20)], "incoming_staff_no": incoming.staff_no,
        "work_in_progress": "回访两单", "open_problems": [], "checklist": checklist(stack),
        "staffing_changes": "", "notices": ""}), 201)
    s.ok(s.post(incoming, "/v1/handovers/%d/refuse" % handover["id"], {"reason": "交接不清"}))
    assert stack.outbox("staff/%s" % lead.staff_no) == ["handover.escalated"]
    assert stack.outbox("staff/%s" % lead_away.staff_no) == []
