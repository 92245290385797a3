"""Handovers between shifts (SCH-7, 交接班制度 / 与保安部交接班), over HTTP, black
box and clock driven.

The outgoing person writes the log of their shift (checklist from the list
supervisors keep), the incoming person accepts (both signatures kept) or refuses
(the shift leads on duty are told), the shift holds its person until a log is
accepted (`shift_held`), an unaccepted log past KEFU_HANDOVER_OVERDUE_MIN raises
handover.overdue once, the shift lead countersigns a day, and the security-desk
handovers at 08:00 and 18:00 list the complaints of the night, consumed from the
tickets service's ticket.created events. Every test has people of its own and a
day of its own in 2029; the checklist is shared, so a log answers whatever is
active when it is written.
"""
import secrets
import time

import pytest

from kefu_e2e import assert_problem, complaint, describe, inquiry, poll_until
from swaps_stack import TICK_MS, ZONE, WorkforceStack

HANDOVER_TABLES = ("handovers", "handover_problems", "handover_checks", "handover_countersignatures",
                   "handover_checklist_items", "security_desk_handovers")
SWEEP_WAIT_S = 20 * TICK_MS / 1000.0


@pytest.fixture(scope="module")
def stack(e2e_env, db, api_keys):
    s = WorkforceStack(e2e_env, db, api_keys, "handover")
    made = s.as_role("supervisor", "PUT", "/v1/handover-checklist/headsets", {"label": "Headsets charged"})
    assert made.status_code == 200, describe(made)
    yield s
    s.close()


def answers(stack, broken=()):
    """A ✓/✗ for every active checklist item (✗ for the codes in `broken`)."""
    listed = stack.as_role("agent", "GET", "/v1/handover-checklist")
    assert listed.status_code == 200, describe(listed)
    return [{"item_code": item["code"], "ok": item["code"] not in broken,
             "note": "fault reported" if item["code"] in broken else ""}
            for item in listed.json()["items"] if not item["retired"]]


def log(stack, shift_id, incoming, **overrides):
    body = {"shift_id": shift_id, "incoming_staff_no": incoming.staff_no,
            "work_in_progress": "回访 C-10001 约在十点前。\nCallback promised before 10:00.",
            "open_problems": [{"description": "Refund of C-10001 not booked", "ticket_ids": [42, 44]}],
            "checklist": answers(stack, broken=("headsets",)),
            "staffing_changes": "S0120 moved to the late shift", "notices": "New refund policy from the 20th."}
    body.update(overrides)
    return body


def write(stack, outgoing, shift_id, incoming, expect=201, **overrides):
    made = outgoing.call("POST", "/v1/handovers", log(stack, shift_id, incoming, **overrides))
    assert made.status_code == expect, describe(made)
    return made.json()


def test_handover_written_accepted_both_signed_shift_released(stack, clock):
    # SCH-7: the outgoing person writes, only the incoming person accepts; both
    # signatures (who, when, terminal) are kept and the shift releases its person.
    clock.set_rfc3339("2029-06-01T07:50:00Z")
    outgoing, incoming, other = stack.person(), stack.person(), stack.person()
    shift_id = stack.shift(outgoing, "2029-06-01T00:00:00Z", "2029-06-01T08:00:00Z")
    handover = write(stack, outgoing, shift_id, incoming)
    assert handover["status"] == "written" and handover["shift_held"] is True
    assert handover["outgoing_staff_no"] == outgoing.staff_no and handover["incoming_staff_no"] == incoming.staff_no
    assert handover["outgoing_signed_at"] == "2029-06-01T07:50:00.000Z"[:17] + handover["outgoing_signed_at"][17:]
    assert handover["outgoing_terminal"] and handover["incoming_signed_at"] == ""
    assert handover["open_problems"] == [{"description": "Refund of C-10001 not booked", "ticket_ids": [42, 44]}]
    assert {c["item_code"]: c["ok"] for c in handover["checklist"]}["headsets"] is False
    path = "/v1/handovers/%d" % handover["id"]
    assert incoming.call("GET", path).json()["work_in_progress"].startswith("回访")
    assert_problem(other.call("GET", path), 403, slug="forbidden")
    # Only the incoming person signs; one live log per shift.
    assert_problem(outgoing.call("POST", path + "/accept", {}), 403, slug="forbidden")
    assert_problem(other.call("POST", path + "/accept", {}), 403, slug="forbidden")
    write(stack, outgoing, shift_id, incoming, expect=409)
    clock.set_rfc3339("2029-06-01T08:02:00Z")
    accepted = incoming.call("POST", path + "/accept", {}, headers={"If-Match": '"1"'})
    assert accepted.status_code == 200, describe(accepted)
    body = accepted.json()
    assert body["status"] == "accepted" and body["shift_held"] is False and body["version"] == 2
    assert body["incoming_signed_at"].startswith("2029-06-01T08:02") and body["incoming_terminal"]
    assert_problem(incoming.call("POST", path + "/accept", {}), 409, slug="handover-state")
    # A retried write with its Idempotency-Key answers with the log first written.
    retried_shift = stack.shift(outgoing, "2029-06-01T08:00:00Z", "2029-06-01T09:00:00Z")
    key = {"Idempotency-Key": "handover-" + outgoing.staff_no}
    made = outgoing.call("POST", "/v1/handovers", log(stack, retried_shift, incoming), headers=key)
    assert made.status_code == 201, describe(made)
    again = outgoing.call("POST", "/v1/handovers", log(stack, retried_shift, incoming), headers=key)
    assert again.status_code == 201 and again.json()["id"] == made.json()["id"], describe(again)
    assert_problem(outgoing.call("POST", "/v1/handovers", log(stack, retried_shift, incoming, notices="other"),
                                 headers=key), 422, slug="idempotency-key-reused")
    assert stack.outbox("handover/%d" % handover["id"]) == [
        "handover.written", "audit.record.handover.written", "handover.accepted", "audit.record.handover.accepted"]


