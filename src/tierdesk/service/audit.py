"""The audit log: one entry per write, with actor, time, action and object ids."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tierdesk.service.actor import Actor
from tierdesk.service.context import ServiceContext
from tierdesk.service.permissions import require
from tierdesk.service.transactions import read_session
from tierdesk.store.history import AuditRow


class AuditEntry(BaseModel):
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    object_type: str
    object_id: str
    details: dict[str, Any]


def record_audit(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    now: datetime,
    **details: Any,
) -> None:
    """Add an audit entry to the caller's transaction.

    `details` must hold ids, field names and codes only, never request bodies or
    personal data.
    """
    session.add(
        AuditRow(**audit_values(actor, action, object_type, object_id, now, details))
    )


def audit_values(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    now: datetime,
    details: dict[str, Any],
) -> dict[str, Any]:
    """Return the columns of an audit entry."""
    return {
        "at": now,
        "actor": actor.name,
        "role": actor.role.value,
        "token_id": actor.token_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "details": details,
    }


def list_audit(
    context: ServiceContext,
    actor: Actor,
    *,
    after_id: int = 0,
    limit: int = 100,
) -> list[AuditEntry]:
    """Return audit entries with ids above `after_id`, oldest first."""
    require(actor, "audit.read")
    with read_session(context.engine) as session:
        rows = session.scalars(
            select(AuditRow)
            .where(AuditRow.id > after_id)
            .order_by(AuditRow.id)
            .limit(limit)
        )
        return [AuditEntry.model_validate(row, from_attributes=True) for row in rows]
