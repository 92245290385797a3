"""Grades and promotion (issue 6, SCH-10), black box over HTTP through the gateway.

A stack of this module's own: the scheduling service and a gateway routing to it,
with API keys of its own so that the people acting (a supervisor, two managers, an
agent) have staff records of their own: nobody may act on their own grade. Dates
matter (tenure counts from joining, periods may not lie ahead), so the clock is
driven: people join at set times and evaluations are judged at December 2025.

Every criterion of every grade (scheduling_grade_rules.c, README "Grades and
promotion") is met by one person and missed by another, missing only that one, and
the proposal names the rule it refuses; every demotion rule is triggered by one
history and just missed by another.
"""
import concurrent.futures
import secrets
import threading

import pytest
import requests

from conftest import _stopped_cleanly
from kefu_e2e import HTTP_TIMEOUT, assert_problem, describe, free_port, make_gateway, make_scheduling, \
    make_session_keys

STRONG = "Kefu-e2e-" + secrets.token_hex(6)
AT = "2025-12"                       # the month judged throughout
AFTER_AT = "2026-01-05T09:00:00Z"    # when evaluations are recorded and proposals made
JOINED_LONG_AGO = "2024-11-15T08:00:00Z"
OUTSTANDING = "优秀客服"
# Requests sent at once with one Idempotency-Key (fewer than the workers of a service).
CONCURRENT_DUPLICATES = 3
# Who acts: key name → (role, staff number); each gets a staff record.
TAG = secrets.token_hex(3).upper()
ACTORS = {
    "sup": ("supervisor", "GS" + TAG),
    "mgr": ("manager", "GM" + TAG),
    "mgr2": ("manager", "GN" + TAG),
    "admin": ("admin", "GD" + TAG),
    "agent": ("agent", "GA" + TAG),
    "other_agent": ("agent", "GB" + TAG),
}
GRADE_TABLES = ("grade_evaluations", "grade_evaluation_amendments", "grade_titles", "grade_changes",
                "creation_keys")


class GradesStack:
    def __init__(self, env, db, session_keys, tickets_port):
        self.db = db
        self.keys = {who: "grades-" + secrets.token_hex(16) for who in ACTORS}
        setting = ",".join("grades-%s:%s:%s:%s" % (who.replace("_", "-"), role, staff, self.keys[who])
                           for who, (role, staff) in ACTORS.items())
        seed, public = make_session_keys(env, "k1")
        xsub = "tcp://127.0.0.1:%d" % free_port()
        xpub = "tcp://127.0.0.1:%d" % free_port()
        self.scheduling = make_scheduling(env, "grades.scheduling", seed, xsub)
        self.scheduling.start()
        self.gateway = make_gateway(env, "grades.gateway", tickets_port, session_keys,
                                    KEFU_GATEWAY_SERVICES="tickets,scheduling",
                                    KEFU_SCHEDULING_ENDPOINT=self.scheduling.endpoint,
                                    KEFU_SESSION_PUBLIC_KEYS=public, KEFU_BUS_XSUB=xsub, KEFU_BUS_XPUB=xpub,
                                    KEFU_API_KEYS=setting)
        self.gateway.start()
        self.base = self.gateway.base
        # The actors' own staff records (the admin key creates them).
        self.ids = {}
        for who, (role, staff_no) in ACTORS.items():
            if who != "admin":
                self.ids[who] = self.create_staff(staff_no, [role], "senior" if who == "sup" else "junior")

    def close(self):
        _stopped_cleanly(self.gateway)
        _stopped_cleanly(self.scheduling)

    # --- HTTP -------------------------------------------------------------------------

    def call(self, method, path, who="sup", body=None, params=None, headers=None, data=None):
        h = {"Authorization": "Bearer " + self.keys[who]}
        h.update(headers or {})
        return requests.request(method, self.base + path, json=body, params=params, data=data, headers=h,
                                timeout=HTTP_TIMEOUT)

    def create_staff(self, staff_no, roles, grade):
        created = self.call("POST", "/v1/staff", "admin",
                            {"staff_no": staff_no, "name": "晋升测试 " + staff_no, "roles": roles, "grade": grade,
                             "department": "热线一部", "password": STRONG + "-" + staff_no})
        assert created.status_code == 201, describe(created)
        return created.json()["id"]

    def person(self, clock, grade, joined=JOINED_LONG_AGO):
        """A new agent of `grade` who joined at `joined`; the clock is then moved past AT."""
        clock.set_rfc3339(joined)
        staff_id = self.create_staff("GP" + secrets.token_hex(4), ["agent"], grade)
        clock.set_rfc3339(AFTER_AT)
        return staff_id

    def evaluate(self, staff_id, expect=201, who="sup", **body):
        response = self.call("POST", "/v1/staff/%d/evaluations" % staff_id, who, body)
        assert response.status_code == expect, describe(response)
        return response

    def monthly(self, staff_id, period, rank, result="pass", score=90):
        return self.evaluate(staff_id, kind="monthly", period=period, rank=rank, result=result, score=score).json()

    def quarterly(self, staff_id, period, grade):
        return self.evaluate(staff_id, kind="quarterly", period=period, grade=grade).json()

    def title(self, staff_id, awarded_on, name=OUTSTANDING, expect=201, who="sup"):
        response = self.call("POST", "/v1/staff/%d/titles" % staff_id, who, {"name": name, "awarded_on": awarded_on})
        assert response.status_code == expect, describe(response)
        return response

    def propose(self, staff_id, to_grade, who="sup", at=AT, **extra):
        body = {"staff_id": staff_id, "to_grade": to_grade, "at": at, "reason": "assessment of " + at}
        body.update(extra)
        return self.call("POST", "/v1/grade-changes", who, body)

    def decide(self, change_id, verdict, who="mgr2", reason=""):
        return self.call("POST", "/v1/grade-changes/%d/%s" % (change_id, verdict), who, {"reason": reason})

    def entry(self, staff_id, at=AT):
        """The eligibility report's entry for `staff_id` (a page starting at it)."""
        response = self.call("GET", "/v1/grades/eligibility", params={"at": at, "after": staff_id - 1, "limit": 1})
        assert response.status_code == 200, describe(response)
        items = response.json()["items"]
        assert items and items[0]["staff_id"] == staff_id, items
        return items[0]

    # --- database ---------------------------------------------------------------------

    def grade_of(self, staff_id):
        return self.db.scalar("SELECT grade FROM scheduling.staff WHERE id = %d" % staff_id)

    def written(self):
        """Rows of every table a grades request writes, the versions that move on an
        update, and every person's grade."""
        parts = ["(SELECT count(*) FROM scheduling.%s)" % t for t in GRADE_TABLES]
        # A refusal at the gateway (access.refused_role) and a replayed answer are
        # recorded on purpose (AUD-1); anything else in the outbox would be a change.
        parts += ["(SELECT count(*) FROM scheduling.outbox WHERE type NOT LIKE 'audit.record.access.%' "
                  "AND type <> 'audit.record.grade.create_replayed')"]
        parts += ["(SELECT coalesce(sum(version), 0) FROM scheduling.grade_evaluations)",
                  "(SELECT coalesce(sum(version), 0) FROM scheduling.grade_changes)",
                  "(SELECT md5(string_agg(id || grade || status, ',' ORDER BY id)) FROM scheduling.staff)"]
        return self.db.rows("SELECT " + ", ".join(parts))[0]

    def outbox_types(self, subject):
        return [r[0] for r in self.db.rows("SELECT type FROM scheduling.outbox WHERE subject = :'s' ORDER BY id",
                                           s=subject)]


