"""The side-by-side comparison of policies: one row per figure, with intervals."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from tierdesk.simulate.outcome import RunSummary
from tierdesk.simulate.replications import Interval, Settings, intervals
from tierdesk.simulate.setup import PolicySetup


@dataclass(frozen=True)
class Row:
    """One figure: its label, the value name in `RunSummary.values`, its unit."""

    label: str
    name: str
    unit: str  # share, hours, count, money


@dataclass(frozen=True)
class Comparison:
    """Replications of every policy, their intervals, and the history's own values."""

    settings: Settings
    setups: list[PolicySetup]
    summaries: dict[str, list[RunSummary]]
    intervals: dict[str, dict[str, Interval]]
    observed: Mapping[str, float] = field(default_factory=dict)
    observed_backlog: np.ndarray | None = None

    def rows(self) -> list[Row]:
        return comparison_rows(self.setups)


def build_comparison(
    setups: Sequence[PolicySetup],
    summaries: dict[str, list[RunSummary]],
    settings: Settings,
    observed: Mapping[str, float] | None = None,
    observed_backlog: np.ndarray | None = None,
) -> Comparison:
    return Comparison(
        settings=settings,
        setups=list(setups),
        summaries=summaries,
        intervals={name: intervals(runs) for name, runs in summaries.items()},
        observed=observed or {},
        observed_backlog=observed_backlog,
    )


def comparison_rows(setups: Sequence[PolicySetup]) -> list[Row]:
    """Return the rows in print order, with a row per team and tier of any policy."""
    rows = [
        Row("tickets", "tickets", "count"),
        Row("first response within target", "first_response_within_target", "share"),
        Row("resolved within target", "resolved_within_target", "share"),
    ]
    for clock, text in (
        ("first_response", "first response"),
        ("resolution", "resolution"),
    ):
        for basis in ("business", "calendar"):
            for statistic in ("median", "p90"):
                rows.append(
                    Row(
                        f"{text} time, {statistic} ({basis})",
                        f"{clock}_{basis}_{statistic}_h",
                        "hours",
                    )
                )

    rows += [
        Row("backlog: peak open tickets", "backlog_peak", "count"),
        Row("backlog: mean open tickets", "backlog_mean", "count"),
        Row(
            "one-touch (solved in the first team, no reopen)",
            "one_touch_share",
            "share",
        ),
        Row("cost per ticket", "cost_per_ticket", "money"),
        Row("cost in total", "cost_total", "money"),
        Row("staff cost in total", "staff_cost_total", "money"),
        Row("routed to vendor teams", "vendor_routed_share", "share"),
        Row("handled by a vendor team", "vendor_handled_share", "share"),
    ]

    tiers = dict.fromkeys(t.id for s in setups for t in s.policy.tiers)
    teams = dict.fromkeys(t.id for s in setups for t in s.policy.teams)
    rows += [
        Row(f"first tier {tier}", f"first_tier_share:{tier}", "share") for tier in tiers
    ]
    rows += [
        Row(f"highest tier {tier}", f"highest_tier_share:{tier}", "share")
        for tier in tiers
    ]
    rows += [
        Row(f"utilisation {team}", f"utilisation:{team}", "share") for team in teams
    ]
    rows += [
        Row(f"agent hours {team}", f"agent_hours:{team}", "count") for team in teams
    ]
    rows += [
        Row("tickets closed after too many moves", "forced_closures", "count"),
        Row("tickets unresolved at the end", "unresolved_at_end", "count"),
    ]
    return rows


def format_value(value: float, unit: str) -> str:
    if math.isnan(value):
        return "n/a"
    if unit == "share":
        return f"{value:.1%}"
    if unit == "hours":
        return f"{value:.2f} h"
    if unit == "money":
        return f"{value:,.2f}"
    if abs(value) >= 100 or value == round(value):
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def format_interval(found: Interval | None, unit: str) -> str:
    """Format the mean and its interval, clipped to the values the figure can take."""
    if found is None or math.isnan(found.mean):
        return "n/a"
    text = format_value(found.mean, unit)
    if math.isnan(found.low) or found.low == found.high:
        return text
    low = max(found.low, 0.0)
    high = min(found.high, 1.0) if unit == "share" else found.high
    low_text = format_value(low, unit).removesuffix(" h").removesuffix("%")
    high_text = format_value(high, unit).removesuffix(" h").removesuffix("%")
    return f"{text} ({low_text} to {high_text})"


def render_comparison(comparison: Comparison) -> list[str]:
    """Return the comparison as aligned text lines, one row per figure."""
    names = [setup.name for setup in comparison.setups]
    headers = ["", *names]
    if comparison.observed:
        headers.append("history")
    table = []
    for row in comparison.rows():
        cells = [
            format_interval(comparison.intervals[name].get(row.name), row.unit)
            for name in names
        ]
        shown = [cell for cell in cells if cell != "n/a"]
        observed = comparison.observed.get(row.name)
        if not shown and observed is None:
            continue
        if comparison.observed:
            cells.append(
                format_value(observed, row.unit) if observed is not None else "n/a"
            )
        table.append([row.label, *cells])
    widths = [max(len(r[i]) for r in [headers, *table]) for i in range(len(headers))]
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()
    ]
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in table
    ]
    return lines


def comparison_records(comparison: Comparison) -> list[dict[str, object]]:
    """Return one record per figure and policy, for CSV, JSON Lines or Parquet."""
    records: list[dict[str, object]] = []
    for row in comparison.rows():
        for setup in comparison.setups:
            found = comparison.intervals[setup.name].get(row.name)
            if found is None:
                continue
            records.append(
                {
                    "figure": row.name,
                    "label": row.label,
                    "policy": setup.name,
                    "policy_version": setup.policy.version_label,
                    "mean": found.mean,
                    "low": found.low,
                    "high": found.high,
                    "runs": found.runs,
                    "history": comparison.observed.get(row.name),
                }
            )
    return records
