"""Tables of people: requesters, agents and the teams agents work in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tierdesk.store.schema import Base
from tierdesk.store.types import UtcDateTime


class RequesterRow(Base):
    """A person who requests support; e-mail addresses are stored lower-cased."""

    __tablename__ = "requesters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(64))
    account_external_id: Mapped[str | None] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AgentRow(Base):
    """An agent: level, capacity in open tickets, presence and skills."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer, default=1)
    capacity: Mapped[int] = mapped_column(Integer, default=10)
    presence: Mapped[str] = mapped_column(String(16), default="offline")
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Position of the agent's latest assignment in the service-wide order;
    # round robin picks the lowest, so it does not depend on clock resolution.
    turn: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AgentTeamRow(Base):
    """Membership of an agent in a policy team, by the team's id."""

    __tablename__ = "agent_teams"

    agent_id: Mapped[int] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    team: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
