"""Staff, log-in and roles (issue 5; SCH-1, SCH-2, AUD-2, AUD-3).

A stack of this module's own: the scheduling service signing session tokens,
and a gateway that routes to it and to the session's tickets service, verifies
tokens with the public key and reads scheduling's events on its bus. The first
admin comes from the documented command (`kefu-scheduling create-admin`).
Everything is checked over HTTP, and in the scheduling schema as the superuser.
"""
import base64
import hashlib
import json
import os
import pathlib
import re
import secrets
import subprocess
import sys
import time

import pytest
import requests

from conftest import _stopped_cleanly
from kefu_e2e import (HTTP_TIMEOUT, assert_problem, create_admin, describe, free_port, make_gateway,
                      make_scheduling, make_session_keys, poll_until)

ROOT = pathlib.Path(__file__).resolve().parents[2]
MINUTE_MS = 60 * 1000
# A strong password of the test run; people get their own variants.
STRONG = "Kefu-e2e-" + secrets.token_hex(6)


class Stack:
    def __init__(self, env, db, keys, tickets_port):
        self.env = env
        self.db = db
        self.keys = keys
        self.tickets_port = tickets_port
        self.seed, self.public = make_session_keys(env, "k1")
        self.xsub = "tcp://127.0.0.1:%d" % free_port()
        self.xpub = "tcp://127.0.0.1:%d" % free_port()
        self.admin_no = "ADM" + secrets.token_hex(3)
        self.admin_password = STRONG + "-admin"
        done = create_admin(env, self.admin_no, "首任管理员", self.admin_password)
        assert done.returncode == 0, done.stderr.decode()
        self.scheduling = make_scheduling(env, "staff.scheduling", self.seed, self.xsub,
                                          KEFU_LOGIN_MAX_FAILURES="3", KEFU_LOGIN_LOCKOUT_BASE_S="60")
        self.scheduling.start()
        self.gateway = self.gateway_process("staff.gateway")
        self.gateway.start()
        self.base = self.gateway.base
        self.admin_token = self.login(self.admin_no, self.admin_password).json()["token"]

    def gateway_process(self, name, public_keys=None, **extra):
        settings = {
            "KEFU_GATEWAY_SERVICES": "tickets,scheduling",
            "KEFU_SCHEDULING_ENDPOINT": self.scheduling.endpoint,
            "KEFU_SESSION_PUBLIC_KEYS": public_keys or self.public,
            "KEFU_BUS_XSUB": self.xsub,
            "KEFU_BUS_XPUB": self.xpub,
        }
        settings.update(extra)
        return make_gateway(self.env, name, self.tickets_port, self.keys, **settings)

    def close(self):
        _stopped_cleanly(self.gateway)
        _stopped_cleanly(self.scheduling)

    # --- HTTP -------------------------------------------------------------------------

    def call(self, method, path, token=None, body=None, base=None, headers=None):
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = "Bearer " + token
        if body is not None:
            all_headers["Content-Type"] = "application/json"
            body = json.dumps(body, ensure_ascii=False).encode()
        return requests.request(method, (base or self.base) + path, data=body, headers=all_headers,
                                timeout=HTTP_TIMEOUT)

    def login(self, staff_no, password, terminal="T-01", expect=201):
        response = self.call("POST", "/v1/sessions", body={"staff_no": staff_no, "password": password,
                                                            "terminal": terminal})
        assert response.status_code == expect, describe(response)
        return response

    def new_staff(self, roles, **fields):
        """A person created by the admin, who has set their own password: (staff_no, password, id)."""
        staff_no = fields.pop("staff_no", "E" + secrets.token_hex(4))
        first = STRONG + "-first"
        body = {"staff_no": staff_no, "name": "测试员 " + staff_no, "roles": roles, "department": "热线一部",
                "password": first}
        body.update(fields)
        created = self.call("POST", "/v1/staff", self.admin_token, body)
        assert created.status_code == 201, describe(created)
        password = STRONG + "-" + staff_no
        changed = self.call("POST", "/v1/sessions/password",
                            body={"staff_no": staff_no, "password": first, "new_password": password})
        assert changed.status_code == 200, describe(changed)
        return staff_no, password, created.json()["id"]

    # --- database -----------------------------------------------------------------------

    def outbox_count(self, event_type, subject=None):
        if subject is None:
            return self.db.count("SELECT count(*) FROM scheduling.outbox WHERE type = :'t'", t=event_type)
        return self.db.count("SELECT count(*) FROM scheduling.outbox WHERE type = :'t' AND subject = :'s'",
                             t=event_type, s=subject)

    def counts(self):
        row = self.db.rows("SELECT (SELECT count(*) FROM scheduling.staff), (SELECT count(*) FROM scheduling.sessions), "
                           "(SELECT count(*) FROM scheduling.shifts), (SELECT count(*) FROM scheduling.outbox), "
                           "(SELECT count(*) FROM scheduling.revocations)")[0]
        return dict(zip(("staff", "sessions", "shifts", "outbox", "revocations"), map(int, row)))


