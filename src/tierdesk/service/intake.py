"""Ticket creation: segment, classify and route with the core router, then store
the ticket, its decision and its first events in one transaction."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import Field, model_validator
from sqlalchemy import Dialect, Select, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tierdesk.classify.predict import Prediction
from tierdesk.errors import ModelError
from tierdesk.service.actor import Actor
from tierdesk.service.assignment import assign_waiting
from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import InvalidInput, unknown_reference
from tierdesk.service.fields import InputModel
from tierdesk.service.permissions import may_do_anywhere, require
from tierdesk.service.policies import (
    active_revision_query,
    load_active,
    load_revision,
)
from tierdesk.service.policy_cache import PolicyRevision
from tierdesk.service.requesters import RequesterInput
from tierdesk.service.ticket_rows import PendingTicket, RowHook, write_new_ticket
from tierdesk.service.ticket_views import TicketView, requester_as_sent, ticket_view
from tierdesk.service.transactions import (
    autocommit_connection,
    autocommit_driver_connection,
    read_session,
    run_driver_statement,
)
from tierdesk.store.access import IdempotencyKeyRow
from tierdesk.store.people import RequesterRow
from tierdesk.store.schema import AccountRow, TicketRow
from tierdesk.ticket import Ticket

logger = logging.getLogger(__name__)


class NewTicket(InputModel):
    """A request to open a ticket; `inquiry_type`, when given, skips the classifier."""

    subject: str = Field(default="", max_length=1000)
    body: str = Field(default="", max_length=100_000)
    channel: str | None = Field(default=None, max_length=40)
    language: str | None = Field(default=None, max_length=20)
    priority: str | None = Field(default=None, max_length=40)
    account_id: str | None = Field(default=None, max_length=200)
    requester: RequesterInput | None = None
    requester_id: str | None = Field(default=None, max_length=64)
    inquiry_type: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _check(self) -> NewTicket:
        if not self.subject.strip() and not self.body.strip():
            raise ValueError("a ticket needs a subject or a body")
        if self.requester is not None and self.requester_id is not None:
            raise ValueError("give requester or requester_id, not both")
        return self


@dataclass(frozen=True)
class CreatedTicket:
    ticket: TicketView
    replayed: bool


def request_digest(draft: NewTicket) -> str:
    """Return a digest of the request, to tell a retry from a reused key."""
    canonical = json.dumps(draft.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def create_ticket(
    context: ServiceContext,
    actor: Actor,
    draft: NewTicket,
    now: datetime,
    *,
    idempotency_key: str | None = None,
    on_write: RowHook | None = None,
) -> CreatedTicket:
    """Route and store a new ticket, then try to assign it.

    With an idempotency key, a repeated request returns the ticket the first
    one created, and a different request under the same key is rejected.
    `on_write` adds rows of the caller's own to the ticket's transaction.
    """
    require(actor, "ticket.create")
    created = _create(context, actor, draft, now, idempotency_key, on_write)
    if may_do_anywhere(actor, "requester.read"):
        return created
    # Other callers get back what they sent, not what is stored of a requester
    # that existed already, which they may not be allowed to read.
    view = requester_as_sent(created.ticket, draft.requester)
    return CreatedTicket(view, created.replayed)


def _create(
    context: ServiceContext,
    actor: Actor,
    draft: NewTicket,
    now: datetime,
    idempotency_key: str | None,
    on_write: RowHook | None,
) -> CreatedTicket:
    known = _read_before_routing(context, actor, idempotency_key, draft)
    if known.replay_key_id is not None:
        digest = request_digest(draft)
        replay = _replay(context, actor, idempotency_key or "", digest)
        if replay is not None:
            return replay
    revision = _active_revision(context, known.revision_id)
    pending = route_draft(
        context,
        actor,
        revision,
        draft,
        known.account_attributes,
        now,
        idempotency_key=idempotency_key,
    )
    # Two attempts: a concurrent request may create the same new requester
    # first, and the second attempt then finds that requester.
    for attempt in (1, 2):
        try:
            if on_write is None:
                # Stored with the tickets of concurrent requests.
                stored = context.new_tickets.submit(pending)
            else:
                stored = write_new_ticket(context, pending, on_write)
            break
        except IntegrityError:
            if idempotency_key is not None:
                # A concurrent request with the same key won; return its ticket.
                replay = _replay(context, actor, idempotency_key, pending.digest)
                if replay is not None:
                    return replay
            if attempt == 2:
                raise
            logger.info(
                "retrying ticket %s after a concurrent insert", pending.ticket.id
            )
    ticket = pending.ticket
    logger.info("created ticket %s for team %s", ticket.id, stored.team)
    if not stored.staffed:
        # No online agent in the team when the ticket was stored, so no
        # assignment can succeed; the worker's sweep retries later.
        return CreatedTicket(stored.view, replayed=False)
    assign_waiting(context, stored.team, now, revision=revision)
    # Read again even when this request assigned other tickets only: a
    # concurrent request's assignment may have taken this one.
    with read_session(context.engine) as session:
        row = session.scalar(
            select(TicketRow).where(TicketRow.external_id == ticket.id)
        )
        assert row is not None
        return CreatedTicket(ticket_view(session, row, actor), replayed=False)


def route_draft(
    context: ServiceContext,
    actor: Actor,
    revision: PolicyRevision,
    draft: NewTicket,
    account_attributes: dict[str, Any],
    now: datetime,
    *,
    idempotency_key: str | None = None,
) -> PendingTicket:
    """Check the draft against the policy, classify it and route it."""
    check_against_policy(revision, draft)
    ticket = Ticket(
        id=f"T-{uuid.uuid4().hex[:12]}",
        subject=draft.subject,
        body=draft.body,
        channel=draft.channel,
        language=draft.language,
        priority=draft.priority,
        account_id=draft.account_id,
        created_at=now,
    )
    # Classification runs before the write transaction, which on SQLite holds
    # the database's write lock.
    prediction, source = _predict(context, revision, draft, ticket)
    decision = revision.router.decide(ticket, account_attributes, prediction)
    return PendingTicket(
        actor,
        revision,
        ticket,
        decision,
        draft,
        now,
        source,
        idempotency_key,
        request_digest(draft),
    )


def _replay(
    context: ServiceContext, actor: Actor, key: str, digest: str
) -> CreatedTicket | None:
    with read_session(context.engine) as session:
        return _find_replay(session, actor, key, digest)


def _find_replay(
    session: Session, actor: Actor, key: str, digest: str
) -> CreatedTicket | None:
    stored = session.scalar(
        select(IdempotencyKeyRow).where(
            IdempotencyKeyRow.token_id == (actor.token_id or 0),
            IdempotencyKeyRow.key == key,
        )
    )
    if stored is None:
        return None
    if stored.request_digest != digest:
        raise InvalidInput(
            "idempotency_key_reused",
            "this Idempotency-Key was used for a different request; use a new "
            "key for a new ticket",
            field="Idempotency-Key",
        )
    row = session.get(TicketRow, stored.ticket_id)
    assert row is not None
    return CreatedTicket(ticket_view(session, row, actor), replayed=True)


@dataclass(frozen=True)
class _Known:
    revision_id: int | None
    account_attributes: dict[str, Any]
    replay_key_id: int | None


def _read_before_routing(
    context: ServiceContext,
    actor: Actor,
    idempotency_key: str | None,
    draft: NewTicket,
) -> _Known:
    """Read the active policy, the account, a stored key and the requester named
    by id in one statement."""
    account_id, requester_id = draft.account_id, draft.requester_id
    statement = _pre_routing_statement(
        account_id is not None, idempotency_key is not None, requester_id is not None
    )
    parameters = {
        "account_id": account_id,
        "token_id": actor.token_id or 0,
        "key": idempotency_key,
        "requester_id": requester_id,
    }
    if context.engine.dialect.name == "postgresql":
        # The statement runs once per request, so it skips SQLAlchemy's execution.
        text, defaults = _driver_text(statement, context.engine.dialect)
        with autocommit_driver_connection(context.engine) as connection:
            row = run_driver_statement(
                connection, text, {**defaults, **parameters}
            ).fetchone()
        assert row is not None
        values = list(row)
    else:
        with autocommit_connection(context.engine) as connection:
            values = list(connection.execute(statement, parameters).one())
    revision_id = values.pop(0)
    # An account the service has not stored yet gets the default segment, as in
    # batch routing, so that a ticket is never lost for want of account data.
    attributes = (values.pop(0) or {}) if account_id is not None else {}
    replay_key_id = values.pop(0) if idempotency_key is not None else None
    # Checked here so that a wrong id fails before it joins a batch; the batch
    # writer checks again.
    if requester_id is not None and values.pop(0) is None:
        raise unknown_reference("requester", requester_id, "requester_id")
    return _Known(revision_id, dict(attributes), replay_key_id)


@functools.cache
def _pre_routing_statement(
    with_account: bool, with_key: bool, with_requester: bool
) -> Select[Any]:
    # Built once per shape; the values are bound at each request.
    columns: list[Any] = [active_revision_query().scalar_subquery()]
    if with_account:
        columns.append(
            select(AccountRow.attributes)
            .where(AccountRow.external_id == bindparam("account_id"))
            .scalar_subquery()
        )
    if with_key:
        columns.append(
            select(IdempotencyKeyRow.id)
            .where(
                IdempotencyKeyRow.token_id == bindparam("token_id"),
                IdempotencyKeyRow.key == bindparam("key"),
            )
            .scalar_subquery()
        )
    if with_requester:
        columns.append(
            select(RequesterRow.id)
            .where(RequesterRow.external_id == bindparam("requester_id"))
            .scalar_subquery()
        )
    return select(*columns)


@functools.cache
def _driver_text(
    statement: Select[Any], dialect: Dialect
) -> tuple[str, dict[str, Any]]:
    """Return the statement's SQL for the driver and its bound constants."""
    compiled = statement.compile(dialect=dialect)
    return str(compiled), dict(compiled.params)


