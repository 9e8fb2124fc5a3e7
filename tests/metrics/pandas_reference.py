"""A straightforward pandas and Python implementation of the per-ticket figures,
read from the raw log rows, to check `tierdesk metrics` against.

It shares no code with tierdesk: it maps raw statuses row by row, forward-fills
the state, and counts business time by walking each stretch's local dates. The
benchmark `benchmarks/metrics_volvo.py` times it as the baseline.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import pandas as pd

RESOLVED = {"solved", "closed"}
PAUSE_STATUSES = {"pending", "on_hold"}


@dataclass(frozen=True)
class Hours:
    """Weekly opening minutes by weekday (Monday 0) in a timezone, with a feed."""

    zone: str
    weekly: dict[int, list[tuple[int, int]]]
    country: str

    def closed_dates(self, first: int, last: int) -> set[dt.date]:
        return set(
            holidays.country_holidays(self.country, years=range(first, last + 1))
        )


@dataclass(frozen=True)
class LogSpec:
    """What the mapping and the policy say, restated for the reference."""

    case: str
    time: str
    activity: str
    agent: str
    statuses: dict[str, str | None]  # raw status -> canonical; None for notes
    first_response: set[str]
    pauses: set[str]
    sub_status: str | None = None
    team: str | None = None
    tier_patterns: list[tuple[str, str]] = field(default_factory=list)
    ranks: dict[str, int] = field(default_factory=dict)
    calendar_of_team: Callable[[str | None], Hours] | None = None
    # Ticket's rows -> (first response target, resolution target, business time).
    targets: Callable[[pd.DataFrame], tuple[float, float, bool]] | None = None


def weekdays(start: str, end: str, *, saturday: str | None = None) -> dict:
    """Return weekly hours open `start`-`end` Monday to Friday, plus Saturday."""

    def minutes(text: str) -> int:
        hours, mins = text.split(":")
        return int(hours) * 60 + int(mins)

    weekly = {day: [(minutes(start), minutes(end))] for day in range(5)}
    if saturday:
        first, last = saturday.split("-")
        weekly[5] = [(minutes(first), minutes(last))]
    return weekly


def open_seconds(start: float, end: float, hours: Hours, closed: set[dt.date]) -> float:
    """Count open seconds in [start, end) by walking the local dates."""
    if end <= start:
        return 0.0
    zone = dt.UTC
    local = ZoneInfo(hours.zone)
    begin = dt.datetime.fromtimestamp(start, zone)
    finish = dt.datetime.fromtimestamp(end, zone)
    day = begin.astimezone(local).date() - dt.timedelta(days=1)
    last = finish.astimezone(local).date()
    total = 0.0
    while day <= last:
        if day not in closed:
            for first, final in hours.weekly.get(day.weekday(), []):
                midnight = dt.datetime.combine(day, dt.time(), tzinfo=local)
                opening = midnight + dt.timedelta(minutes=first)
                closing = midnight + dt.timedelta(minutes=final)
                # Wall-clock times become instants through the zone's offset.
                opening = opening.astimezone(zone)
                closing = closing.astimezone(zone)
                overlap = (min(finish, closing) - max(begin, opening)).total_seconds()
                if overlap > 0:
                    total += overlap
        day += dt.timedelta(days=1)
    return total


def read_rows(path: str) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def reference_metrics(source: str | pd.DataFrame, spec: LogSpec) -> pd.DataFrame:
    """Return one row of figures per ticket, from a log file or its rows."""
    rows = read_rows(source) if isinstance(source, str) else source.copy()
    rows["position"] = np.arange(len(rows))
    rows["t"] = pd.to_datetime(rows[spec.time], utc=True, format="ISO8601")
    epoch = pd.Timestamp(0, tz="UTC")
    rows["seconds"] = (rows["t"] - epoch).dt.total_seconds()
    raw = rows[spec.activity]
    if spec.sub_status:
        raw = rows[spec.sub_status].where(rows[spec.sub_status] != "", raw)
    rows["raw"] = raw
    rows = rows.sort_values([spec.case, "seconds", "position"], kind="stable")
    rows = rows.reset_index(drop=True)
    case = rows[spec.case]
    first_row = case != case.shift()

    mapped = rows["raw"].map(spec.statuses)
    # A case's state starts as 'new'; unknown statuses and notes keep the state.
    status = mapped.where(mapped.notna() | ~first_row, "new")
    rows["status"] = status.groupby(case).ffill()
    source = rows["raw"].where(mapped.notna())
    rows["source"] = source.groupby(case).ffill()
    previous = rows.groupby(case)["status"].shift().fillna("new")
    rows["previous"] = previous

    if spec.team:
        team = rows[spec.team].where(rows[spec.team] != "")
        team = team.groupby(case).ffill()
        rows["team"] = team.groupby(case).bfill()
    else:
        rows["team"] = None
    now = rows["seconds"].max()
    following = rows.groupby(case)["seconds"].shift(-1)
    rows["end"] = following.fillna(now)
    rows["paused"] = rows["status"].isin(PAUSE_STATUSES) & rows["source"].isin(
        spec.pauses
    )
    rows["unresolved"] = ~rows["status"].isin(RESOLVED)
    rows["business"] = _business(rows, spec)

    tickets = []
    for ticket, group in rows.groupby(case, sort=False):
        tickets.append(_ticket(ticket, group, spec))
    return pd.DataFrame(tickets)


def _business(rows: pd.DataFrame, spec: LogSpec) -> np.ndarray:
    if spec.calendar_of_team is None:
        return np.full(len(rows), np.nan)
    years = rows["t"].dt.year
    closed: dict[str, set[dt.date]] = {}
    values = np.zeros(len(rows))
    # The stretch from a resolved ticket's last row to `now` counts for no clock
    # and no duration, and can span years, so it is not walked.
    last_row = rows[spec.case].ne(rows[spec.case].shift(-1))
    needed = ~(last_row & ~rows["unresolved"])
    for index, (start, end, team, need) in enumerate(
        zip(rows["seconds"], rows["end"], rows["team"], needed, strict=True)
    ):
        if not need:
            continue
        hours = spec.calendar_of_team(team if isinstance(team, str) else None)
        if hours.country not in closed:
            closed[hours.country] = hours.closed_dates(years.min() - 1, years.max() + 1)
        values[index] = open_seconds(start, end, hours, closed[hours.country])
    return values


def _ticket(ticket: str, group: pd.DataFrame, spec: LogSpec) -> dict:
    created = group["seconds"].iloc[0]
    status = group["status"]
    agent = group[spec.agent] != ""
    replies = group["raw"].isin(spec.first_response) & agent
    solve = (status == "solved") & (group["previous"] != "solved")
    reopen = group["previous"].isin(RESOLVED) & ~status.isin(RESOLVED)
    business = group["business"].to_numpy()
    before = np.r_[0.0, np.cumsum(business)]

    def at(mask: pd.Series) -> tuple[float, float]:
        """Return calendar and business seconds to the first row of `mask`."""
        if not mask.any():
            return math.nan, math.nan
        index = int(np.flatnonzero(mask.to_numpy())[0])
        return group["seconds"].iloc[index] - created, before[index]

    first_response = at(replies)
    first_resolution = at(solve)
    # The final solve: the row that started the last run of resolved rows, if
    # the ticket ends resolved and that row is a solve.
    entering = status.isin(RESOLVED) & ~group["previous"].isin(RESOLVED)
    final = (math.nan, math.nan)
    if status.iloc[-1] in RESOLVED and entering.any():
        last_entry = int(np.flatnonzero(entering.to_numpy())[-1])
        if status.iloc[last_entry] == "solved":
            mask = pd.Series(False, index=group.index)
            mask.iloc[last_entry] = True
            final = at(mask)

    length = (group["end"] - group["seconds"]).to_numpy()
    unresolved = group["unresolved"].to_numpy()
    paused = group["paused"].to_numpy()
    teams = [team for team in group["team"] if isinstance(team, str)]
    visited = [team for i, team in enumerate(teams) if i == 0 or teams[i - 1] != team]
    tiers = [_tier(team, spec) for team in visited]
    ranked = [tier for tier in tiers if tier in spec.ranks]
    highest = max(ranked, key=spec.ranks.__getitem__) if ranked else None
    row = {
        "ticket_id": ticket,
        "first_response_s": first_response[0],
        "first_response_business_s": first_response[1],
        "first_resolution_s": first_resolution[0],
        "final_resolution_s": final[0],
        "final_resolution_business_s": final[1],
        "open_s": float(length[unresolved].sum()),
        "paused_s": float(length[unresolved & paused].sum()),
        "reopens": int(reopen.sum()),
        "solved": bool(solve.any()),
        "transfers": len(visited) - 1 if visited else None,
        "ping_pong": len(set(visited)) < len(visited) if visited else None,
        "highest_tier": highest,
    }
    row["one_touch"] = row["solved"] and not row["transfers"] and row["reopens"] == 0
    if spec.targets is not None:
        row.update(_clocks(group, spec, replies, length, business, unresolved, paused))
    return row


def _clocks(group, spec, replies, length, business, unresolved, paused) -> dict:
    first_response, resolution, business_time = spec.targets(group)
    counted = business if business_time else length
    stop = replies | group["status"].isin(RESOLVED)
    rows = len(group)
    stop_at = int(np.flatnonzero(stop.to_numpy())[0]) if stop.any() else rows
    running = np.arange(rows) < stop_at
    first_clock = float(counted[running & ~paused].sum())
    resolution_clock = float(counted[unresolved & ~paused].sum())
    resolved = group["status"].iloc[-1] in RESOLVED
    return {
        "first_response_sla": _status(first_clock, first_response, stop.any()),
        "resolution_sla": _status(resolution_clock, resolution, resolved),
    }


def _status(used: float, target: float, stopped: bool) -> str:
    if used > target:
        return "breached"
    return "met" if stopped else "running"


def _tier(team: str, spec: LogSpec) -> str | None:
    for pattern, tier in spec.tier_patterns:
        if re.search(pattern, team):
            return tier
    return None


def summary_lines(frame: pd.DataFrame) -> dict[str, str]:
    """Return the expected summary lines of `tierdesk metrics`, keyed by topic."""

    def hours(values: pd.Series, q: float) -> str:
        known = values.dropna()
        return f"{known.quantile(q) / 3600:,.2f} h"

    def share(part: float, whole: float) -> str:
        return f"{part / whole:.1%}"

    solved = int(frame["solved"].sum())
    with_team = frame["ping_pong"].notna()
    lines = {
        "tickets": f"tickets: {len(frame):,}",
        "first_response": (
            f"first response time: median {hours(frame['first_response_s'], 0.5)}, "
            f"p90 {hours(frame['first_response_s'], 0.9)} calendar"
        ),
        "resolution": (
            "time to resolution (final solve): median "
            f"{hours(frame['final_resolution_s'], 0.5)}, p90 "
            f"{hours(frame['final_resolution_s'], 0.9)} calendar"
        ),
        "one_touch": (
            f"one-touch: {share(frame['one_touch'].sum(), solved)} of {solved:,} "
            "solved tickets"
        ),
        "paused": (
            f"paused: {share(frame['paused_s'].sum(), frame['open_s'].sum())} of "
            f"open time; {int((frame['paused_s'] > 0).sum()):,} tickets were paused "
            "at least once"
        ),
    }
    if with_team.any():
        pingpong = int(frame.loc[with_team, "ping_pong"].astype(bool).sum())
        lines["ping_pong"] = (
            f"ping-pong: {share(pingpong, with_team.sum())} of "
            f"{int(with_team.sum()):,} tickets with a team"
        )
    counts = frame["highest_tier"].value_counts()
    if len(counts):
        total = counts.sum()
        parts = ", ".join(
            f"{tier} {share(count, total)} ({count:,})"
            for tier, count in counts.items()
        )
        lines["highest_tier"] = f"highest tier reached: {parts}"
    if frame["first_response_business_s"].notna().any():
        lines["first_response"] += (
            f"; median {hours(frame['first_response_business_s'], 0.5)}, p90 "
            f"{hours(frame['first_response_business_s'], 0.9)} business"
        )
        lines["resolution"] += (
            f"; median {hours(frame['final_resolution_business_s'], 0.5)}, p90 "
            f"{hours(frame['final_resolution_business_s'], 0.9)} business"
        )
    for topic, label in (
        ("first_response_sla", "first response within target"),
        ("resolution_sla", "resolved within target"),
    ):
        if topic not in frame:
            continue
        counts = frame[topic].value_counts()
        met, breached = int(counts.get("met", 0)), int(counts.get("breached", 0))
        running = int(counts.get("running", 0))
        lines[topic] = (
            f"{label}: {share(met, met + breached)} ({met:,} met, {breached:,} "
            f"breached, {running:,} not yet decided, 0 without target)"
        )
    return lines