@pytest.fixture(scope="module")
def stack(e2e_env, db, api_keys, tickets_process):
    s = GradesStack(e2e_env, db, api_keys, tickets_process.port)
    yield s
    s.close()


def refused(stack, response, status, field=None, slug=None):
    """A refusal that wrote nothing (checked by the caller around it)."""
    return assert_problem(response, status, field=field, slug=slug)


# --- recording evaluations and reading them back ----------------------------------------


def test_record_evaluations_titles_and_read_the_history(stack, clock):
    # SCH-10: monthly (score, rank, pass/fail) and quarterly (grade) evaluations and
    # titles, recorded by a supervisor; each with its event and audit record.
    person = stack.person(clock, "junior")
    monthly = stack.monthly(person, "2025-11", rank=2, score=93.5)
    assert (monthly["kind"], monthly["period"], monthly["rank"], monthly["result"], monthly["grade"]) == \
        ("monthly", "2025-11", 2, "pass", "")
    assert monthly["score"] == 93.5 and monthly["version"] == 1 and monthly["evaluated_by"] == ACTORS["sup"][1]
    quarterly = stack.quarterly(person, "2025-Q4", "A")
    assert (quarterly["grade"], quarterly["rank"], quarterly["result"]) == ("A", 0, "")
    title = stack.title(person, "2025-12-20").json()
    assert (title["name"], title["awarded_on"]) == (OUTSTANDING, "2025-12-20")
    assert [t for t in stack.outbox_types("staff/%d" % person) if "grade." in t] == [
        "grade.evaluation_recorded", "audit.record.grade.evaluation_recorded",
        "grade.evaluation_recorded", "audit.record.grade.evaluation_recorded",
        "grade.title_awarded", "audit.record.grade.title_awarded"]

    # Supervisors and managers read it, and every read is audited.
    for who in ("sup", "mgr"):
        history = stack.call("GET", "/v1/staff/%d/evaluations" % person, who)
        assert history.status_code == 200, describe(history)
        body = history.json()
        assert [m["period"] for m in body["monthly"]] == ["2025-11"]
        assert [q["period"] for q in body["quarterly"]] == ["2025-Q4"]
        assert [t["name"] for t in body["titles"]] == [OUTSTANDING]
        assert body["grade"] == "junior" and body["amendments"] == [] and body["changes"] == []
    assert stack.outbox_types("staff/%d" % person).count("audit.record.grade.history_viewed") == 2


