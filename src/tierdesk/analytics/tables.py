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
    with_known = tickets.has_policy and "inquiry_type" in keys
    summed = _summed_columns()
    read = ["csat", "handle_time_s"] + (["inquiry_type_known"] if with_known else [])
    lazy = (
        frame.lazy()
        .select(list(dict.fromkeys([*keys, *summed, *read])))
        .with_columns(
            pl.col(name).cast(pl.String).cast(pl.Categorical) for name in keys
        )
        .cache()
    )
    # Each grouping merges groups of the grouping by all keys at once. That one
    # usually has far fewer groups than there are tickets (12,588 for the million
    # tickets of benchmarks/report_large.py), so the sums are taken over the
    # tickets once and then added up per grouping. Medians do not add up, so the
    # handle-time quantiles are taken over the tickets for each grouping.
    total = frame.height
    finest = lazy.group_by(keys).agg(_sums(summed, with_known)).cache()
    handled = lazy.select(*keys, "handle_time_s").drop_nulls("handle_time_s")
    shares = _share_exprs(total, min_n, z)
    queries = [
        finest.group_by(list(by))
        .agg(_merged_sums(by, with_known))
        .join(
            handled.group_by(list(by)).agg(_handle_time_quantiles()),
            on=list(by),
            how="left",
            nulls_equal=True,
        )
        .with_columns(pl.col(name).cast(pl.String) for name in by)
        .with_columns(shares)
        .select(_output_columns(by, with_known and "inquiry_type" in by))
        .pipe(_sorted, by)
        for by in groupings
    ]
    results = pl.collect_all(queries)
    return [
        GroupTable(by, grouped, total, min_n)
        for by, grouped in zip(groupings, results, strict=True)
    ]


def _summed_columns() -> list[str]:
    """Return the per-ticket columns that the group tables add up."""
    columns = []
    for name, _ in PROPORTIONS:
        columns += [f"{name}_k", f"{name}_n"]
    return [*columns, "_paused_s", "_open_s"]


def _sums(summed: list[str], with_known: bool) -> list[pl.Expr]:
    """Return the sums per group of tickets, named as `_merged_sums` reads them."""
    sums = [
        pl.len().alias("tickets"),
        *(pl.col(name).sum() for name in summed),
        pl.col("csat").sum().alias("_csat_sum"),
        pl.col("csat").count().alias("_csat_n"),
        pl.col("handle_time_s").count().alias("handle_time_n"),
        (pl.col("_open_s") > 0).sum().alias("paused_share_n"),
    ]
    if with_known:
        sums.append(pl.col("inquiry_type_known").first())
    return sums


def _merged_sums(by: tuple[str, ...], with_known: bool) -> list[pl.Expr]:
    """Add up the sums of `_sums` over merged groups, named as the tables name them."""
    merged = [
        pl.col("tickets").sum(),
        pl.col("_paused_s").sum(),
        pl.col("_open_s").sum(),
        pl.col("handle_time_n").sum(),
        pl.col("paused_share_n").sum(),
    ]
    for name, _ in PROPORTIONS:
        merged += [
            pl.col(f"{name}_k").sum().alias(f"{name}_count"),
            pl.col(f"{name}_n").sum(),
        ]
    csat_n = pl.col("_csat_n").sum()
    merged.append(
        pl.when(csat_n > 0)
        .then(pl.col("_csat_sum").sum() / csat_n)
        .otherwise(None)
        .alias("csat_mean")
    )
    # Whether an inquiry type is in the policy depends on the type alone.
    if with_known and "inquiry_type" in by:
        merged.append(pl.col("inquiry_type_known").first())
    return merged


def _handle_time_quantiles() -> list[pl.Expr]:
    handle_time = pl.col("handle_time_s")
    return [
        handle_time.median().alias("handle_time_median_s"),
        handle_time.quantile(0.9, interpolation="linear").alias("handle_time_p90_s"),
    ]


def _share_exprs(total: int, min_n: int, z: float) -> list[pl.Expr]:
    """Return the shares, intervals and flags computed from a group's sums."""
    shares = wilson_exprs(pl.col("tickets"), pl.lit(total), "share", z)
    for name, _ in PROPORTIONS:
        shares += wilson_exprs(pl.col(f"{name}_count"), pl.col(f"{name}_n"), name, z)
    return [
        *shares,
        pl.when(pl.col("_open_s") > 0)
        .then(pl.col("_paused_s") / pl.col("_open_s"))
        .otherwise(None)
        .alias("paused_share"),
        (pl.col("tickets") < min_n).alias("small_group"),
    ]


def _output_columns(by: tuple[str, ...], with_known: bool) -> list[str]:
    columns = [*by, "tickets", "share", "share_low", "share_high"]
    if with_known:
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


def _sorted(frame: pl.LazyFrame, by: tuple[str, ...]) -> pl.LazyFrame:
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
