"""Storing a batch of new tickets on PostgreSQL in two statements.

The general batch writer (`tierdesk.service.ticket_batch`) makes about nine
round trips through SQLAlchemy per batch. This writer makes two, each one
statement outside a transaction, so each is atomic by itself:

1. A read: whether a webhook subscription is active, which of the batch's
   teams have an online agent, the requesters the batch names, and new ids
   for the tickets, their decisions and the new requesters.
2. A write: every row of the batch, sent as one JSON array per table and
   inserted by a chain of data-modifying WITH clauses. PostgreSQL checks the
   foreign keys between these rows at the end of the statement.

The rows are built by the same functions as the general writer's. Two cases
go to the general writer instead: an active webhook subscription, whose
deliveries are recorded through the ORM, and a caller who may update an
existing requester.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Table

from tierdesk.service.context import ServiceContext
from tierdesk.service.requesters import new_requester_row
from tierdesk.service.ticket_batch import (
    batch_placements,
    decision_rows,
    history_rows,
    match_requesters,
    stored_tickets,
    ticket_rows,
)
from tierdesk.service.ticket_rows import NewTicketRows, PendingTicket
from tierdesk.service.transactions import (
    autocommit_driver_connection,
    run_driver_statement,
)
from tierdesk.store.access import IdempotencyKeyRow
from tierdesk.store.history import AuditRow, EventRow
from tierdesk.store.people import RequesterRow
from tierdesk.store.schema import DecisionRow, TicketRow

_READ = """
WITH named AS (
    SELECT * FROM requesters
    WHERE email = ANY(%(emails)s::text[]) OR external_id = ANY(%(ids)s::text[])
)
SELECT
    EXISTS (SELECT 1 FROM webhook_subscriptions WHERE active),
    ARRAY(
        SELECT DISTINCT member.team
        FROM agent_teams AS member JOIN agents ON agents.id = member.agent_id
        WHERE member.team = ANY(%(teams)s::text[]) AND agents.presence = 'online'
    ),
    (SELECT coalesce(json_agg(named), '[]'::json) FROM named),
    ARRAY(
        SELECT nextval(pg_get_serial_sequence('tickets', 'id'))
        FROM generate_series(1, %(tickets)s::int)
    ),
    ARRAY(
        SELECT nextval(pg_get_serial_sequence('decisions', 'id'))
        FROM generate_series(1, %(tickets)s::int)
    ),
    ARRAY(
        SELECT nextval(pg_get_serial_sequence('requesters', 'id'))
        FROM generate_series(
            1,
            %(unnamed)s::int + cardinality(%(emails)s::text[])
            - (SELECT count(*) FROM named WHERE email = ANY(%(emails)s::text[]))
        )
    )