def test_handover_refused_escalates_to_shift_leads_on_duty(stack, clock):
    # SCH-7: 接班人员可拒绝接班，并报上级领导处理 — a refusal (with its reason)
    # tells each shift lead on duty (subject staff/<staff_no>), not one off duty;
    # the outgoing person stays held until a new log is accepted.
    clock.set_rfc3339("2029-06-02T07:50:00Z")
    outgoing, incoming = stack.person(), stack.person()
    on_duty, off_duty = stack.person(roles=("shift_lead",)), stack.person(roles=("shift_lead",))
    stack.shift(on_duty, "2029-06-02T04:00:00Z", "2029-06-02T12:00:00Z")
    stack.shift(off_duty, "2029-06-03T04:00:00Z", "2029-06-03T12:00:00Z")
    shift_id = stack.shift(outgoing, "2029-06-02T00:00:00Z", "2029-06-02T08:00:00Z")
    first = write(stack, outgoing, shift_id, incoming)
    path = "/v1/handovers/%d" % first["id"]
    assert_problem(incoming.call("POST", path + "/refuse", {}), 422, field="reason")
    refused = incoming.call("POST", path + "/refuse", {"reason": "the printer fault is not described"})
    assert refused.status_code == 200, describe(refused)
    assert refused.json()["status"] == "refused" and refused.json()["shift_held"] is True
    assert refused.json()["refusal_reason"] == "the printer fault is not described"
    assert stack.outbox("handover/%d" % first["id"])[-2:] == ["handover.refused", "audit.record.handover.refused"]
    assert stack.outbox("staff/%s" % on_duty.staff_no) == ["handover.escalated"]
    assert stack.outbox("staff/%s" % off_duty.staff_no) == []
    # A new log for the same shift, accepted, releases the person.
    second = write(stack, outgoing, shift_id, incoming, notices="Printer: paper jam, IT called at 07:40.")
    assert incoming.call("POST", "/v1/handovers/%d/accept" % second["id"], {}).status_code == 200
    assert stack.as_role("supervisor", "GET", path).json()["shift_held"] is False


def test_handover_checklist_kept_by_supervisors_every_item_answered(stack):
    # SCH-7: the checklist is configurable; a log answers each active item once.
    code = "radio-" + secrets.token_hex(3)
    assert_problem(stack.as_role("agent", "PUT", "/v1/handover-checklist/" + code, {"label": "Radio"}), 403)
    made = stack.as_role("supervisor", "PUT", "/v1/handover-checklist/" + code, {"label": "Radio on charge"})
    assert made.status_code == 200 and made.json()["version"] == 1, describe(made)
    changed = stack.as_role("admin", "PUT", "/v1/handover-checklist/" + code, {"label": "Radio charged"},
                            headers={"If-Match": '"1"'})
    assert changed.status_code == 200 and changed.json()["version"] == 2, describe(changed)
    assert_problem(stack.as_role("admin", "PUT", "/v1/handover-checklist/" + code, {"label": "Radio"},
                                 headers={"If-Match": '"1"'}), 412)
    assert stack.outbox("handover_checklist/" + code) == [
        "handover.checklist_changed", "audit.record.handover.checklist_changed"] * 2
    outgoing, incoming = stack.person(), stack.person()
    now = time.time()
    shift_id = stack.shift(outgoing, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 3600)),
                           time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 7 * 3600)))
    full = answers(stack)
    before = stack.counts(*HANDOVER_TABLES)
    for checklist in ([c for c in full if c["item_code"] != code],
                      full + [{"item_code": "no-such-item", "ok": True}],
                      full + [full[0]]):
        assert_problem(outgoing.call("POST", "/v1/handovers", log(stack, shift_id, incoming, checklist=checklist)),
                       422, slug="handover-checklist", field="checklist")
    assert stack.counts(*HANDOVER_TABLES) == before
    # Retired, it is no longer asked for.
    retired = stack.as_role("supervisor", "PUT", "/v1/handover-checklist/" + code, {"label": "Radio", "retired": True})
    assert retired.status_code == 200 and retired.json()["retired"] is True
    write(stack, outgoing, shift_id, incoming, checklist=[c for c in full if c["item_code"] != code])