@pytest.fixture(scope="module")
def stack(e2e_env, db, api_keys, tickets_process):
    s = Stack(e2e_env, db, api_keys, tickets_process.port)
    yield s
    s.close()


def wait_refused(stack, token, base=None, timeout=1.0):
    """The token is refused (401) within `timeout` seconds (revocation over the bus)."""
    poll_until(lambda: stack.call("GET", "/v1/tickets?limit=1", token, base=base).status_code == 401, timeout,
               what="the token to be refused")


# --- first admin, log-in, log-out ------------------------------------------------------------


def test_first_admin_refuses_weak_password_and_taken_number(stack, e2e_env):
    # SCH-2: never a default password, never a weak one.
    weak = create_admin(e2e_env, "ADMWEAK" + secrets.token_hex(2), "弱口令", "password123")
    assert weak.returncode != 0 and b"too common" in weak.stderr, weak.stderr
    taken = create_admin(e2e_env, stack.admin_no, "重复", STRONG + "-other")
    assert taken.returncode != 0 and b"taken" in taken.stderr, taken.stderr


def test_login_and_logout(stack):
    # SCH-2: log in with the staff number, act with the token, log out.
    staff_no, password, staff_id = stack.new_staff(["supervisor"])
    response = stack.login(staff_no, password)
    session = response.json()
    assert session["token"].startswith("v1.k1.") and session["expires_at"].endswith("Z")
    assert session["staff"]["staff_no"] == staff_no and session["staff"]["roles"] == ["supervisor"]
    assert "password" not in json.dumps(session["staff"]).lower().replace("must_change_password", "")
    token = session["token"]
    assert stack.call("GET", "/v1/tickets?limit=1", token).status_code == 200
    got = stack.call("GET", "/v1/staff/%d" % staff_id, token)
    assert got.status_code == 200 and got.json()["staff_no"] == staff_no, describe(got)
    assert stack.db.count("SELECT count(*) FROM scheduling.outbox WHERE type = 'audit.record.session.login' "
                          "AND subject = :'s'", s="staff/%d" % staff_id) == 1
    out = stack.call("DELETE", "/v1/sessions/current", token)
    assert out.status_code == 204, describe(out)
    wait_refused(stack, token)
    assert stack.outbox_count("audit.record.session.logout") >= 1
    again = stack.call("DELETE", "/v1/sessions/current", token)
    assert_problem(again, 401, slug="unauthenticated")


def test_wrong_password_refused_and_audited(stack):
    staff_no, password, staff_id = stack.new_staff(["agent"])
    before = stack.outbox_count("audit.record.session.login_failed", "staff/%d" % staff_id)
    assert_problem(stack.login(staff_no, password + "x", expect=401), 401, slug="invalid-credentials")
    assert stack.outbox_count("audit.record.session.login_failed", "staff/%d" % staff_id) == before + 1
    # An unknown staff number reads the same.
    assert_problem(stack.login("NOBODY" + secrets.token_hex(3), password, expect=401), 401, slug="invalid-credentials")