def test_the_person_reads_their_own_history_and_no_other_agent_does(stack):
    # SCH-10: the person themself may read their evaluations; another agent may not.
    own = stack.call("GET", "/v1/staff/%d/evaluations" % stack.ids["agent"], "agent")
    assert own.status_code == 200, describe(own)
    assert own.json()["staff_no"] == ACTORS["agent"][1]
    before = stack.written()
    assert_problem(stack.call("GET", "/v1/staff/%d/evaluations" % stack.ids["agent"], "other_agent"), 403,
                   slug="forbidden")
    assert stack.written() == before
    assert_problem(stack.call("GET", "/v1/staff/999999999/evaluations", "sup"), 404)


def test_one_evaluation_per_period_and_amendments_keep_the_old_values(stack, clock):
    # SCH-10: a second evaluation for a period is 409; a correction is an explicit
    # amendment with a reason, and the history keeps what it replaced.
    person = stack.person(clock, "junior")
    first = stack.monthly(person, "2025-10", rank=4, score=80)
    before = stack.written()
    refused(stack, stack.evaluate(person, expect=409, kind="monthly", period="2025-10", rank=1, result="pass",
                                  score=99), 409, field="period", slug="evaluation-exists")
    assert stack.written() == before

    amend = "/v1/evaluations/%d/amend" % first["id"]
    corrected = {"score": 95, "rank": 2, "result": "pass", "note": "recount"}
    # No reason, a stale version, values of the wrong kind: refused, nothing written.
    assert_problem(stack.call("POST", amend, "sup", corrected), 422, field="reason")
    assert_problem(stack.call("POST", amend, "sup", dict(corrected, reason="recount"), headers={"If-Match": '"7"'}),
                   412, slug="stale-version")
    assert_problem(stack.call("POST", amend, "sup", {"grade": "A", "reason": "recount"}), 422, field="rank")
    assert_problem(stack.call("POST", amend, "agent", dict(corrected, reason="recount")), 403)
    assert stack.written() == before

    response = stack.call("POST", amend, "mgr", dict(corrected, reason="two tickets were reassigned"),
                          headers={"If-Match": '"1"'})
    assert response.status_code == 200, describe(response)
    assert response.headers["ETag"] == '"2"'
    assert (response.json()["rank"], response.json()["score"], response.json()["version"]) == (2, 95, 2)
    history = stack.call("GET", "/v1/staff/%d/evaluations" % person).json()
    assert history["monthly"][0]["rank"] == 2
    [kept] = history["amendments"]
    assert (kept["evaluation_id"], kept["version"], kept["previous_rank"], kept["previous_score"]) == \
        (first["id"], 2, 4, 80)
    assert kept["reason"] == "two tickets were reassigned" and kept["amended_by"] == ACTORS["mgr"][1]
    assert "grade.evaluation_amended" in stack.outbox_types("staff/%d" % person)
    assert_problem(stack.call("POST", "/v1/evaluations/999999999/amend", "sup", dict(corrected, reason="x")), 404)


def test_idempotency_key_answers_a_retry_with_the_first_result(stack, clock):
    # DESIGN §4: Idempotency-Key on every creating POST; the same key with another
    # body is 422 and writes nothing.
    person = build_history(stack, clock, "junior")
    path = "/v1/staff/%d/evaluations" % person
    body = {"kind": "quarterly", "period": "2025-Q4", "grade": "A"}
    key = {"Idempotency-Key": "grades-" + secrets.token_hex(8)}
    first = stack.call("POST", path, "sup", body, headers=key)
    assert first.status_code == 201, describe(first)
    before = stack.written()
    again = stack.call("POST", path, "sup", body, headers=key)
    assert again.status_code == 201, describe(again)
    assert again.json() == first.json()
    assert_problem(stack.call("POST", path, "sup", dict(body, grade="B"), headers=key), 422,
                   field="Idempotency-Key", slug="idempotency-key-reused")
    # Without the key the retry is the conflict it is.
    assert_problem(stack.call("POST", path, "sup", body), 409, slug="evaluation-exists")
    assert stack.written() == before

    title_key = {"Idempotency-Key": "grades-" + secrets.token_hex(8)}
    title = {"name": OUTSTANDING, "awarded_on": "2025-12-24"}
    made = stack.call("POST", "/v1/staff/%d/titles" % person, "sup", title, headers=title_key)
    assert made.status_code == 201, describe(made)
    before = stack.written()
    assert stack.call("POST", "/v1/staff/%d/titles" % person, "sup", title, headers=title_key).json() == made.json()
    assert stack.written() == before

    change_key = {"Idempotency-Key": "grades-" + secrets.token_hex(8)}
    proposal = {"staff_id": person, "to_grade": "junior", "at": AT, "reason": "probation passed"}
    proposed = stack.call("POST", "/v1/grade-changes", "sup", proposal, headers=change_key)
    assert proposed.status_code == 201, describe(proposed)
    before = stack.written()
    replayed = stack.call("POST", "/v1/grade-changes", "sup", proposal, headers=change_key)
    assert replayed.status_code == 201 and replayed.json() == proposed.json(), describe(replayed)
    # The key is the supervisor's: a manager's request with it is another request.
    assert_problem(stack.call("POST", "/v1/grade-changes", "mgr", proposal, headers=change_key), 409,
                   slug="grade-change-open")
    assert stack.written() == before
    assert stack.outbox_types("grade_change/%d" % proposed.json()["id"]).count(
        "audit.record.grade.create_replayed") == 1


