"""A history prepared for replay: its tickets, the learned behaviour, and what in
it could not be used."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray

from tierdesk.events import Event
from tierdesk.policy.model import Policy
from tierdesk.simulate.behaviour import BehaviourModel, LearningOptions, learn_behaviour
from tierdesk.simulate.routes import (
    ReplayFields,
    ReplayTicket,
    read_replay_tickets,
    route_replay,
)
from tierdesk.simulate.setup import PolicySetup
from tierdesk.simulate.staffing import StaffingPlan

# A stretch without arrivals longer than this is reported as a gap in the history.
GAP = 7 * 86_400.0


@dataclass(frozen=True)
class HistoryInput:
    """Tickets to replay and the behaviour learned from them."""

    tickets: list[ReplayTicket]
    created: NDArray[np.float64]
    behaviour: BehaviourModel
    ticket_keys: NDArray[np.int64]
    problems: list[str] = field(default_factory=list)

    @property
    def span(self) -> tuple[float, float]:
        return float(self.created.min()), float(self.created.max())


def prepare_history(
    histories: Mapping[str, Sequence[Event]],
    policy: Policy,
    fields: ReplayFields,
    options: LearningOptions,
    import_problems: Sequence[str] = (),
) -> HistoryInput:
    """Read replay tickets and learn behaviour from sorted histories under the
    current policy, whose team patterns name the history's teams."""
    histories = {ticket: events for ticket, events in histories.items() if events}
    if not histories:
        raise ValueError("the history has no tickets to replay")
    tickets = read_replay_tickets(histories, policy, fields)
    keys = [ticket.inquiry_type or "" for ticket in tickets]
    behaviour = learn_behaviour(list(histories.values()), keys, policy, options)
    codes = {key: code for code, key in enumerate(behaviour.keys)}
    created = np.array([ticket.created for ticket in tickets])

    problems = list(import_problems)
    problems += _gaps(created)
    if behaviour.censored:
        problems.append(
            f"{behaviour.censored} tickets were still open when the history ends; "
            "their last stint was left out of the learned behaviour"
        )
    if behaviour.tickets_without_team:
        problems.append(
            f"{behaviour.tickets_without_team} tickets never had a team; they are "
            "replayed but teach nothing"
        )
    if behaviour.unknown_teams:
        listed = ", ".join(
            f"{name!r} ({count})"
            for name, count in behaviour.unknown_teams.most_common(10)
        )
        default = policy.routing.rules[-1].then.team
        problems.append(
            f"{len(behaviour.unknown_teams)} log teams match no policy team or "
            f"team_patterns rule and were counted as team {default!r}: {listed}"
        )

    return HistoryInput(
        tickets=tickets,
        created=created,
        behaviour=behaviour,
        ticket_keys=np.array([codes[key] for key in keys], dtype=np.int64),
        problems=problems,
    )


def _gaps(created: NDArray[np.float64]) -> list[str]:
    ordered = np.sort(created)
    steps = np.diff(ordered)
    long = np.flatnonzero(steps > GAP)
    if not len(long):
        return []
    widest = int(long[np.argmax(steps[long])])
    start = datetime.fromtimestamp(float(ordered[widest]), UTC).date()
    end = datetime.fromtimestamp(float(ordered[widest + 1]), UTC).date()
    days = steps[widest] / 86_400
    return [
        f"{len(long)} gaps of more than {GAP / 86_400:.0f} days without arrivals "
        f"(the longest {days:.0f} days, from {start} to {end}); replay keeps them, "
        "so check that the log is complete for the period simulated"
    ]


def setup_policy(
    name: str,
    policy: Policy,
    staffing: StaffingPlan,
    history: HistoryInput,
    *,
    history_teams: bool = False,
) -> PolicySetup:
    """Route the history's tickets under `policy` for runs with `staffing`.

    `history_teams` sends each ticket to the team that first took it in the
    history instead (see `route_replay`).
    """
    return PolicySetup(
        name=name,
        policy=policy,
        routed=route_replay(history.tickets, policy, history_teams=history_teams),
        staffing=staffing,
        behaviour=history.behaviour,
        ticket_keys=history.ticket_keys,
    )
