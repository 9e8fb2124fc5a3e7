"""Functions run in separate OS processes by the concurrency tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tierdesk.service.assignment import assign_waiting
from tierdesk.service.context import ServiceContext
from tierdesk.service.intake import NewTicket, create_ticket
from tierdesk.store.db import make_engine


def assign_until_done(url: str, team: str, now: datetime, start: Any, out: Any) -> None:
    """Wait at the barrier, assign the team's queue, and report the pairs."""
    engine = make_engine(url)
    context = ServiceContext(engine)
    start.wait()
    pairs: list[tuple[str, str]] = []
    while True:
        done = assign_waiting(context, team, now)
        if not done:
            break
        pairs += [(a.ticket_id, a.agent_id) for a in done]
    engine.dispose()
    out.put(pairs)


def create_many(url: str, count: int, now: datetime, start: Any, out: Any) -> None:
    """Create tickets, each of which tries to assign itself on creation."""
    from tierdesk.service.actor import Actor, Role

    actor = Actor(name="integration-test", role=Role.INTEGRATION)
    engine = make_engine(url)
    context = ServiceContext(engine)
    start.wait()
    created = [
        create_ticket(
            context, actor, NewTicket(subject=f"card {n}", inquiry_type="cards"), now
        ).ticket.id
        for n in range(count)
    ]
    engine.dispose()
    out.put(created)
