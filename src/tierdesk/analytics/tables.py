"""Group tables: volume, CSAT, attainment, one-touch and more by any dimensions.

Every share is a count over a denominator, shown with its Wilson interval and
its n. A group whose n is 0 has no share (null), never 0% and never NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import polars as pl

from tierdesk.analytics.frame import DIMENSIONS, TicketFrame
from tierdesk.analytics.intervals import Z_95, wilson_exprs

# Shares of tickets: name, what the denominator n counts.
PROPORTIONS: tuple[tuple[str, str], ...] = (
    ("csat_satisfied", "rated tickets"),
    ("first_response_within", "tickets with a first response or past the target"),
    ("resolved_within", "tickets resolved or past the target"),
    ("one_touch", "solved tickets"),
    ("first_line_resolved", "tickets with a ranked tier"),
    ("reopened", "tickets"),
    ("escalated", "tickets with ranked tiers"),
    ("ping_pong", "tickets that a team held"),
)
# Dimensions listed in time order rather than by volume.
TIME_DIMENSIONS = frozenset({"month", "week"})


@dataclass(frozen=True)
class GroupTable:
    """One group table and the dimensions it is grouped by."""

    by: tuple[str, ...]
    frame: pl.DataFrame
    total_tickets: int
    min_n: int

    @property
    def name(self) -> str:
        return "by_" + "_".join(self.by)


def group_table(
    tickets: TicketFrame, by: Sequence[str], *, min_n: int = 30, z: float = Z_95
) -> GroupTable:
    """Aggregate the ticket frame by one or more dimensions or columns.

    `by` names dimensions (`DIMENSIONS`, `week`) or any other column of the
    frame. Groups with fewer than `min_n` tickets are flagged `small_group`.
    """
    return group_tables(tickets, [by], min_n=min_n, z=z)[0]


def group_tables(
    tickets: TicketFrame,
    groupings: Sequence[Sequence[str]],
    *,
    min_n: int = 30,
    z: float = Z_95,
) -> list[GroupTable]:
    """Aggregate the ticket frame once per grouping, in one parallel pass.

    Grouping keys are read as categoricals, which Polars groups faster than
    text; the tables show them as text again.
    """
    groupings = [tuple(by) for by in groupings]
    frame = tickets.frame
    for by in groupings:
        if not by:
            raise ValueError("group by at least one dimension")
        unknown = [name for name in by if name not in frame.columns]
        if unknown:
            known = ", ".join(DIMENSIONS)
            raise KeyError(
                f"unknown dimension or column {unknown[0]!r}; expected one of "
                f"{known}, week, or a column of the metrics table"
            )
    keys = sorted({name for by in groupings for name in by})
    # Groups of a frame sorted by handle time come out sorted, which makes the
    # per-group median and 90th percentile cheaper than on unsorted groups.
    lazy = (
        frame.lazy()
        .with_columns(
            pl.col(name).cast(pl.String).cast(pl.Categorical) for name in keys
        )
        .sort("handle_time_s", nulls_last=True)
    )
    if len(groupings) > 1:
        lazy = lazy.cache()
    total = frame.height
    queries = [
        lazy.group_by(list(by))
        .agg(_sums(by, tickets.has_policy))
        .with_columns(pl.col(name).cast(pl.String) for name in by)
        for by in groupings
    ]
    results = pl.collect_all(queries)
    return [
        GroupTable(by, _finished(grouped, by, total, min_n, z), total, min_n)
        for by, grouped in zip(groupings, results, strict=True)
    ]


def _sums(by: tuple[str, ...], has_policy: bool) -> list[pl.Expr]:
    sums = [pl.len().alias("tickets")]
    for name, _ in PROPORTIONS:
        sums += [
            pl.col(f"{name}_k").sum().alias(f"{name}_count"),
            pl.col(f"{name}_n").sum().alias(f"{name}_n"),
        ]
    sums += [
        pl.col("csat").mean().alias("csat_mean"),
        pl.col("handle_time_s").median().alias("handle_time_median_s"),
        pl.col("handle_time_s")
        .quantile(0.9, interpolation="linear")
        .alias("handle_time_p90_s"),
        pl.col("handle_time_s").count().alias("handle_time_n"),
        pl.col("_paused_s").sum().alias("_paused_s"),
        pl.col("_open_s").sum().alias("_open_s"),
        (pl.col("_open_s") > 0).sum().alias("paused_share_n"),
    ]
    if "inquiry_type" in by and has_policy:
        sums.append(pl.col("inquiry_type_known").first().alias("inquiry_type_known"))
    return sums


def _finished(
    grouped: pl.DataFrame, by: tuple[str, ...], total: int, min_n: int, z: float
) -> pl.DataFrame:
    shares = wilson_exprs(pl.col("tickets"), pl.lit(total), "share", z)
    for name, _ in PROPORTIONS:
        shares += wilson_exprs(pl.col(f"{name}_count"), pl.col(f"{name}_n"), name, z)
    grouped = grouped.with_columns(
        [
            *shares,
            pl.when(pl.col("_open_s") > 0)
            .then(pl.col("_paused_s") / pl.col("_open_s"))
            .otherwise(None)
            .alias("paused_share"),
            (pl.col("tickets") < min_n).alias("small_group"),
        ]
    )
    grouped = grouped.select(_output_columns(by, grouped.columns))
    return _sorted(grouped, by)


def _output_columns(by: tuple[str, ...], present: Sequence[str]) -> list[str]:
    columns = [*by, "tickets", "share", "share_low", "share_high"]
    if "inquiry_type_known" in present:
        columns.append("inquiry_type_known")
    columns.append("csat_mean")
    for name, _ in PROPORTIONS:
        columns += [name, f"{name}_low", f"{name}_high", f"{name}_count", f"{name}_n"]
    columns += [
        "handle_time_median_s",
        "handle_time_p90_s",
        "handle_time_n",
        "paused_share",
        "paused_share_n",
        "small_group",
    ]
    return columns


def _sorted(frame: pl.DataFrame, by: tuple[str, ...]) -> pl.DataFrame:
    timed = [name for name in by if name in TIME_DIMENSIONS]
    if timed:
        rest = [name for name in by if name not in TIME_DIMENSIONS]
        return frame.sort(
            [*timed, "tickets", *rest],
            descending=[False] * len(timed) + [True] + [False] * len(rest),
            nulls_last=True,
        )
    return frame.sort(
        ["tickets", *by], descending=[True] + [False] * len(by), nulls_last=True
    )


def dimension_pairs(dimensions: Sequence[str] = DIMENSIONS) -> list[tuple[str, str]]:
    """Return every unordered pair of the dimensions, in their order."""
    return [
        (first, second)
        for i, first in enumerate(dimensions)
        for second in dimensions[i + 1 :]
    ]


def overall_table(
    tickets: TicketFrame, *, min_n: int = 30, z: float = Z_95
) -> GroupTable:
    """Return the figures of all tickets as one row, grouped by `overall` = "all"."""
    frame = tickets.frame.with_columns(pl.lit("all").alias("overall"))
    return group_table(replace(tickets, frame=frame), ("overall",), min_n=min_n, z=z)
