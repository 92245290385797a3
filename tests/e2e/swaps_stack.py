"""A stack of its own for the swap and handover tests (SCH-4, SCH-7): a tickets
service publishing to this stack's bus, the scheduling service consuming its
ticket.created events (security desk) and ticking every 100 ms (handover.overdue),
and a gateway routing to both. People act through API keys of their own, made by
the admin for each person a test creates, so every request carries that person's
staff number as the actor.
"""
import secrets

import requests

from conftest import _stopped_cleanly
from kefu_e2e import HTTP_TIMEOUT, describe, free_port, make_gateway, make_scheduling, make_session_keys, make_tickets

STRONG = "Kefu-e2e-" + secrets.token_hex(6)
ZONE = "Asia/Shanghai"
TICK_MS = 100


class Person:
    def __init__(self, stack, staff_no, staff_id, key, grade):
        self.stack = stack
        self.staff_no = staff_no
        self.id = staff_id
        self.key = key
        self.grade = grade

    def call(self, method, path, body=None, **kw):
        return self.stack.call(method, path, self.key, body, **kw)


class WorkforceStack:
    def __init__(self, env, db, keys, name):
        self.db = db
        self.keys = keys
        seed, public = make_session_keys(env, "k1")
        xsub = "tcp://127.0.0.1:%d" % free_port()
        xpub = "tcp://127.0.0.1:%d" % free_port()
        self.tickets = make_tickets(env, "%s.tickets" % name, KEFU_BUS_XSUB=xsub)
        self.tickets.start()
        self.scheduling = make_scheduling(env, "%s.scheduling" % name, seed, xsub,
                                          KEFU_SCHEDULING_TICK_MS=TICK_MS, KEFU_BUS_XPUB=xpub,
                                          KEFU_SCHEDULING_COMPLAINTS_SOURCE="tickets",
                                          KEFU_TICKETS_ENDPOINT=self.tickets.endpoint)
        self.scheduling.start()
        self.gateway = make_gateway(env, "%s.gateway" % name, self.tickets.port, keys,
                                    KEFU_GATEWAY_SERVICES="tickets,scheduling",
                                    KEFU_SCHEDULING_ENDPOINT=self.scheduling.endpoint,
                                    KEFU_SESSION_PUBLIC_KEYS=public, KEFU_BUS_XSUB=xsub, KEFU_BUS_XPUB=xpub)
        self.gateway.start()
        self.base = self.gateway.base

    def close(self):
        problems = []
        for process in (self.gateway, self.scheduling, self.tickets):
            try:
                _stopped_cleanly(process)
            except AssertionError as error:
                problems.append(str(error))
        assert not problems, "\n".join(problems)

    def call(self, method, path, key, body=None, headers=None, data=None, params=None):
        h = {"Authorization": "Bearer " + key}
        h.update(headers or {})
        return requests.request(method, self.base + path, json=body if data is None else None, data=data,
                                headers=h, params=params, timeout=HTTP_TIMEOUT)

    def as_role(self, who, method, path, body=None, **kw):
        """As one of the session's API keys (supervisor, admin, ...)."""
        return self.call(method, path, self.keys[who], body, **kw)

    def person(self, roles=("agent",), grade="junior"):
        staff_no = "W" + secrets.token_hex(5)
        created = self.as_role("admin", "POST", "/v1/staff",
                               {"staff_no": staff_no, "name": "换班测试 " + staff_no, "roles": list(roles),
                                "grade": grade, "department": "热线一部", "password": STRONG + "-" + staff_no})
        assert created.status_code == 201, describe(created)
        made = self.as_role("admin", "POST", "/v1/api-keys",
                            {"name": "e2e-" + staff_no, "staff_no": staff_no, "roles": list(roles)})
        assert made.status_code == 201, describe(made)
        return Person(self, staff_no, created.json()["id"], made.json()["key"], grade)

    def shift(self, person, starts_at, ends_at):
        made = self.as_role("admin", "POST", "/v1/shifts", {"staff_no": person.staff_no, "starts_at": starts_at,
                                                            "ends_at": ends_at, "site_zone": ZONE})
        assert made.status_code == 201, describe(made)
        return made.json()["id"]

    def shift_owner(self, shift_id):
        return self.db.rows("SELECT p.staff_no, s.version FROM scheduling.shifts s JOIN scheduling.staff p "
                            "ON p.id = s.staff_id WHERE s.id = %d" % int(shift_id))[0]

    def outbox(self, subject):
        """Event types written about `subject`, in order."""
        return [r[0] for r in self.db.rows("SELECT type FROM scheduling.outbox WHERE subject = :'s' ORDER BY id",
                                           s=subject)]

    def counts(self, *tables):
        """Rows of scheduling tables (the outbox included), to show nothing was written.

        The outbox count leaves out what the scheduling ticker writes on its own
        while a test runs (absences of the many people with shifts here, the
        report reminder): those are attendance's, never a refused request's."""
        selects = ["(SELECT count(*) FROM scheduling.%s)" % t for t in tables]
        selects.append("(SELECT count(*) FROM scheduling.outbox WHERE type NOT LIKE 'attendance.%' "
                       "AND type NOT LIKE 'audit.record.attendance.%')")
        row = self.db.rows("SELECT " + ", ".join(selects))[0]
        return dict(zip(tables + ("outbox",), map(int, row)))
