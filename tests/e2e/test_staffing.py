"""Staffing by Erlang C (issue 6, SCH-9), over HTTP through the gateway.

A stack of this module's own: the scheduling service and a gateway routing to
it, callers authenticated by the session's API keys. The reference figures are
Call Centre Helper's worked example (100 calls in 30 minutes, AHT 180 s, 80 %
in 20 s → 14 agents), to full precision as published by the CRAN package
ErlangC 0.1.0 (see tests/unit/test_erlang.c for both sources). The plan is set
against shifts written through the API, on a day of its own far from the
shifts other tests write.
"""
import math
import random
import secrets
import time

import pytest
import requests

from kefu.v1 import envelope_pb2, staffing_pb2
from kefu_e2e import (HTTP_TIMEOUT, ZmqClient, assert_problem, describe, free_port, make_gateway, make_scheduling,
                      make_session_keys)

ERLANG_C = "/v1/staffing/erlang-c"
PLAN = "/v1/staffing/plan"
REFERENCE = {"calls": "100", "interval_s": "1800", "aht_s": "180", "target_answer_s": "20", "target_sl": "0.8"}
HALF_HOUR_S = 1800
STRONG = "Kefu-e2e-" + secrets.token_hex(6)


def _stop_cleanly(process):
    process.stop()
    bad = [code for code in process.exit_codes if code != 0]
    report = process.sanitizer_report()
    assert not bad and not report, "%s exited with %r; %s" % (
        process.name, process.exit_codes, report or process.log_tail())


class StaffingStack:
    def __init__(self, env, db, keys, tickets_port):
        self.db = db
        self.keys = keys
        seed, public = make_session_keys(env, "k1")
        xsub = "tcp://127.0.0.1:%d" % free_port()
        xpub = "tcp://127.0.0.1:%d" % free_port()
        self.scheduling = make_scheduling(env, "staffing.scheduling", seed, xsub)
        self.scheduling.start()
        self.gateway = make_gateway(env, "staffing.gateway", tickets_port, keys,
                                    KEFU_GATEWAY_SERVICES="tickets,scheduling",
                                    KEFU_SCHEDULING_ENDPOINT=self.scheduling.endpoint,
                                    KEFU_SESSION_PUBLIC_KEYS=public, KEFU_BUS_XSUB=xsub, KEFU_BUS_XPUB=xpub)
        self.gateway.start()
        self.base = self.gateway.base

    def close(self):
        _stop_cleanly(self.gateway)
        _stop_cleanly(self.scheduling)

    def get(self, path, params, who="supervisor"):
        return requests.get(self.base + path, params=params, timeout=HTTP_TIMEOUT,
                            headers={"Authorization": "Bearer " + self.keys[who]})

    def post(self, path, body, who="supervisor"):
        return requests.post(self.base + path, json=body, timeout=HTTP_TIMEOUT,
                             headers={"Authorization": "Bearer " + self.keys[who]})

    def new_agent(self, roles=("agent",)):
        staff_no = "SF" + secrets.token_hex(4)
        created = self.post("/v1/staff", {"staff_no": staff_no, "name": "排班测试 " + staff_no, "roles": list(roles),
                                          "department": "热线一部", "password": STRONG + "-" + staff_no}, who="admin")
        assert created.status_code == 201, describe(created)
        return staff_no, created.json()["id"]

    def shift(self, staff_no, starts_at, ends_at):
        made = self.post("/v1/shifts", {"staff_no": staff_no, "starts_at": starts_at, "ends_at": ends_at,
                                        "site_zone": "Asia/Shanghai"}, who="admin")
        assert made.status_code == 201, describe(made)

    def written(self):
        """Rows in every scheduling table a request could write to."""
        return self.db.rows("SELECT (SELECT count(*) FROM scheduling.staff), (SELECT count(*) FROM scheduling.shifts), "
                            "(SELECT count(*) FROM scheduling.outbox), (SELECT count(*) FROM scheduling.sessions)")[0]


@pytest.fixture(scope="module")
def stack(e2e_env, db, api_keys, tickets_process):
    s = StaffingStack(e2e_env, db, api_keys, tickets_process.port)
    yield s
    s.close()


# --- GET /v1/staffing/erlang-c ---------------------------------------------------------------


