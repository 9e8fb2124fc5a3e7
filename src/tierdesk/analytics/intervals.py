"""Wilson score intervals for proportions, as scalars and as Polars expressions."""

from __future__ import annotations

import math

import polars as pl

# Two-sided 95% normal quantile.
Z_95 = 1.959963984540054


def wilson_interval(
    successes: int, trials: int, z: float = Z_95
) -> tuple[float, float] | None:
    """Return the Wilson score interval of successes/trials, or None when trials is 0.

    Unlike the normal (Wald) interval it stays inside [0, 1] and keeps a
    sensible width at shares near 0 or 1 and at small n (Wilson 1927).
    """
    if trials <= 0:
        return None
    if not 0 <= successes <= trials:
        raise ValueError(f"successes {successes} outside 0..{trials}")
    share = successes / trials
    spread = z * z / trials
    centre = (share + spread / 2) / (1 + spread)
    half = (
        z
        * math.sqrt(share * (1 - share) / trials + spread / (4 * trials))
        / (1 + spread)
    )
    return max(0.0, centre - half), min(1.0, centre + half)


def wilson_exprs(
    successes: pl.Expr, trials: pl.Expr, name: str, z: float = Z_95
) -> list[pl.Expr]:
    """Return expressions for `name`, `name_low` and `name_high`.

    All three are null where trials is 0, so a share never divides by zero.
    """
    n = trials.cast(pl.Float64)
    share = successes.cast(pl.Float64) / n
    spread = z * z / n
    centre = (share + spread / 2) / (1 + spread)
    half = z * (share * (1 - share) / n + spread / (4 * n)).sqrt() / (1 + spread)
    defined = trials > 0
    return [
        pl.when(defined).then(share).otherwise(None).alias(name),
        pl.when(defined)
        .then((centre - half).clip(0.0, 1.0))
        .otherwise(None)
        .alias(f"{name}_low"),
        pl.when(defined)
        .then((centre + half).clip(0.0, 1.0))
        .otherwise(None)
        .alias(f"{name}_high"),
    ]