def test_lockout_with_backoff_and_unlock_by_reset(stack, clock):
    # SCH-2: after KEFU_LOGIN_MAX_FAILURES (3 here) the account locks for 60 s, then 120 s...
    staff_no, password, staff_id = stack.new_staff(["supervisor"])
    start = int(time.time() * 1000)
    clock.set(start)
    for _ in range(3):
        stack.login(staff_no, "wrong-" + password, expect=401)
    assert stack.outbox_count("audit.record.staff.locked_out", "staff/%d" % staff_id) == 1
    locked = stack.login(staff_no, password, expect=403)
    assert_problem(locked, 403, slug="account-locked")
    clock.set(start + 61 * 1000)
    stack.login(staff_no, password)             # unlocked after the lockout; failures forgotten
    for _ in range(3):
        stack.login(staff_no, "wrong-" + password, expect=401)
    stack.login(staff_no, "wrong-" + password, expect=403)
    # An admin reset unlocks at once, and forces a change at the next log-in.
    temporary = STRONG + "-temp"
    reset = stack.call("POST", "/v1/staff/%d/password-reset" % staff_id, stack.admin_token, {"password": temporary})
    assert reset.status_code == 200 and reset.json()["must_change_password"] is True, describe(reset)
    assert_problem(stack.login(staff_no, temporary, expect=403), 403, slug="password-change-required")
    changed = stack.call("POST", "/v1/sessions/password",
                         body={"staff_no": staff_no, "password": temporary, "new_password": password + "-2"})
    assert changed.status_code == 200, describe(changed)
    stack.login(staff_no, password + "-2")
    assert stack.outbox_count("audit.record.staff.password_changed", "staff/%d" % staff_id) == 2


@pytest.mark.parametrize("password, why", [
    ("short1A!", "shorter than the minimum"),
    ("password123", "too common"),
    ("Password123", "too common"),
    ("WEAKNUMBER1", "staff number"),
])
def test_weak_passwords_refused(stack, password, why):
    before = stack.counts()
    response = stack.call("POST", "/v1/staff", stack.admin_token,
                          {"staff_no": "weaknumber1", "name": "弱", "roles": ["agent"], "password": password})
    problem = assert_problem(response, 422, field="password", slug="weak-password")
    assert why in problem["detail"]
    assert stack.counts() == before


def test_argon2id_string_stored_never_the_password(stack):
    staff_no, password, staff_id = stack.new_staff(["manager"])
    stored = stack.db.scalar("SELECT password_hash FROM scheduling.staff WHERE id = :'i'", i=staff_id)
    assert re.fullmatch(r"\$argon2id\$v=19\$m=65536,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+", stored), stored
    dump = stack.db.scalar("SELECT row_to_json(s)::text FROM scheduling.staff s WHERE id = :'i'", i=staff_id)
    assert password not in dump
    # Searched as bytes in SQL: an escaped dump of every payload can hold the
    # psql field and record separators (any varint 30 or 31) and split the row.
    assert stack.db.count("SELECT count(*) FROM scheduling.outbox "
                          "WHERE position(convert_to(:'p', 'UTF8') IN payload) > 0", p=password) == 0


# --- tokens ------------------------------------------------------------------------------------


def tampered(token):
    """The token with one byte of its signature changed."""
    head, signature = token.rsplit(".", 1)
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[0] ^= 1
    return head + "." + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


def test_tokens_bad_signature_expired_revoked_departed_refused(stack, clock):
    staff_no, password, staff_id = stack.new_staff(["supervisor"])
    token = stack.login(staff_no, password).json()["token"]
    assert stack.call("GET", "/v1/tickets?limit=1", token).status_code == 200
    assert_problem(stack.call("GET", "/v1/tickets?limit=1", tampered(token)), 401, slug="unauthenticated")
    assert_problem(stack.call("GET", "/v1/tickets?limit=1", token[:-3]), 401, slug="unauthenticated")
    # Expired: past KEFU_SESSION_TTL_MIN (480 by default).
    clock.set(int(time.time() * 1000) + 481 * MINUTE_MS)
    assert_problem(stack.call("GET", "/v1/tickets?limit=1", token), 401, slug="unauthenticated")
    clock.set(None)
    # Departed: every session ends at once, and no new one opens.
    other = stack.login(staff_no, password, terminal="T-01").json()["token"]
    departed = stack.call("POST", "/v1/staff/%d/depart" % staff_id, stack.admin_token, {"reason": "离职"})
    assert departed.status_code == 200 and departed.json()["status"] == "departed", describe(departed)
    wait_refused(stack, token)
    wait_refused(stack, other)
    assert_problem(stack.login(staff_no, password, expect=403), 403, slug="account-inactive")
    assert_problem(stack.call("POST", "/v1/staff/%d/suspend" % staff_id, stack.admin_token, {}), 409,
                   slug="staff-departed")


