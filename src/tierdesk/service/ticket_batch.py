"""Storing new tickets in batches: the rows of many tickets in one transaction.

The group commit (`tierdesk.service.group_commit`) hands this module the
tickets that arrive together. Their rows are the same as those of
`tierdesk.service.ticket_rows`, whose value builders this module shares, but
each table takes one multi-row statement per batch instead of one per ticket.
The ORM's unit of work is used only for requesters and, when a webhook
subscription is active, for the deliveries, whose jobs are enqueued together.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from tierdesk.events import EventKind
from tierdesk.jobs.names import DELIVER_WEBHOOK
from tierdesk.jobs.queue import enqueue_many
from tierdesk.service.audit import audit_values
from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import unknown_reference
from tierdesk.service.permissions import may_do_anywhere
from tierdesk.service.queues import queue_placement
from tierdesk.service.requesters import (
    RequesterInput,
    apply_requester_input,
    new_requester,
)
from tierdesk.service.ticket_rows import (
    NewTicketRows,
    PendingTicket,
    created_attributes,
    created_events,
    decision_values,
    idempotency_values,
    queue_attributes,
    ticket_values,
)
from tierdesk.service.ticket_views import WrittenRow, assemble_view
from tierdesk.service.transactions import write_session
from tierdesk.store.access import IdempotencyKeyRow
from tierdesk.store.history import AuditRow, EventRow
from tierdesk.store.people import AgentRow, AgentTeamRow, RequesterRow
from tierdesk.store.schema import Base, DecisionRow, TicketRow
from tierdesk.store.webhooks import WebhookSubscriptionRow
from tierdesk.webhooks.publish import active_subscriptions, publish_events


def write_new_tickets(
    context: ServiceContext, batch: Sequence[PendingTicket]
) -> list[NewTicketRows]:
    """Store every ticket of `batch` in one transaction; return them in order."""
    with write_session(context.engine) as session:
        return _write_batch(context, session, batch, active_subscriptions(session))


def _write_batch(
    context: ServiceContext,
    session: Session,
    batch: Sequence[PendingTicket],
    subscriptions: Sequence[WebhookSubscriptionRow],
) -> list[NewTicketRows]:
    placements = batch_placements(batch)
    staffed = _teams_with_online_agent(session, {team for team, _, _ in placements})
    requesters, requesters_as_of = _requesters(session, batch)

    tickets = ticket_rows(
        batch, [row.id if row else None for row in requesters], placements
    )
    ticket_ids = _insert_returning_ids(session, TicketRow, tickets)
    decisions = decision_rows(context, batch, ticket_ids)
    decision_ids = _insert_returning_ids(session, DecisionRow, decisions)
    # One statement: each of these tickets has exactly one decision so far.
    tickets_table, decisions_table = TicketRow.__table__, DecisionRow.__table__
    session.connection().execute(
        update(tickets_table)
        .where(tickets_table.c.id.in_(ticket_ids))
        .values(
            decision_id=select(decisions_table.c.id)
            .where(decisions_table.c.ticket_id == tickets_table.c.id)
            .scalar_subquery()
        )
    )
    for values, decision_id in zip(tickets, decision_ids, strict=True):
        values["decision_id"] = decision_id

    history = history_rows(batch, ticket_ids, placements)
    _insert(session, EventRow, history.events)
    _insert(session, AuditRow, history.audits)
    if history.keys:
        _insert(session, IdempotencyKeyRow, history.keys)
    if subscriptions:
        _publish_created(
            session, batch, tickets, ticket_ids, requesters_as_of, subscriptions
        )
    return stored_tickets(
        batch,
        tickets,
        ticket_ids,
        decisions,
        decision_ids,
        requesters_as_of,
        placements,
        staffed,
    )


def _publish_created(
    session: Session,
    batch: Sequence[PendingTicket],
    tickets: Sequence[dict[str, Any]],
    ticket_ids: Sequence[int],
    requesters: Sequence[WrittenRow | None],
    subscriptions: Sequence[WebhookSubscriptionRow],
) -> None:
    """Add the webhook deliveries of new tickets and enqueue their jobs together."""
    jobs: list[tuple[datetime, dict[str, Any]]] = []
    for pending, values, ticket_id, requester in zip(
        batch, tickets, ticket_ids, requesters, strict=True
    ):
        # A new ticket has no agent and was never solved.
        row = WrittenRow(
            {**values, "id": ticket_id, "agent_id": None, "solved_at": None}
        )
        publish_events(
            session,
            pending.revision,
            row,
            pending.now,
            created_events(pending.decision, row),
            subscriptions=subscriptions,
            jobs=jobs,
            requester=requester,
        )
    enqueue_many(session, DELIVER_WEBHOOK, jobs)


Placement = tuple[str, str, dict[str, Any]]


def batch_placements(batch: Sequence[PendingTicket]) -> list[Placement]:
    """Return the team, tier and team_assigned attributes of each new ticket."""
    return [
        queue_placement(
            pending.revision,
            pending.decision.team,
            pending.now,
            queue_attributes(pending.decision),
        )
        for pending in batch
    ]


def ticket_rows(
    batch: Sequence[PendingTicket],
    requester_ids: Sequence[int | None],
    placements: Sequence[Placement],
) -> list[dict[str, Any]]:
    """Return the ticket rows of a batch, queued in their teams, without ids."""
    rows = []
    for pending, requester_id, (team, tier, _) in zip(
        batch, requester_ids, placements, strict=True
    ):
        values = ticket_values(pending, requester_id)
        values.update(team=team, tier=tier, queued_at=pending.now)
        rows.append(values)
    return rows


def decision_rows(
    context: ServiceContext,
    batch: Sequence[PendingTicket],
    ticket_ids: Sequence[int],
) -> list[dict[str, Any]]:
    """Return the decision rows of a batch, without ids."""
    return [
        {"ticket_id": ticket_id, **decision_values(context, pending)}
        for pending, ticket_id in zip(batch, ticket_ids, strict=True)
    ]


@dataclass(frozen=True)
class HistoryRows:
    events: list[dict[str, Any]]
    audits: list[dict[str, Any]]
    keys: list[dict[str, Any]]


def history_rows(
    batch: Sequence[PendingTicket],
    ticket_ids: Sequence[int],
    placements: Sequence[Placement],
) -> HistoryRows:
    """Return the first two events, the audit entry and the idempotency key of
    each new ticket."""
    history = HistoryRows([], [], [])
    for pending, ticket_id, (team, tier, attributes) in zip(
        batch, ticket_ids, placements, strict=True
    ):
        actor, now = pending.actor, pending.now
        # The created event comes before the ticket has a team, as in
        # `tierdesk.service.ticket_rows`.
        first = {"ticket_id": ticket_id, "at": now, "actor": actor.name}
        first.update(agent=None, status="new", source_status=None)
        history.events.append(
            {
                **first,
                "sequence": 0,
                "kind": EventKind.CREATED.value,
                "team": None,
                "tier": None,
                "attributes": created_attributes(pending.ticket, pending.decision),
            }
        )
        history.events.append(
            {
                **first,
                "sequence": 1,
                "kind": EventKind.TEAM_ASSIGNED.value,
                "team": team,
                "tier": tier,
                "attributes": attributes,
            }
        )
        history.audits.append(
            audit_values(actor, "ticket.create", "ticket", pending.ticket.id, now, {})
        )
        if pending.idempotency_key is not None:
            history.keys.append(
                {
                    **idempotency_values(pending),
                    "ticket_id": ticket_id,
                    "created_at": now,
                }
            )
    return history


def stored_tickets(
    batch: Sequence[PendingTicket],
    tickets: Sequence[dict[str, Any]],
    ticket_ids: Sequence[int],
    decisions: Sequence[dict[str, Any]],
    decision_ids: Sequence[int],
    requesters: Sequence[RequesterRow | WrittenRow | None],
    placements: Sequence[Placement],
    staffed: set[str],
) -> list[NewTicketRows]:
    """Return the views of the stored tickets, built from the rows in hand."""
    stored = []
    for index, pending in enumerate(batch):
        ticket = WrittenRow({**tickets[index], "id": ticket_ids[index]})
        decision = WrittenRow({**decisions[index], "id": decision_ids[index]})
        # A new ticket has no agent, closing time or bugs yet.
        ticket.solved_at = ticket.closed_at = None
        view = assemble_view(
            ticket,
            pending.actor,
            requester=requesters[index],
            agent=None,
            decision=decision,
            version_label=pending.revision.policy.version_label,
            bugs=[],
        )
        team = placements[index][0]
        stored.append(NewTicketRows(view, team, team in staffed))
    return stored


def _insert_returning_ids(
    session: Session, model: type[TicketRow | DecisionRow], rows: list[dict[str, Any]]
) -> list[int]:
    # Core statements on the session's connection: the ORM's bulk insert would
    # add its own bookkeeping, which these rows do not need.
    table = model.__table__
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(session.connection().scalars(statement, rows))


def _insert(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    # Without RETURNING, psycopg sends one short INSERT per row, all in one
    # pipeline: one round trip, and no long statement text to parse.
    session.connection().execute(insert(model.__table__), rows)


def _teams_with_online_agent(session: Session, teams: set[str]) -> set[str]:
    return set(
        session.scalars(
            select(AgentTeamRow.team)
            .distinct()
            .join(AgentRow, AgentTeamRow.agent_id == AgentRow.id)
            .where(AgentTeamRow.team.in_(sorted(teams)), AgentRow.presence == "online")
        )
    )


def _requesters(
    session: Session, batch: Sequence[PendingTicket]
) -> tuple[list[RequesterRow | None], list[WrittenRow | None]]:
    """Find, update or create each ticket's requester, as `upsert_requester` does.

    Return the rows, and the requester of each ticket as it was once that
    ticket's input was applied.
    """
    emails = {
        pending.draft.requester.email
        for pending in batch
        if pending.draft.requester is not None and pending.draft.requester.email
    }
    ids = {pending.draft.requester_id for pending in batch} - {None}
    by_email: dict[str, RequesterRow] = {}
    by_id: dict[str, RequesterRow] = {}
    if emails:
        for row in session.scalars(
            select(RequesterRow).where(RequesterRow.email.in_(sorted(emails)))
        ):
            by_email[row.email] = row  # type: ignore[index]
    if ids:
        for row in session.scalars(
            select(RequesterRow).where(RequesterRow.external_id.in_(sorted(ids)))
        ):
            by_id[row.external_id] = row

    found: list[RequesterRow | None] = []
    as_of: list[WrittenRow | None] = []
    create = functools.partial(new_requester, session)
    for pending, row, updatable in match_requesters(batch, by_email, by_id, create):
        if updatable:
            # Only callers who may change any requester update one here.
            data = pending.draft.requester
            assert row is not None and data is not None
            apply_requester_input(row, data, pending.now)
        found.append(row)
        as_of.append(_snapshot(row) if row is not None else None)
    if any(row is not None for row in found):
        session.flush()
    return found, as_of


def match_requesters(
    batch: Sequence[PendingTicket],
    by_email: dict[str, RequesterRow],
    by_id: dict[str, RequesterRow],
    create: Callable[[RequesterInput, datetime], RequesterRow],
) -> Iterator[tuple[PendingTicket, RequesterRow | None, bool]]:
    """Yield each ticket with its requester and whether the caller may update it.

    A requester given by e-mail address is taken from `by_email`, or made by
    `create` with the ticket's input applied and added there. One given by id
    is taken from `by_id`, and an unknown id raises. The flag is true only for
    an existing requester named by e-mail when the caller may change any
    requester. Each batch writer decides what to do then.
    """
    for pending in batch:
        data, now = pending.draft.requester, pending.now
        if data is not None:
            row = by_email.get(data.email) if data.email else None
            if row is None:
                row = create(data, now)
                apply_requester_input(row, data, now)
                if data.email:
                    by_email[data.email] = row
                yield pending, row, False
            else:
                yield pending, row, may_do_anywhere(pending.actor, "requester.write")
        elif pending.draft.requester_id is not None:
            row = by_id.get(pending.draft.requester_id)
            if row is None:
                raise unknown_reference(
                    "requester", pending.draft.requester_id, "requester_id"
                )
            yield pending, row, False
        else:
            yield pending, None, False


def _snapshot(row: RequesterRow) -> WrittenRow:
    # Later tickets of the batch may update the same requester, and each
    # ticket's view and deliveries must show, and mask, the requester as it
    # was when that ticket was stored.
    return WrittenRow(
        {
            column.name: getattr(row, column.name)
            for column in RequesterRow.__table__.columns
        }
    )