def test_handover_unaccepted_past_30_minutes_raises_overdue_once(stack, clock):
    # SCH-7: an unaccepted handover 30 minutes (KEFU_HANDOVER_OVERDUE_MIN) after
    # the outgoing shift's end raises handover.overdue, once; an accepted one never.
    clock.set_rfc3339("2029-06-03T07:50:00Z")
    outgoing, incoming = stack.person(), stack.person()
    late = write(stack, outgoing, stack.shift(outgoing, "2029-06-03T00:00:00Z", "2029-06-03T08:00:00Z"), incoming)
    other, taker = stack.person(), stack.person()
    on_time = write(stack, other, stack.shift(other, "2029-06-03T00:00:00Z", "2029-06-03T08:00:00Z"), taker)
    assert taker.call("POST", "/v1/handovers/%d/accept" % on_time["id"], {}).status_code == 200
    clock.set_rfc3339("2029-06-03T08:29:00Z")
    time.sleep(SWEEP_WAIT_S)
    assert "handover.overdue" not in stack.outbox("handover/%d" % late["id"])
    clock.set_rfc3339("2029-06-03T08:31:00Z")
    poll_until(lambda: "handover.overdue" in stack.outbox("handover/%d" % late["id"]), 10, what="handover.overdue")
    time.sleep(SWEEP_WAIT_S)
    assert stack.outbox("handover/%d" % late["id"]).count("handover.overdue") == 1
    assert "handover.overdue" not in stack.outbox("handover/%d" % on_time["id"])
    assert stack.as_role("supervisor", "GET", "/v1/handovers/%d" % late["id"]).json()["shift_held"] is True


def test_handover_day_countersigned_by_shift_lead(stack, clock):
    # SCH-7: 每天由领班负责批阅签名 — once the (local) day is over and each of its
    # handovers accepted or refused, a shift lead countersigns it, once.
    clock.set_rfc3339("2029-06-05T07:50:00Z")
    outgoing, incoming, lead = stack.person(), stack.person(), stack.person(roles=("shift_lead",))
    handover = write(stack, outgoing, stack.shift(outgoing, "2029-06-05T00:00:00Z", "2029-06-05T08:00:00Z"),
                     incoming)
    day = {"day": "2029-06-05", "site_zone": ZONE, "note": "all in order"}
    assert_problem(lead.call("POST", "/v1/handover-countersignatures", day), 409, slug="handover-day-open")
    clock.set_rfc3339("2029-06-05T16:30:00Z")     # 00:30 on the 6th in Shanghai
    assert_problem(lead.call("POST", "/v1/handover-countersignatures", day), 409, slug="handover-day-open")
    assert incoming.call("POST", "/v1/handovers/%d/accept" % handover["id"], {}).status_code == 200
    assert_problem(outgoing.call("POST", "/v1/handover-countersignatures", day), 403)
    signed = lead.call("POST", "/v1/handover-countersignatures", day)
    assert signed.status_code == 201, describe(signed)
    assert signed.json()["handover_ids"] == [handover["id"]] and signed.json()["signed_by"] == lead.staff_no
    assert signed.json()["terminal"]
    assert_problem(lead.call("POST", "/v1/handover-countersignatures", day), 409, slug="handover-day-countersigned")
    key = {"Idempotency-Key": "countersign-" + lead.staff_no}
    day4 = dict(day, day="2029-06-04")
    signed4 = lead.call("POST", "/v1/handover-countersignatures", day4, headers=key)
    assert signed4.status_code == 201 and signed4.json()["handover_ids"] == [], describe(signed4)
    again = lead.call("POST", "/v1/handover-countersignatures", day4, headers=key)
    assert again.status_code == 201 and again.json() == signed4.json(), describe(again)
    # The key is the lead's for that countersignature: on a handover log it is another
    # request (one creation per person and key, whatever its kind) and writes nothing.
    before = stack.counts(*HANDOVER_TABLES)
    assert_problem(lead.call("POST", "/v1/handovers", log(stack, handover["shift_id"], incoming), headers=key),
                   422, field="Idempotency-Key", slug="idempotency-key-reused")
    assert stack.counts(*HANDOVER_TABLES) == before
    assert stack.outbox("handover_day/%s/2029-06-05" % ZONE) == [
        "handover.countersigned", "audit.record.handover.countersigned"]


