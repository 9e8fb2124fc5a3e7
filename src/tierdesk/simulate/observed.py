"""The history's own figures, named as the simulation's, for validation.

Times and SLA attainment come from `compute_metrics`, as `tierdesk metrics`
prints them. Tier, vendor, one-touch and cost figures come from the learned
stints, so they count policy teams exactly as the simulation does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np

from tierdesk.events import Event
from tierdesk.metrics import MetricsOptions, compute_metrics
from tierdesk.simulate.behaviour import BehaviourModel
from tierdesk.simulate.setup import PolicySetup
from tierdesk.simulate.stints import MOVED, SOLVED

HOUR = 3600.0


def observed_values(
    histories: Mapping[str, Sequence[Event]],
    setup: PolicySetup,
    now: datetime,
    options: MetricsOptions,
) -> dict[str, float]:
    """Return the history's figures under the setup's (current) policy."""
    policy = setup.policy
    frame = compute_metrics(histories, now, policy=policy, options=options).frame
    values: dict[str, float] = {"tickets": float(len(frame))}
    for column, name in (
        ("first_response_sla", "first_response_within_target"),
        ("resolution_sla", "resolved_within_target"),
    ):
        met = int((frame[column] == "met").sum())
        breached = int((frame[column] == "breached").sum())
        values[name] = met / (met + breached) if met + breached else float("nan")
    for column, name in (
        ("first_response_business_s", "first_response_business"),
        ("first_response_s", "first_response_calendar"),
        ("final_resolution_business_s", "resolution_business"),
        ("final_resolution_s", "resolution_calendar"),
    ):
        known = frame[column].dropna().to_numpy(dtype=float) / HOUR
        for label, percent in (("median", 50), ("p90", 90)):
            values[f"{name}_{label}_h"] = (
                float(np.percentile(known, percent)) if len(known) else float("nan")
            )
    values.update(_stint_values(setup.behaviour, setup))
    return values


def observed_distribution(
    histories: Mapping[str, Sequence[Event]],
    setup: PolicySetup,
    now: datetime,
    options: MetricsOptions,
) -> dict[str, np.ndarray]:
    """Return the history's first response and resolution business hours."""
    frame = compute_metrics(histories, now, policy=setup.policy, options=options).frame
    return {
        "first_response_business_h": frame["first_response_business_s"].to_numpy(
            dtype=float
        )
        / HOUR,
        "resolution_business_h": frame["final_resolution_business_s"].to_numpy(
            dtype=float
        )
        / HOUR,
    }


def _stint_values(behaviour: BehaviourModel, setup: PolicySetup) -> dict[str, float]:
    policy = setup.policy
    stints = behaviour.stints
    tickets = len(setup.routed.team)
    held: list[set[str]] = [set() for _ in range(tickets)]
    first: list[str | None] = [None] * tickets
    one_touch = np.zeros(tickets, dtype=bool)
    finished = np.zeros(tickets, dtype=bool)
    for index in range(len(stints)):
        ticket = int(stints.ticket[index])
        team = stints.team[index]
        if team is None:
            continue
        held[ticket].add(team)
        if stints.entry[index]:
            first[ticket] = team
            one_touch[ticket] = stints.outcome[index] == SOLVED and np.isnan(
                stints.reopen_delay[index]
            )
        if stints.outcome[index] != MOVED and np.isnan(stints.reopen_delay[index]):
            finished[ticket] = True

    rank = {tier.id: tier.rank for tier in policy.tiers}
    values: dict[str, float] = {}
    known = [i for i in range(tickets) if first[i] is not None]
    for tier in policy.tiers:
        values[f"first_tier_share:{tier.id}"] = float(
            np.mean([policy.teams_by_id[first[i]].tier == tier.id for i in known])  # type: ignore[index]
        )
        highest = [
            max((policy.teams_by_id[t].tier for t in held[i]), key=lambda x: rank[x])
            for i in known
        ]
        values[f"highest_tier_share:{tier.id}"] = float(
            np.mean([h == tier.id for h in highest])
        )

    vendors = {team.id for team in policy.teams if team.kind == "vendor"}
    values["vendor_routed_share"] = float(np.mean([first[i] in vendors for i in known]))
    values["vendor_handled_share"] = float(
        np.mean([bool(held[i] & vendors) for i in known])
    )
    values["one_touch_share"] = (
        float(one_touch.sum() / finished.sum()) if finished.any() else float("nan")
    )
    costs = [sum(policy.teams_by_id[t].cost_per_ticket for t in held[i]) for i in known]
    values["cost_total"] = float(sum(costs))
    values["cost_per_ticket"] = float(np.mean(costs)) if costs else float("nan")
    return values


def observed_backlog(behaviour: BehaviourModel, grid: np.ndarray) -> np.ndarray:
    """Return the history's unresolved tickets at each grid instant, from its stints.

    Stints still open at the end of the history are not counted.
    """
    stints = behaviour.stints
    up = np.searchsorted(np.sort(stints.start_at), grid, side="right")
    down = np.searchsorted(np.sort(stints.end_at), grid, side="right")
    return (up - down).astype(np.float64)
