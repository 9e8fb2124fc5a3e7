"""Tickets and accounts as the routing core sees them: plain, immutable values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Account:
    """A customer organisation and the attributes segment rules test."""

    id: str
    attributes: Mapping[str, Any] = field(default_factory=dict)


# Not frozen, for the same reason as Decision: batch routing builds one per
# row. Treat instances as immutable.
@dataclass(slots=True)
class Ticket:
    """One support request before routing."""

    id: str
    subject: str = ""
    body: str = ""
    channel: str | None = None
    language: str | None = None
    priority: str | None = None
    account_id: str | None = None
    created_at: datetime | None = None

    @property
    def text(self) -> str:
        """Subject and body joined, as the classifier reads them."""
        if self.subject and self.body:
            return f"{self.subject}\n{self.body}"
        return self.subject or self.body
