"""Webhook subscriptions and their deliveries, as admins manage and inspect them."""

from __future__ import annotations

import ipaddress
import json
import secrets
import socket
import uuid
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, StrictBool, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from tierdesk.jobs.names import DELIVER_WEBHOOK
from tierdesk.jobs.queue import enqueue
from tierdesk.service.actor import Actor
from tierdesk.service.audit import record_audit
from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import (
    Conflict,
    InvalidInput,
    not_found,
    unknown_reference,
)
from tierdesk.service.fields import InputModel
from tierdesk.service.permissions import require
from tierdesk.service.policies import load_active
from tierdesk.service.transactions import read_session, write_session
from tierdesk.store.webhooks import (
    WebhookAttemptRow,
    WebhookDeliveryRow,
    WebhookSubscriptionRow,
)
from tierdesk.webhooks.publish import EVENT_TYPES
from tierdesk.webhooks.transport import is_link_local

EventType = Literal[
    "ticket.created",
    "ticket.routed",
    "ticket.escalated",
    "sla.warning",
    "sla.breached",
    "ticket.solved",
]
DeliveryStatus = Literal["pending", "sending", "delivered", "dead", "cancelled"]
MAX_DELIVERY_PAGE = 200
assert set(EventType.__args__) == set(EVENT_TYPES)  # type: ignore[attr-defined]


