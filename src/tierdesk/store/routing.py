"""Store tickets, accounts and their routing decisions, idempotently.

Tickets are keyed by their external id, accounts likewise, and decisions by
(ticket, policy digest, model digest), so routing the same input again under
the same policy and model updates rows in place and adds none.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects import postgresql, sqlite

from tierdesk.route.decision import Decision
from tierdesk.store.schema import AccountRow, DecisionRow, TicketRow
from tierdesk.ticket import Ticket

# Rows per INSERT statement; keeps statements under SQLite's variable limit.
_CHUNK = 500


@dataclass(frozen=True)
class StoreCounts:
    tickets_new: int
    tickets_total: int
    decisions_new: int
    decisions_total: int
    accounts: int


def _insert(engine: Engine, table: Any) -> Any:
    if engine.dialect.name == "postgresql":
        return postgresql.insert(table)
    if engine.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(
        f"idempotent storage supports SQLite and PostgreSQL, not {engine.dialect.name}"
    )


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def store_routing(
    engine: Engine,
    *,
    tickets: Sequence[Ticket],
    decisions: Sequence[Decision],
    accounts: Mapping[str, Mapping[str, Any]],
    policy_digest: str,
    model_digest: str,
    now: datetime,
) -> StoreCounts:
    """Upsert accounts, tickets and decisions in one transaction.

    Either everything is stored or, on error, nothing is.
    """
    with engine.begin() as connection:
        if accounts:
            account_rows = [
                {"external_id": key, "attributes": dict(values), "updated_at": now}
                for key, values in accounts.items()
            ]
            statement = _insert(engine, AccountRow.__table__)
            statement = statement.on_conflict_do_update(
                index_elements=["external_id"],
                set_={"attributes": statement.excluded.attributes, "updated_at": now},
            )
            for chunk in _chunks(account_rows):
                connection.execute(statement, list(chunk))

        before = connection.scalar(select(func.count()).select_from(TicketRow))
        ticket_rows = [
            {
                "external_id": t.id,
                "account_external_id": t.account_id,
                "subject": t.subject,
                "body": t.body,
                "channel": t.channel,
                "language": t.language,
                "priority": t.priority,
                "status": "new",
                "created_at": t.created_at,
                "imported_at": now,
            }
            for t in tickets
        ]
        statement = _insert(engine, TicketRow.__table__)
        statement = statement.on_conflict_do_update(
            index_elements=["external_id"],
            set_={
                name: statement.excluded[name]
                for name in (
                    "account_external_id",
                    "subject",
                    "body",
                    "channel",
                    "language",
                    "priority",
                    "created_at",
                )
            },
        )
        for chunk in _chunks(ticket_rows):
            connection.execute(statement, list(chunk))
        tickets_total = connection.scalar(select(func.count()).select_from(TicketRow))

        ids: dict[str, int] = {}
        external_ids = [t.id for t in tickets]
        for chunk in _chunks(external_ids):
            for external_id, row_id in connection.execute(
                select(TicketRow.external_id, TicketRow.id).where(
                    TicketRow.external_id.in_(chunk)
                )
            ):
                ids[external_id] = row_id

        decisions_before = connection.scalar(
            select(func.count()).select_from(DecisionRow)
        )
        decision_rows = [
            _decision_row(d, ids[d.ticket_id], policy_digest, model_digest, now)
            for d in decisions
        ]
        statement = _insert(engine, DecisionRow.__table__)
        statement = statement.on_conflict_do_update(
            index_elements=["ticket_id", "policy_digest", "model_digest"],
            set_={
                name: statement.excluded[name]
                for name in decision_rows[0]
                if name not in ("ticket_id", "policy_digest", "model_digest")
            }
            if decision_rows
            else {"reason": statement.excluded.reason},
        )
        for chunk in _chunks(decision_rows):
            connection.execute(statement, list(chunk))
        decisions_total = connection.scalar(
            select(func.count()).select_from(DecisionRow)
        )
    return StoreCounts(
        tickets_new=tickets_total - before,
        tickets_total=tickets_total,
        decisions_new=decisions_total - decisions_before,
        decisions_total=decisions_total,
        accounts=len(accounts),
    )


def _decision_row(
    decision: Decision,
    ticket_row_id: int,
    policy_digest: str,
    model_digest: str,
    now: datetime,
) -> dict[str, Any]:
    record = decision.as_record()
    return {
        "ticket_id": ticket_row_id,
        "policy_version": decision.policy_version,
        "policy_digest": policy_digest,
        "model_digest": model_digest,
        "segment": decision.segment,
        "segment_rule": decision.segment_rule,
        "inquiry_type": decision.inquiry_type,
        "confidence": decision.confidence,
        "complexity": decision.complexity,
        "complexity_source": decision.complexity_source,
        "priority": decision.priority,
        "tier": decision.tier,
        "team": decision.team,
        "team_kind": decision.team_kind,
        "sla_policy": decision.sla_policy,
        "first_response_target_minutes": record["first_response_target_minutes"],
        "resolution_target_minutes": record["resolution_target_minutes"],
        "sla_time": decision.sla_time,
        "rule": decision.rule,
        "triage": decision.triage,
        "tags": list(decision.tags),
        "reason": decision.reason,
        "decided_at": now,
    }
