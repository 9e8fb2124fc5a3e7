"""Retry waits: doubling, capped, with a random part of up to half."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from tierdesk.jobs.backoff import retry_delay

BASE = timedelta(seconds=30)
CAP = timedelta(minutes=10)


@pytest.mark.parametrize(
    ("attempt", "ceiling"),
    [(1, 30), (2, 60), (3, 120), (5, 480), (6, 600), (20, 600)],
)
def test_delay_within_bounds(attempt: int, ceiling: int) -> None:
    rng = random.Random(attempt)
    for _ in range(50):
        delay = retry_delay(attempt, BASE, CAP, rng).total_seconds()
        assert ceiling / 2 <= delay <= ceiling


def test_delay_is_jittered() -> None:
    rng = random.Random(7)
    delays = {retry_delay(3, BASE, CAP, rng) for _ in range(20)}
    assert len(delays) > 1


def test_attempt_zero_rejected() -> None:
    with pytest.raises(ValueError, match="attempt must be 1 or more"):
        retry_delay(0, BASE, CAP)
