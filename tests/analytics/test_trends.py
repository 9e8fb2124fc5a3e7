"""The trend test on synthetic weekly series with and without a trend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from tierdesk.analytics.frame import prepare_tickets
from tierdesk.analytics.trends import benjamini_hochberg, driver_trends, trend_test

WEEKS = 12


def _totals(rng: np.random.Generator) -> np.ndarray:
    return rng.integers(800, 1200, WEEKS)


def test_rising_share_is_flagged() -> None:
    rng = np.random.default_rng(7)
    totals = _totals(rng)
    share = np.linspace(0.02, 0.04, WEEKS)
    counts = rng.binomial(totals, share)[None, :]
    result = trend_test(counts, totals)
    assert result.z[0] > 3
    assert result.q_value[0] < 0.05
    # The share doubles over 11 weeks: about 6.5% a week.
    assert result.growth[0] == pytest.approx(2 ** (1 / 11) - 1, abs=0.03)


def test_steady_share_is_not_flagged() -> None:
    rng = np.random.default_rng(11)
    totals = _totals(rng)
    counts = rng.binomial(totals, 0.03)[None, :]
    result = trend_test(counts, totals)
    assert result.q_value[0] >= 0.05


def test_growth_of_all_volume_is_not_a_rising_driver() -> None:
    rng = np.random.default_rng(3)
    totals = np.linspace(500, 2000, WEEKS).astype(int)
    counts = rng.binomial(totals, 0.05)[None, :]
    assert trend_test(counts, totals).q_value[0] >= 0.05


def test_false_positive_rate_near_alpha() -> None:
    rng = np.random.default_rng(5)
    totals = _totals(rng)
    counts = np.array([rng.binomial(totals, 0.02) for _ in range(400)])
    result = trend_test(counts, totals)
    assert 0.02 <= float(np.mean(result.p_value < 0.05)) <= 0.09
    assert int(np.sum(result.q_value < 0.05)) <= 2


def test_driver_with_few_tickets_is_not_tested() -> None:
    result = trend_test(np.array([[0, 1, 0, 2]]), np.array([50, 50, 50, 50]))
    assert not result.tested[0]
    assert result.p_value[0] == 1.0


def test_benjamini_hochberg_known_values() -> None:
    adjusted = benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.5]))
    assert adjusted.tolist() == pytest.approx([0.04, 0.0533333, 0.0533333, 0.5])


def test_driver_trends_flags_rising_type(policy) -> None:
    rng = np.random.default_rng(1)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    rows = []
    for week in range(WEEKS):
        rising = 5 + 4 * week
        for i in range(100):
            kind = "password" if i < rising else "billing"
            moment = start + timedelta(weeks=week, hours=int(rng.integers(0, 160)))
            rows.append(
                {
                    "ticket_id": f"{week}-{i}",
                    "created_at": moment.isoformat(),
                    "inquiry_type": kind,
                }
            )
    tickets = prepare_tickets(pd.DataFrame(rows), policy=policy)
    trends = driver_trends(tickets, weeks=WEEKS)
    flags = dict(zip(trends.frame["driver"], trends.frame["rising"], strict=True))
    assert flags == {"password": True, "billing": False}
    assert len(trends.weeks) == WEEKS
    assert trends.totals == [100] * WEEKS