def test_idempotency_key_is_one_creation_whatever_its_kind(stack, clock):
    # DESIGN §4: a person's key names one creation; the evaluation's key sent with a
    # title is another request (422, as tickets answers), and writes nothing.
    person = build_history(stack, clock, "junior")
    key = {"Idempotency-Key": "grades-" + secrets.token_hex(8)}
    made = stack.call("POST", "/v1/staff/%d/evaluations" % person, "sup",
                      {"kind": "quarterly", "period": "2025-Q4", "grade": "A"}, headers=key)
    assert made.status_code == 201, describe(made)
    before = stack.written()
    refused(stack, stack.call("POST", "/v1/staff/%d/titles" % person, "sup",
                              {"name": OUTSTANDING, "awarded_on": "2025-12-24"}, headers=key),
            422, field="Idempotency-Key", slug="idempotency-key-reused")
    assert stack.written() == before


def test_concurrent_duplicates_wait_for_the_first_and_answer_its_result(stack, clock):
    # Requests with one key sent at once: the first claims the key, the others wait
    # for its commit and answer what it created (no 409 busy, no second title).
    person = build_history(stack, clock, "junior")
    key = {"Idempotency-Key": "grades-" + secrets.token_hex(8)}
    title = {"name": OUTSTANDING, "awarded_on": "2025-12-24"}
    gate = threading.Barrier(CONCURRENT_DUPLICATES)

    def send(_):
        gate.wait()
        return stack.call("POST", "/v1/staff/%d/titles" % person, "sup", title, headers=key)

    with concurrent.futures.ThreadPoolExecutor(CONCURRENT_DUPLICATES) as pool:
        answers = list(pool.map(send, range(CONCURRENT_DUPLICATES)))
    assert [r.status_code for r in answers] == [201] * CONCURRENT_DUPLICATES, [describe(r) for r in answers]
    assert all(r.json() == answers[0].json() for r in answers)
    assert stack.db.count("SELECT count(*) FROM scheduling.grade_titles WHERE staff_id = %d" % person) == 1
    assert stack.outbox_types("staff/%d" % person).count("audit.record.grade.create_replayed") == CONCURRENT_DUPLICATES - 1


def test_nobody_evaluates_or_proposes_about_themselves(stack, clock):
    # SCH-10: by a supervisor or manager, never about themselves.
    clock.set_rfc3339(AFTER_AT)
    own = stack.ids["sup"]
    before = stack.written()
    assert_problem(stack.evaluate(own, expect=403, kind="monthly", period="2025-12", rank=1, result="pass"), 403,
                   slug="own-grade")
    assert_problem(stack.title(own, "2025-12-01", expect=403), 403, slug="own-grade")
    assert_problem(stack.propose(own, "reserve_supervisor", exceptional=True), 403, slug="own-grade")
    # Agents record nothing.
    assert_problem(stack.evaluate(stack.ids["agent"], expect=403, who="agent", kind="monthly", period="2025-12",
                                  rank=1, result="pass"), 403, slug="forbidden")
    assert stack.written() == before


MONTHLY = {"kind": "monthly", "period": "2025-11", "score": 90, "rank": 2, "result": "pass"}
BAD_EVALUATIONS = [
    # (what is wrong, body, status, field)
    ("rank of the wrong type", dict(MONTHLY, rank="two"), 400, None),
    ("score of the wrong type", dict(MONTHLY, score="high"), 400, None),
    ("unknown field", dict(MONTHLY, colour="red"), 400, None),
    ("unknown kind", dict(MONTHLY, kind="weekly"), 422, "kind"),
    ("month 13", dict(MONTHLY, period="2025-13"), 422, "period"),
    ("quarter as a month", dict(MONTHLY, period="2025-Q4"), 422, "period"),
    ("quarter 5", {"kind": "quarterly", "period": "2025-Q5", "grade": "A"}, 422, "period"),
    ("a month to come", dict(MONTHLY, period="2026-02"), 422, "period"),
    ("rank 0", dict(MONTHLY, rank=0), 422, "rank"),
    ("rank past the bound", dict(MONTHLY, rank=10001), 422, "rank"),
    ("score above 100", dict(MONTHLY, score=100.5), 422, "score"),
    ("negative score", dict(MONTHLY, score=-1), 422, "score"),
    ("no result", {k: v for k, v in MONTHLY.items() if k != "result"}, 422, "result"),
    ("monthly with a grade", dict(MONTHLY, grade="A"), 422, "grade"),
    ("grade E", {"kind": "quarterly", "period": "2025-Q4", "grade": "E"}, 422, "grade"),
    ("quarterly with a rank", {"kind": "quarterly", "period": "2025-Q4", "grade": "A", "rank": 3}, 422, "rank"),
    ("note too long", dict(MONTHLY, note="评" * 2001), 422, "note"),
    ("note with a NUL", dict(MONTHLY, note="a\u0000b"), 400, None),
    ("note with a control character", dict(MONTHLY, note="a\u0007b"), 422, "note"),
]