"""

# The tables of a new ticket, in the order their rows are inserted, and
# whether the writer sends their ids. Events, audit entries and keys take
# theirs from their sequences.
_TABLES: tuple[tuple[Table, bool], ...] = (
    (RequesterRow.__table__, True),  # type: ignore[arg-type]
    (TicketRow.__table__, True),  # type: ignore[arg-type]
    (DecisionRow.__table__, True),  # type: ignore[arg-type]
    (EventRow.__table__, False),  # type: ignore[arg-type]
    (AuditRow.__table__, False),  # type: ignore[arg-type]
    (IdempotencyKeyRow.__table__, False),  # type: ignore[arg-type]
)


def write_batch_postgres(
    context: ServiceContext, batch: Sequence[PendingTicket]
) -> list[NewTicketRows] | None:
    """Store every ticket of `batch` and return them in order.

    Return None, having written nothing but sequence values, when the general
    writer must store the batch.
    """
    placements = batch_placements(batch)
    emails = sorted(
        {
            pending.draft.requester.email
            for pending in batch
            if pending.draft.requester is not None and pending.draft.requester.email
        }
    )
    named_ids = sorted({p.draft.requester_id for p in batch} - {None})  # type: ignore[type-var]
    unnamed = sum(
        1
        for pending in batch
        if pending.draft.requester is not None and not pending.draft.requester.email
    )
    parameters = {
        "emails": emails,
        "ids": named_ids,
        "teams": sorted({team for team, _, _ in placements}),
        "tickets": len(batch),
        "unnamed": unnamed,
    }
    with autocommit_driver_connection(context.engine) as connection:
        row = run_driver_statement(connection, _READ, parameters).fetchone()
        assert row is not None
        subscribed, staffed, named, ticket_ids, decision_ids, new_ids = row
        if subscribed:
            return None
        requesters = _requesters(batch, named, new_ids)
        if requesters is None:
            return None
        tickets = ticket_rows(
            batch, [r.id if r else None for r in requesters], placements
        )
        for values, ticket_id, decision_id in zip(
            tickets, ticket_ids, decision_ids, strict=True
        ):
            values.update(id=ticket_id, decision_id=decision_id)
        decisions = decision_rows(context, batch, ticket_ids)
        for values, decision_id in zip(decisions, decision_ids, strict=True):
            values["id"] = decision_id
        history = history_rows(batch, ticket_ids, placements)
        new_requesters = [
            _requester_values(r) for r in _unique_new(requesters, set(new_ids))
        ]
        rows = [
            new_requesters,
            tickets,
            decisions,
            history.events,
            history.audits,
            history.keys,
        ]
        run_driver_statement(
            connection,
            _write_statement(),
            [_json(table_rows) for table_rows in rows],
        )
    return stored_tickets(
        batch,
        tickets,
        ticket_ids,
        decisions,
        decision_ids,
        requesters,
        placements,
        set(staffed),
    )


def _requesters(
    batch: Sequence[PendingTicket], named: list[dict[str, Any]], new_ids: list[int]
) -> list[RequesterRow | None] | None:
    """Return each ticket's requester, found or new, or None when a caller may
    update an existing one."""
    by_email: dict[str, RequesterRow] = {}
    by_id: dict[str, RequesterRow] = {}
    for values in named:
        row = RequesterRow(
            **{
                name: _parse_time(value) if name.endswith("_at") else value
                for name, value in values.items()
            }
        )
        if row.email:
            by_email[row.email] = row
        by_id[row.external_id] = row
    unused = iter(new_ids)
    found: list[RequesterRow | None] = []
    for _, row, updatable in match_requesters(
        batch,
        by_email,
        by_id,
        lambda data, now: new_requester_row(data, now, next(unused)),
    ):
        if updatable:
            # The general writer updates existing requesters.
            return None
        found.append(row)
    return found


def _unique_new(
    requesters: Sequence[RequesterRow | None], new_ids: set[int]
) -> list[RequesterRow]:
    seen: dict[int, RequesterRow] = {}
    for row in requesters:
        if row is not None and row.id in new_ids:
            seen.setdefault(row.id, row)
    return list(seen.values())


def _requester_values(row: RequesterRow) -> dict[str, Any]:
    return {
        column.name: getattr(row, column.name)
        for column in RequesterRow.__table__.columns
    }


def _parse_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).astimezone(UTC)


def _json(rows: list[dict[str, Any]]) -> str:
    # orjson encodes the rows several times faster than `json`. Datetimes go
    # through `_json_value`, which rejects naive ones.
    return orjson.dumps(
        rows, default=_json_value, option=orjson.OPT_PASSTHROUGH_DATETIME
    ).decode("utf-8")


def _json_value(value: object) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            # The type, not the value, so that logs of this error contain no data.
            raise ValueError("expected a timezone-aware datetime, got naive datetime")
        return value.isoformat()
    raise TypeError(f"cannot store a {type(value).__name__} as JSON")


@functools.cache
def _write_statement() -> str:
    # NOTE: a column that a row leaves out is inserted as NULL, not as its
    # default, so the row builders must give every column that has one. The
    # tests that compare this writer's rows with the ORM writer's catch a gap.
    clauses = []
    for index, (table, with_id) in enumerate(_TABLES):
        columns = ", ".join(
            f'"{column.name}"'
            for column in table.columns
            if with_id or not column.primary_key
        )
        clauses.append(
            f'written_{index} AS (INSERT INTO "{table.name}" ({columns}) '
            f"SELECT {columns} FROM json_populate_recordset("
            f'NULL::"{table.name}", %s::json))'
        )
    return "WITH " + ",\n".join(clauses) + "\nSELECT 1"
