"""Live SLA clocks: each ticket's clocks now, and the worker's warnings and breaches.

Clocks come from `tierdesk.sla`, computed from the ticket's events under the
policy revision that decided it. A warning (or a breach found before its
warning) is recorded once per clock, however many workers run, and fires the
policy's `sla_at_risk` escalation rule in the same transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tierdesk.service.actor import Actor
from tierdesk.service.assignment import UNRESOLVED
from tierdesk.service.context import ServiceContext
from tierdesk.service.escalation import apply_escalation_rules
from tierdesk.service.history import ticket_history
from tierdesk.service.permissions import require
from tierdesk.service.policies import load_active, load_revision
from tierdesk.service.sql import insert_ignoring_conflicts
from tierdesk.service.ticket_access import find_ticket
from tierdesk.service.transactions import read_session, write_session
from tierdesk.sla import Clock, ClockStatus, SlaClocks, TargetSelector, compute_clocks
from tierdesk.store.history import SlaAlertRow
from tierdesk.store.schema import DecisionRow, TicketRow
from tierdesk.webhooks.publish import publish_events

logger = logging.getLogger(__name__)

# Unresolved tickets read per query while a sweep walks all of them.
SCAN_BATCH = 500


class ClockView(BaseModel):
    name: str
    status: str | None
    target_minutes: float | None
    elapsed_minutes: float
    remaining_minutes: float | None
    due_at: datetime | None
    warning_at: datetime | None


class SlaView(BaseModel):
    sla_policy: str
    clocks: list[ClockView]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _minutes(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 60, 2)


def _clock_view(clock: Clock, name: str) -> ClockView:
    return ClockView(
        name=name,
        status=clock.status.value if clock.status else None,
        target_minutes=_minutes(clock.target),
        elapsed_minutes=_minutes(clock.elapsed) or 0.0,
        remaining_minutes=_minutes(clock.remaining),
        due_at=clock.due_at,
        warning_at=clock.warning_at,
    )


def _watched(clocks: SlaClocks) -> list[tuple[str, Clock]]:
    watched = [
        ("first_response", clocks.first_response),
        ("resolution", clocks.resolution),
    ]
    if clocks.next_responses:
        cycle = len(clocks.next_responses) - 1
        watched.append((f"next_response:{cycle}", clocks.next_responses[-1]))
    return watched


def _clocks(
    context: ServiceContext, session: Session, ticket: TicketRow, now: datetime
) -> SlaClocks | None:
    if ticket.decision_id is None or ticket.policy_version_id is None:
        return None
    sla_id = session.scalar(
        select(DecisionRow.sla_policy).where(DecisionRow.id == ticket.decision_id)
    )
    revision = load_revision(context, session, ticket.policy_version_id)
    sla = revision.policy.sla_policies_by_id.get(sla_id or "")
    if sla is None:
        return None
    events = ticket_history(session, ticket)
    selector = TargetSelector(revision.policy, sla)
    return compute_clocks(events, sla, revision.sla_calendars(), now, selector)


def ticket_sla(
    context: ServiceContext, actor: Actor, ticket_id: str, now: datetime
) -> SlaView:
    """Return the ticket's SLA clocks at `now`."""
    require(actor, "ticket.read")
    with read_session(context.engine) as session:
        ticket = find_ticket(session, actor, ticket_id)
        clocks = _clocks(context, session, ticket, now)
    if clocks is None:
        return SlaView(sla_policy="", clocks=[])
    return SlaView(
        sla_policy=clocks.sla_policy,
        clocks=[_clock_view(clock, name) for name, clock in _watched(clocks)],
    )


def _due_alerts(clocks: SlaClocks, now: datetime) -> list[tuple[str, str, Clock]]:
    alerts = []
    for name, clock in _watched(clocks):
        if clock.stopped_at is not None or clock.target is None:
            continue
        breached = clock.status == ClockStatus.BREACHED or (
            clock.remaining is not None and clock.remaining <= timedelta(0)
        )
        warned = clock.warning_at is not None and clock.warning_at <= now
        if warned or breached:
            alerts.append((name, "warning", clock))
        if breached:
            alerts.append((name, "breach", clock))
    return alerts


def check_sla(context: ServiceContext, now: datetime) -> int:
    """Record due SLA warnings and breaches of unresolved tickets; return how many."""
    recorded = 0
    after = 0
    while True:
        with read_session(context.engine) as session:
            ticket_ids = session.scalars(
                select(TicketRow.id)
                .where(
                    TicketRow.status.in_(UNRESOLVED),
                    TicketRow.decision_id.is_not(None),
                    # A ticket created after `now` has no events up to `now`;
                    # the next sweep checks it.
                    TicketRow.created_at <= now,
                    TicketRow.id > after,
                )
                .order_by(TicketRow.id)
                .limit(SCAN_BATCH)
            ).all()
        # NOTE: clocks are evaluated one ticket at a time, which suits thousands
        # of open tickets; `tierdesk.sla.clock_table` would batch larger queues.
        for ticket_id in ticket_ids:
            try:
                recorded += _check_ticket(context, ticket_id, now)
            except Exception as exc:
                # One ticket's failure must not stop the alerts of the others.
                # The class only: the message may quote ticket data.
                logger.error(
                    "SLA check of ticket row %s failed with %s; skipped",
                    ticket_id,
                    type(exc).__name__,
                )
        if len(ticket_ids) < SCAN_BATCH:
            return recorded
        after = ticket_ids[-1]


def _check_ticket(context: ServiceContext, ticket_id: int, now: datetime) -> int:
    with read_session(context.engine) as session:
        ticket = session.get(TicketRow, ticket_id)
        clocks = _clocks(context, session, ticket, now) if ticket else None
    if clocks is None:
        return 0
    alerts = _due_alerts(clocks, now)
    return _record(context, ticket_id, alerts, now) if alerts else 0


def _record(
    context: ServiceContext,
    ticket_id: int,
    alerts: list[tuple[str, str, Clock]],
    now: datetime,
) -> int:
    with read_session(context.engine) as session:
        active = load_active(context, session)
    recorded = 0
    with write_session(context.engine) as session:
        ticket = session.scalar(
            select(TicketRow).where(TicketRow.id == ticket_id).with_for_update()
        )
        if ticket is None or ticket.status not in UNRESOLVED:
            return 0
        at_risk = False
        for clock_name, kind, clock in alerts:
            # RETURNING yields an id only for an inserted row, on both databases.
            inserted = session.scalar(
                insert_ignoring_conflicts(session, SlaAlertRow)
                .values(
                    ticket_id=ticket_id,
                    clock=clock_name,
                    kind=kind,
                    due_at=clock.due_at,
                    at=now,
                )
                .returning(SlaAlertRow.id)
            )
            if inserted is not None:
                recorded += 1
                at_risk = at_risk or kind == "warning"
                event_type = "sla.warning" if kind == "warning" else "sla.breached"
                details = {"clock": clock_name, "due_at": _iso(clock.due_at)}
                publish_events(session, active, ticket, now, [(event_type, details)])
                logger.info(
                    "SLA %s on clock %s of ticket %s",
                    kind,
                    clock_name,
                    ticket.external_id,
                )
        if at_risk:
            apply_escalation_rules(session, active, ticket, "sla_at_risk", now)
    return recorded