@pytest.mark.parametrize("what,body,status,field", BAD_EVALUATIONS, ids=[b[0] for b in BAD_EVALUATIONS])
def test_malformed_or_out_of_bounds_evaluation_refused_nothing_written(stack, clock, what, body, status, field):
    # DESIGN §4: 400 malformed, 422 a rule broken, nothing written either way.
    clock.set_rfc3339(AFTER_AT)
    before = stack.written()
    response = stack.call("POST", "/v1/staff/%d/evaluations" % stack.ids["agent"], "sup", body)
    assert_problem(response, status, field=field)
    assert stack.written() == before


def test_malformed_and_oversized_requests_refused_nothing_written(stack, clock):
    clock.set_rfc3339(AFTER_AT)
    person = stack.ids["agent"]
    before = stack.written()
    # Not JSON; a body past KEFU_HTTP_MAX_BODY (64 KiB).
    assert_problem(stack.call("POST", "/v1/staff/%d/evaluations" % person, "sup", data=b"{kind: monthly",
                              headers={"Content-Type": "application/json"}), 400)
    assert_problem(stack.call("POST", "/v1/staff/%d/evaluations" % person, "sup", dict(MONTHLY, note="x" * 70000)),
                   413)
    # Titles: name missing or too long, a day that does not exist or is to come.
    title = "/v1/staff/%d/titles" % person
    assert_problem(stack.call("POST", title, "sup", {"awarded_on": "2025-12-01"}), 422, field="name")
    assert_problem(stack.call("POST", title, "sup", {"name": "优" * 51, "awarded_on": "2025-12-01"}), 422,
                   field="name")
    assert_problem(stack.call("POST", title, "sup", {"name": OUTSTANDING, "awarded_on": "2025-02-30"}), 422,
                   field="awarded_on")
    assert_problem(stack.call("POST", title, "sup", {"name": OUTSTANDING, "awarded_on": "2026-01-06"}), 422,
                   field="awarded_on", slug="period-in-future")
    # Proposals: unknown grade, bad month, month to come, no reason, reason too long.
    assert_problem(stack.propose(person, "captain"), 422, field="to_grade")
    assert_problem(stack.propose(person, "intermediate", at="2025-12-01"), 422, field="at")
    assert_problem(stack.propose(person, "intermediate", at="2026-02"), 422, field="at", slug="period-in-future")
    assert_problem(stack.propose(person, "intermediate", reason=""), 422, field="reason")
    assert_problem(stack.propose(person, "intermediate", reason="理" * 2001), 422, field="reason")
    assert_problem(stack.call("POST", "/v1/grade-changes", "sup", {"staff_id": "x", "to_grade": "junior",
                                                                    "at": AT, "reason": "r"}), 400)
    assert_problem(stack.propose(999999999, "intermediate"), 404)
    # The report: `at` malformed or to come, a page out of bounds.
    for params, field in (({"at": "2025/12"}, "at"), ({"at": "2026-02"}, "at"),
                          ({"at": AT, "limit": "0"}, "limit"), ({"at": AT, "limit": "201"}, "limit"),
                          ({"at": AT, "after": "-1"}, "after")):
        assert_problem(stack.call("GET", "/v1/grades/eligibility", params=params), 400, field=field)
    assert_problem(stack.call("GET", "/v1/grades/eligibility", "agent", params={"at": AT}), 403)
    assert stack.written() == before


# --- the criteria, each met and missed ------------------------------------------------------

# Per target grade: the grade one holds before, and the criteria (scheduling_grade_rules.c).
CRITERIA = {
    "junior": ("trainee", ["monthly_passed"]),
    "intermediate": ("junior", ["monthly_rank_average", "quarterly_a", "tenure_months"]),
    "senior": ("intermediate", ["monthly_rank_average", "quarterly_a_consecutive", "titles", "tenure_months"]),
    "reserve_supervisor": ("senior", ["monthly_rank_average", "quarterly_a", "titles", "tenure_months"]),
}
# Months of the assessment period ending with AT, and the quarters ending in it.
PERIOD_MONTHS = {"junior": 1, "intermediate": 3, "senior": 6, "reserve_supervisor": 12}
QUARTERS = {"junior": {}, "intermediate": {"2025-Q4": "A"}, "senior": {"2025-Q3": "A", "2025-Q4": "A"},
            "reserve_supervisor": {"2025-Q1": "A", "2025-Q2": "B", "2025-Q3": "A", "2025-Q4": "A"}}
QUARTERS_MISSED = {"intermediate": {"2025-Q4": "B"}, "senior": {"2025-Q3": "B", "2025-Q4": "A"},
                   "reserve_supervisor": {"2025-Q1": "A", "2025-Q2": "B", "2025-Q3": "C", "2025-Q4": "A"}}
