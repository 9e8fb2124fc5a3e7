"""Background work of the service, run by `tierdesk worker` on any machine.

Every step is safe to run in several workers at once: each takes its rows with
`SKIP LOCKED` (or SQLite's write lock), so a row is handled once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from tierdesk.service.assignment import assign_waiting
from tierdesk.service.context import ServiceContext
from tierdesk.service.lifecycle import close_solved_tickets
from tierdesk.service.policies import load_active
from tierdesk.service.sla_watch import check_sla
from tierdesk.service.transactions import read_session

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepResult:
    assigned: int
    closed: int
    sla_alerts: int


def sweep(context: ServiceContext, now: datetime) -> SweepResult:
    """Assign waiting tickets, close tickets past the reopen window, and record
    SLA warnings and breaches.

    Assignment here catches what no request triggered: a team's calendar
    opening, and skills_first tickets whose skills timeout has passed.
    """
    with read_session(context.engine) as session:
        policy = load_active(context, session).policy
    assigned = 0
    for team in policy.teams:
        assigned += len(assign_waiting(context, team.id, now))
    closed = close_solved_tickets(context, now)
    alerts = check_sla(context, now)
    if assigned or closed or alerts:
        logger.info(
            "sweep assigned %d tickets, closed %d and recorded %d SLA alerts",
            assigned,
            closed,
            alerts,
        )
    return SweepResult(assigned, closed, alerts)
