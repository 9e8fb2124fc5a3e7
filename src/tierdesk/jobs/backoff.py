"""Exponential backoff with jitter, for webhook retries and failed jobs."""

from __future__ import annotations

import random
from datetime import timedelta


def retry_delay(
    attempt: int,
    base: timedelta,
    maximum: timedelta,
    rng: random.Random | None = None,
) -> timedelta:
    """Return the wait after failed attempt number `attempt` (1 for the first).

    The wait doubles with each attempt, up to `maximum`. A random part of up to
    half of it ("equal jitter") spreads out receivers that failed at the same
    moment, so the result lies between half the doubled wait and all of it.
    """
    if attempt < 1:
        raise ValueError(f"attempt must be 1 or more, got {attempt}")
    ceiling = min(maximum, base * 2 ** (attempt - 1))
    half = ceiling / 2
    return half + half * (rng or random).random()