TITLES = {"senior": 1, "reserve_supervisor": 3}
# Joined one month short of the tenure (whole months to the end of December 2025).
JOINED_SHORT = {"intermediate": "2025-10-15T08:00:00Z", "senior": "2025-07-15T08:00:00Z",
                "reserve_supervisor": "2025-01-15T08:00:00Z"}


def build_history(stack, clock, target, missed=None, from_grade=None):
    """A person who meets every criterion of `target` at AT except `missed`, holding
    the grade below it (or `from_grade`)."""
    from_grade = from_grade or CRITERIA[target][0]
    person = stack.person(clock, from_grade, JOINED_SHORT[target] if missed == "tenure_months" else JOINED_LONG_AGO)
    months = PERIOD_MONTHS[target]
    for k in range(months):
        month = 12 - months + 1 + k
        rank = 4 if missed == "monthly_rank_average" else (1 if k % 2 else 3)   # averages 2 .. 3
        stack.monthly(person, "2025-%02d" % month, rank=rank,
                      result="fail" if missed == "monthly_passed" else "pass")
    quarters = QUARTERS_MISSED[target] if missed in ("quarterly_a", "quarterly_a_consecutive") else QUARTERS[target]
    for period, grade in quarters.items():
        stack.quarterly(person, period, grade)
    titles = TITLES.get(target, 0) - (1 if missed == "titles" else 0)
    for k in range(titles):
        stack.title(person, "2025-%02d-01" % (2 + k))
    if missed == "titles":
        stack.title(person, "2025-11-01", name="最佳新人")     # another title does not count
    return person


CASES = [(target, None) for target in CRITERIA] + \
        [(target, missed) for target, (_from, criteria) in CRITERIA.items() for missed in criteria]


@pytest.mark.parametrize("target,missed", CASES, ids=["%s-%s" % (t, m or "all-met") for t, m in CASES])
def test_promotion_criteria_met_and_missed(stack, clock, target, missed):
    # SCH-10 晋升条件: each criterion of each grade, met (the promotion is proposed and
    # approved) and missed alone (the report shows it unmet with its figures, the
    # proposal is refused naming it, nothing is written).
    person = build_history(stack, clock, target, missed)
    entry = stack.entry(person)
    assert entry["next_grade"] == target
    rules = {c["rule"]: c for c in entry["criteria"]}
    assert sorted(rules) == sorted("%s.%s" % (target, c) for c in CRITERIA[target][1])
    assert all(c["detail"] for c in entry["criteria"])
    if missed is None:
        assert entry["eligible"] and all(c["met"] for c in entry["criteria"]), entry
        proposed = stack.propose(person, target)
        assert proposed.status_code == 201, describe(proposed)
        assert proposed.headers["Location"] == "/v1/grade-changes/%d" % proposed.json()["id"]
        approved = stack.decide(proposed.json()["id"], "approve", reason="agreed")
        assert approved.status_code == 200, describe(approved)
        assert approved.json()["status"] == "approved" and approved.json()["decided_by"] == ACTORS["mgr2"][1]
        assert stack.grade_of(person) == target
        assert stack.outbox_types("grade_change/%d" % proposed.json()["id"]) == [
            "grade.change_proposed", "audit.record.grade.change_proposed",
            "grade.change_approved", "audit.record.grade.change_approved"]
        assert stack.outbox_types("staff/%d" % person)[-1] == "staff.updated"
        return
    rule = "%s.%s" % (target, missed)
    assert not entry["eligible"]
    assert [r for r, c in rules.items() if not c["met"]] == [rule], entry
    assert rules[rule]["actual"] < rules[rule]["required"] or missed == "monthly_rank_average"
    before = stack.written()
    problem = assert_problem(stack.propose(person, target), 422, field=rule, slug="grade-criteria-not-met")
    assert rule in problem["detail"]
    assert stack.written() == before
    assert stack.grade_of(person) == CRITERIA[target][0]


# --- approval -----------------------------------------------------------------------------


def test_approval_by_the_proposer_refused(stack, clock):
    # SCH-10: proposed, then approved by a manager who is not the proposer.
    person = build_history(stack, clock, "junior")
    proposed = stack.propose(person, "junior", who="mgr")
    assert proposed.status_code == 201, describe(proposed)
    change = proposed.json()["id"]
    before = stack.written()
    assert_problem(stack.decide(change, "approve", who="mgr"), 403, slug="approver-is-proposer")
    assert_problem(stack.decide(change, "approve", who="sup"), 403, slug="forbidden")
    assert stack.written() == before
    # One open proposal per person.
    assert_problem(stack.propose(person, "junior"), 409, field="staff_id", slug="grade-change-open")
    assert stack.written() == before
    approved = stack.decide(change, "approve", who="mgr2")
    assert approved.status_code == 200, describe(approved)
    assert stack.grade_of(person) == "junior"
    # Decided once.
    assert_problem(stack.decide(change, "refuse", who="mgr2", reason="too late"), 409, slug="grade-change-decided")
    history = stack.call("GET", "/v1/staff/%d/evaluations" % person).json()
    assert [c["status"] for c in history["changes"]] == ["approved"]
    assert history["grade"] == "junior"