def test_erlang_c_matches_published_example(stack):
    # SCH-9: the published worked example, for every role that plans staffing.
    for who in ("shift_lead", "supervisor", "manager", "admin"):
        response = stack.get(ERLANG_C, REFERENCE, who=who)
        assert response.status_code == 200, describe(response)
        body = response.json()
        assert set(body) == {"traffic_erlangs", "agents", "probability_wait", "service_level", "asa_s", "occupancy"}
        assert body["agents"] == 14
        assert body["traffic_erlangs"] == pytest.approx(10.0, abs=1e-9)
        assert body["probability_wait"] == pytest.approx(0.1741319, abs=5e-7)
        assert body["service_level"] == pytest.approx(0.88835, abs=5e-7)
        assert body["asa_s"] == pytest.approx(7.83593701177724, abs=1e-9)
        assert body["occupancy"] == pytest.approx(0.7142857, abs=5e-7)
    # Agents do not plan staffing.
    assert_problem(stack.get(ERLANG_C, REFERENCE, who="agent"), 403, slug="forbidden")


def test_erlang_c_max_occupancy_and_fractions(stack):
    # A maximum occupancy of 70 % needs 15 agents where the service level needs 14.
    response = stack.get(ERLANG_C, dict(REFERENCE, max_occupancy="0.7"))
    assert response.status_code == 200, describe(response)
    assert response.json()["agents"] == 15 and response.json()["occupancy"] <= 0.7
    # At 85 % the service level decides.
    assert stack.get(ERLANG_C, dict(REFERENCE, max_occupancy="0.85")).json()["agents"] == 14
    # Forecasts and handling times need not be whole numbers.
    fractional = stack.get(ERLANG_C, dict(REFERENCE, calls="100.5", aht_s="179.5"))
    assert fractional.status_code == 200, describe(fractional)
    assert fractional.json()["traffic_erlangs"] == pytest.approx(100.5 * 179.5 / 1800)


def test_erlang_c_large_traffic_stays_finite(stack):
    # 2000 Erlangs (20 000 calls of 3 minutes in half an hour): no overflow,
    # a little above the traffic, and one agent fewer misses the target.
    response = stack.get(ERLANG_C, dict(REFERENCE, calls="20000"))
    assert response.status_code == 200, describe(response)
    body = response.json()
    assert body["traffic_erlangs"] == pytest.approx(2000)
    assert 2000 < body["agents"] < 2100
    assert all(math.isfinite(body[k]) for k in ("probability_wait", "service_level", "asa_s", "occupancy"))
    assert 0 < body["probability_wait"] < 1 and 0.8 <= body["service_level"] < 1 and body["asa_s"] > 0
    tighter = stack.get(ERLANG_C, dict(REFERENCE, calls="20000", target_sl="0.99")).json()
    assert tighter["agents"] > body["agents"]


BAD_QUERIES = [
    # (what is changed, value or None to leave it out, field at fault)
    ("calls", None, "calls"),
    ("calls", "0", "calls"),
    ("calls", "-10", "calls"),
    ("calls", "lots", "calls"),
    ("calls", "1e999", "calls"),
    ("calls", "nan", "calls"),
    ("calls", "1000001", "calls"),
    ("interval_s", None, "interval_s"),
    ("interval_s", "0", "interval_s"),
    ("interval_s", "1800.5", "interval_s"),
    ("interval_s", "86401", "interval_s"),
    ("aht_s", None, "aht_s"),
    ("aht_s", "0", "aht_s"),
    ("aht_s", "-180", "aht_s"),
    ("aht_s", "3min", "aht_s"),
    ("target_answer_s", None, "target_answer_s"),
    ("target_answer_s", "-1", "target_answer_s"),
    ("target_answer_s", "3601", "target_answer_s"),
    ("target_sl", None, "target_sl"),
    ("target_sl", "0", "target_sl"),
    ("target_sl", "1", "target_sl"),
    ("target_sl", "1.2", "target_sl"),
    ("target_sl", "80%", "target_sl"),
    ("max_occupancy", "0", "max_occupancy"),
    ("max_occupancy", "1.5", "max_occupancy"),
    ("max_occupancy", "high", "max_occupancy"),
]


