"""Replications of each policy, run in parallel processes, and their intervals.

Replication r of every policy uses the r-th child of one seed sequence, so the
policies see the same arrivals (common random numbers) and the comparison is
less noisy than independent runs would make it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from math import sqrt

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from tierdesk.simulate.arrivals import ArrivalMode, draw_arrivals
from tierdesk.simulate.engine import run_once
from tierdesk.simulate.outcome import RunSummary, Target, summarise_run
from tierdesk.simulate.setup import PolicySetup, RunOptions

DAY = 86_400.0
# Most points of a backlog curve; longer histories get a coarser step than a day.
MAX_POINTS = 1000


@dataclass(frozen=True)
class Settings:
    """How many runs, with which arrivals, and where the processes go."""

    runs: int = 10
    seed: int = 0
    scale: float = 1.0
    arrivals: ArrivalMode = "replay"
    workers: int | None = None
    run_options: RunOptions = field(default_factory=RunOptions)
    target: Target | None = None


@dataclass(frozen=True)
class Interval:
    """Mean over runs and the 95% t-interval of that mean; NaN bounds for one run."""

    mean: float
    low: float
    high: float
    runs: int


def figure_span(created: NDArray[np.float64]) -> tuple[float, float]:
    """Return the span that figures over time cover: from the 1st percentile of
    arrival times to the last arrival.

    A thin tail of old tickets, as in logs extracted by closing date, would
    otherwise flatten every curve and average.
    """
    return float(np.percentile(created, 1)), float(created.max())


def backlog_grid(span: tuple[float, float]) -> NDArray[np.float64]:
    """Return daily instants (UTC midnights) across the span, at most MAX_POINTS."""
    first = np.floor(span[0] / DAY) * DAY
    last = np.ceil(span[1] / DAY) * DAY + DAY
    step = DAY * max(1, int(np.ceil((last - first) / DAY / MAX_POINTS)))
    return np.arange(first, last + step, step)


def run_replications(
    setups: Sequence[PolicySetup],
    created: NDArray[np.float64],
    settings: Settings,
) -> dict[str, list[RunSummary]]:
    """Run every policy `settings.runs` times; return summaries by setup name."""
    span = figure_span(created)
    grid = backlog_grid(span)
    tasks = [
        (index, run) for run in range(settings.runs) for index in range(len(setups))
    ]
    workers = settings.workers or min(len(tasks), os.cpu_count() or 1)
    arguments = (list(setups), created, settings, grid, span)
    if workers <= 1 or len(tasks) == 1:
        _start_worker(*arguments)
        results = [_run_task(task) for task in tasks]
    else:
        with ProcessPoolExecutor(
            max_workers=workers, initializer=_start_worker, initargs=arguments
        ) as pool:
            results = list(pool.map(_run_task, tasks))
    by_name: dict[str, list[RunSummary]] = {setup.name: [] for setup in setups}
    for summary in results:
        by_name[summary.name].append(summary)
    return by_name


_WORKER: dict[str, object] = {}


def _start_worker(
    setups: list[PolicySetup],
    created: NDArray[np.float64],
    settings: Settings,
    grid: NDArray[np.float64],
    span: tuple[float, float],
) -> None:
    _WORKER.update(
        setups=setups, created=created, settings=settings, grid=grid, span=span
    )


def _run_task(task: tuple[int, int]) -> RunSummary:
    index, run = task
    setups: list[PolicySetup] = _WORKER["setups"]  # type: ignore[assignment]
    settings: Settings = _WORKER["settings"]  # type: ignore[assignment]
    created: NDArray[np.float64] = _WORKER["created"]  # type: ignore[assignment]
    seeds = np.random.SeedSequence(settings.seed).spawn(run + 1)[run]
    arrival_seed, behaviour_seed = seeds.spawn(2)
    arrivals = draw_arrivals(
        created,
        scale=settings.scale,
        mode=settings.arrivals,
        generator=np.random.default_rng(arrival_seed),
    )
    setup = setups[index]
    raw = run_once(
        setup, arrivals, np.random.default_rng(behaviour_seed), settings.run_options
    )
    return summarise_run(
        raw,
        setup,
        _WORKER["grid"],  # type: ignore[arg-type]
        _WORKER["span"],  # type: ignore[arg-type]
        settings.target,
    )


def interval(values: Sequence[float]) -> Interval:
    """Return the mean of `values`, ignoring NaN, with its 95% t-interval."""
    known = np.array([v for v in values if not np.isnan(v)], dtype=float)
    if not len(known):
        return Interval(float("nan"), float("nan"), float("nan"), 0)
    mean = float(known.mean())
    if len(known) < 2:
        return Interval(mean, float("nan"), float("nan"), len(known))
    half = float(
        stats.t.ppf(0.975, len(known) - 1) * known.std(ddof=1) / sqrt(len(known))
    )
    return Interval(mean, mean - half, mean + half, len(known))


def intervals(summaries: Sequence[RunSummary]) -> dict[str, Interval]:
    """Return an interval for every value that any run reports."""
    names = dict.fromkeys(name for s in summaries for name in s.values)
    return {
        name: interval([s.values.get(name, float("nan")) for s in summaries])
        for name in names
    }
