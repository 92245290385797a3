"""Shift swaps (SCH-4, 换班制度), over HTTP through the gateway, black box.

Each rule has a case that passes and one refused with the rule's name as the
problem type; every step writes its event and audit record; bad input writes
nothing; two approvals touching one shift cannot both succeed. Every test makes
people of its own (so no other test's swaps count against them) with shifts in
2027, ahead of the real clock. Leave is asked for and decided through
POST /v1/leave and its approval.
"""
import concurrent.futures
import datetime

import pytest

from kefu_e2e import assert_problem, describe
from swaps_stack import WorkforceStack

SWAP_TABLES = ("swaps", "shifts")


@pytest.fixture(scope="module")
def stack(e2e_env, db, api_keys):
    s = WorkforceStack(e2e_env, db, api_keys, "swaps")
    yield s
    s.close()


def at(day, hour=0):
    """2027-`day` `hour`:00 UTC as RFC 3339 (day "03-01")."""
    return "2027-%sT%02d:00:00Z" % (day, hour)


def early(stack, person, day):
    """An eight-hour shift from 00:00 UTC (08:00-16:00 in Shanghai) on 2027-`day`."""
    return stack.shift(person, at(day, 0), at(day, 8))


def request(stack, person, gives, receives, expect=201, reason="family matters"):
    made = person.call("POST", "/v1/swaps", {"swap_shift_id": gives, "return_shift_id": receives, "reason": reason})
    assert made.status_code == expect, describe(made)
    return made.json()


def approved(stack, requester, counterpart, gives, receives):
    """A swap requested, accepted and approved: the shifts change hands."""
    swap = request(stack, requester, gives, receives)
    accepted = counterpart.call("POST", "/v1/swaps/%d/accept" % swap["id"], {})
    assert accepted.status_code == 200, describe(accepted)
    done = stack.as_role("supervisor", "POST", "/v1/swaps/%d/approve" % swap["id"], {"note": "ok"})
    assert done.status_code == 200, describe(done)
    assert done.json()["status"] == "approved"
    return done.json()


def refused(stack, person, gives, receives, rule):
    """The request is refused by `rule` (422, problem type the rule) and writes nothing."""
    before = stack.counts(*SWAP_TABLES)
    response = person.call("POST", "/v1/swaps", {"swap_shift_id": gives, "return_shift_id": receives,
                                                 "reason": "please"})
    problem = assert_problem(response, 422, slug=rule)
    assert rule in problem["detail"], problem
    assert stack.counts(*SWAP_TABLES) == before
    return problem


