"""Migrations of the service tables, up and down, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect, text

from tierdesk.store.db import downgrade, make_engine, upgrade

SERVICE_TABLES = {
    "policy_versions",
    "active_policy",
    "requesters",
    "agents",
    "agent_teams",
    "events",
    "comments",
    "api_tokens",
    "audit_log",
    "idempotency_keys",
    "bugs",
    "ticket_bugs",
    "csat_surveys",
}
TICKET_COLUMNS = {"team", "agent_id", "queued_at", "reopen_count", "priority_rank"}


def _tables(engine) -> set[str]:  # type: ignore[no-untyped-def]
    return set(inspect(engine).get_table_names())


def _ticket_columns(engine) -> set[str]:  # type: ignore[no-untyped-def]
    return {column["name"] for column in inspect(engine).get_columns("tickets")}


def test_service_migrations_up_and_down(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO tickets (external_id, subject, body, status, imported_at) "
                "VALUES ('T-old', 's', 'b', 'new', :now)"
            ),
            {"now": datetime(2024, 1, 1, tzinfo=UTC)},
        )
    upgrade(engine)
    assert _tables(engine) >= SERVICE_TABLES
    assert _ticket_columns(engine) >= TICKET_COLUMNS
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT reopen_count, priority_rank, team FROM tickets")
        ).one()
    assert tuple(row) == (0, 0, None)

    downgrade(engine, "0003")
    assert not {"bugs", "ticket_bugs", "csat_surveys"} & _tables(engine)
    assert "api_tokens" in _tables(engine)
    downgrade(engine, "0001")
    assert not SERVICE_TABLES & _tables(engine)
    assert not TICKET_COLUMNS & _ticket_columns(engine)
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT external_id FROM tickets")).scalar()
    assert kept == "T-old"

    upgrade(engine)
    assert _tables(engine) >= SERVICE_TABLES
    engine.dispose()
