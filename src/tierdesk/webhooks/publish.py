"""Turning ticket and SLA events into webhook deliveries, in the event's transaction.

Each matching subscription gets one delivery row with the exact JSON body and
one job that sends it. Bodies carry ids and routing fields. Subject, body,
requester contact and free-text reasons are added only for subscriptions with
`include_content`. They are masked as for vendor agents when the subscription
is limited to teams and one of them is a vendor team.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tierdesk.jobs.names import DELIVER_WEBHOOK
from tierdesk.jobs.queue import enqueue
from tierdesk.route.decision import Decision
from tierdesk.service.actor import Actor, Role
from tierdesk.service.masking import mask_text
from tierdesk.service.policy_cache import PolicyRevision
from tierdesk.service.ticket_views import WrittenRow, requester_view
from tierdesk.store.people import AgentRow, RequesterRow
from tierdesk.store.schema import TicketRow
from tierdesk.store.webhooks import WebhookDeliveryRow, WebhookSubscriptionRow

EVENT_TYPES = (
    "ticket.created",
    "ticket.routed",
    "ticket.escalated",
    "sla.warning",
    "sla.breached",
    "ticket.solved",
)
# Keys of event details that hold free text written by people.
_TEXT_DETAILS = frozenset({"reason"})
_FULL_VIEW = Actor(name="webhook", role=Role.ADMIN)
_MASKED_VIEW = Actor(name="webhook", role=Role.VENDOR_AGENT)


def publish_events(
    session: Session,
    revision: PolicyRevision,
    ticket: TicketRow | WrittenRow,
    now: datetime,
    events: Sequence[tuple[str, dict[str, Any]]],
    *,
    teams: Iterable[str] = (),
    subscriptions: Sequence[WebhookSubscriptionRow] | None = None,
    jobs: list[tuple[datetime, dict[str, Any]]] | None = None,
    requester: RequesterRow | WrittenRow | None = None,
) -> int:
    """Add a delivery and its job for each subscription to each event; return how many.

    `events` are (event type, details) pairs about `ticket`, whose state after
    the change is sent. A team-limited subscription matches when the ticket's
    team, or one of `teams` (such as the team an escalation left), is its own.
    `subscriptions`, when the caller has read them in this transaction, saves
    reading them again. With `jobs`, the delivery jobs are appended there for
    the caller to enqueue together, instead of one by one. `requester` is the
    ticket's requester as of the change, when it is not the one stored now.
    """
    if subscriptions is None:
        subscriptions = active_subscriptions(session)
    if not subscriptions:
        return 0
    involved = {ticket.team, *teams} - {None}
    added = 0
    for subscription in subscriptions:
        if subscription.teams and not involved & set(subscription.teams):
            continue
        for event_type, details in events:
            if event_type not in subscription.events:
                continue
            _add_delivery(
                session,
                revision,
                subscription,
                ticket,
                event_type,
                details,
                now,
                jobs,
                requester,
            )
            added += 1
    return added


def active_subscriptions(session: Session) -> Sequence[WebhookSubscriptionRow]:
    return session.scalars(
        select(WebhookSubscriptionRow)
        .where(WebhookSubscriptionRow.active.is_(True))
        .order_by(WebhookSubscriptionRow.id)
    ).all()


def _add_delivery(
    session: Session,
    revision: PolicyRevision,
    subscription: WebhookSubscriptionRow,
    ticket: TicketRow | WrittenRow,
    event_type: str,
    details: dict[str, Any],
    now: datetime,
    jobs: list[tuple[datetime, dict[str, Any]]] | None,
    requester: RequesterRow | WrittenRow | None,
) -> None:
    delivery_id = str(uuid.uuid4())
    body = {
        "id": delivery_id,
        "type": event_type,
        "occurred_at": now.isoformat(),
        "subscription_id": subscription.external_id,
        "data": ticket_data(
            session, revision, subscription, ticket, details, requester
        ),
    }
    session.add(
        WebhookDeliveryRow(
            delivery_id=delivery_id,
            subscription_id=subscription.id,
            event_type=event_type,
            ticket_id=ticket.id,
            payload=json.dumps(body, sort_keys=True, separators=(",", ":")),
            status="pending",
            attempt=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    if jobs is None:
        enqueue(session, DELIVER_WEBHOOK, now, delivery=delivery_id, attempt=1)
    else:
        jobs.append((now, {"delivery": delivery_id, "attempt": 1}))


def routed_details(
    decision: Decision, ticket: TicketRow | WrittenRow
) -> dict[str, Any]:
    """Return the details of a ticket.routed event: the rule and why it matched.

    The reason is generated from the policy, so it contains no personal data.
    """
    details: dict[str, Any] = {
        "rule": decision.rule,
        "decision_reason": decision.reason,
        "sla_policy": decision.sla_policy,
        "triage": decision.triage,
    }
    if ticket.team != decision.team:
        details["fallback_for"] = decision.team
    return details


def masks_content(revision: PolicyRevision, teams: Iterable[str]) -> bool:
    """Return whether a subscription limited to `teams` gets masked content.

    A team the active policy no longer defines counts as a vendor team.
    """
    by_id = revision.policy.teams_by_id
    return any(team not in by_id or by_id[team].kind == "vendor" for team in teams)


def ticket_data(
    session: Session,
    revision: PolicyRevision,
    subscription: WebhookSubscriptionRow,
    ticket: TicketRow | WrittenRow,
    details: dict[str, Any],
    requester: RequesterRow | WrittenRow | None = None,
) -> dict[str, Any]:
    """Return the `data` object of a delivery: the ticket and the event's details.

    Without `requester`, the ticket's stored requester is read.
    """
    if requester is None and ticket.requester_id:
        requester = session.get(RequesterRow, ticket.requester_id)
    agent = session.get(AgentRow, ticket.agent_id) if ticket.agent_id else None
    summary: dict[str, Any] = {
        "id": ticket.external_id,
        "status": ticket.status,
        "channel": ticket.channel,
        "language": ticket.language,
        "priority": ticket.priority,
        "segment": ticket.segment,
        "inquiry_type": ticket.inquiry_type,
        "confidence": ticket.confidence,
        "complexity": ticket.complexity,
        "team": ticket.team,
        "tier": ticket.tier,
        "agent_id": agent.external_id if agent else None,
        "requester_id": requester.external_id if requester else None,
        "account_id": ticket.account_external_id,
        "reopen_count": ticket.reopen_count,
        "policy_revision": ticket.policy_version_id,
        "created_at": _iso(ticket.created_at),
        "updated_at": _iso(ticket.updated_at),
        "solved_at": _iso(ticket.solved_at),
    }
    event = {k: v for k, v in details.items() if k not in _TEXT_DETAILS}
    if subscription.include_content:
        masked = bool(subscription.teams) and masks_content(
            revision, subscription.teams
        )
        names = [requester.name] if requester and requester.name else []

        def shown(text: str) -> str:
            return mask_text(text, names) if masked else text

        viewer = _MASKED_VIEW if masked else _FULL_VIEW
        summary["subject"] = shown(ticket.subject)
        summary["body"] = shown(ticket.body)
        summary["requester"] = (
            requester_view(requester, viewer).model_dump() if requester else None
        )
        event.update(
            {k: shown(str(v)) for k, v in details.items() if k in _TEXT_DETAILS}
        )
    return {"ticket": summary, **event}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