def test_swap_request_accept_approve_exchanges_the_shifts(stack):
    # SCH-4: request → the counterpart accepts → a supervisor approves; the two
    # shifts change hands (same rows, version + 1), each step an event and an
    # audit record.
    a, b = stack.person(), stack.person()
    gives, receives = early(stack, a, "03-01"), early(stack, b, "03-03")
    swap = request(stack, a, gives, receives)
    assert swap["status"] == "requested" and swap["requester_staff_no"] == a.staff_no
    assert swap["counterpart_staff_no"] == b.staff_no and swap["version"] == 1
    assert swap["swap_starts_at"] == "2027-03-01T00:00:00.000Z"
    path = "/v1/swaps/%d" % swap["id"]
    # Only the counterpart accepts; a supervisor decides only once it is accepted.
    assert_problem(a.call("POST", path + "/accept", {}), 403, slug="forbidden")
    assert_problem(stack.as_role("supervisor", "POST", path + "/approve", {}), 409, slug="swap-state")
    # Agents do not approve (the gateway refuses the role).
    assert_problem(b.call("POST", path + "/approve", {}), 403)
    # A stale If-Match is 412.
    assert_problem(b.call("POST", path + "/accept", {}, headers={"If-Match": '"7"'}), 412)
    accepted = b.call("POST", path + "/accept", {}, headers={"If-Match": '"1"'})
    assert accepted.status_code == 200, describe(accepted)
    assert accepted.json()["status"] == "accepted" and accepted.json()["accepted_at"]
    assert accepted.headers["ETag"] == '"2"'
    assert stack.shift_owner(gives) == [a.staff_no, "1"]
    done = stack.as_role("supervisor", "POST", path + "/approve", {"note": "rosters checked"})
    assert done.status_code == 200, describe(done)
    body = done.json()
    assert body["status"] == "approved" and body["decided_by"] == "S2001" and body["decision_note"] == "rosters checked"
    assert stack.shift_owner(gives) == [b.staff_no, "2"]
    assert stack.shift_owner(receives) == [a.staff_no, "2"]
    # Nothing more to decide.
    assert_problem(stack.as_role("supervisor", "POST", path + "/refuse", {"note": "late"}), 409, slug="swap-state")
    subject = "swap/%d" % swap["id"]
    assert stack.outbox(subject) == ["swap.requested", "audit.record.swap.requested", "swap.accepted",
                                     "audit.record.swap.accepted", "swap.approved", "audit.record.swap.approved"]
    for shift_id in (gives, receives):
        assert stack.outbox("shift/%d" % shift_id)[-2:] == ["shift.reassigned", "audit.record.shift.reassigned"]
    # Its people and supervisors read it; another agent does not.
    assert stack.as_role("supervisor", "GET", path).json()["status"] == "approved"
    assert a.call("GET", path).status_code == 200
    assert_problem(stack.person().call("GET", path), 403, slug="forbidden")


def test_swap_declined_refused_cancelled_end_it(stack):
    # SCH-4: the counterpart may decline (with a reason), a supervisor refuse, the
    # requester withdraw; each ends the swap and is recorded.
    a, b = stack.person(), stack.person()
    s1, s2, s3 = early(stack, a, "03-01"), early(stack, a, "03-11"), early(stack, a, "03-21")
    t1, t2, t3 = early(stack, b, "03-05"), early(stack, b, "03-15"), early(stack, b, "03-25")
    first = request(stack, a, s1, t1)
    assert_problem(b.call("POST", "/v1/swaps/%d/decline" % first["id"], {}), 422, field="note")
    declined = b.call("POST", "/v1/swaps/%d/decline" % first["id"], {"note": "away that week"})
    assert declined.status_code == 200 and declined.json()["status"] == "declined", describe(declined)
    second = request(stack, a, s2, t2)
    refusal = stack.as_role("supervisor", "POST", "/v1/swaps/%d/refuse" % second["id"], {"note": "understaffed"})
    assert refusal.status_code == 200 and refusal.json()["status"] == "refused", describe(refusal)
    third = request(stack, a, s3, t3)
    assert_problem(b.call("POST", "/v1/swaps/%d/cancel" % third["id"], {}), 403, slug="forbidden")
    cancelled = a.call("POST", "/v1/swaps/%d/cancel" % third["id"], {})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled", describe(cancelled)
    for swap, event in ((first, "swap.declined"), (second, "swap.refused"), (third, "swap.cancelled")):
        assert stack.outbox("swap/%d" % swap["id"])[-2:] == [event, "audit.record." + event]
    # None of them moved a shift.
    assert stack.shift_owner(s1)[0] == a.staff_no and stack.shift_owner(t1)[0] == b.staff_no


