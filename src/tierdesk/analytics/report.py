"""The full report: group tables, movement, trends, deflection, waits, recommendations.

`build_report` is pure. It takes the prepared tickets, optionally the events
and the policy, and an explicit `now`, and returns tables. Callers render them
and write the files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import polars as pl

from tierdesk.analytics.deflection import Deflection, estimate_deflection
from tierdesk.analytics.flows import ping_pong_pairs, tier_flow
from tierdesk.analytics.frame import DIMENSIONS, TicketFrame
from tierdesk.analytics.recommend import Recommendations, recommend
from tierdesk.analytics.routes import RoutedTickets, route_tickets
from tierdesk.analytics.tables import (
    GroupTable,
    dimension_pairs,
    group_table,
    group_tables,
)
from tierdesk.analytics.trends import DriverTrends, driver_trends
from tierdesk.analytics.waits import (
    WaitReport,
    status_periods,
    summarise_waits,
    wait_statuses,
)
from tierdesk.policy.model import Policy

# Fewer months than this with enough tickets, and attainment is shown by week.
_MIN_MONTHS = 6


@dataclass(frozen=True)
class ReportOptions:
    """Groupings of the report, and the limits of its lists and tests."""

    by: tuple[tuple[str, ...], ...] = tuple((d,) for d in DIMENSIONS)
    all_pairs: bool = False
    min_n: int = 30
    top: int = 20
    trend_by: str = "inquiry_type"
    trend_weeks: int = 12
    trend_min_count: int = 20
    alpha: float = 0.05
    wait_statuses: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Report:
    """Every table of the report; `tables` are the group tables asked for."""

    title: str
    now: datetime
    tickets: TicketFrame
    options: ReportOptions
    tables: list[GroupTable]
    overall: GroupTable
    by_type: GroupTable
    by_segment: GroupTable
    by_team: GroupTable
    over_time: GroupTable
    tier_flow: pl.DataFrame
    ping_pong_pairs: pl.DataFrame
    trends: DriverTrends
    deflection: Deflection | None
    recommendations: Recommendations | None
    routed: RoutedTickets | None
    waits: WaitReport | None
    notes: list[str] = field(default_factory=list)

    def exports(self) -> dict[str, pl.DataFrame]:
        """Return every table to export, by file stem."""
        tables = {"overall": self.overall.frame}
        tables.update({table.name: table.frame for table in self.tables})
        # Escalation by team and by inquiry type is a section of its own.
        for table in (self.by_type, self.by_team):
            tables.setdefault(table.name, table.frame)
        tables["attainment_over_time"] = self.over_time.frame
        tables["tier_flow"] = self.tier_flow
        tables["ping_pong_pairs"] = self.ping_pong_pairs
        tables["driver_trends"] = self.trends.frame.with_columns(
            pl.col("weekly").cast(pl.List(pl.String)).list.join(" ")
        )
        if self.deflection is not None:
            tables["deflection"] = self.deflection.frame
        if self.recommendations is not None:
            tables["recommendations"] = recommendation_frame(self.recommendations)
        if self.waits is not None:
            tables["waits_by_status"] = self.waits.by_status
            tables["waits_by_agent"] = self.waits.by_actor
            tables["waits_by_team"] = self.waits.by_team
        unknown = self.tickets.unknown_inquiry_types
        if unknown:
            tables["unknown_inquiry_types"] = pl.DataFrame(
                {"inquiry_type": list(unknown), "tickets": list(unknown.values())},
                schema={"inquiry_type": pl.String, "tickets": pl.Int64},
            )
        return tables


def build_report(
    tickets: TicketFrame,
    now: datetime,
    *,
    policy: Policy | None = None,
    events: pl.DataFrame | None = None,
    options: ReportOptions | None = None,
    title: str = "Support report",
) -> Report:
    """Compute every table of the report over `tickets`, evaluated at `now`."""
    options = options or ReportOptions()
    groupings = list(dict.fromkeys(tuple(by) for by in options.by))
    if options.all_pairs:
        groupings += [pair for pair in dimension_pairs() if pair not in groupings]
    extra = [("inquiry_type",), ("segment",), ("team",), ("month",), ("overall",)]
    everything = groupings + [by for by in extra if by not in groupings]
    with_overall = replace(
        tickets, frame=tickets.frame.with_columns(pl.lit("all").alias("overall"))
    )
    computed = group_tables(with_overall, everything, min_n=options.min_n)
    cached = {table.by: table for table in computed}
    tables = computed[: len(groupings)]

    def table(by: tuple[str, ...]) -> GroupTable:
        if by not in cached:
            cached[by] = group_table(tickets, by, min_n=options.min_n)
        return cached[by]

    by_type = table(("inquiry_type",))
    period = _period(table(("month",)), options.min_n)
    notes = _input_notes(tickets)
    routed = recommendations = deflection = None
    if policy is not None:
        routed = route_tickets(tickets, policy)
        recommendations = recommend(tickets, by_type, routed, policy)
        deflection = estimate_deflection(by_type, policy)
        notes += recommendations.notes
    waits = None
    if events is not None and events.height:
        periods = status_periods(events, now)
        statuses = options.wait_statuses or wait_statuses(periods)
        waits = summarise_waits(periods, statuses, tickets.tickets, top=options.top)
    else:
        notes.append("no events given, so wait statuses are not analysed")
    return Report(
        title=title,
        now=now,
        tickets=tickets,
        options=options,
        tables=tables,
        overall=table(("overall",)),
        by_type=by_type,
        by_segment=table(("segment",)),
        by_team=table(("team",)),
        over_time=table(("segment", period)),
        tier_flow=tier_flow(tickets),
        ping_pong_pairs=ping_pong_pairs(tickets, top=options.top),
        trends=driver_trends(
            tickets,
            by=options.trend_by,
            weeks=options.trend_weeks,
            top=options.top,
            alpha=options.alpha,
            min_count=options.trend_min_count,
        ),
        deflection=deflection,
        recommendations=recommendations,
        routed=routed,
        waits=waits,
        notes=notes,
    )


def _period(months: GroupTable, min_n: int) -> str:
    full = months.frame.filter(pl.col("tickets") >= min_n).height
    return "month" if full >= _MIN_MONTHS else "week"


def _input_notes(tickets: TicketFrame) -> list[str]:
    notes = []
    if tickets.csat_column is None:
        notes.append("no CSAT ratings in the input, so CSAT is n/a (n = 0)")
    frame = tickets.frame
    if frame.height and frame["handle_time_s"].null_count() == frame.height:
        notes.append("no handle times in the input, so handle time is n/a (n = 0)")
    if tickets.missing_columns:
        notes.append(
            "columns missing from the input, so their figures are n/a: "
            + ", ".join(tickets.missing_columns)
        )
    return notes


def recommendation_frame(recommendations: Recommendations) -> pl.DataFrame:
    """Return the recommendations as one flat table, a row per inquiry type."""
    rows = []
    for row in recommendations.rows:
        values = {
            key: value for key, value in row.__dict__.items() if key != "projection"
        }
        projection = row.projection
        for name in _PROJECTION_FIELDS:
            values[f"projected_{name}"] = (
                getattr(projection, name) if projection is not None else None
            )
        rows.append(values)
    return pl.DataFrame(rows, schema=_RECOMMENDATION_SCHEMA, orient="row")


_PROJECTION_FIELDS: Sequence[str] = (
    "basis",
    "basis_tickets",
    "first_response_within_now",
    "first_response_within_receiving",
    "resolved_within_now",
    "resolved_within_receiving",
    "first_response_change",
    "resolved_change",
)
_RECOMMENDATION_SCHEMA = {
    "inquiry_type": pl.String,
    "name": pl.String,
    "known": pl.Boolean,
    "complexity": pl.String,
    "tickets": pl.Int64,
    "share": pl.Float64,
    "one_touch": pl.Float64,
    "one_touch_low": pl.Float64,
    "one_touch_high": pl.Float64,
    "one_touch_n": pl.Int64,
    "escalated": pl.Float64,
    "escalated_n": pl.Int64,
    "csat_satisfied": pl.Float64,
    "csat_n": pl.Int64,
    "current_team": pl.String,
    "current_kind": pl.String,
    "current_rule": pl.String,
    "action": pl.String,
    "target_team": pl.String,
    "reason": pl.String,
    "moved_tickets": pl.Int64,
    "moved_share": pl.Float64,
    "cost_now": pl.Float64,
    "cost_change": pl.Float64,
    "projected_basis": pl.String,
    "projected_basis_tickets": pl.Int64,
    "projected_first_response_within_now": pl.Float64,
    "projected_first_response_within_receiving": pl.Float64,
    "projected_resolved_within_now": pl.Float64,
    "projected_resolved_within_receiving": pl.Float64,
    "projected_first_response_change": pl.Float64,
    "projected_resolved_change": pl.Float64,
}
