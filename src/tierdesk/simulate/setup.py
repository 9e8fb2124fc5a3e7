"""Inputs and results of a run: a policy set up for runs, limits, raw results."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tierdesk._sla_timeline import EventColumns
from tierdesk.policy.model import Policy
from tierdesk.simulate.behaviour import BehaviourModel
from tierdesk.simulate.routes import RoutedTickets
from tierdesk.simulate.staffing import StaffingPlan


@dataclass(frozen=True)
class RunOptions:
    """Limits of one run.

    `max_stints` ends a ticket that has moved between teams that many times by
    closing it, which keeps loops in the learned moves finite. A run stops
    `max_drain` seconds after the last arrival even when tickets still wait.
    """

    max_stints: int = 50
    max_drain: float = 3 * 365 * 86_400.0


@dataclass(frozen=True)
class PolicySetup:
    """Everything one policy's runs need, free of calendars so it pickles."""

    name: str
    policy: Policy
    routed: RoutedTickets
    staffing: StaffingPlan
    behaviour: BehaviourModel
    ticket_keys: NDArray[np.int64]


@dataclass(frozen=True)
class RawRun:
    """The raw results of one run, before the clocks are evaluated."""

    setup_name: str
    teams: list[str]
    events: EventColumns
    ticket_source: NDArray[np.int64]
    ticket_arrival: NDArray[np.float64]
    ticket_team_mask: NDArray[np.int64]
    ticket_one_touch: NDArray[np.bool_]
    ticket_done: NDArray[np.bool_]
    forced_closures: int
    wait_team: NDArray[np.int64]
    wait_entered: NDArray[np.float64]
    wait_picked: NDArray[np.float64]
    hold_team: NDArray[np.int64]
    hold_start: NDArray[np.float64]
    hold_end: NDArray[np.float64]
    fallback_draws: dict[int, int]
    end: float
