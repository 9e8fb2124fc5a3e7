"""Accounts: customer organisations and the attributes segment rules test."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from tierdesk.accounts import convert_attribute
from tierdesk.errors import InputError
from tierdesk.policy.model import Policy
from tierdesk.service.actor import Actor
from tierdesk.service.audit import record_audit
from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import InvalidInput, not_found
from tierdesk.service.fields import InputModel
from tierdesk.service.permissions import require
from tierdesk.service.policies import load_active
from tierdesk.service.transactions import read_session, write_session
from tierdesk.store.schema import AccountRow


class AccountInput(InputModel):
    attributes: dict[str, str | int | float | bool]


class AccountView(BaseModel):
    id: str
    attributes: dict[str, Any]
    segment: str | None
    updated_at: datetime


def typed_attributes(
    policy: Policy, raw: Mapping[str, Any], field: str
) -> dict[str, Any]:
    """Convert attribute values to the types the policy declares.

    When the policy declares `account_attributes`, an undeclared name and a
    string outside the declared `values` are rejected. A policy that declares
    none gets every attribute stored as text, as batch routing reads them.
    """
    declared = policy.account_attributes
    attributes: dict[str, Any] = {}
    for name, value in raw.items():
        if declared and name not in declared:
            raise InvalidInput(
                "unknown_field",
                f"the policy declares no account attribute {name!r}; "
                f"expected one of: {', '.join(sorted(declared))}",
                field=f"{field}.{name}",
            )
        attribute = declared.get(name)
        kind = attribute.type if attribute else "string"
        try:
            converted = convert_attribute(value, kind, column=name)
        except InputError as exc:
            raise InvalidInput(
                "invalid_field", exc.detail, field=f"{field}.{name}"
            ) from None
        if attribute and attribute.values and converted not in attribute.values:
            raise InvalidInput(
                "invalid_field",
                f"expected one of {', '.join(attribute.values)}, got {converted!r}",
                field=f"{field}.{name}",
            )
        attributes[name] = converted
    return attributes


def put_account(
    context: ServiceContext,
    actor: Actor,
    account_id: str,
    data: AccountInput,
    now: datetime,
) -> AccountView:
    """Create or replace an account; attributes take the types the policy declares."""
    require(actor, "account.write")
    with read_session(context.engine) as session:
        revision = load_active(context, session)
    attributes = typed_attributes(revision.policy, data.attributes, "attributes")
    with write_session(context.engine) as session:
        row = session.scalar(
            select(AccountRow)
            .where(AccountRow.external_id == account_id)
            .with_for_update()
        )
        if row is None:
            row = AccountRow(external_id=account_id)
            session.add(row)
        row.attributes = attributes
        row.updated_at = now
        record_audit(
            session,
            actor,
            "account.put",
            "account",
            account_id,
            now,
            attributes=sorted(attributes),
        )
    segment = revision.router.segment(attributes).segment
    return AccountView(
        id=account_id, attributes=attributes, segment=segment, updated_at=now
    )


def get_account(context: ServiceContext, actor: Actor, account_id: str) -> AccountView:
    require(actor, "account.read")
    with read_session(context.engine) as session:
        row = session.scalar(
            select(AccountRow).where(AccountRow.external_id == account_id)
        )
        if row is None:
            raise not_found("account", account_id, "account_id")
        revision = load_active(context, session)
        return AccountView(
            id=row.external_id,
            attributes=row.attributes,
            segment=revision.router.segment(row.attributes).segment,
            updated_at=row.updated_at,
        )
