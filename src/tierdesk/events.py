"""Ticket events: the timestamped changes that every metric is computed from.

Importers and the live ticket service write the same `Event` values. `team`,
`tier`, `agent`, `status` and `source_status` hold the ticket's state after the
event, so a reader can start anywhere in a history without replaying it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tierdesk.errors import InputError


class EventKind(StrEnum):
    """Kind of change an event records."""

    CREATED = "created"
    TEAM_ASSIGNED = "team_assigned"
    AGENT_ASSIGNED = "agent_assigned"
    STATUS_CHANGED = "status_changed"
    PUBLIC_REPLY = "public_reply"
    INTERNAL_NOTE = "internal_note"
    ESCALATED = "escalated"
    REOPENED = "reopened"
    SOLVED = "solved"
    CLOSED = "closed"
    CSAT_RATED = "csat_rated"
    DEFLECTED = "deflected"


class TicketStatus(StrEnum):
    """Canonical ticket status; raw statuses from other systems map onto these."""

    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    SOLVED = "solved"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Event:
    """One timestamped change in a ticket's history.

    `actor` is who caused the event (an agent code, 'requester' or 'system');
    `agent` is the agent the ticket is assigned to after it.
    """

    ticket_id: str
    at: datetime
    kind: EventKind
    actor: str | None = None
    team: str | None = None
    tier: str | None = None
    agent: str | None = None
    status: str | None = None
    source_status: str | None = None
    # Attributes are compared but not hashed, because a mapping has no hash.
    attributes: Mapping[str, Any] = field(default_factory=dict, hash=False)
    sequence: int = 0

    def __post_init__(self) -> None:
        if not self.ticket_id:
            raise ValueError("event ticket_id must not be empty")
        zone = self.at.tzinfo
        # A fixed-offset timezone always has an offset; others may not.
        if zone is None or (type(zone) is not timezone and self.at.utcoffset() is None):
            raise ValueError(
                f"event time {self.at.isoformat()} for ticket {self.ticket_id!r} "
                "has no timezone; pass a timezone-aware datetime"
            )
        if not isinstance(self.kind, EventKind):
            object.__setattr__(self, "kind", EventKind(self.kind))
        if self.status is not None and not isinstance(self.status, TicketStatus):
            object.__setattr__(self, "status", TicketStatus(self.status))
        if self.sequence < 0:
            raise ValueError(f"event sequence must be 0 or more, got {self.sequence}")
        if not isinstance(self.attributes, MappingProxyType):
            object.__setattr__(
                self, "attributes", MappingProxyType(dict(self.attributes))
            )

    @property
    def order_key(self) -> tuple[datetime, int]:
        """Sort key within one ticket: time first, then `sequence` for ties."""
        return (self.at, self.sequence)


def sort_history(events: Iterable[Event]) -> list[Event]:
    """Return one ticket's events sorted by (at, sequence)."""
    return sorted(events, key=_order_key)


def group_by_ticket(events: Iterable[Event]) -> dict[str, list[Event]]:
    """Group events into per-ticket histories sorted by (at, sequence).

    Tickets keep the order in which they first appear; any event order is
    accepted, at the cost of holding every event in memory.
    """
    histories: dict[str, list[Event]] = {}
    for event in events:
        histories.setdefault(event.ticket_id, []).append(event)
    for history in histories.values():
        history.sort(key=_order_key)
    return histories


def iter_histories(events: Iterable[Event]) -> Iterator[tuple[str, list[Event]]]:
    """Yield (ticket id, sorted history) from a stream grouped by ticket.

    Only one ticket is held in memory at a time. Raises ValueError when a
    ticket's events are not contiguous; use `group_by_ticket` for such streams.
    """
    finished: set[str] = set()
    current: str | None = None
    history: list[Event] = []
    for event in events:
        if event.ticket_id != current:
            if current is not None:
                finished.add(current)
                yield current, sort_history(history)
            if event.ticket_id in finished:
                raise ValueError(
                    f"events of ticket {event.ticket_id!r} are not contiguous in the "
                    "stream; group them with group_by_ticket instead"
                )
            current = event.ticket_id
            history = []
        history.append(event)
    if current is not None:
        yield current, sort_history(history)


def _order_key(event: Event) -> tuple[datetime, int]:
    return (event.at, event.sequence)


def check_named_fields(
    events: Sequence[Event],
    attributes: Mapping[str, tuple[str, str]] | None = None,
    source_statuses: Mapping[str, Sequence[str]] | None = None,
    *,
    file: str | Path | None = None,
) -> None:
    """Raise InputError when an option names an attribute or raw status no event has.

    `attributes` maps an option such as `--priority-attribute` to its default
    and the attribute it names. A default may be absent from a log, so only a
    name other than the default is checked. `source_statuses` maps an option to
    the raw statuses it names. A misspelt name would otherwise leave a column
    empty or a rule unused.
    """
    typed = {
        option: name
        for option, (default, name) in (attributes or {}).items()
        if name != default
    }
    if typed:
        found = {name for event in events for name in event.attributes}
        for option, name in typed.items():
            if name not in found:
                raise InputError(
                    f"{option}: no event has the attribute {name!r}; attributes "
                    f"found: {', '.join(sorted(found)) or 'none'}",
                    file=file,
                )
    if source_statuses:
        statuses = {e.source_status for e in events if e.source_status is not None}
        for option, names in source_statuses.items():
            missing = [name for name in names if name not in statuses]
            if missing:
                raise InputError(
                    f"{option}: no event has the status {missing[0]!r}; statuses "
                    f"found: {', '.join(sorted(statuses)) or 'none'}",
                    file=file,
                )