def _check_url(value: str) -> str:
    """Accept an http(s) URL with a host that is not a link-local address.

    Cloud metadata services listen on link-local addresses (169.254.0.0/16,
    fe80::/10), so a subscription must not point the worker at them.
    Loopback stays allowed for local receivers.
    """
    if any(character.isspace() or ord(character) < 32 for character in value):
        raise ValueError("the URL must not contain spaces or control characters")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - parsing the port raises ValueError if invalid
    except ValueError as exc:
        raise ValueError(f"expected an http:// or https:// URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError("expected an http:// or https:// URL")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValueError("expected a URL with a host, such as https://example.com/hook")
    if "%" in host and ":" not in host:
        raise ValueError(f"invalid host {host!r}; write the host without %-escapes")
    address = _ip_address(host)
    if address is not None and is_link_local(address):
        raise ValueError(
            f"the host {host} is a link-local address, which webhooks may not target"
        )
    # A host name that resolves to a link-local address passes here; the
    # transport checks the address it connects to before sending anything.
    return value


def _ip_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Return the address a host names literally, or None for a host name.

    Resolvers also read IPv4 in the old forms `2852039166` and `0xa9.0xfe.1.1`,
    which `ipaddress` rejects, so `inet_aton` parses those. It only parses and
    sends no query.
    """
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


class SubscriptionInput(InputModel):
    """A new subscription: the receiver, its event types and optional team scope."""

    url: str = Field(max_length=2000)
    events: list[EventType] = Field(min_length=1)
    teams: list[str] = Field(default_factory=list, max_length=100)
    include_content: StrictBool = False
    description: str = Field(default="", max_length=500)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_url(value)


class SubscriptionUpdate(InputModel):
    url: str | None = Field(default=None, max_length=2000)
    events: list[EventType] | None = Field(default=None, min_length=1)
    teams: list[str] | None = Field(default=None, max_length=100)
    include_content: StrictBool | None = None
    description: str | None = Field(default=None, max_length=500)
    active: StrictBool | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else _check_url(value)


class SubscriptionView(BaseModel):
    id: str
    url: str
    events: list[str]
    teams: list[str]
    include_content: bool
    description: str
    active: bool
    created_at: datetime
    updated_at: datetime


class SubscriptionSecret(BaseModel):
    """A subscription with its signing secret, shown only when it is set."""

    subscription: SubscriptionView
    secret: str


class AttemptView(BaseModel):
    number: int
    started_at: datetime
    duration_ms: float
    succeeded: bool
    response_code: int | None
    error: str | None


class DeliveryView(BaseModel):
    id: str
    subscription_id: str
    event_type: str
    ticket_id: str | None
    status: str
    attempts: list[AttemptView]
    next_attempt_at: datetime | None
    created_at: datetime
    finished_at: datetime | None
    payload: dict[str, Any]


def _secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def _view(row: WebhookSubscriptionRow) -> SubscriptionView:
    return SubscriptionView(
        id=row.external_id,
        url=row.url,
        events=list(row.events),
        teams=list(row.teams),
        include_content=row.include_content,
        description=row.description,
        active=row.active,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _find(session: Session, subscription_id: str, *, lock: bool = False) -> Any:
    statement = select(WebhookSubscriptionRow).where(
        WebhookSubscriptionRow.external_id == subscription_id
    )
    if lock:
        statement = statement.with_for_update()
    row = session.scalar(statement)
    if row is None:
        raise not_found("webhook subscription", subscription_id, "subscription_id")
    return row


def _check_teams(context: ServiceContext, teams: list[str] | None) -> None:
    """Reject team ids the active policy does not define."""
    if not teams:
        return
    with read_session(context.engine) as session:
        policy = load_active(context, session).policy
    for index, team in enumerate(teams):
        if team not in policy.teams_by_id:
            raise unknown_reference("team", team, f"teams[{index}]")


def create_subscription(
    context: ServiceContext, actor: Actor, data: SubscriptionInput, now: datetime
) -> SubscriptionSecret:
    """Store a subscription and return it with its secret, which is shown once."""
    require(actor, "webhook.admin")
    _check_teams(context, data.teams)
    secret = _secret()
    with write_session(context.engine) as session:
        row = WebhookSubscriptionRow(
            external_id=f"W-{uuid.uuid4().hex[:12]}",
            url=data.url,
            events=sorted(set(data.events)),
            teams=sorted(set(data.teams)),
            include_content=data.include_content,
            description=data.description,
            secret=secret,
            active=True,
            created_at=now,
            created_by=actor.name,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        record_audit(
            session,
            actor,
            "webhook.create",
            "webhook",
            row.external_id,
            now,
            events=row.events,
            teams=row.teams,
        )
        return SubscriptionSecret(subscription=_view(row), secret=secret)


def list_subscriptions(context: ServiceContext, actor: Actor) -> list[SubscriptionView]:
    require(actor, "webhook.admin")
    with read_session(context.engine) as session:
        rows = session.scalars(
            select(WebhookSubscriptionRow).order_by(WebhookSubscriptionRow.id)
        )
        return [_view(row) for row in rows]


def get_subscription(
    context: ServiceContext, actor: Actor, subscription_id: str
) -> SubscriptionView:
    require(actor, "webhook.admin")
    with read_session(context.engine) as session:
        return _view(_find(session, subscription_id))


def update_subscription(
    context: ServiceContext,
    actor: Actor,
    subscription_id: str,
    changes: SubscriptionUpdate,
    now: datetime,
) -> SubscriptionView:
    """Change a subscription; deactivating it cancels its pending deliveries."""
    require(actor, "webhook.admin")
    _check_teams(context, changes.teams)
    fields = sorted(changes.model_fields_set)
    with write_session(context.engine) as session:
        row = _find(session, subscription_id, lock=True)
        for name in fields:
            value = getattr(changes, name)
            if value is None:
                raise InvalidInput(
                    "invalid_field", f"{name} may not be null", field=name
                )
            if name in ("events", "teams"):
                value = sorted(set(value))
            setattr(row, name, value)
        row.updated_at = now
        record_audit(
            session,
            actor,
            "webhook.update",
            "webhook",
            subscription_id,
            now,
            fields=fields,
        )
        return _view(row)


def rotate_secret(
    context: ServiceContext, actor: Actor, subscription_id: str, now: datetime
) -> SubscriptionSecret:
    """Replace the signing secret; attempts from now on are signed with the new one."""
    require(actor, "webhook.admin")
    secret = _secret()
    with write_session(context.engine) as session:
        row = _find(session, subscription_id, lock=True)
        row.secret = secret
        row.updated_at = now
        record_audit(
            session, actor, "webhook.rotate_secret", "webhook", subscription_id, now
        )
        return SubscriptionSecret(subscription=_view(row), secret=secret)


def _delivery_view(session: Session, row: WebhookDeliveryRow) -> DeliveryView:
    subscription = session.get(WebhookSubscriptionRow, row.subscription_id)
    assert subscription is not None
    attempts = session.scalars(
        select(WebhookAttemptRow)
        .where(WebhookAttemptRow.delivery_row_id == row.id)
        .order_by(WebhookAttemptRow.number)
    )
    payload = json.loads(row.payload)
    return DeliveryView(
        id=row.delivery_id,
        subscription_id=subscription.external_id,
        event_type=row.event_type,
        ticket_id=payload.get("data", {}).get("ticket", {}).get("id"),
        status=row.status,
        attempts=[
            AttemptView.model_validate(attempt, from_attributes=True)
            for attempt in attempts
        ],
        next_attempt_at=row.next_attempt_at if row.status == "pending" else None,
        created_at=row.created_at,
        finished_at=row.finished_at,
        payload=payload,
    )


def list_deliveries(
    context: ServiceContext,
    actor: Actor,
    subscription_id: str,
    *,
    status: DeliveryStatus | None = None,
    before: str | None = None,
    limit: int = 50,
) -> list[DeliveryView]:
    """Return a subscription's deliveries, newest first, with every attempt.

    `before` is a delivery id; the page starts after it.
    """
    require(actor, "webhook.admin")
    if not 1 <= limit <= MAX_DELIVERY_PAGE:
        raise InvalidInput(
            "invalid_field",
            f"limit must be 1 to {MAX_DELIVERY_PAGE}, got {limit}",
            field="limit",
        )
    with read_session(context.engine) as session:
        subscription = _find(session, subscription_id)
        statement = (
            select(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.subscription_id == subscription.id)
            .order_by(WebhookDeliveryRow.id.desc())
            .limit(limit)
        )
        if status is not None:
            statement = statement.where(WebhookDeliveryRow.status == status)
        if before is not None:
            anchor = session.scalar(
                select(WebhookDeliveryRow.id).where(
                    WebhookDeliveryRow.delivery_id == before
                )
            )
            if anchor is None:
                raise not_found("webhook delivery", before, "before")
            statement = statement.where(WebhookDeliveryRow.id < anchor)
        return [_delivery_view(session, row) for row in session.scalars(statement)]


def get_delivery(
    context: ServiceContext, actor: Actor, delivery_id: str
) -> DeliveryView:
    require(actor, "webhook.admin")
    with read_session(context.engine) as session:
        row = session.scalar(
            select(WebhookDeliveryRow).where(
                WebhookDeliveryRow.delivery_id == delivery_id
            )
        )
        if row is None:
            raise not_found("webhook delivery", delivery_id, "delivery_id")
        return _delivery_view(session, row)


def redeliver(
    context: ServiceContext, actor: Actor, delivery_id: str, now: datetime
) -> DeliveryView:
    """Queue one more attempt of a dead or cancelled delivery, with the same id."""
    require(actor, "webhook.admin")
    with write_session(context.engine) as session:
        row = session.scalar(
            select(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.delivery_id == delivery_id)
            .with_for_update()
        )
        if row is None:
            raise not_found("webhook delivery", delivery_id, "delivery_id")
        if row.status not in ("dead", "cancelled"):
            raise Conflict(
                "delivery_not_finished",
                f"delivery {delivery_id!r} is {row.status}; only dead or cancelled "
                "deliveries can be redelivered",
                field="delivery_id",
            )
        row.status = "pending"
        row.finished_at = None
        row.next_attempt_at = now
        enqueue(
            session, DELIVER_WEBHOOK, now, delivery=delivery_id, attempt=row.attempt + 1
        )
        record_audit(
            session, actor, "webhook.redeliver", "webhook_delivery", delivery_id, now
        )
        session.flush()
        return _delivery_view(session, row)
