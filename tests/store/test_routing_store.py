"""Storage of tickets and decisions on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, inspect, select

from tierdesk.classify.predict import Prediction
from tierdesk.policy import parse_policy
from tierdesk.route.router import Router
from tierdesk.store.db import downgrade, make_engine, upgrade
from tierdesk.store.routing import store_routing
from tierdesk.store.schema import AccountRow, DecisionRow, TicketRow
from tierdesk.ticket import Ticket

NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)


def _batch(small_policy_text: str) -> tuple[list[Ticket], list]:
    router = Router(parse_policy(small_policy_text, "p.yaml").policy)
    created = datetime(2024, 5, 6, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    tickets = [
        Ticket(id="T-1", subject="reset", account_id="A-1", created_at=created),
        Ticket(id="T-2", subject="ads", body="not spending", account_id="A-2"),
    ]
    decisions = [
        router.decide(tickets[0], {"spend": 500000}, Prediction("password_reset", 0.9)),
        router.decide(tickets[1], {"spend": 10}, Prediction("ad_delivery", 0.8)),
    ]
    return tickets, decisions


def test_store_is_idempotent(database_url: str, small_policy_text: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    tickets, decisions = _batch(small_policy_text)
    accounts = {"A-1": {"spend": 500000.0}, "A-2": {"spend": 10.0}}
    arguments = dict(
        tickets=tickets,
        decisions=decisions,
        accounts=accounts,
        policy_digest="p" * 64,
        model_digest="m" * 64,
    )
    first = store_routing(engine, now=NOW, **arguments)
    second = store_routing(engine, now=NOW + timedelta(hours=1), **arguments)
    assert first.tickets_new == 2
    assert first.decisions_new == 2
    assert second.tickets_new == 0
    assert second.decisions_new == 0
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(TicketRow)) == 2
        assert connection.scalar(select(func.count()).select_from(DecisionRow)) == 2
        assert connection.scalar(select(func.count()).select_from(AccountRow)) == 2
    engine.dispose()


def test_new_policy_adds_decisions(database_url: str, small_policy_text: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    tickets, decisions = _batch(small_policy_text)
    for digest in ("a" * 64, "b" * 64):
        store_routing(
            engine,
            tickets=tickets,
            decisions=decisions,
            accounts={},
            policy_digest=digest,
            model_digest="m" * 64,
            now=NOW,
        )
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(DecisionRow)) == 4
        assert connection.scalar(select(func.count()).select_from(TicketRow)) == 2
    engine.dispose()


def test_decision_fields_and_aware_times(
    database_url: str, small_policy_text: str
) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    tickets, decisions = _batch(small_policy_text)
    store_routing(
        engine,
        tickets=tickets,
        decisions=decisions,
        accounts={},
        policy_digest="p" * 64,
        model_digest="m" * 64,
        now=NOW,
    )
    with engine.connect() as connection:
        ticket = connection.execute(
            select(TicketRow).where(TicketRow.external_id == "T-1")
        ).one()
        decision = connection.execute(
            select(DecisionRow).where(DecisionRow.ticket_id == ticket.id)
        ).one()
    assert ticket.created_at == datetime(2024, 5, 6, 7, 30, tzinfo=UTC)
    assert ticket.created_at.tzinfo is not None
    assert decision.decided_at == NOW
    assert decision.team == "specialists"
    assert decision.rule == "enterprise"
    assert decision.tags == ["vip"]
    assert decision.first_response_target_minutes == 120.0
    engine.dispose()


def test_migrations_down_and_up(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    assert {"accounts", "tickets", "decisions"} <= set(
        inspect(engine).get_table_names()
    )
    downgrade(engine, "base")
    assert not {"accounts", "tickets", "decisions"} & set(
        inspect(engine).get_table_names()
    )
    upgrade(engine)
    assert {"accounts", "tickets", "decisions"} <= set(
        inspect(engine).get_table_names()
    )
    engine.dispose()


def test_naive_datetime_is_rejected(tmp_path, small_policy_text: str) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    upgrade(engine)
    tickets, decisions = _batch(small_policy_text)
    with pytest.raises(Exception, match="timezone-aware"):
        store_routing(
            engine,
            tickets=tickets,
            decisions=decisions,
            accounts={},
            policy_digest="p" * 64,
            model_digest="m" * 64,
            now=datetime(2024, 1, 1),  # noqa: DTZ001
        )
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(TicketRow)) == 0
    engine.dispose()


def test_sqlite_uses_wal(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    assert mode == "wal"
    engine.dispose()
