"""Arrival streams for one replication: the history replayed, scaled or resampled."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

ArrivalMode = Literal["replay", "resample"]
# Copies of a ticket beyond the first arrive this many seconds around it, at
# random, so that scaled volume does not arrive in exact simultaneous bursts.
COPY_JITTER = 1800.0


@dataclass(frozen=True)
class Arrivals:
    """Tickets of one replication in time order: which history ticket each copies."""

    source: NDArray[np.int64]
    at: NDArray[np.float64]
    copy: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.at)


def draw_arrivals(
    created: NDArray[np.float64],
    *,
    scale: float,
    mode: ArrivalMode,
    generator: np.random.Generator,
) -> Arrivals:
    """Draw the arrivals of one replication from the history's creation times.

    replay: each ticket arrives floor(scale) times, and once more with
    probability equal to the fraction of `scale`; so 1.0 replays the history as
    it was and 0.5 keeps a random half. resample: round(scale x tickets) tickets
    drawn with replacement. Copies beyond a ticket's first are moved by up to
    `COPY_JITTER` seconds either way, and none moves outside the history's span.
    """
    if scale <= 0:
        raise ValueError(f"scale must be above 0, got {scale}")
    count = len(created)
    if mode == "replay":
        whole = int(np.floor(scale))
        extra = generator.random(count) < scale - whole
        copies = np.full(count, whole, dtype=np.int64) + extra
    else:
        drawn = generator.integers(0, count, size=round(scale * count)) if count else []
        copies = np.bincount(np.asarray(drawn, dtype=np.int64), minlength=count)
    source = np.repeat(np.arange(count, dtype=np.int64), copies)
    first = np.r_[0, np.cumsum(copies)[:-1]] if count else np.zeros(0, np.int64)
    copy = np.arange(len(source), dtype=np.int64) - np.repeat(first, copies)
    at = created[source].astype(np.float64)
    moved = copy > 0
    if np.any(moved):
        jitter = generator.uniform(-COPY_JITTER, COPY_JITTER, int(moved.sum()))
        low, high = float(created.min()), float(created.max())
        at[moved] = np.clip(at[moved] + jitter, low, high)
    order = np.lexsort((copy, source, at))
    return Arrivals(source=source[order], at=at[order], copy=copy[order])