def _active_revision(
    context: ServiceContext, revision_id: int | None
) -> PolicyRevision:
    if revision_id is not None:
        cached = context.policies.find(revision_id)
        if cached is not None:
            return cached
    with read_session(context.engine) as session:
        if revision_id is None:
            return load_active(context, session)
        return load_revision(context, session, revision_id)


def load_account_attributes(session: Session, account_id: str | None) -> dict:
    # An account the service has not stored yet gets the default segment, as in
    # batch routing, so that a ticket is never lost for want of account data.
    if account_id is None:
        return {}
    row = session.scalar(select(AccountRow).where(AccountRow.external_id == account_id))
    return dict(row.attributes) if row is not None else {}


def check_against_policy(revision: PolicyRevision, draft: NewTicket) -> None:
    policy = revision.policy
    checks = (
        ("channel", draft.channel, policy.channels),
        ("priority", draft.priority, policy.priorities),
        ("inquiry_type", draft.inquiry_type, list(policy.inquiry_types_by_id)),
    )
    for field, value, allowed in checks:
        if value is not None and value not in allowed:
            raise InvalidInput(
                "invalid_field",
                f"unknown {field.replace('_', ' ')} {value!r}; expected one of: "
                f"{', '.join(allowed)}",
                field=field,
            )


def _predict(
    context: ServiceContext,
    revision: PolicyRevision,
    draft: NewTicket,
    ticket: Ticket,
) -> tuple[Prediction, str]:
    if draft.inquiry_type is not None:
        return Prediction(draft.inquiry_type, 1.0), "request"
    if not context.models.configured:
        raise InvalidInput(
            "inquiry_type_required",
            "no classifier model is configured (TIERDESK_MODEL_PATH), so the "
            "request must name its inquiry_type",
            field="inquiry_type",
        )
    try:
        predictor = context.models.predictor(revision.revision, revision.policy)
    except ModelError as exc:
        raise InvalidInput(
            "policy_model_mismatch", str(exc), field="inquiry_type"
        ) from None
    return predictor.predict([ticket.text])[0], "model"
