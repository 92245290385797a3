"""docs/EVENTS.md lists every event type kefu emits.

Runs after the other end-to-end tests (pytest collects files by name), when
they have made every service emit what it emits, and compares the types found
in every service's outbox with the catalogue.
"""
import pathlib
import re

CATALOGUE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "EVENTS.md"


def catalogued_types():
    text = CATALOGUE.read_text(encoding="utf-8")
    # A type is documented as the first cell of a table row: | `ticket.created` | ...
    # (it has a dot, unlike the envelope's field names, also listed in tables).
    return set(re.findall(r"^\|\s*`([a-z0-9_]+\.[a-z0-9_.]+)`\s*\|", text, flags=re.M))


def test_every_emitted_event_type_is_catalogued(db):
    # The services' schemas are those owned by their kefu_<service> roles
    # (deploy/postgres/bootstrap.sql); unit tests make scratch schemas of
    # their own, owned by the superuser, which are no part of kefu.
    schemas = [row[0] for row in db.rows(
        "SELECT n.nspname FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner "
        "JOIN information_schema.tables t ON t.table_schema = n.nspname AND t.table_name = 'outbox' "
        "WHERE r.rolname LIKE 'kefu\\_%'")]
    assert "tickets" in schemas, schemas
    emitted = set()
    for schema in schemas:
        assert re.fullmatch(r"[a-z_]+", schema), schema
        emitted |= {row[0] for row in db.rows(f"SELECT DISTINCT type FROM {schema}.outbox")}
    assert emitted, "no events at all: did the other tests run?"
    missing = sorted(emitted - catalogued_types())
    assert not missing, f"event types emitted but missing from docs/EVENTS.md: {missing}"


def test_catalogue_names_only_wellformed_types():
    for event_type in catalogued_types():
        assert re.fullmatch(r"[a-z]+(\.[a-z_]+)+", event_type), event_type
