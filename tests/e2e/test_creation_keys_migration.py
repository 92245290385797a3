"""Migration 0008 of the scheduling service: the Idempotency-Keys of its three
earlier tables (workforce_creation_keys of 0005, leave_idempotency_keys of 0006,
grade_idempotency_keys of 0007) are copied into the one creation_keys table and
the three are dropped.

The migrations are applied by psql, in order, to a schema of this test's own
holding rows of the three tables as the earlier code wrote them; then 0008, and
the keys must answer as before: same person, same key, the kind and request hash
and what was created. A workforce key that one person had used on two kinds
keeps its first use only (the table is per person and key now).
"""
import pathlib
import secrets

ROOT = pathlib.Path(__file__).resolve().parents[2]
COMMON = sorted((ROOT / "common" / "sql").glob("*.sql"))
MIGRATIONS = sorted((ROOT / "services" / "scheduling" / "migrations").glob("*.sql"))
UNIFYING = "0008_creation_keys.sql"


def script(*paths):
    return "\n".join(path.read_text(encoding="utf-8") for path in paths)


def test_migration_0008_copies_the_three_key_tables_and_drops_them(db):
    names = [path.name for path in MIGRATIONS]
    assert UNIFYING in names
    before = MIGRATIONS[:names.index(UNIFYING)]
    schema = "keys_" + secrets.token_hex(6)
    hash_a, hash_b, hash_c = "a" * 64, "b" * 64, "c" * 64
    setup = ("CREATE SCHEMA %s; SET search_path = %s, public;\n" % (schema, schema)
             + script(*COMMON) + "\n" + script(*before) + """
INSERT INTO leave_idempotency_keys (actor_staff_no, key, request_hash, leave_id, created_at)
VALUES ('P1', 'k-leave', '%(a)s', NULL, '2030-01-02T03:04:05Z');
INSERT INTO grade_idempotency_keys (actor_staff_id, key, method, request_hash, created_id, created_at)
VALUES ('P1', 'k-eval', 'grades.record_evaluation', '%(b)s', 17, '2030-01-03T00:00:00Z'),
       ('P2', 'k-title', 'grades.award_title', '%(b)s', 18, '2030-01-04T00:00:00Z'),
       ('P2', 'k-change', 'grades.propose_change', '%(c)s', 19, '2030-01-05T00:00:00Z');
INSERT INTO workforce_creation_keys (actor_staff_id, key, kind, request_hash, created_id)
VALUES ('P1', 'k-swap', 'swap', '%(a)s', 7),
       ('P2', 'k-both', 'handover', '%(b)s', 9),
       ('P2', 'k-both', 'countersignature', '%(c)s', 8),
       ('P3', 'k-eval', 'security_desk', '%(c)s', 5);
""" % {"a": hash_a, "b": hash_b, "c": hash_c})
    try:
        db.rows(setup)
        db.rows("SET search_path = %s, public;\n" % schema + script(*[p for p in MIGRATIONS if p.name == UNIFYING]))
        rows = db.rows("SELECT actor_staff_id, key, kind, request_hash, coalesce(created_id, 0), "
                       "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') "
                       "FROM %s.creation_keys ORDER BY 1, 2" % schema)
        copied = {(r[0], r[1]): (r[2], r[3], int(r[4])) for r in rows}
        assert copied == {
            ("P1", "k-leave"): ("leave", hash_a, 0),
            ("P1", "k-eval"): ("evaluation", hash_b, 17),
            ("P2", "k-title"): ("title", hash_b, 18),
            ("P2", "k-change"): ("grade_change", hash_c, 19),
            ("P1", "k-swap"): ("swap", hash_a, 7),
            # One person's key on two kinds: the lower id (the first made) stays.
            ("P2", "k-both"): ("countersignature", hash_c, 8),
            # The same key of another person is another key.
            ("P3", "k-eval"): ("security_desk", hash_c, 5),
        }
        dates = {(r[0], r[1]): r[5] for r in rows}
        assert dates[("P1", "k-leave")] == "2030-01-02" and dates[("P2", "k-change")] == "2030-01-05"
        left = db.rows("SELECT table_name FROM information_schema.tables WHERE table_schema = :'s' AND "
                       "table_name IN ('workforce_creation_keys', 'leave_idempotency_keys', "
                       "'grade_idempotency_keys')", s=schema)
        assert left == []
    finally:
        db.rows("DROP SCHEMA IF EXISTS %s CASCADE" % schema)