def test_rotated_key_verifies_until_its_tokens_expire(stack, e2e_env, clock):
    # A gateway that knows the new key k2 and still the old k1 accepts tokens
    # signed with k1; one that dropped k1 (rotated out) refuses them.
    _seed2, public2 = make_session_keys(e2e_env, "k2")
    staff_no, password, _ = stack.new_staff(["manager"])
    token = stack.login(staff_no, password).json()["token"]
    both = stack.gateway_process("staff.gateway-k2k1", public_keys=public2 + "," + stack.public,
                                 KEFU_BUS_XSUB="")
    only_new = stack.gateway_process("staff.gateway-k2", public_keys=public2, KEFU_BUS_XSUB="")
    both.start()
    only_new.start()
    try:
        assert stack.call("GET", "/v1/tickets?limit=1", token, base=both.base).status_code == 200
        assert_problem(stack.call("GET", "/v1/tickets?limit=1", token, base=only_new.base), 401)
        clock.set(int(time.time() * 1000) + 481 * MINUTE_MS)
        assert_problem(stack.call("GET", "/v1/tickets?limit=1", token, base=both.base), 401)
    finally:
        clock.set(None)
        _stopped_cleanly(both)
        _stopped_cleanly(only_new)


def test_revocation_reaches_every_gateway_and_a_late_one(stack):
    # A replica reading the same bus refuses a logged-out token within a second;
    # a gateway started afterwards loads the revocation from scheduling.
    staff_no, password, _ = stack.new_staff(["supervisor"])
    token = stack.login(staff_no, password).json()["token"]
    replica = stack.gateway_process("staff.gateway-replica", KEFU_BUS_XSUB="")
    replica.start()
    try:
        assert stack.call("GET", "/v1/tickets?limit=1", token, base=replica.base).status_code == 200
        assert stack.call("DELETE", "/v1/sessions/current", token).status_code == 204
        wait_refused(stack, token, base=replica.base, timeout=1.0)
    finally:
        _stopped_cleanly(replica)
    late = stack.gateway_process("staff.gateway-late", KEFU_BUS_XSUB="")
    late.start()
    try:
        assert_problem(stack.call("GET", "/v1/tickets?limit=1", token, base=late.base), 401)
    finally:
        _stopped_cleanly(late)


# --- the permission table -------------------------------------------------------------------------

ROLES_BY_KEY = {"agent": "agent", "shift_lead": "shift_lead", "supervisor": "supervisor", "manager": "manager",
                "auditor": "auditor", "admin": "admin", "integration": "integration"}
EVERY_ROLE = ["agent", "shift_lead", "supervisor", "manager", "archivist", "auditor", "admin", "integration"]


def routes(e2e_env):
    out = subprocess.run([os.path.join(e2e_env.bin, "kefu-gateway"), "--routes"], capture_output=True, check=True,
                         timeout=60, env=e2e_env.base_environ()).stdout
    return json.loads(out)


def concrete(pattern):
    return pattern.replace("{id}", "999999999").replace("{key}", "wh_0000000000000000")


def test_every_route_admits_its_roles_and_refuses_the_others(stack, e2e_env):
    # The route table is the permission table: for every route, one role it
    # admits gets past the gateway's check and one it does not is refused with
    # 403, and the refusal is recorded by scheduling (AUD-1). Generated from
    # `kefu-gateway --routes`, so a new route is covered (or fails) at once.
    table = routes(e2e_env)
    assert len(table) >= 20
    for route in table:
        path = concrete(route["pattern"])
        body = {} if route["method"] in ("POST", "PATCH", "PUT") else None
        if route["anonymous"]:
            assert route["roles"] == []
            response = stack.call(route["method"], path, body=body, headers={"Accept": "application/json"}) \
                if route["pattern"] != "/v1/events" else None
            assert response is None or response.status_code not in (401, 403), describe(response)
            continue
        assert route["roles"], "route %s %s admits no role" % (route["method"], route["pattern"])
        allowed = [r for r in route["roles"] if r in ROLES_BY_KEY]
        refused = [r for r in EVERY_ROLE if r not in route["roles"] and r in ROLES_BY_KEY]
        assert allowed, route
        if route["pattern"] != "/v1/events":
            response = stack.call(route["method"], path, stack.keys[allowed[0]], body)
            assert response.status_code not in (401, 403), describe(response)
        if refused:
            before = stack.outbox_count("audit.record.access.refused_role")
            response = stack.call(route["method"], path, stack.keys[refused[0]], body)
            assert_problem(response, 403, slug="forbidden")
            assert stack.outbox_count("audit.record.access.refused_role") == before + 1, route


