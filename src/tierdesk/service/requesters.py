"""Requesters: the people who ask, found by e-mail address or id."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from pydantic import Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from tierdesk.service.actor import Actor
from tierdesk.service.audit import record_audit
from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import Conflict, not_found
from tierdesk.service.fields import InputModel
from tierdesk.service.permissions import require
from tierdesk.service.ticket_views import RequesterView, requester_view
from tierdesk.service.transactions import read_session, write_session
from tierdesk.store.people import RequesterRow
from tierdesk.store.schema import TicketRow

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RequesterInput(InputModel):
    """A requester to find by e-mail address, or to create."""

    email: str | None = Field(default=None, max_length=320)
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=64)
    account_id: str | None = Field(default=None, max_length=200)

    @field_validator("email")
    @classmethod
    def _check_email(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _EMAIL.match(value):
            raise ValueError("expected an e-mail address such as ana@example.com")
        return value.lower()


class RequesterUpdate(InputModel):
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=64)
    account_id: str | None = Field(default=None, max_length=200)


def upsert_requester(
    session: Session, data: RequesterInput, now: datetime, *, update: bool = True
) -> RequesterRow:
    """Return the requester with the e-mail address, updated, or a new one.

    Fields left out of `data` keep their stored values. Without `update`, an
    existing requester is returned unchanged.
    """
    row = None
    if data.email is not None:
        row = session.scalar(
            select(RequesterRow).where(RequesterRow.email == data.email)
        )
    if row is None:
        row = new_requester(session, data, now)
    elif not update:
        return row
    apply_requester_input(row, data, now)
    session.flush()
    return row


def new_requester(
    session: Session, data: RequesterInput, now: datetime
) -> RequesterRow:
    """Add a requester with a new id and the e-mail address of `data`."""
    row = new_requester_row(data, now)
    session.add(row)
    return row


def new_requester_row(
    data: RequesterInput, now: datetime, row_id: int | None = None
) -> RequesterRow:
    """Return a requester row with a new external id and the e-mail address of
    `data`, outside any session."""
    return RequesterRow(
        id=row_id,
        external_id=f"R-{uuid.uuid4().hex[:12]}",
        email=data.email,
        created_at=now,
    )


def apply_requester_input(
    row: RequesterRow, data: RequesterInput, now: datetime
) -> None:
    """Copy the fields given in `data` to `row`; fields left out keep their values."""
    for name in ("name", "phone"):
        value = getattr(data, name)
        if value is not None:
            setattr(row, name, value)
    if data.account_id is not None:
        row.account_external_id = data.account_id
    row.updated_at = now


def create_requester(
    context: ServiceContext, actor: Actor, data: RequesterInput, now: datetime
) -> RequesterView:
    require(actor, "requester.write")
    with write_session(context.engine) as session:
        if data.email is not None and session.scalar(
            select(RequesterRow.id).where(RequesterRow.email == data.email)
        ):
            raise Conflict(
                "requester_exists",
                "a requester with this e-mail address exists",
                field="email",
            )
        row = upsert_requester(session, data, now)
        record_audit(
            session, actor, "requester.create", "requester", row.external_id, now
        )
        return requester_view(row, actor)


def find_requester(
    session: Session, actor: Actor, requester_id: str, *, lock: bool = False
) -> RequesterRow:
    """Return the requester, locked for update when `lock` is set.

    A team-scoped actor may read only requesters with a ticket that is now in
    one of its teams, as with tickets. Any other requester is reported as not found,
    so that ids cannot be probed.
    """
    statement = select(RequesterRow).where(RequesterRow.external_id == requester_id)
    if lock:
        statement = statement.with_for_update()
    row = session.scalar(statement)
    if row is not None and actor.team_scoped:
        ticket_in_teams = session.scalar(
            select(TicketRow.id)
            .where(TicketRow.requester_id == row.id)
            .where(TicketRow.team.in_(sorted(actor.teams)))
            .limit(1)
        )
        if ticket_in_teams is None:
            row = None
    if row is None:
        raise not_found("requester", requester_id, "requester_id")
    return row


def get_requester(
    context: ServiceContext, actor: Actor, requester_id: str
) -> RequesterView:
    require(actor, "requester.read")
    with read_session(context.engine) as session:
        return requester_view(find_requester(session, actor, requester_id), actor)


def update_requester(
    context: ServiceContext,
    actor: Actor,
    requester_id: str,
    changes: RequesterUpdate,
    now: datetime,
) -> RequesterView:
    require(actor, "requester.write")
    with write_session(context.engine) as session:
        row = find_requester(session, actor, requester_id, lock=True)
        fields = sorted(changes.model_fields_set)
        for name in fields:
            value = getattr(changes, name)
            setattr(row, "account_external_id" if name == "account_id" else name, value)
        row.updated_at = now
        record_audit(
            session,
            actor,
            "requester.update",
            "requester",
            requester_id,
            now,
            fields=fields,
        )
        return requester_view(row, actor)
