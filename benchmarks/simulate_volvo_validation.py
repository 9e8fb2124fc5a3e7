"""Validate the simulator on the Volvo IT incident log (BPI Challenge 2013).

Replays the log under examples/policies/volvo-incidents.yaml with staffing
inferred from the log, and compares predicted with observed figures:

1. in sample: every ticket is learned from and replayed;
2. out of sample: tickets split at random in halves, one half learned from and
   the other replayed, for several split seeds;
3. the sampling error of each observed figure for a half of the tickets, by
   bootstrap, which sizes the tolerances of tests/simulate/test_volvo.py.

Run from the repository root:

    python benchmarks/simulate_volvo_validation.py

Source of the log: 4TU.ResearchData, DOI 10.4121/500573e6-accc-4b0c-9576-aa5468b10cee.
"""

from __future__ import annotations

import argparse
import math
import platform
import time
from pathlib import Path

import numpy as np

from tierdesk.events import group_by_ticket
from tierdesk.importers import import_event_log, load_mapping
from tierdesk.metrics import MetricsOptions, compute_metrics
from tierdesk.policy import load_policy
from tierdesk.simulate.behaviour import LearningOptions
from tierdesk.simulate.history import prepare_history
from tierdesk.simulate.infer import infer_staffing
from tierdesk.simulate.replications import Settings
from tierdesk.simulate.routes import ReplayFields
from tierdesk.simulate.stints import MOVED, SOLVED
from tierdesk.simulate.validation import FIGURES, render_checks, validate

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "volvo-incidents" / "incidents.csv"
MAPPING = ROOT / "examples" / "mappings" / "volvo-incidents.yaml"
POLICY = ROOT / "examples" / "policies" / "volvo-incidents.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=Path, default=DATA)
    parser.add_argument("--runs", type=int, default=4, help="replications per check")
    parser.add_argument("--splits", type=int, default=5, help="split seeds")
    parser.add_argument("--bootstrap", type=int, default=400)
    arguments = parser.parse_args()
    print(f"python {platform.python_version()}, {platform.machine()}")

    mapping = load_mapping(MAPPING)
    policy = load_policy(POLICY).policy
    histories = group_by_ticket(import_event_log(arguments.log, mapping).events)
    fields = ReplayFields(inquiry_type="product", priority="impact")
    learning = LearningOptions(
        pause_source_statuses=mapping.pause_statuses,
        queued_statuses=["Awaiting Assignment"],
    )
    metrics = MetricsOptions(
        priority_attribute="impact", pause_source_statuses=mapping.pause_statuses
    )
    history = prepare_history(histories, policy, fields, learning)
    staffing, _ = infer_staffing(histories, policy, history.behaviour)
    now = max(events[-1].at for events in histories.values())
    settings = Settings(runs=arguments.runs, seed=0)

    def check(share: float, seed: int) -> dict[str, float]:
        began = time.perf_counter()
        checks = validate(
            histories,
            policy,
            staffing,
            fields=fields,
            learning=learning,
            metrics=metrics,
            settings=settings,
            now=now,
            learn_share=share,
            split_seed=seed,
        )
        took = time.perf_counter() - began
        print(f"\nlearn share {share}, split seed {seed} ({took:.1f} s)")
        for line in render_checks(checks):
            print(line)
        return {c.figure: c.error for c in checks}

    in_sample = check(1.0, 0)
    errors = [check(0.5, seed) for seed in range(arguments.splits)]

    standard_errors = _bootstrap(
        histories, history, policy, metrics, now, arguments.bootstrap
    )
    print(
        "\nfigure, in-sample error, out-of-sample errors (mean, largest), bootstrap SE "
        "of a half, suggested tolerance = |in-sample| + 3 x sqrt(2) x SE"
    )
    for figure in FIGURES:
        values = [e[figure] for e in errors if figure in e]
        se = standard_errors.get(figure, math.nan)
        tolerance = abs(in_sample.get(figure, math.nan)) + 3 * math.sqrt(2) * se
        print(
            f"{figure:<34} {in_sample.get(figure, math.nan):+9.3f} "
            f"{np.mean(values):+9.3f} {max(values, key=abs):+9.3f} "
            f"{se:9.4f} {tolerance:9.3f}"
        )


def _bootstrap(histories, history, policy, metrics, now, draws) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Return each figure's bootstrap standard error for half of the tickets."""
    frame = compute_metrics(histories, now, policy=policy, options=metrics).frame
    stints = history.behaviour.stints
    count = len(frame)
    rank = {tier.id: tier.rank for tier in policy.tiers}
    tier_of = {team.id: team.tier for team in policy.teams}
    highest = np.full(count, "", dtype=object)
    one_touch = np.zeros(count, dtype=bool)
    finished = np.zeros(count, dtype=bool)
    for index in range(len(stints)):
        ticket = int(stints.ticket[index])
        tier = tier_of[stints.team[index]]
        if not highest[ticket] or rank[tier] > rank[highest[ticket]]:
            highest[ticket] = tier
        if stints.entry[index]:
            one_touch[ticket] = stints.outcome[index] == SOLVED and np.isnan(
                stints.reopen_delay[index]
            )
        if stints.outcome[index] != MOVED and np.isnan(stints.reopen_delay[index]):
            finished[ticket] = True
    columns = {
        "first_response_sla": frame["first_response_sla"].to_numpy(dtype=object),
        "resolution_sla": frame["resolution_sla"].to_numpy(dtype=object),
        "first_response_business": frame["first_response_business_s"].to_numpy(float),
        "first_response_calendar": frame["first_response_s"].to_numpy(float),
        "resolution_business": frame["final_resolution_business_s"].to_numpy(float),
        "resolution_calendar": frame["final_resolution_s"].to_numpy(float),
    }

    def figures(rows: np.ndarray) -> dict[str, float]:
        result = {}
        for column, name in (
            ("first_response_sla", "first_response_within_target"),
            ("resolution_sla", "resolved_within_target"),
        ):
            values = columns[column][rows]
            met = np.count_nonzero(values == "met")
            breached = np.count_nonzero(values == "breached")
            result[name] = met / (met + breached)
        for name in (
            "first_response_business",
            "first_response_calendar",
            "resolution_business",
            "resolution_calendar",
        ):
            hours = columns[name][rows] / 3600
            hours = hours[~np.isnan(hours)]
            result[f"{name}_median_h"] = float(np.percentile(hours, 50))
            result[f"{name}_p90_h"] = float(np.percentile(hours, 90))
        result["one_touch_share"] = one_touch[rows].sum() / finished[rows].sum()
        for tier in rank:
            result[f"highest_tier_share:{tier}"] = float(np.mean(highest[rows] == tier))
        return result

    generator = np.random.default_rng(0)
    samples = [figures(generator.integers(0, count, count // 2)) for _ in range(draws)]
    return {
        name: float(np.std([s[name] for s in samples], ddof=1)) for name in samples[0]
    }


if __name__ == "__main__":
    main()
