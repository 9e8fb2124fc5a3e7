"""The summary of a metrics table: medians, shares and what could not be known."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from tierdesk.metrics.table import TicketMetrics


@dataclass(frozen=True)
class DurationStats:
    """Median and 90th percentile in seconds over the tickets that have the time."""

    count: int
    median: float
    p90: float

    @classmethod
    def of(cls, values: pd.Series) -> DurationStats:
        known = values.dropna().astype(float)
        if known.empty:
            return cls(0, math.nan, math.nan)
        return cls(len(known), float(known.median()), float(known.quantile(0.9)))


@dataclass(frozen=True)
class TargetShare:
    """Tickets that met a target among those decided: met, or breached already.

    Running and paused clocks that have not breached yet are `undecided`.
    """

    met: int
    breached: int
    undecided: int
    without_target: int

    @classmethod
    def of(cls, statuses: pd.Series) -> TargetShare:
        counts = statuses.value_counts()
        return cls(
            met=int(counts.get("met", 0)),
            breached=int(counts.get("breached", 0)),
            undecided=int(counts.get("running", 0) + counts.get("paused", 0)),
            without_target=int(statuses.isna().sum()),
        )

    @property
    def share(self) -> float:
        decided = self.met + self.breached
        return self.met / decided if decided else math.nan


@dataclass(frozen=True)
class MetricsSummary:
    tickets: int
    first_response: DurationStats
    first_response_business: DurationStats
    resolution: DurationStats
    resolution_business: DurationStats
    first_response_target: TargetShare
    resolution_target: TargetShare
    solved: int
    one_touch: int
    highest_tiers: dict[str, int]
    with_teams: int
    ping_pong: int
    paused_tickets: int
    paused_seconds: float
    open_seconds: float

    @property
    def one_touch_share(self) -> float:
        return self.one_touch / self.solved if self.solved else math.nan

    @property
    def ping_pong_share(self) -> float:
        return self.ping_pong / self.with_teams if self.with_teams else math.nan

    @property
    def paused_share(self) -> float:
        return (
            self.paused_seconds / self.open_seconds if self.open_seconds else math.nan
        )


def summarise(metrics: TicketMetrics) -> MetricsSummary:
    """Summarise the table; resolution times are to the final solve."""
    frame = metrics.frame
    with_teams = frame["ping_pong"].notna()
    return MetricsSummary(
        tickets=len(frame),
        first_response=DurationStats.of(frame["first_response_s"]),
        first_response_business=DurationStats.of(frame["first_response_business_s"]),
        resolution=DurationStats.of(frame["final_resolution_s"]),
        resolution_business=DurationStats.of(frame["final_resolution_business_s"]),
        first_response_target=TargetShare.of(frame["first_response_sla"]),
        resolution_target=TargetShare.of(frame["resolution_sla"]),
        solved=int(frame["solved"].sum()),
        one_touch=int(frame["one_touch"].sum()),
        highest_tiers={
            str(tier): int(count)
            for tier, count in frame["highest_tier"].value_counts().items()
        },
        with_teams=int(with_teams.sum()),
        ping_pong=int(frame.loc[with_teams, "ping_pong"].astype(bool).sum()),
        paused_tickets=int((frame["paused_s"] > 0).sum()),
        paused_seconds=float(frame["paused_s"].sum()),
        open_seconds=float(frame["open_s"].sum()),
    )


def hours(seconds: float) -> str:
    """Format seconds as hours with two decimals, or 'n/a'."""
    return "n/a" if math.isnan(seconds) else f"{seconds / 3600:,.2f} h"


def percent(share: float) -> str:
    return "n/a" if math.isnan(share) else f"{share:.1%}"


def render_summary(
    summary: MetricsSummary, metrics: TicketMetrics, problems: Sequence[str] = ()
) -> list[str]:
    """Return the summary as lines of text, notes and input problems last."""
    lines = [f"tickets: {summary.tickets:,}"]
    if not metrics.has_policy:
        lines.append(
            "no policy given: times are calendar time; no business hours or "
            "targets apply"
        )
    else:
        lines.append(f"SLA policies: {', '.join(metrics.sla_policies) or '(none)'}")
    lines += _duration_lines(summary, metrics)
    if metrics.has_policy:
        for label, share in (
            ("first response within target", summary.first_response_target),
            ("resolved within target", summary.resolution_target),
        ):
            lines.append(
                f"{label}: {percent(share.share)} ({share.met:,} met, "
                f"{share.breached:,} breached, {share.undecided:,} not yet decided, "
                f"{share.without_target:,} without target)"
            )
    lines.append(
        f"one-touch: {percent(summary.one_touch_share)} of {summary.solved:,} "
        "solved tickets"
        + ("" if metrics.has_teams else " (transfers not checked: no teams)")
    )
    lines += _tier_lines(summary, metrics)
    if metrics.has_teams:
        lines.append(
            f"ping-pong: {percent(summary.ping_pong_share)} of "
            f"{summary.with_teams:,} tickets with a team"
        )
    else:
        lines.append("ping-pong: undefined, because no event names a team")
    lines.append(
        f"paused: {percent(summary.paused_share)} of open time; "
        f"{summary.paused_tickets:,} tickets were paused at least once"
    )
    if not metrics.has_handle_time:
        lines.append(
            "handle time: not in the events (no handle-time attribute), so the "
            "column is empty"
        )
    lines += _notes(metrics)
    lines.append(f"input problems: {len(problems) or 'none'}")
    lines += [f"  {line}" for line in problems]
    return lines


def _duration_lines(summary: MetricsSummary, metrics: TicketMetrics) -> list[str]:
    lines = []
    for label, calendar, business in (
        (
            "first response time",
            summary.first_response,
            summary.first_response_business,
        ),
        (
            "time to resolution (final solve)",
            summary.resolution,
            summary.resolution_business,
        ),
    ):
        text = (
            f"{label}: median {hours(calendar.median)}, p90 {hours(calendar.p90)} "
            f"calendar"
        )
        if metrics.has_policy:
            text += (
                f"; median {hours(business.median)}, p90 {hours(business.p90)} business"
            )
        lines.append(f"{text} ({calendar.count:,} tickets)")
    return lines


def _tier_lines(summary: MetricsSummary, metrics: TicketMetrics) -> list[str]:
    if not metrics.ranked:
        return ["highest tier reached: unknown without tier ranks (give a policy)"]
    if not summary.highest_tiers:
        return ["highest tier reached: no event names a tier"]
    total = sum(summary.highest_tiers.values())
    parts = ", ".join(
        f"{tier} {percent(count / total)} ({count:,})"
        for tier, count in summary.highest_tiers.items()
    )
    return [f"highest tier reached: {parts}"]


def _notes(metrics: TicketMetrics) -> list[str]:
    notes = []
    if metrics.unknown_teams:
        shown = ", ".join(repr(name) for name in metrics.unknown_teams[:10])
        more = len(metrics.unknown_teams) - 10
        notes.append(
            f"note: {len(metrics.unknown_teams)} teams match no policy team and "
            f"count 24x7 in UTC: {shown}" + (f" and {more} more" if more > 0 else "")
        )
    if metrics.unranked_tiers:
        notes.append(
            "note: tiers without a rank, left out of the highest tier: "
            + ", ".join(metrics.unranked_tiers)
        )
    if metrics.unknown_priorities:
        listed = ", ".join(
            f"{value!r} ({count})"
            for value, count in metrics.unknown_priorities.most_common()
        )
        notes.append(
            "note: priorities the policy does not list, given the default "
            f"priority: {listed}"
        )
    if metrics.invalid_handle_times:
        notes.append(
            f"note: {metrics.invalid_handle_times:,} handle-time values are not "
            "numbers and were left out"
        )
    return notes