def test_swaps_listed_own_for_agents_all_for_supervisors(stack):
    # SCH-4: an agent lists the swaps they are party to; a supervisor every
    # swap, by status (the accepted ones wait for a decision), page by page.
    a, b, c = stack.person(), stack.person(), stack.person()
    first = request(stack, a, early(stack, a, "11-01"), early(stack, b, "11-03"))
    second = request(stack, c, early(stack, c, "11-05"), early(stack, b, "11-07"))
    assert b.call("POST", "/v1/swaps/%d/accept" % second["id"], {}).status_code == 200
    mine = a.call("GET", "/v1/swaps")
    assert mine.status_code == 200, describe(mine)
    assert [s["id"] for s in mine.json()["items"]] == [first["id"]] and mine.json()["next"] is None
    theirs = b.call("GET", "/v1/swaps?status=accepted")
    assert [s["id"] for s in theirs.json()["items"]] == [second["id"]]
    waiting = stack.as_role("supervisor", "GET", "/v1/swaps?status=accepted&after=%d" % (first["id"] - 1))
    assert second["id"] in [s["id"] for s in waiting.json()["items"]]
    assert first["id"] not in [s["id"] for s in waiting.json()["items"]]
    page = stack.as_role("supervisor", "GET", "/v1/swaps?limit=1&after=%d" % (first["id"] - 1))
    assert [s["id"] for s in page.json()["items"]] == [first["id"]] and page.json()["next"] == str(first["id"])
    assert_problem(stack.as_role("supervisor", "GET", "/v1/swaps?status=maybe"), 400, field="status")
    assert_problem(stack.as_role("supervisor", "GET", "/v1/swaps?limit=0"), 400, field="limit")


def test_swap_request_with_idempotency_key_made_once(stack):
    # DESIGN §4: the same Idempotency-Key with the same body answers with the swap
    # first made; with another body it is 422; without a key each request counts.
    a, b = stack.person(), stack.person()
    gives, receives = early(stack, a, "12-01"), early(stack, b, "12-03")
    body = {"swap_shift_id": gives, "return_shift_id": receives, "reason": "wedding"}
    key = {"Idempotency-Key": "swap-" + a.staff_no}
    first = a.call("POST", "/v1/swaps", body, headers=key)
    assert first.status_code == 201, describe(first)
    before = stack.counts(*SWAP_TABLES)
    again = a.call("POST", "/v1/swaps", body, headers=key)
    assert again.status_code == 201 and again.json() == first.json(), describe(again)
    assert_problem(a.call("POST", "/v1/swaps", dict(body, reason="funeral"), headers=key), 422,
                   slug="idempotency-key-reused", field="Idempotency-Key")
    assert stack.counts(*SWAP_TABLES) == before
    # The key is the person's: another person's same key is another request.
    c = stack.person()
    other = c.call("POST", "/v1/swaps", {"swap_shift_id": early(stack, c, "12-05"), "return_shift_id": receives,
                                         "reason": "wedding"}, headers=key)
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"], describe(other)


def test_swap_refused_skill_mismatch(stack):
    # SCH-4 换班必须坚持技术业务水平相当: equal grades pass, different ones are refused.
    a, same, senior = stack.person(grade="intermediate"), stack.person(grade="intermediate"), \
        stack.person(grade="senior")
    gives = early(stack, a, "04-01")
    refused(stack, a, gives, early(stack, senior, "04-03"), "swap-skill-mismatch")
    request(stack, a, gives, early(stack, same, "04-03"))


def leave(person, kind, starts_at, ends_at):
    """Leave asked for through POST /v1/leave (SCH-5): it must cover a shift of the person."""
    made = person.call("POST", "/v1/leave", {"kind": kind, "starts_at": starts_at, "ends_at": ends_at,
                                             "reason": "家中有事"})
    assert made.status_code == 201, describe(made)
    return made.json()