def test_security_desk_handover_lists_the_nights_complaints(stack, clock, db):
    # SCH-7 与保安部交接班: the 08:00 handover lists the complaints received from
    # 18:00 to 08:00 (Shanghai), consumed from ticket.created; inquiries and
    # complaints of the day are not on it.
    clock.set_rfc3339("2029-05-11T09:00:00+08:00")
    tickets = {}
    for name, body in (("before", complaint(received_at="2029-05-10T17:30:00+08:00")),
                       ("night", complaint(received_at="2029-05-10T20:00:00+08:00")),
                       ("inquiry", inquiry(received_at="2029-05-10T21:00:00+08:00")),
                       ("day", complaint(received_at="2029-05-11T08:30:00+08:00"))):
        made = stack.as_role("agent", "POST", "/v1/tickets", body)
        assert made.status_code == 201, describe(made)
        tickets[name] = made.json()["id"]
    poll_until(lambda: db.count("SELECT count(*) FROM scheduling.complaints_received WHERE ticket_id IN (%d, %d)"
                                % (tickets["before"], tickets["day"])) == 2, 20, what="complaints consumed")
    assert db.count("SELECT count(*) FROM scheduling.complaints_received WHERE ticket_id = %d"
                    % tickets["inquiry"]) == 0
    desk = stack.person()
    morning = {"site_zone": ZONE, "day": "2029-05-11", "direction": "morning", "security_officer": "王五",
               "notes": "夜班平静。"}
    assert_problem(desk.call("POST", "/v1/security-desk-handovers", dict(morning, direction="evening")), 409,
                   slug="security-desk-too-early")
    made = desk.call("POST", "/v1/security-desk-handovers", morning)
    assert made.status_code == 201, describe(made)
    body = made.json()
    assert [c["ticket_id"] for c in body["complaints"]] == [tickets["night"]]
    assert body["window_starts_at"] == "2029-05-10T10:00:00.000Z" and body["window_ends_at"] == "2029-05-11T00:00:00.000Z"
    assert body["staff_no"] == desk.staff_no and body["terminal"]
    assert_problem(desk.call("POST", "/v1/security-desk-handovers", morning), 409, slug="security-desk-recorded")
    key = {"Idempotency-Key": "desk-" + desk.staff_no}
    evening = dict(morning, day="2029-05-10", direction="evening")
    recorded = desk.call("POST", "/v1/security-desk-handovers", evening, headers=key)
    assert recorded.status_code == 201, describe(recorded)
    replayed = desk.call("POST", "/v1/security-desk-handovers", evening, headers=key)
    assert replayed.status_code == 201 and replayed.json()["id"] == recorded.json()["id"], describe(replayed)
    assert replayed.json()["complaints"] == recorded.json()["complaints"]
    again = desk.call("GET", "/v1/security-desk-handovers/%d" % body["id"])
    assert again.status_code == 200 and again.json()["complaints"] == body["complaints"], describe(again)
    subject = "security_desk_handover/%d" % body["id"]
    assert stack.outbox(subject) == ["handover.security_desk_recorded", "audit.record.handover.security_desk_recorded",
                                     "audit.record.handover.security_desk_viewed"]