@pytest.mark.parametrize("name,value,field", BAD_QUERIES)
def test_erlang_c_bad_input_is_400_naming_the_field(stack, name, value, field):
    params = dict(REFERENCE)
    if value is None:
        del params[name]
    else:
        params[name] = value
    before = stack.written()
    assert_problem(stack.get(ERLANG_C, params), 400, field=field, slug="invalid-field")
    assert stack.written() == before


def test_erlang_c_beyond_limits_is_422(stack):
    # Well-formed, but no queue this size (2.4e8 Erlangs) or no staff this
    # idle (0.0001 % busy) is planned.
    huge = dict(REFERENCE, calls="1000000", interval_s="60", aht_s="14400")
    assert_problem(stack.get(ERLANG_C, huge), 422, field="calls", slug="staffing-beyond-limit")
    idle = dict(REFERENCE, max_occupancy="0.000001")
    assert_problem(stack.get(ERLANG_C, idle), 422, field="max_occupancy", slug="staffing-beyond-limit")


# --- POST /v1/staffing/plan ----------------------------------------------------------------


def _far_day():
    """Midnight UTC of a random day in 2041..2060, in Unix seconds: no other test's shifts."""
    first = 2240611200  # 2041-01-01T00:00:00Z
    return first + random.randrange(20 * 365) * 86400


def _iso(unix_s):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix_s))


def test_plan_required_scheduled_and_gap(stack):
    # SCH-9: per interval, agents required by Erlang C, agents whose shift
    # covers the whole interval, and the gap.
    day = _far_day()
    at = lambda hours: _iso(day + int(hours * 3600))  # noqa: E731
    full, _ = stack.new_agent()
    early, _ = stack.new_agent()
    late, _ = stack.new_agent()
    departed, departed_id = stack.new_agent()
    lead, _ = stack.new_agent(roles=("supervisor",))
    stack.shift(full, at(8), at(16))            # every interval
    stack.shift(early, at(8.5), at(9.5))        # 08:30-09:30
    stack.shift(late, at(9.25), at(17))         # from 09:15: not all of 09:00-09:30
    stack.shift(departed, at(8), at(16))        # departed: not counted
    stack.shift(lead, at(8), at(16))            # not an agent: not counted
    gone = stack.post("/v1/staff/%d/depart" % departed_id, {"reason": "left the company"}, who="admin")
    assert gone.status_code == 200, describe(gone)

    forecast = [{"calls": 0, "aht_s": 0}, {"calls": 100, "aht_s": 180}, {"calls": 100, "aht_s": 180},
                {"calls": 50, "aht_s": 180}]
    body = {"starts_at": at(8), "interval_s": HALF_HOUR_S, "forecast": forecast, "target_answer_s": 20,
            "target_sl": 0.8}
    before = stack.written()
    response = stack.post(PLAN, body, who="shift_lead")
    assert response.status_code == 200, describe(response)
    assert stack.written() == before
    items = response.json()["items"]
    assert [i["starts_at"] for i in items] == [at(8 + h / 2).replace("Z", ".000Z") for h in range(4)]
    assert [i["ends_at"] for i in items] == [at(8.5 + h / 2).replace("Z", ".000Z") for h in range(4)]
    assert [i["agents_scheduled"] for i in items] == [1, 2, 2, 2]
    # Required: nobody without calls; otherwise as the single-interval answer.
    assert items[0]["agents_required"] == 0 and items[0]["traffic_erlangs"] == 0
    for item, interval in zip(items[1:], forecast[1:]):
        single = stack.get(ERLANG_C, dict(REFERENCE, calls=str(interval["calls"]))).json()
        assert item["agents_required"] == single["agents"]
        assert item["service_level"] == pytest.approx(single["service_level"])
        assert item["traffic_erlangs"] == pytest.approx(single["traffic_erlangs"])
    assert items[1]["agents_required"] == 14
    assert [i["gap"] for i in items] == [i["agents_scheduled"] - i["agents_required"] for i in items]
    assert items[1]["gap"] == 2 - 14