def test_swap_refused_leave_on_swap_or_return_day(stack):
    # SCH-4 换班和还班均不得请假: leave (requested or approved) of either person on
    # the local day of either shift refuses the swap; leave on another day does not.
    a, b = stack.person(), stack.person()
    gives, receives = early(stack, a, "04-10"), early(stack, b, "04-12")
    # Requested (not yet decided) leave of the counterpart for two hours of the return shift.
    leave(b, "personal", at("04-12", 2), at("04-12", 4))
    refused(stack, a, gives, receives, "swap-leave")
    # Leave of the requester on the swap day, approved, counts too: all of
    # Shanghai's 2027-04-14 (04-13T16:00Z .. 04-14T16:00Z).
    c, d = stack.person(), stack.person()
    c_gives, d_gives = early(stack, c, "04-14"), early(stack, d, "04-16")
    whole_day = leave(c, "annual", "2027-04-13T16:00:00Z", "2027-04-14T16:00:00Z")
    supervisor = stack.person(roles=("supervisor",))
    approved_leave = supervisor.call("POST", "/v1/leave/%d/approve" % whole_day["id"], {})
    assert approved_leave.status_code == 200, describe(approved_leave)
    refused(stack, c, c_gives, d_gives, "swap-leave")
    # Cancelled leave, or leave another day (a shift of c's on 04-13 local), do not.
    cancelled = c.call("POST", "/v1/leave/%d/cancel" % whole_day["id"], {})
    assert cancelled.status_code == 200, describe(cancelled)
    early(stack, c, "04-13")
    leave(c, "personal", at("04-13", 2), at("04-13", 4))
    request(stack, c, c_gives, d_gives)


def test_swap_refused_back_to_back(stack):
    # SCH-4 换班者、还班者不允许连班: after the exchange, less than
    # KEFU_ROSTER_MIN_REST_MIN (480) between two shifts of a person is refused;
    # exactly 480 minutes passes.
    a, b = stack.person(), stack.person()
    gives, receives = early(stack, a, "05-01"), early(stack, b, "05-03")  # receives ends 05-03 08:00Z
    stack.shift(a, at("05-03", 10), at("05-03", 18))                       # two hours later
    refused(stack, a, gives, receives, "swap-back-to-back")
    c, d = stack.person(), stack.person()
    c_gives, d_gives = early(stack, c, "05-05"), early(stack, d, "05-07")
    stack.shift(c, at("05-07", 16), at("05-08", 0))                        # eight hours later
    request(stack, c, c_gives, d_gives)
    # The counterpart's side counts too: d would work c's shift right after one of d's own.
    e, f = stack.person(), stack.person()
    e_gives, f_gives = early(stack, e, "05-10"), early(stack, f, "05-12")
    stack.shift(f, at("05-09", 20), at("05-09", 23))                       # ends an hour before e's
    refused(stack, e, e_gives, f_gives, "swap-back-to-back")


def test_swap_refused_consecutive(stack):
    # SCH-4 不允许连续换班: a shift next to an approved swap of the same person (in
    # their own sequence of shifts), or a shift already swapped, is not swapped; a
    # shift further away is.
    a, b, c = stack.person(), stack.person(), stack.person()
    d1, d2, d3 = early(stack, a, "06-01"), early(stack, a, "06-02"), early(stack, a, "06-10")
    e1, e3 = early(stack, b, "06-15"), early(stack, b, "06-20")
    approved(stack, a, b, d1, e1)               # a now works 06-02, 06-10, 06-15 (swapped)
    refused(stack, a, d3, e3, "swap-consecutive")  # 06-10 is right before the swapped 06-15
    # The swapped shift itself cannot be swapped again.
    refused(stack, b, d1, early(stack, a, "06-25"), "swap-consecutive")
    # 06-02 is not next to a swapped shift of a's: a third person may take it.
    request(stack, a, d2, early(stack, c, "06-06"))


def test_swap_refused_third_in_a_month(stack):
    # SCH-4 每人每月换班不得超过2次: two approved swaps in a (local) month, a
    # third with its swap day in that month is refused; one in the next month is not.
    a, b, c, d = (stack.person() for _ in range(4))
    a1, a4, a7 = early(stack, a, "07-01"), early(stack, a, "07-10"), early(stack, a, "07-19")
    for day in ("07-04", "07-07", "07-13", "07-16"):
        early(stack, a, day)
    approved(stack, a, b, a1, early(stack, b, "07-02"))
    approved(stack, a, c, a4, early(stack, c, "07-11"))
    problem = refused(stack, a, a7, early(stack, d, "07-22"), "swap-monthly-limit")
    assert a.staff_no in problem["detail"]
    # The month is the site's: 2027-07-31T18:00Z is 02:00 on August 1st in
    # Shanghai, a swap day of August, when a has no swap yet.
    request(stack, a, stack.shift(a, at("07-31", 18), at("07-31", 22)), early(stack, d, "08-05"))