@pytest.mark.parametrize("overrides, status, field", [
    ({"work_in_progress": "x" * 4001}, 422, "work_in_progress"),
    ({"work_in_progress": ""}, 422, "work_in_progress"),
    ({"notices": "bad\x07text"}, 422, "notices"),
    ({"open_problems": [{"description": "p", "ticket_ids": [1]}] * 51}, 422, "open_problems"),
    ({"open_problems": [{"description": "p", "ticket_ids": [0]}]}, 422, "open_problems[0].ticket_ids"),
    ({"open_problems": [{"description": "", "ticket_ids": [1]}]}, 422, "open_problems[0].description"),
    ({"open_problems": [{"description": "p", "ticket_ids": ["one"]}]}, 400, None),
    ({"checklist": [{"item_code": "a b", "ok": True}]}, 422, "checklist[0].item_code"),
    ({"incoming_staff_no": "SELF"}, 422, "incoming_staff_no"),
    ({"incoming_staff_no": "nobody-here"}, 422, "incoming_staff_no"),
    ({"shift_id": "OTHERS"}, 422, "shift_id"),
    ({"shift_id": "LATER"}, 422, "shift_id"),
    ({"shift_id": "x"}, 400, None),
])
def test_handover_bad_input_refused_nothing_written(stack, overrides, status, field):
    outgoing, incoming, other = stack.person(), stack.person(), stack.person()
    now = time.time()
    fmt = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))  # noqa: E731
    ids = {"MINE": stack.shift(outgoing, fmt(now - 3600), fmt(now + 3600)),
           "OTHERS": stack.shift(other, fmt(now - 3600), fmt(now + 3600)),
           "LATER": stack.shift(outgoing, fmt(now + 86400), fmt(now + 90000))}
    body = log(stack, ids["MINE"], incoming)
    body.update(overrides)
    if body["shift_id"] in ids:
        body["shift_id"] = ids[body["shift_id"]]
    if body["incoming_staff_no"] == "SELF":
        body["incoming_staff_no"] = outgoing.staff_no
    before = stack.counts(*HANDOVER_TABLES)
    assert_problem(outgoing.call("POST", "/v1/handovers", body), status, field=field)
    assert stack.counts(*HANDOVER_TABLES) == before


def test_handover_and_security_desk_malformed_or_oversized(stack):
    # A shift lead may use all three routes: the body is what is refused.
    person = lead = stack.person(roles=("shift_lead",))
    before = stack.counts(*HANDOVER_TABLES)
    for path in ("/v1/handovers", "/v1/security-desk-handovers", "/v1/handover-countersignatures"):
        assert_problem(stack.call("POST", path, person.key, data=b"[1,", headers={"Content-Type": "application/json"}),
                       400)
        huge = stack.call("POST", path, person.key, data=b'{"notes":"' + b"x" * (70 * 1024) + b'"}',
                          headers={"Content-Type": "application/json"})
        assert huge.status_code == 413, describe(huge)
    desk = {"site_zone": ZONE, "day": "2029-05-12", "direction": "morning", "security_officer": "王五"}
    for bad, field in (({"direction": "noon"}, "direction"), ({"day": "2029-13-01"}, "day"),
                       ({"site_zone": "Mars/Olympus"}, "site_zone"), ({"security_officer": ""}, "security_officer"),
                       ({"notes": "x" * 4001}, "notes")):
        assert_problem(person.call("POST", "/v1/security-desk-handovers", dict(desk, **bad)), 422, field=field)
    for bad, field in (({"day": "2029-02-30"}, "day"), ({"site_zone": "Nowhere"}, "site_zone")):
        assert_problem(lead.call("POST", "/v1/handover-countersignatures",
                                 dict({"day": "2029-01-01", "site_zone": ZONE}, **bad)), 422, field=field)
    assert_problem(person.call("GET", "/v1/handovers/99999999"), 404)
    assert_problem(person.call("GET", "/v1/security-desk-handovers/99999999"), 404)
    assert stack.counts(*HANDOVER_TABLES) == before


def test_clock_out_waits_for_the_handover_to_be_accepted(stack, clock):
    # SCH-7 with SCH-6: 接班人未到，交班人不得离开 — once a log is written for the
    # shift, its person's clock-out is refused (409 handover-not-accepted, the
    # attendance row left open) until the incoming person accepts it.
    clock.set_rfc3339("2029-06-20T00:01:00Z")
    outgoing, incoming = stack.person(), stack.person()
    shift_id = stack.shift(outgoing, "2029-06-20T00:00:00Z", "2029-06-20T08:00:00Z")
    assert outgoing.call("POST", "/v1/attendance/clock-in").status_code == 200
    clock.set_rfc3339("2029-06-20T07:55:00Z")
    handover = write(stack, outgoing, shift_id, incoming)
    open_rows = "SELECT count(*) FROM scheduling.attendance WHERE shift_id = %d AND clock_out_at IS NULL" % shift_id
    assert stack.db.count(open_rows) == 1
    assert_problem(outgoing.call("POST", "/v1/attendance/clock-out"), 409, slug="handover-not-accepted")
    assert stack.db.count(open_rows) == 1
    clock.set_rfc3339("2029-06-20T08:01:00Z")
    assert incoming.call("POST", "/v1/handovers/%d/accept" % handover["id"], {}).status_code == 200
    out = outgoing.call("POST", "/v1/attendance/clock-out")
    assert out.status_code == 200, describe(out)
    assert stack.db.count(open_rows) == 0
