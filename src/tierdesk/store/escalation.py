"""Tables of escalation work: bugs, their links to tickets, and CSAT surveys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tierdesk.store.schema import Base
from tierdesk.store.types import UtcDateTime


class BugRow(Base):
    """A bug in an external tracker, keyed by the tracker's id."""

    __tablename__ = "bugs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    url: Mapped[str] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class TicketBugRow(Base):
    """A link between a ticket and a bug."""

    __tablename__ = "ticket_bugs"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    bug_id: Mapped[int] = mapped_column(
        ForeignKey("bugs.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    linked_by: Mapped[str] = mapped_column(String(200))


class CsatSurveyRow(Base):
    """The rating link of one solve of a ticket; the token is stored as its digest."""

    __tablename__ = "csat_surveys"
    __table_args__ = (UniqueConstraint("ticket_id", "solve_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    solve_number: Mapped[int] = mapped_column(Integer)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The survey e-mail of this solve: `sending` while a worker sends it, then
    # `sent`. Its Message-ID stays the same when a failed send is retried.
    email_status: Mapped[str | None] = mapped_column(String(16))
    email_message_id: Mapped[str | None] = mapped_column(String(998))
    emailed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
