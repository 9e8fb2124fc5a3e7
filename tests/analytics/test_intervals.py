"""Wilson score intervals."""

from __future__ import annotations

import polars as pl
import pytest

from tierdesk.analytics.intervals import wilson_exprs, wilson_interval


def test_wilson_known_value() -> None:
    # 8 of 10: the 95% Wilson interval is 0.4902 to 0.9433 (Newcombe 1998,
    # "Two-sided confidence intervals for the single proportion", method 3).
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)


def test_wilson_edges_stay_in_range() -> None:
    low, high = wilson_interval(0, 20)
    assert low == 0.0
    assert high == pytest.approx(0.1611, abs=1e-4)
    low, high = wilson_interval(20, 20)
    assert low == pytest.approx(0.8389, abs=1e-4)
    assert high == 1.0


def test_wilson_no_trials_is_none() -> None:
    assert wilson_interval(0, 0) is None


def test_wilson_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


def test_wilson_expressions_match_scalar() -> None:
    frame = pl.DataFrame({"k": [8, 0, 3, 0], "n": [10, 20, 7, 0]})
    result = frame.select(wilson_exprs(pl.col("k"), pl.col("n"), "share"))
    for row, (k, n) in zip(
        result.iter_rows(named=True), frame.iter_rows(), strict=True
    ):
        expected = wilson_interval(k, n)
        if expected is None:
            assert row == {"share": None, "share_low": None, "share_high": None}
            continue
        assert row["share"] == pytest.approx(k / n)
        assert row["share_low"] == pytest.approx(expected[0])
        assert row["share_high"] == pytest.approx(expected[1])