def routes_markdown(table):
    lines = ["| method | path | roles |", "|---|---|---|"]
    for route in table:
        roles = "anyone" if route["anonymous"] else ", ".join(route["roles"])
        lines.append("| %s | `%s` | %s |" % (route["method"], route["pattern"], roles))
    return "\n".join(lines)


def test_readme_permission_table_matches_the_routes(e2e_env):
    generated = subprocess.run([sys.executable, str(ROOT / "tools" / "routes-table.py"),
                                os.path.join(e2e_env.bin, "kefu-gateway")], capture_output=True, check=True,
                               timeout=60).stdout.decode().strip()
    assert generated == routes_markdown(routes(e2e_env))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- routes-table:begin -->\n(.*?)\n<!-- routes-table:end -->", readme, flags=re.S)
    assert match, "README.md has no <!-- routes-table:begin/end --> section"
    assert match.group(1).strip() == generated, "README's permission table is stale: run tools/routes-table.py"


# --- on shift (AUD-2) ---------------------------------------------------------------------------------


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000))


def test_agent_only_on_shift_plus_grace_supervisor_exempt(stack, clock):
    staff_no, password, _ = stack.new_staff(["agent"])
    lead_no, lead_password, _ = stack.new_staff(["supervisor"])
    # A shift tomorrow 09:00-12:00 UTC, on the driven clock: shorter than a
    # token's life (480 minutes), so the token ends with the shift's grace.
    day = (int(time.time()) // 86400 + 1) * 86400 * 1000
    starts, ends = day + 9 * 60 * MINUTE_MS, day + 12 * 60 * MINUTE_MS
    made = stack.call("POST", "/v1/shifts", stack.admin_token,
                      {"staff_no": staff_no, "starts_at": iso(starts), "ends_at": iso(ends), "site_zone": "Asia/Shanghai"})
    assert made.status_code == 201 and made.json()["staff_no"] == staff_no, describe(made)
    alerts = stack.outbox_count("audit.alert.off_shift", "staff_no/%s" % staff_no)

    clock.set(starts - 16 * MINUTE_MS)           # before the 15-minute grace: refused, alerted
    assert_problem(stack.login(staff_no, password, expect=403), 403, slug="off-shift")
    assert stack.outbox_count("audit.alert.off_shift", "staff_no/%s" % staff_no) == alerts + 1

    clock.set(starts - 14 * MINUTE_MS)           # inside the grace: in
    session = stack.login(staff_no, password).json()
    assert session["expires_at"] == iso(ends + 30 * MINUTE_MS).replace("Z", ".000Z")
    token = session["token"]
    clock.set(ends + 29 * MINUTE_MS)             # still inside the 30 minutes after
    assert stack.call("GET", "/v1/tickets?limit=1", token).status_code == 200
    clock.set(ends + 31 * MINUTE_MS)             # past it: every request refused, alerted
    assert_problem(stack.call("GET", "/v1/tickets?limit=1", token), 403, slug="off-shift")
    assert stack.outbox_count("audit.alert.off_shift", "staff_no/%s" % staff_no) == alerts + 2
    assert stack.outbox_count("audit.record.access.refused_off_shift") >= 1

    # A supervisor has no shift and is never refused, at any hour.
    lead = stack.login(lead_no, lead_password).json()["token"]
    assert stack.call("GET", "/v1/tickets?limit=1", lead).status_code == 200


def test_two_terminals_one_staff_number_alert(stack):
    # AUD-3: a second live session from another terminal raises an alert.
    staff_no, password, _ = stack.new_staff(["manager"])
    before = stack.outbox_count("audit.alert.shared_account", "staff_no/%s" % staff_no)
    first = stack.login(staff_no, password, terminal="T-A").json()["token"]
    stack.login(staff_no, password, terminal="T-A")          # same terminal: no alert
    assert stack.outbox_count("audit.alert.shared_account", "staff_no/%s" % staff_no) == before
    stack.login(staff_no, password, terminal="T-B")
    assert stack.outbox_count("audit.alert.shared_account", "staff_no/%s" % staff_no) == before + 1
    # The default policy only alerts: the older session still works.
    assert stack.call("GET", "/v1/tickets?limit=1", first).status_code == 200


def test_suspend_reinstate_and_role_change_end_sessions(stack):
    # SCH-1: suspension ends every session at once; reinstatement lets the
    # person log in again; a change of roles ends the sessions too (tokens
    # carry roles) and the next log-in carries the new ones.
    staff_no, password, staff_id = stack.new_staff(["supervisor"])
    token = stack.login(staff_no, password).json()["token"]
    suspended = stack.call("POST", "/v1/staff/%d/suspend" % staff_id, stack.admin_token, {"reason": "调查"})
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended", describe(suspended)
    wait_refused(stack, token)
    assert_problem(stack.login(staff_no, password, expect=403), 403, slug="account-inactive")
    back = stack.call("POST", "/v1/staff/%d/reinstate" % staff_id, stack.admin_token, {})
    assert back.status_code == 200 and back.json()["status"] == "active", describe(back)
    assert_problem(stack.call("POST", "/v1/staff/%d/reinstate" % staff_id, stack.admin_token, {}), 409,
                   slug="not-suspended")
    token = stack.login(staff_no, password).json()["token"]
    assert stack.call("GET", "/v1/tickets?limit=1", token).status_code == 200
    changed = stack.call("PATCH", "/v1/staff/%d" % staff_id, stack.admin_token,
                         {"roles": ["manager"], "grade": "senior", "skills": ["粤语", "投诉"]})
    assert changed.status_code == 200, describe(changed)
    assert changed.json()["roles"] == ["manager"] and changed.json()["skills"] == ["粤语", "投诉"]
    wait_refused(stack, token)
    again = stack.login(staff_no, password).json()
    assert again["staff"]["roles"] == ["manager"] and again["staff"]["name"].startswith("测试员")
    assert stack.outbox_count("staff.updated", "staff/%d" % staff_id) == 1


def test_shared_account_policy_end_older(stack, e2e_env):
    # AUD-3 with KEFU_SHARED_ACCOUNT_POLICY=end_older: the older session ends.
    scheduling = make_scheduling(e2e_env, "staff.scheduling-end-older", stack.seed, stack.xsub,
                                 KEFU_SHARED_ACCOUNT_POLICY="end_older")
    scheduling.start()
    gateway = stack.gateway_process("staff.gateway-end-older", KEFU_BUS_XSUB="",
                                    KEFU_SCHEDULING_ENDPOINT=scheduling.endpoint)
    gateway.start()
    try:
        staff_no, password, _ = stack.new_staff(["manager"])
        def login(terminal):
            response = stack.call("POST", "/v1/sessions", base=gateway.base,
                                  body={"staff_no": staff_no, "password": password, "terminal": terminal})
            assert response.status_code == 201, describe(response)
            return response.json()["token"]
        older = login("T-A")
        newer = login("T-B")
        assert stack.outbox_count("audit.alert.shared_account", "staff_no/%s" % staff_no) == 1
        wait_refused(stack, older, base=gateway.base)
        assert stack.call("GET", "/v1/tickets?limit=1", newer, base=gateway.base).status_code == 200
    finally:
        _stopped_cleanly(gateway)
        _stopped_cleanly(scheduling)


# --- API keys in the database -------------------------------------------------------------


def test_api_keys_shown_once_stored_hashed_resolved_and_revoked(stack):
    owner_no, _password, owner_id = stack.new_staff(["integration", "auditor"])
    made = stack.call("POST", "/v1/api-keys", stack.admin_token,
                      {"name": "crm-sync", "staff_no": owner_no, "roles": ["integration"]})
    assert made.status_code == 201, describe(made)
    key, api_key = made.json()["key"], made.json()["api_key"]
    assert key.startswith("kefu_ak_") and api_key["id"].startswith("ak_") and api_key["roles"] == ["integration"]
    stored = stack.db.rows("SELECT key_hash, row_to_json(k)::text FROM scheduling.api_keys k WHERE id = :'i'",
                           i=api_key["id"])[0]
    assert stored[0] == hashlib.sha256(key.encode()).hexdigest() and key not in stored[1]
    # The gateway has never seen it: scheduling resolves it, then it is cached.
    assert stack.call("GET", "/v1/tickets?limit=1", key).status_code == 200
    assert stack.call("GET", "/v1/tickets?limit=1", key).status_code == 200
    # Its roles are the key's, not the owner's: not an auditor's route... and
    # no admin route.
    assert_problem(stack.call("GET", "/v1/api-keys", key), 403, slug="forbidden")
    listed = stack.call("GET", "/v1/api-keys?limit=200", stack.admin_token)
    assert listed.status_code == 200, describe(listed)
    mine = [k for k in listed.json()["items"] if k["id"] == api_key["id"]]
    assert mine and "key" not in mine[0] and "key_hash" not in mine[0] and mine[0]["revoked_at"] == ""
    # A role the owner does not hold, or an unknown owner: refused, nothing written.
    before = stack.counts()
    assert_problem(stack.call("POST", "/v1/api-keys", stack.admin_token,
                              {"name": "x", "staff_no": owner_no, "roles": ["admin"]}), 422, field="roles")
    assert_problem(stack.call("POST", "/v1/api-keys", stack.admin_token,
                              {"name": "x", "staff_no": "NOSUCH9", "roles": ["integration"]}), 422, field="staff_no")
    assert stack.counts() == before
    # Revoked: refused within a second although cached.
    gone = stack.call("DELETE", "/v1/api-keys/%s" % api_key["id"], stack.admin_token)
    assert gone.status_code == 204, describe(gone)
    wait_refused(stack, key)
    assert_problem(stack.call("DELETE", "/v1/api-keys/%s" % api_key["id"], stack.admin_token), 404)
    # The owner departs: their other keys stop at once.
    second = stack.call("POST", "/v1/api-keys", stack.admin_token,
                        {"name": "crm-sync-2", "staff_no": owner_no, "roles": ["auditor"]}).json()["key"]
    assert stack.call("GET", "/v1/tickets?limit=1", second).status_code == 200
    assert stack.call("POST", "/v1/staff/%d/depart" % owner_id, stack.admin_token, {}).status_code == 200
    wait_refused(stack, second)
    # A key of the right shape that was never made.
    assert_problem(stack.call("GET", "/v1/tickets?limit=1", "kefu_ak_%s_%s" % (secrets.token_hex(8),
                                                                                secrets.token_hex(32))), 401)


# --- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize("method, path, body, status, field", [
    ("POST", "/v1/staff", {"name": "无号", "roles": ["agent"], "password": STRONG}, 422, "staff_no"),
    ("POST", "/v1/staff", {"staff_no": "bad no", "name": "x", "roles": ["agent"], "password": STRONG}, 422, "staff_no"),
    ("POST", "/v1/staff", {"staff_no": "X1", "name": "", "roles": ["agent"], "password": STRONG}, 422, "name"),
    ("POST", "/v1/staff", {"staff_no": "X1", "name": "x", "roles": [], "password": STRONG}, 422, "roles"),
    ("POST", "/v1/staff", {"staff_no": "X1", "name": "x", "roles": ["wizard"], "password": STRONG}, 422, "roles"),
    ("POST", "/v1/staff", {"staff_no": "X1", "name": "x", "roles": ["agent", "agent"], "password": STRONG}, 422, "roles"),
    ("POST", "/v1/staff", {"staff_no": "X1", "name": "x", "roles": ["agent"], "grade": "god", "password": STRONG}, 422, "grade"),
    ("POST", "/v1/staff", {"staff_no": "X1", "name": "x", "roles": ["agent"], "password": ""}, 422, "password"),
    ("POST", "/v1/staff", {"staff_no": "X1", "name": "x", "roles": ["agent"], "password": "x" * 300}, 422, "password"),
    ("POST", "/v1/staff", {"staff_no": "X1", "name": "x", "roles": "agent", "password": STRONG}, 400, None),
    ("POST", "/v1/staff", {"staff_no": "X1", "name": "x", "roles": ["agent"], "password": STRONG, "evil": 1}, 400, None),
    ("GET", "/v1/staff/999999999", None, 404, None),
    ("PATCH", "/v1/staff/999999999", {"name": "x"}, 404, None),
    ("PATCH", "/v1/staff/999999999", {"roles": ["wizard"]}, 422, "roles"),
    ("PATCH", "/v1/staff/999999999", {"grade": "god"}, 422, "grade"),
    ("PATCH", "/v1/staff/999999999", {"skills": ["a,b"]}, 422, "skills"),
    ("POST", "/v1/staff/999999999/reinstate", {}, 404, None),
    ("POST", "/v1/staff/999999999/suspend", {}, 404, None),
    ("POST", "/v1/staff/999999999/depart", {"reason": "x"}, 404, None),
    ("POST", "/v1/staff/999999999/password-reset", {"password": STRONG}, 404, None),
    ("POST", "/v1/staff/999999999/password-reset", {"password": ""}, 422, "password"),
    ("POST", "/v1/sessions", {"staff_no": "X1", "password": STRONG}, 422, "terminal"),
    ("POST", "/v1/sessions", {"staff_no": "", "password": STRONG, "terminal": "T"}, 422, "staff_no"),
    ("POST", "/v1/sessions", {"staff_no": "X1", "password": "", "terminal": "T"}, 422, "password"),
    ("POST", "/v1/sessions", {"staff_no": "X1", "password": STRONG, "terminal": "T\n1"}, 422, "terminal"),
    ("POST", "/v1/sessions/password", {"staff_no": "X1", "password": STRONG, "new_password": "password123"}, 422,
     "new_password"),
    ("POST", "/v1/shifts", {"staff_no": "X1", "starts_at": "tomorrow", "ends_at": "2026-01-01T10:00:00Z",
                            "site_zone": "Asia/Shanghai"}, 422, "starts_at"),
    ("POST", "/v1/shifts", {"staff_no": "X1", "starts_at": "2026-01-01T10:00:00Z", "ends_at": "2026-01-01T09:00:00Z",
                            "site_zone": "Asia/Shanghai"}, 422, "ends_at"),
    ("POST", "/v1/shifts", {"staff_no": "X1", "starts_at": "2026-01-01T10:00:00Z", "ends_at": "2026-01-03T09:00:00Z",
                            "site_zone": "Asia/Shanghai"}, 422, "ends_at"),
    ("POST", "/v1/shifts", {"staff_no": "X1", "starts_at": "2026-01-01T10:00:00Z", "ends_at": "2026-01-01T18:00:00Z",
                            "site_zone": "Asia/Shang hai"}, 422, "site_zone"),
    ("POST", "/v1/api-keys", {"name": "", "staff_no": "X1", "roles": ["integration"]}, 422, "name"),
    ("POST", "/v1/api-keys", {"name": "k", "staff_no": "X 1", "roles": ["integration"]}, 422, "staff_no"),
    ("POST", "/v1/api-keys", {"name": "k", "staff_no": "X1", "roles": []}, 422, "roles"),
    ("GET", "/v1/api-keys?limit=0", None, 400, "limit"),
    ("DELETE", "/v1/api-keys/ak_0000000000000000", None, 404, None),
    ("POST", "/v1/shifts", {"staff_no": "NOSUCH1", "starts_at": "2026-01-01T10:00:00Z",
                            "ends_at": "2026-01-01T18:00:00Z", "site_zone": "UTC"}, 422, "staff_no"),
])
def test_bad_input_answered_with_problem_and_nothing_written(stack, method, path, body, status, field):
    before = stack.counts()
    response = stack.call(method, path, stack.admin_token, body)
    assert_problem(response, status, field=field)
    after = stack.counts()
    assert after == before, "rows were written: %r -> %r" % (before, after)


def test_malformed_json_and_missing_token(stack):
    before = stack.counts()
    response = requests.post(stack.base + "/v1/staff", data=b"{not json",
                             headers={"Authorization": "Bearer " + stack.admin_token,
                                      "Content-Type": "application/json"}, timeout=HTTP_TIMEOUT)
    assert_problem(response, 400, slug="malformed-json")
    assert_problem(stack.call("POST", "/v1/staff", None, {"staff_no": "X"}), 401, slug="unauthenticated")
    assert_problem(stack.call("POST", "/v1/staff", "v1.k1.garbage.garbage", {"staff_no": "X"}), 401)
    assert stack.counts() == before


def test_staff_directory_is_for_admins_only_even_inside_scheduling(stack):
    # Services re-check: a supervisor's token reaching staff.create is refused
    # by scheduling too (here the gateway refuses first, and records it).
    staff_no, password, _ = stack.new_staff(["supervisor"])
    token = stack.login(staff_no, password).json()["token"]
    before = stack.counts()
    assert_problem(stack.call("POST", "/v1/staff", token, {"staff_no": "Y1", "name": "y", "roles": ["agent"],
                                                            "password": STRONG}), 403, slug="forbidden")
    after = stack.counts()
    assert after["staff"] == before["staff"]