def test_approval_refused_when_an_amendment_undid_a_criterion(stack, clock):
    # SCH-10: the criteria are judged again at approval; unmet, nothing is written.
    person = build_history(stack, clock, "intermediate")
    proposed = stack.propose(person, "intermediate")
    assert proposed.status_code == 201, describe(proposed)
    change = proposed.json()["id"]
    q4 = stack.call("GET", "/v1/staff/%d/evaluations" % person).json()["quarterly"][0]
    amended = stack.call("POST", "/v1/evaluations/%d/amend" % q4["id"], "mgr",
                         {"grade": "B", "reason": "Q4 complaints counted late"})
    assert amended.status_code == 200, describe(amended)
    before = stack.written()
    assert_problem(stack.decide(change, "approve"), 422, field="intermediate.quarterly_a",
                   slug="grade-criteria-not-met")
    assert stack.written() == before
    assert stack.grade_of(person) == "junior"
    assert stack.call("GET", "/v1/grade-changes/%d" % change).json()["status"] == "proposed"
    # Refused with a reason (required); the grade stays.
    assert_problem(stack.decide(change, "refuse", reason=""), 422, field="reason")
    refused_change = stack.decide(change, "refuse", reason="Q4 is B after the recount")
    assert refused_change.status_code == 200, describe(refused_change)
    assert refused_change.json()["status"] == "refused"
    assert "grade.change_refused" in stack.outbox_types("grade_change/%d" % change)
    assert stack.grade_of(person) == "junior"


def test_skipping_a_level_only_when_exceptional(stack, clock):
    # 越级晋升: a junior meeting the senior criteria is promoted to senior only with
    # `exceptional` and a reason.
    person = build_history(stack, clock, "senior", from_grade="junior")
    before = stack.written()
    assert_problem(stack.propose(person, "senior"), 422, field="exceptional", slug="grade-level-skipped")
    assert stack.written() == before
    proposed = stack.propose(person, "senior", exceptional=True, reason="ran the hotline through the flood")
    assert proposed.status_code == 201, describe(proposed)
    assert proposed.json()["exceptional"] is True and proposed.json()["from_grade"] == "junior"
    assert stack.decide(proposed.json()["id"], "approve").status_code == 200
    assert stack.grade_of(person) == "senior"


# --- demotion -----------------------------------------------------------------------------

# Per rule: the grade held, the grade it leads to, and the evaluations recorded for
# the case that triggers it and for the one that just misses it.
DEMOTIONS = {
    "intermediate.monthly_outside_top3_consecutive": (
        "intermediate", "junior",
        {"monthly": {"2025-03": 4, "2025-04": 5, "2025-05": 6}},
        {"monthly": {"2025-03": 4, "2025-04": 2, "2025-05": 6}}),
    "intermediate.quarterly_b_consecutive": (
        "intermediate", "junior",
        {"quarterly": {"2025-Q1": "B", "2025-Q2": "B"}},
        {"quarterly": {"2025-Q1": "B", "2025-Q2": "A", "2025-Q3": "B"}}),
    "intermediate.quarterly_below_b": (
        "intermediate", "junior", {"quarterly": {"2025-Q2": "C"}}, {"quarterly": {"2025-Q2": "B"}}),
    "senior.monthly_outside_top3_within_year": (
        "senior", "intermediate",
        {"monthly": {"2025-02": 4, "2025-06": 5, "2025-11": 6}},
        {"monthly": {"2025-02": 4, "2025-06": 5, "2025-11": 2}}),
    "senior.quarterly_b_within_year": (
        "senior", "intermediate",
        {"quarterly": {"2025-Q1": "B", "2025-Q3": "B"}}, {"quarterly": {"2025-Q1": "B", "2025-Q3": "A"}}),
    "senior.quarterly_below_b_within_year": (
        "senior", "intermediate", {"quarterly": {"2025-Q4": "D"}}, {"quarterly": {"2025-Q4": "B"}}),
}
GRADE_GIVEN = "2025-01-10T08:00:00Z"   # the grade is given on joining


def record(stack, person, evaluations):
    for period, rank in evaluations.get("monthly", {}).items():
        stack.monthly(person, period, rank=rank)
    for period, grade in evaluations.get("quarterly", {}).items():
        stack.quarterly(person, period, grade)


