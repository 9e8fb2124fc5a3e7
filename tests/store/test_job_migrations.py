"""Migrations 0006 and 0007: webhook, e-mail and job tables, up and down."""

from __future__ import annotations

from sqlalchemy import inspect, text

from tierdesk.store.db import downgrade, make_engine, upgrade

NEW_TABLES = {
    "webhook_subscriptions",
    "webhook_deliveries",
    "webhook_attempts",
    "email_messages",
    "job_outbox",
}
QUEUE_TABLES = {"procrastinate_jobs", "procrastinate_events", "procrastinate_workers"}


def _tables(engine) -> set[str]:  # type: ignore[no-untyped-def]
    return set(inspect(engine).get_table_names())


def test_job_migrations_up_and_down(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    postgres = engine.dialect.name == "postgresql"
    assert _tables(engine) >= NEW_TABLES
    assert (_tables(engine) >= QUEUE_TABLES) is postgres
    assert not QUEUE_TABLES & _tables(engine) or postgres
    survey_columns = {c["name"] for c in inspect(engine).get_columns("csat_surveys")}
    assert {"email_status", "email_message_id", "emailed_at"} <= survey_columns

    downgrade(engine, "0005")
    assert not (NEW_TABLES | QUEUE_TABLES) & _tables(engine)
    if postgres:
        with engine.connect() as connection:
            left = connection.execute(
                text("SELECT count(*) FROM pg_proc WHERE proname LIKE 'procrastinate%'")
            ).scalar()
        assert left == 0

    upgrade(engine)
    assert _tables(engine) >= NEW_TABLES
    engine.dispose()
