"""Validation on a real log: replay tickets the behaviour was not learned from,
and compare the prediction with what the log shows for them.

The tickets are split at random into a learning half and a replay half. The
replay half arrives as it did, each ticket at the team that first took it in
the log, under the current policy's targets and calendars.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from tierdesk.events import Event
from tierdesk.metrics import MetricsOptions
from tierdesk.policy.model import Policy
from tierdesk.simulate.behaviour import LearningOptions
from tierdesk.simulate.history import HistoryInput, prepare_history, setup_policy
from tierdesk.simulate.observed import observed_values
from tierdesk.simulate.replications import (
    Interval,
    Settings,
    intervals,
    run_replications,
)
from tierdesk.simulate.routes import ReplayFields
from tierdesk.simulate.staffing import StaffingPlan

# Figures compared, in print order.
FIGURES = (
    "first_response_within_target",
    "resolved_within_target",
    "first_response_business_p90_h",
    "resolution_business_median_h",
    "resolution_business_p90_h",
    "resolution_calendar_median_h",
    "resolution_calendar_p90_h",
    "first_response_calendar_p90_h",
    "one_touch_share",
    "highest_tier_share:frontline",
    "highest_tier_share:escalation",
    "highest_tier_share:expert",
)


@dataclass(frozen=True)
class Check:
    """One figure: predicted for the replayed tickets, and observed for them."""

    figure: str
    predicted: Interval
    observed: float

    @property
    def error(self) -> float:
        return self.predicted.mean - self.observed


def split_history(
    histories: Mapping[str, Sequence[Event]], share: float, seed: int
) -> tuple[dict[str, Sequence[Event]], dict[str, Sequence[Event]]]:
    """Split tickets at random into a learning part of `share` and the rest."""
    generator = np.random.default_rng(seed)
    learning: dict[str, Sequence[Event]] = {}
    replayed: dict[str, Sequence[Event]] = {}
    for ticket, events in histories.items():
        (learning if generator.random() < share else replayed)[ticket] = events
    return learning, replayed


def validate(
    histories: Mapping[str, Sequence[Event]],
    policy: Policy,
    staffing: StaffingPlan,
    *,
    fields: ReplayFields,
    learning: LearningOptions,
    metrics: MetricsOptions,
    settings: Settings,
    now: datetime,
    learn_share: float = 0.5,
    split_seed: int = 0,
    figures: Sequence[str] = FIGURES,
) -> list[Check]:
    """Learn from one part of the tickets, replay the other, compare per figure.

    With `learn_share` 1.0 every ticket is learned from and replayed, which
    measures how well the engine reproduces the data it learned from.
    """
    if learn_share >= 1.0:
        learned = replayed = dict(histories)
    else:
        learned, replayed = split_history(histories, learn_share, split_seed)
    taught = prepare_history(learned, policy, fields, learning)
    shown = prepare_history(replayed, policy, fields, learning)
    replay = _with_behaviour(shown, taught)
    setup = setup_policy("replay", policy, staffing, replay, history_teams=True)
    runs = run_replications([setup], replay.created, settings)
    predicted = intervals(runs["replay"])
    observed_setup = replace(
        setup, behaviour=shown.behaviour, ticket_keys=shown.ticket_keys
    )
    observed = observed_values(replayed, observed_setup, now, metrics)
    return [
        Check(figure, predicted[figure], observed[figure])
        for figure in figures
        if figure in predicted and figure in observed
    ]


def _with_behaviour(shown: HistoryInput, taught: HistoryInput) -> HistoryInput:
    """Return the replayed tickets with the learned behaviour and its key codes.

    Inquiry types the learning part never saw get codes without pools of their
    own, so their stints come from the broader pools.
    """
    behaviour = replace(taught.behaviour, keys=list(taught.behaviour.keys))
    codes = {key: code for code, key in enumerate(behaviour.keys)}
    keys = []
    for code in shown.ticket_keys.tolist():
        key = shown.behaviour.keys[code]
        if key not in codes:
            codes[key] = len(behaviour.keys)
            behaviour.keys.append(key)
        keys.append(codes[key])
    return replace(
        shown, behaviour=behaviour, ticket_keys=np.array(keys, dtype=np.int64)
    )


def render_checks(checks: Sequence[Check]) -> list[str]:
    lines = [f"{'figure':<34} {'predicted':>24} {'observed':>10} {'error':>10}"]
    for check in checks:
        predicted = check.predicted
        interval = (
            f"{predicted.mean:.3f} ({predicted.low:.3f}-{predicted.high:.3f})"
            if not np.isnan(predicted.low)
            else f"{predicted.mean:.3f}"
        )
        lines.append(
            f"{check.figure:<34} {interval:>24} {check.observed:>10.3f} "
            f"{check.error:>+10.3f}"
        )
    return lines