def test_plan_with_max_occupancy(stack):
    body = {"starts_at": _iso(_far_day()), "interval_s": HALF_HOUR_S, "forecast": [{"calls": 100, "aht_s": 180}],
            "target_answer_s": 20, "target_sl": 0.8, "max_occupancy": 0.7}
    response = stack.post(PLAN, body)
    assert response.status_code == 200, describe(response)
    assert response.json()["items"][0]["agents_required"] == 15


def _plan(**changes):
    body = {"starts_at": "2045-06-01T08:00:00Z", "interval_s": HALF_HOUR_S,
            "forecast": [{"calls": 100, "aht_s": 180}, {"calls": 80, "aht_s": 200}],
            "target_answer_s": 20, "target_sl": 0.8}
    body.update(changes)
    return body


BAD_PLANS = [
    # (body, status, field)
    (_plan(starts_at="tomorrow"), 422, "starts_at"),
    (_plan(interval_s=0), 422, "interval_s"),
    (_plan(forecast=[]), 422, "forecast"),
    (_plan(forecast=[{"calls": 1, "aht_s": 180}] * 49), 422, "forecast"),   # more than a day
    (_plan(forecast=[{"calls": 1, "aht_s": 180}, {"calls": -5, "aht_s": 180}]), 422, "forecast[1].calls"),
    (_plan(forecast=[{"calls": 1, "aht_s": 0}]), 422, "forecast[0].aht_s"),
    (_plan(forecast=[{"calls": 0, "aht_s": -1}]), 422, "forecast[0].aht_s"),
    (_plan(target_sl=1), 422, "target_sl"),
    (_plan(target_sl=0), 422, "target_sl"),
    (_plan(target_answer_s=-1), 422, "target_answer_s"),
    (_plan(max_occupancy=1.5), 422, "max_occupancy"),
    (_plan(forecast=[{"calls": "many", "aht_s": 180}]), 400, "forecast[0].calls"),
    (_plan(interval_s="half an hour"), 400, "interval_s"),
]


@pytest.mark.parametrize("body,status,field", BAD_PLANS)
def test_plan_bad_input_refused_naming_the_field(stack, body, status, field):
    before = stack.written()
    assert_problem(stack.post(PLAN, body), status, field=field)
    assert stack.written() == before


def test_plan_refused_to_agents(stack):
    assert_problem(stack.post(PLAN, _plan(), who="agent"), 403, slug="forbidden")


# --- over ZeroMQ: the service checks again ----------------------------------------------------


def test_service_rechecks_what_the_gateway_checked(stack):
    # A ZeroMQ caller bypasses the gateway: scheduling refuses the same
    # inputs (INVALID_ARGUMENT naming the field) and roles on its own.
    good = staffing_pb2.ErlangCRequest(calls=100, interval_s=1800, aht_s=180, target_answer_s=20, target_sl=0.8)
    with ZmqClient(stack.scheduling.endpoint) as client:
        reply = client.call("staffing.erlang_c", good, actor="shift_lead")
        assert reply.status.code == envelope_pb2.OK, reply
        answer = staffing_pb2.ErlangCReply.FromString(reply.payload)
        assert answer.agents == 14 and answer.service_level == pytest.approx(0.88835, abs=5e-7)
        for field, value in (("target_sl", 1.0), ("calls", 0.0), ("aht_s", -1.0), ("interval_s", 30),
                             ("max_occupancy", 2.0), ("target_answer_s", 4000.0)):
            bad = staffing_pb2.ErlangCRequest()
            bad.CopyFrom(good)
            setattr(bad, field, value)
            reply = client.call("staffing.erlang_c", bad, actor="supervisor")
            assert reply.status.code == envelope_pb2.INVALID_ARGUMENT and reply.status.field == field, reply
        refused = client.call("staffing.erlang_c", good, actor="agent")
        assert refused.status.code == envelope_pb2.PERMISSION_DENIED, refused
        plan = staffing_pb2.StaffingPlanRequest(starts_at="2045-06-01T08:00:00Z", interval_s=1800,
                                                target_answer_s=20, target_sl=0.8)
        plan.forecast.add(calls=100, aht_s=180)
        reply = client.call("staffing.plan", plan, actor="manager")
        assert reply.status.code == envelope_pb2.OK, reply
        assert staffing_pb2.StaffingPlan.FromString(reply.payload).items[0].agents_required == 14
