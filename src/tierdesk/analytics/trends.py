"""Rising contact drivers: a trend test on each driver's weekly share of tickets.

The test is the score test for the slope of a Poisson regression of a driver's
weekly count with the week's total tickets as exposure (log offset):
log E[count_w] = a + log(total_w) + b * w. It asks whether the driver's share
rises, so a driver does not count as rising just because all volume grew, and
weeks with more tickets weigh more. Conditioning on the driver's total makes it
closed-form, and unlike the Wald test it needs no fit that can diverge when
early weeks have no tickets of the driver. Overdispersion is allowed for as in
quasi-Poisson models: the variance is scaled by the Pearson statistic of the
one-step trend fit over its degrees of freedom, never below 1. The one-sided
p-values are adjusted across all tested drivers with Benjamini-Hochberg, which
bounds the expected share of false "rising" flags at `alpha`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.stats import norm

from tierdesk.analytics.frame import TicketFrame


@dataclass(frozen=True)
class TrendTest:
    """Result of the trend test for each row of a count matrix.

    `growth` is the estimated relative change of the share per week (0.1 is
    +10% a week), from one Newton step from no trend; NaN-free: None where the
    driver could not be tested.
    """

    z: np.ndarray
    p_value: np.ndarray
    q_value: np.ndarray
    growth: np.ndarray
    dispersion: np.ndarray
    tested: np.ndarray


def trend_test(
    counts: np.ndarray, totals: np.ndarray, *, min_count: int = 20
) -> TrendTest:
    """Test each row of `counts` (drivers x weeks) for a rising share of `totals`.

    Weeks with no tickets at all are left out. A driver is tested when it has at
    least `min_count` tickets and there are three or more weeks; the others get
    p = 1 and are left out of the multiple-comparison adjustment.
    """
    counts = np.asarray(counts, dtype=float)
    totals = np.asarray(totals, dtype=float)
    if counts.ndim != 2 or counts.shape[1] != totals.shape[0]:
        raise ValueError("counts must be drivers x weeks, matching totals")
    if np.any(counts < 0) or np.any(counts > totals[None, :]):
        raise ValueError("counts must be non-negative and at most the weekly totals")
    weeks = np.flatnonzero(totals > 0)
    counts = counts[:, weeks]
    totals = totals[weeks]
    x = weeks.astype(float)
    drivers = counts.shape[0]
    z = np.zeros(drivers)
    p = np.ones(drivers)
    growth = np.zeros(drivers)
    dispersion = np.ones(drivers)
    n = counts.sum(axis=1)
    tested = (n >= min_count) & (len(weeks) >= 3)
    if len(weeks) >= 3 and tested.any():
        weights = totals / totals.sum()
        centre = float(weights @ x)
        spread = float(weights @ (x - centre) ** 2)
        rows = np.flatnonzero(tested)
        c = counts[rows]
        score = c @ (x - centre)
        information = n[rows] * spread
        slope = np.clip(score / information, -5.0, 5.0)
        # One Newton step from no trend gives fitted counts for the Pearson
        # dispersion; a share that really rises does not inflate it.
        shape = weights[None, :] * np.exp(slope[:, None] * (x[None, :] - centre))
        fitted = n[rows, None] * shape / shape.sum(axis=1, keepdims=True)
        pearson = ((c - fitted) ** 2 / np.maximum(fitted, 1e-12)).sum(axis=1)
        phi = np.maximum(1.0, pearson / (len(weeks) - 2))
        z[rows] = score / np.sqrt(phi * information)
        p[rows] = norm.sf(z[rows])
        growth[rows] = np.expm1(slope)
        dispersion[rows] = phi
    q = np.ones(drivers)
    if tested.any():
        q[tested] = benjamini_hochberg(p[tested])
    return TrendTest(z, p, q, growth, dispersion, tested)


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Return Benjamini-Hochberg adjusted p-values (q-values), in input order."""
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    result = np.empty(m)
    result[order] = np.minimum(adjusted, 1.0)
    return result


@dataclass(frozen=True)
class DriverTrends:
    """Weekly counts of the top drivers with their trend test results."""

    by: str
    weeks: list[str]
    totals: list[int]
    frame: pl.DataFrame
    tested: int
    alpha: float


def driver_trends(
    tickets: TicketFrame,
    *,
    by: str = "inquiry_type",
    weeks: int = 12,
    top: int = 10,
    alpha: float = 0.05,
    min_count: int = 20,
) -> DriverTrends:
    """Test every driver over the last `weeks` weeks; return the top ones and risers.

    Drivers are the values of the `by` column; weeks start on Monday, in UTC.
    The rows are the `top` drivers by tickets in the window plus every rising one.
    """
    frame = tickets.frame
    if frame.height == 0:
        return DriverTrends(by, [], [], _empty(), 0, alpha)
    last = frame["week"].max()
    all_weeks = pl.date_range(
        last - pl.duration(weeks=weeks - 1), last, "1w", eager=True
    ).to_list()
    window = frame.select(pl.col(by).cast(pl.String).alias("driver"), "week").filter(
        pl.col("week").is_in(all_weeks)
    )
    totals = (
        window.group_by("week")
        .len()
        .join(pl.DataFrame({"week": all_weeks}), on="week", how="right")
    ).sort("week")
    total_counts = totals["len"].fill_null(0).to_numpy()
    counts = window.drop_nulls("driver").group_by("driver", "week").len()
    wide = (
        counts.pivot(on="week", index="driver", values="len")
        if counts.height
        else pl.DataFrame({"driver": []}, schema={"driver": pl.String})
    )
    names = [str(week) for week in all_weeks]
    for week in names:
        if week not in wide.columns:
            wide = wide.with_columns(pl.lit(0).alias(week))
    wide = wide.select("driver", *names).fill_null(0)
    matrix = wide.select(names).to_numpy().astype(float)
    if matrix.size == 0:
        return DriverTrends(by, names, total_counts.tolist(), _empty(), 0, alpha)
    result = trend_test(matrix, total_counts, min_count=min_count)
    table = (
        pl.DataFrame(
            {
                "driver": wide["driver"],
                "tickets": matrix.sum(axis=1).astype(int),
                "weekly": [row.astype(int).tolist() for row in matrix],
                "growth_per_week": np.where(result.tested, result.growth, np.nan),
                "z": np.where(result.tested, result.z, np.nan),
                "p_value": np.where(result.tested, result.p_value, np.nan),
                "q_value": np.where(result.tested, result.q_value, np.nan),
                "tested": result.tested,
            }
        )
        .with_columns(
            pl.col("growth_per_week", "z", "p_value", "q_value").fill_nan(None),
        )
        .with_columns(
            ((pl.col("q_value") < alpha) & (pl.col("z") > 0))
            .fill_null(False)
            .alias("rising")
        )
    )
    table = table.sort(["tickets", "driver"], descending=[True, False])
    ranked = table.with_row_index("rank")
    chosen = ranked.filter((pl.col("rank") < top) | pl.col("rising")).drop("rank")
    return DriverTrends(
        by,
        names,
        total_counts.astype(int).tolist(),
        chosen,
        int(result.tested.sum()),
        alpha,
    )


def _empty() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "driver": pl.String,
            "tickets": pl.Int64,
            "weekly": pl.List(pl.Int64),
            "growth_per_week": pl.Float64,
            "z": pl.Float64,
            "p_value": pl.Float64,
            "q_value": pl.Float64,
            "tested": pl.Boolean,
            "rising": pl.Boolean,
        }
    )