def test_swap_approvals_of_one_shift_race_one_wins(stack):
    # SCH-4: two accepted swaps of the same shift approved at once: one moves it,
    # the other is refused (409), and the shift changed hands once.
    a, b, c = stack.person(), stack.person(), stack.person()
    gives = early(stack, a, "09-01")
    swaps = []
    for other, day in ((b, "09-03"), (c, "09-05")):
        swap = request(stack, a, gives, early(stack, other, day))
        assert other.call("POST", "/v1/swaps/%d/accept" % swap["id"], {}).status_code == 200
        swaps.append(swap)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda s: stack.as_role("supervisor", "POST", "/v1/swaps/%d/approve" % s["id"], {}),
                                swaps))
    codes = sorted(r.status_code for r in answers)
    assert codes == [200, 409], [describe(r) for r in answers]
    loser = [r for r in answers if r.status_code == 409][0]
    assert_problem(loser, 409, slug="swap-shift-changed")
    assert stack.shift_owner(gives)[1] == "2"
    assert stack.outbox("shift/%d" % gives).count("shift.reassigned") == 1


@pytest.mark.parametrize("body, status, field", [
    ({"swap_shift_id": "one", "return_shift_id": 2, "reason": "x"}, 400, None),
    ({"swap_shift_id": 1, "return_shift_id": 1, "reason": "x"}, 422, "return_shift_id"),
    ({"swap_shift_id": 0, "return_shift_id": 2, "reason": "x"}, 422, "swap_shift_id"),
    ({"swap_shift_id": "GIVES", "return_shift_id": "RECEIVES"}, 422, "reason"),
    ({"swap_shift_id": "GIVES", "return_shift_id": "RECEIVES", "reason": "x" * 2001}, 422, "reason"),
    ({"swap_shift_id": "RECEIVES", "return_shift_id": "GIVES", "reason": "not mine"}, 422, "swap_shift_id"),
    ({"swap_shift_id": "GIVES", "return_shift_id": "MINE", "reason": "both mine"}, 422, "return_shift_id"),
    ({"swap_shift_id": "PAST", "return_shift_id": "RECEIVES", "reason": "too late"}, 422, "swap_shift_id"),
    ({"swap_shift_id": "GIVES", "return_shift_id": 999999999, "reason": "nobody's"}, 422, "return_shift_id"),
])
def test_swap_bad_input_refused_nothing_written(stack, body, status, field):
    # Malformed (400) or unacceptable (422) requests name the field and write nothing.
    a, b = stack.person(), stack.person()
    ids = {"GIVES": early(stack, a, "10-01"), "RECEIVES": early(stack, b, "10-03"),
           "MINE": early(stack, a, "10-05"), "PAST": stack.shift(a, "2020-01-01T00:00:00Z", "2020-01-01T08:00:00Z")}
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    before = stack.counts(*SWAP_TABLES)
    assert_problem(a.call("POST", "/v1/swaps", body), status, field=field)
    assert stack.counts(*SWAP_TABLES) == before


def test_swap_oversized_and_broken_bodies(stack):
    a = stack.person()
    before = stack.counts(*SWAP_TABLES)
    assert_problem(a.call("POST", "/v1/swaps", data=b"{not json", headers={"Content-Type": "application/json"}), 400)
    huge = stack.call("POST", "/v1/swaps", a.key, data=b'{"reason":"' + b"x" * (70 * 1024) + b'"}',
                      headers={"Content-Type": "application/json"})
    assert huge.status_code == 413, describe(huge)
    assert_problem(a.call("POST", "/v1/swaps/99999999/accept", {}), 404)
    assert stack.counts(*SWAP_TABLES) == before
