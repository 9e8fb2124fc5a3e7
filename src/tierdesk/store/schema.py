"""Tables: accounts, tickets and routing decisions.

The live service's tables live beside this module and share `Base`;
`tierdesk.store.models` imports them all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tierdesk.store.types import UtcDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class AccountRow(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TicketRow(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    account_external_id: Mapped[str | None] = mapped_column(String(200), index=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str | None] = mapped_column(String(40))
    language: Mapped[str | None] = mapped_column(String(20))
    priority: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="new")
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The live service's state of the ticket; tickets stored by batch routing
    # leave these empty.
    requester_id: Mapped[int | None] = mapped_column(
        ForeignKey("requesters.id", ondelete="SET NULL"), index=True
    )
    team: Mapped[str | None] = mapped_column(String(64), index=True)
    tier: Mapped[str | None] = mapped_column(String(64))
    agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL"), index=True
    )
    segment: Mapped[str | None] = mapped_column(String(64))
    inquiry_type: Mapped[str | None] = mapped_column(String(64))
    inquiry_type_source: Mapped[str | None] = mapped_column(String(16))
    confidence: Mapped[float | None] = mapped_column(Float)
    complexity: Mapped[str | None] = mapped_column(String(16))
    priority_rank: Mapped[int] = mapped_column(Integer, default=0)
    # The decision made at creation. No foreign key, because decisions already
    # reference tickets and a cycle would complicate every migration.
    decision_id: Mapped[int | None] = mapped_column(Integer)
    policy_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("policy_versions.id")
    )
    queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    solved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str | None] = mapped_column(String(200))


class DecisionRow(Base):
    """One routing decision; a ticket routed again under the same policy and
    model updates its row instead of adding one."""

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("ticket_id", "policy_digest", "model_digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    policy_version: Mapped[str] = mapped_column(String(200))
    policy_digest: Mapped[str] = mapped_column(String(64))
    model_digest: Mapped[str] = mapped_column(String(64))
    segment: Mapped[str] = mapped_column(String(64))
    segment_rule: Mapped[str] = mapped_column(String(64))
    inquiry_type: Mapped[str] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(Float)
    complexity: Mapped[str] = mapped_column(String(16))
    complexity_source: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(40))
    tier: Mapped[str] = mapped_column(String(64))
    team: Mapped[str] = mapped_column(String(64))
    team_kind: Mapped[str] = mapped_column(String(16))
    sla_policy: Mapped[str] = mapped_column(String(64))
    first_response_target_minutes: Mapped[float] = mapped_column(Float)
    resolution_target_minutes: Mapped[float] = mapped_column(Float)
    sla_time: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(64))
    triage: Mapped[bool] = mapped_column(Boolean)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)
