"""A straightforward pandas implementation of the report's tables, to check the
Polars code against and to time as the benchmark's baseline.

It shares no code with `tierdesk.analytics` except the trend test's arithmetic:
it reads the metrics table and the events table with pandas, computes every
share with groupby and apply, and walks the team lists in Python.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from itertools import combinations, pairwise

import numpy as np
import pandas as pd

Z = 1.959963984540054
DIMENSIONS = {
    "inquiry_type": "inquiry_type",
    "segment": "segment",
    "team": "first_team",
    "tier": "first_tier",
    "channel": "channel",
    "month": "created_month",
}


def wilson(k: float, n: float) -> tuple[float, float, float] | None:
    if n == 0:
        return None
    p = k / n
    denominator = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denominator
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / denominator
    return p, max(0.0, centre - half), min(1.0, centre + half)


def prepare(
    metrics: pd.DataFrame, columns: dict[str, str] | None = None
) -> pd.DataFrame:
    """Add the dimensions and the 0/1 columns the tables count."""
    columns = {**DIMENSIONS, **(columns or {})}
    frame = metrics.copy()
    for dimension, column in columns.items():
        frame[dimension] = frame[column]
    resolved = frame["status"].isin(["solved", "closed"])
    first = frame["first_response_s"]
    final = frame["final_resolution_s"]
    solved = frame["solved"].fillna(False).astype(bool)
    frame["fr_n"] = first.notna() | (~resolved & (frame["open_s"] > 8 * 3600))
    frame["fr_k"] = first <= 8 * 3600
    frame["res_n"] = final.notna() | (~resolved & (frame["open_s"] > 24 * 3600))
    frame["res_k"] = final <= 24 * 3600
    frame["ot_n"] = solved
    frame["ot_k"] = solved & frame["one_touch"].fillna(False).astype(bool)
    ranked = frame["highest_tier_rank"].notna()
    frame["esc_n"] = ranked
    frame["esc_k"] = ranked & (frame["escalations"] > 0)
    frame["flr_n"] = ranked
    frame["flr_k"] = solved & (
        frame["highest_tier_rank"] <= frame["highest_tier_rank"].min()
    )
    frame["pp_n"] = frame["ping_pong"].notna()
    frame["pp_k"] = frame["ping_pong"].fillna(False).astype(bool)
    return frame


_SHARES = (
    ("first_response_within", "fr_k", "fr_n"),
    ("resolved_within", "res_k", "res_n"),
    ("one_touch", "ot_k", "ot_n"),
    ("escalated", "esc_k", "esc_n"),
    ("first_line_resolved", "flr_k", "flr_n"),
    ("ping_pong", "pp_k", "pp_n"),
)


def group_table(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Return the group table with each share and its n, one row per group."""
    total = len(frame)
    work = frame[by].copy()
    for _, k, n in _SHARES:
        work[k] = (frame[k].fillna(False) & frame[n]).astype(int)
        work[n] = frame[n].astype(int)
    work["open"] = frame["open_s"].where(frame["paused_s"].notna()).fillna(0.0)
    work["paused"] = frame["paused_s"].fillna(0.0)
    work["handle"] = pd.to_numeric(frame["handle_time_s"], errors="coerce")
    grouped = work.groupby(by, dropna=False, sort=False)
    sums = grouped.sum(numeric_only=True)
    table = pd.DataFrame(index=sums.index)
    table["tickets"] = grouped.size()
    table["share"] = table["tickets"] / total
    for name, k, n in _SHARES:
        trials = sums[n]
        share = sums[k] / trials.where(trials > 0)
        spread = Z * Z / trials.where(trials > 0)
        centre = (share + spread / 2) / (1 + spread)
        half = (
            Z
            * np.sqrt(share * (1 - share) / trials + spread / (4 * trials))
            / (1 + spread)
        )
        table[name] = share
        table[f"{name}_low"] = (centre - half).clip(lower=0.0)
        table[f"{name}_n"] = trials
    table["paused_share"] = sums["paused"] / sums["open"].where(sums["open"] > 0)
    table["handle_time_median_s"] = grouped["handle"].median()
    table["handle_time_p90_s"] = grouped["handle"].quantile(0.9)
    return table.reset_index()


def ping_pong_pairs(frame: pd.DataFrame) -> Counter[tuple[str, str]]:
    """Count returns to a team the ticket had left, per unordered team pair."""
    counts: Counter[tuple[str, str]] = Counter()
    for text in frame["teams_visited"].fillna("[]"):
        teams = json.loads(text)
        for position in range(1, len(teams)):
            if teams[position] in teams[: position - 1]:
                pair = tuple(sorted((teams[position - 1], teams[position])))
                counts[pair] += 1  # type: ignore[index]
    return counts


def tier_moves(frame: pd.DataFrame) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for text in frame["tiers_visited"].fillna("[]"):
        tiers = json.loads(text)
        for source, target in pairwise(tiers):
            counts[(source, target)] += 1
    return counts


def status_points(events: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    """Return each raw-status change with who made it and its period's seconds."""
    events = events.sort_values(["ticket_id", "at", "sequence"], kind="stable")
    previous = events.groupby("ticket_id")["source_status"].shift(1)
    first = events["ticket_id"].ne(events["ticket_id"].shift(1))
    status = events["source_status"]
    changed = first | (status.ne(previous) & ~(status.isna() & previous.isna()))
    points = events[changed].copy()
    points["ended_at"] = points.groupby("ticket_id")["at"].shift(-1)
    points["seconds"] = (
        (points["ended_at"].fillna(now) - points["at"]).dt.total_seconds().clip(0)
    )
    return points


def wait_periods(events: pd.DataFrame, now: pd.Timestamp, status: str) -> pd.DataFrame:
    """Return the periods of one raw status, with who set it and seconds."""
    points = status_points(events, now)
    return points[points["source_status"] == status]


def all_pairs(dimensions: list[str]) -> list[list[str]]:
    return [list(pair) for pair in combinations(dimensions, 2)]


def weekly_counts(
    frame: pd.DataFrame, by: str, weeks: int
) -> tuple[pd.DataFrame, np.ndarray]:
    created = pd.to_datetime(frame["created_at"], utc=True, format="ISO8601")
    week = created.dt.tz_localize(None).dt.to_period("W-SUN").dt.start_time
    last = week.max()
    window = [last - pd.Timedelta(weeks=i) for i in range(weeks - 1, -1, -1)]
    inside = week.isin(window)
    totals = week[inside].value_counts().reindex(window, fill_value=0).to_numpy()
    counts = pd.crosstab(frame.loc[inside, by], week[inside]).reindex(
        columns=window, fill_value=0
    )
    return counts, totals
