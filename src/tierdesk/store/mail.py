"""Tables of e-mail: Message-IDs of messages received and sent, for threading."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tierdesk.store.schema import Base
from tierdesk.store.types import UtcDateTime


class EmailMessageRow(Base):
    """An e-mail that created or replied to a ticket, or that the service sent.

    `message_id` is the Message-ID without angle brackets. `direction` is `in` or
    `out`; `purpose` is `ticket`, `reply` or `survey`. `attachments` lists the
    name, content type and size of each attachment, which are not stored.
    """

    __tablename__ = "email_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    direction: Mapped[str] = mapped_column(String(3))
    purpose: Mapped[str] = mapped_column(String(16))
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    requester_id: Mapped[int | None] = mapped_column(
        ForeignKey("requesters.id", ondelete="SET NULL")
    )
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