@pytest.mark.parametrize("rule", list(DEMOTIONS))
def test_demotion_rule_triggered_and_missed(stack, clock, rule):
    # SCH-10 降级: a rule that has triggered shows in the report and lets a demotion
    # citing it be proposed and approved; a history that just misses it does not.
    grade, to_grade, triggering, missing = DEMOTIONS[rule]
    person = stack.person(clock, grade, GRADE_GIVEN)
    record(stack, person, triggering)
    warnings = stack.entry(person)["warnings"]
    assert [(w["rule"], w["action"], w["to_grade"]) for w in warnings] == [(rule, "demote", to_grade)], warnings
    assert warnings[0]["detail"]
    proposed = stack.propose(person, to_grade, rule=rule)
    assert proposed.status_code == 201, describe(proposed)
    assert proposed.json()["direction"] == "demotion" and proposed.json()["rule"] == rule
    assert stack.decide(proposed.json()["id"], "approve").status_code == 200
    assert stack.grade_of(person) == to_grade

    other = stack.person(clock, grade, GRADE_GIVEN)
    record(stack, other, missing)
    assert stack.entry(other)["warnings"] == []
    before = stack.written()
    assert_problem(stack.propose(other, to_grade, rule=rule), 422, field=rule,
                   slug="grade-demotion-rule-not-triggered")
    # A demotion cites a rule of the grade held, leading to the grade proposed.
    assert_problem(stack.propose(other, to_grade), 422, field="rule")
    assert_problem(stack.propose(other, "trainee", rule=rule), 422, field="rule")
    assert stack.written() == before
    assert stack.grade_of(other) == grade


def test_demotion_rules_count_from_the_promotion(stack, clock):
    # 晋升后: evaluations of periods that ended before the approved promotion do not
    # count toward a demotion rule; those after it do.
    person = build_history(stack, clock, "intermediate")
    for month, rank in (("2025-07", 8), ("2025-08", 9), ("2025-09", 7)):
        stack.monthly(person, month, rank=rank)
    proposed = stack.propose(person, "intermediate")
    assert proposed.status_code == 201, describe(proposed)
    assert stack.decide(proposed.json()["id"], "approve").status_code == 200   # at AFTER_AT: January 2026
    history = stack.call("GET", "/v1/staff/%d/evaluations" % person).json()
    assert history["grade"] == "intermediate" and history["grade_since"].startswith("2026-01-05T09:00")
    assert stack.entry(person, at="2026-01")["warnings"] == []
    rule = "intermediate.monthly_outside_top3_consecutive"
    assert_problem(stack.propose(person, "junior", at="2026-01", rule=rule), 422, field=rule)
    # Three months outside the top three after the promotion trigger it.
    clock.set_rfc3339("2026-03-05T09:00:00Z")
    for month in ("2026-01", "2026-02", "2026-03"):
        stack.monthly(person, month, rank=5)
    assert [w["rule"] for w in stack.entry(person, at="2026-03")["warnings"]] == [rule]


def test_three_failed_months_warn_of_dismissal_and_change_nothing(stack, clock):
    # 连续三次月度考评不及格: reported only; kefu never dismisses anyone.
    person = stack.person(clock, "trainee", GRADE_GIVEN)
    for month in ("2025-09", "2025-10", "2025-11"):
        stack.monthly(person, month, rank=12, result="fail")
    warnings = stack.entry(person)["warnings"]
    assert [(w["rule"], w["action"], w["to_grade"]) for w in warnings] == [
        ("trainee.monthly_failed_consecutive", "dismissal_may_be_considered", "")]
    assert "2025-09 (fail)" in warnings[0]["detail"]
    assert stack.db.scalar("SELECT grade || '/' || status FROM scheduling.staff WHERE id = %d" % person) == \
        "trainee/active"
    # A pass in between: no warning.
    other = stack.person(clock, "trainee", GRADE_GIVEN)
    for month, result in (("2025-09", "fail"), ("2025-10", "pass"), ("2025-11", "fail")):
        stack.monthly(other, month, rank=12, result=result)
    assert stack.entry(other)["warnings"] == []


def test_reserve_supervisor_demoted_only_by_an_exceptional_decision(stack, clock):
    # 储备主管 H: no evaluation rule; 总经办 decides.
    person = stack.person(clock, "reserve_supervisor", GRADE_GIVEN)
    entry = stack.entry(person)
    assert entry["next_grade"] == "" and entry["criteria"] == [] and not entry["eligible"]
    before = stack.written()
    assert_problem(stack.propose(person, "senior"), 422, field="exceptional")
    assert stack.written() == before
    proposed = stack.propose(person, "senior", exceptional=True, reason="decision of the general office")
    assert proposed.status_code == 201, describe(proposed)
    assert stack.decide(proposed.json()["id"], "approve").status_code == 200
    assert stack.grade_of(person) == "senior"


def test_report_pages_through_every_graded_person(stack, clock):
    # The report covers every active person with a grade, in pages; without `at`,
    # at the current month.
    clock.set_rfc3339(AFTER_AT)
    current = stack.call("GET", "/v1/grades/eligibility", params={"limit": 1})
    assert current.status_code == 200, describe(current)
    assert current.json()["at"] == "2026-01"
    seen, after = [], 0
    while True:
        page = stack.call("GET", "/v1/grades/eligibility", params={"at": AT, "after": after, "limit": 7})
        assert page.status_code == 200, describe(page)
        seen += [item["staff_id"] for item in page.json()["items"]]
        if page.json()["next"] is None:
            break
        after = page.json()["next"]
    expected = [int(r[0]) for r in stack.db.rows("SELECT id FROM scheduling.staff WHERE status = 'active' "
                                                  "AND grade <> '' ORDER BY id")]
    assert seen == expected
