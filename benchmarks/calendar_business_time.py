"""Time open business time between (start, end) pairs on one calendar with holidays.

Compares `BusinessCalendar.between_seconds` with the `businesstime` package (the
baseline, on a sample) and with a per-minute Python loop (on a small sample), and
checks that all three agree. Run from the repository root:

    python benchmarks/calendar_business_time.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import version
from zoneinfo import ZoneInfo

import numpy as np
from businesstime import BusinessTime

from tierdesk.calendar import BusinessCalendar
from tierdesk.policy.calendars import CalendarSpec

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
FIRST = datetime(2024, 1, 1, tzinfo=UTC)
LAST = datetime(2027, 1, 1, tzinfo=UTC)

# businesstime 0.3.0 has one daily interval, fixed weekend days, explicit holiday
# dates and naive datetimes, so this calendar uses UTC to stay expressible.
OFFICE = CalendarSpec.model_validate(
    {
        "id": "office-utc",
        "name": "Office hours, UTC, Irish public holidays",
        "timezone": "UTC",
        "hours": {day: ["09:00-17:00"] for day in WEEKDAYS},
        "holiday_feeds": [{"country": "IE"}],
    }
)
# A calendar businesstime cannot express, timed with tierdesk only.
SHIFTS = CalendarSpec.model_validate(
    {
        "id": "emea-shifts",
        "name": "Dublin split shifts with a Friday night shift",
        "timezone": "Europe/Dublin",
        "hours": {
            "mon": ["08:00-12:00", "13:00-17:00"],
            "tue": ["08:00-12:00", "13:00-17:00"],
            "wed": ["08:00-12:00", "13:00-17:00"],
            "thu": ["08:00-12:00", "13:00-17:00"],
            "fri": ["08:00-12:00", "22:00-06:00"],
        },
        "holidays": [{"from": "2025-12-24", "to": "2026-01-02", "name": "Closure"}],
        "holiday_feeds": [{"country": "IE"}],
    }
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pairs",
        type=int,
        default=1_000_000,
        help="number of (start, end) pairs to time",
    )
    parser.add_argument(
        "--baseline-sample",
        type=int,
        default=20_000,
        help="number of pairs to time with businesstime",
    )
    parser.add_argument(
        "--loop-sample",
        type=int,
        default=200,
        help="number of pairs to time with the per-minute loop",
    )
    parser.add_argument(
        "--seed", type=int, default=20250101, help="seed of the random pairs"
    )
    arguments = parser.parse_args()

    print_machine()
    starts, ends = draw_pairs(arguments.pairs, arguments.seed)
    hours = (ends - starts) / 3600
    print(
        f"pairs: {arguments.pairs:,} whole-minute starts uniform in "
        f"{FIRST.date()}..{LAST.date()} UTC; lengths log-normal, median "
        f"{np.median(hours):.1f} h, mean {hours.mean():.1f} h, capped at 60 days"
    )
    print()

    office = BusinessCalendar(OFFICE)
    cold = timed(lambda: office.between_seconds(starts, ends))
    warm = min(timed(lambda: office.between_seconds(starts, ends)) for _ in range(5))
    open_seconds = office.between_seconds(starts, ends)
    add_warm = min(
        timed(lambda: office.add_seconds(starts, open_seconds)) for _ in range(5)
    )
    shifts = BusinessCalendar(SHIFTS)
    shifts_cold = timed(lambda: shifts.between_seconds(starts, ends))
    shifts_warm = min(
        timed(lambda: shifts.between_seconds(starts, ends)) for _ in range(5)
    )

    sample = np.arange(arguments.baseline_sample)
    baseline, baseline_seconds = time_businesstime(office, starts[sample], ends[sample])
    loop_sample = np.arange(arguments.loop_sample)
    loop, loop_seconds = time_minute_loop(
        office, starts[loop_sample], ends[loop_sample]
    )

    rate = arguments.pairs / warm
    print("ratio: tierdesk best-of-5 pairs/s on office-utc divided by the row's")
    header = (
        f"{'method':<40} {'calendar':<12} {'pairs':>9} {'pairs/s':>11} {'ratio':>9}"
    )
    print(header)
    business_time = f"businesstime {version('businesstime')}"
    rows = [
        ("tierdesk between_seconds, first call", "office-utc", arguments.pairs, cold),
        ("tierdesk between_seconds, best of 5", "office-utc", arguments.pairs, warm),
        ("tierdesk add_seconds, best of 5", "office-utc", arguments.pairs, add_warm),
        (business_time, "office-utc", len(sample), baseline),
        ("per-minute Python loop", "office-utc", len(loop_sample), loop),
        (
            "tierdesk between_seconds, first call",
            "emea-shifts",
            arguments.pairs,
            shifts_cold,
        ),
        (
            "tierdesk between_seconds, best of 5",
            "emea-shifts",
            arguments.pairs,
            shifts_warm,
        ),
    ]
    for label, calendar_id, count, seconds in rows:
        pairs_per_second = count / seconds
        print(
            f"{label:<40} {calendar_id:<12} {count:>9,} {pairs_per_second:>11,.0f} "
            f"{rate / pairs_per_second:>8,.1f}x"
        )
    print()

    report_agreement(
        "per-minute loop",
        office,
        starts[loop_sample],
        ends[loop_sample],
        open_seconds[loop_sample],
        loop_seconds,
    )
    report_agreement(
        f"businesstime {version('businesstime')}",
        office,
        starts[sample],
        ends[sample],
        open_seconds[sample],
        baseline_seconds,
    )


def print_machine() -> None:
    print(f"command: python {' '.join(sys.argv)}")
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"cpu: {cpu_model()}, {os.cpu_count()} logical cores")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"holidays {version('holidays')}, {platform.system()} {platform.machine()}"
    )


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def draw_pairs(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw whole-minute pairs, so the per-minute loop is exact."""
    rng = np.random.default_rng(seed)
    first, last = int(FIRST.timestamp()) // 60, int(LAST.timestamp()) // 60
    starts = rng.integers(first, last, count) * 60
    minutes = np.rint(rng.lognormal(np.log(24 * 60), 1.5, count))
    ends = starts + np.minimum(minutes, 60 * 24 * 60).astype(np.int64) * 60
    return starts.astype(np.float64), ends.astype(np.float64)


def timed(work: Callable[[], object]) -> float:
    began = time.perf_counter()
    work()
    return time.perf_counter() - began


def time_businesstime(
    calendar: BusinessCalendar, starts: np.ndarray, ends: np.ndarray
) -> tuple[float, np.ndarray]:
    closed = {day for day, _ in calendar.holidays(FIRST.year - 1, LAST.year + 1)}
    baseline = BusinessTime(
        business_hours=(dt.time(9), dt.time(17)), weekends=(5, 6), holidays=closed
    )
    naive_starts = [naive_utc(second) for second in starts]
    naive_ends = [naive_utc(second) for second in ends]
    results = np.empty(len(starts))
    began = time.perf_counter()
    for index, (start, end) in enumerate(zip(naive_starts, naive_ends, strict=True)):
        results[index] = baseline.businesstime_hours(start, end).total_seconds()
    return time.perf_counter() - began, results


def time_minute_loop(
    calendar: BusinessCalendar, starts: np.ndarray, ends: np.ndarray
) -> tuple[float, np.ndarray]:
    zone = ZoneInfo(calendar.spec.timezone)
    closed = {day for day, _ in calendar.holidays(FIRST.year - 1, LAST.year + 1)}
    results = np.empty(len(starts))
    began = time.perf_counter()
    for index, (start, end) in enumerate(zip(starts, ends, strict=True)):
        open_minutes = 0
        for second in range(int(start), int(end), 60):
            open_minutes += minute_is_open(calendar.spec, zone, closed, second)
        results[index] = open_minutes * 60
    return time.perf_counter() - began, results


def minute_is_open(
    spec: CalendarSpec, zone: ZoneInfo, closed: set[dt.date], second: int
) -> bool:
    local = datetime.fromtimestamp(second, zone)
    if local.date() in closed:
        return False
    minute = local.hour * 60 + local.minute
    weekday = local.weekday()
    if any(i.start <= minute < i.end for i in spec.intervals_on(weekday)):
        return True
    previous = spec.intervals_on((weekday - 1) % 7)
    return any(minute < i.end - 24 * 60 for i in previous)


def report_agreement(
    name: str,
    calendar: BusinessCalendar,
    starts: np.ndarray,
    ends: np.ndarray,
    ours: np.ndarray,
    theirs: np.ndarray,
) -> None:
    differ = np.flatnonzero(ours != theirs)
    print(f"agreement with {name}: {len(starts) - len(differ):,} of {len(starts):,}")
    kinds = Counter(
        f"start {position(calendar, starts[i])}, end {position(calendar, ends[i])}: "
        f"tierdesk {ours[i] / 3600:g} h, {name} {theirs[i] / 3600:g} h"
        for i in differ
    )
    for kind, count in kinds.most_common():
        print(f"  {count:,} pairs: {kind}")


def position(calendar: BusinessCalendar, second: float) -> str:
    """Describe where an instant of the office calendar falls."""
    local = naive_utc(second)
    day_start = datetime.combine(local.date(), dt.time(), UTC).timestamp()
    if calendar.between_seconds(day_start, day_start + 86_400) == 0:
        return "on a closed day"
    if local.time() < dt.time(9):
        return "before opening"
    return "after closing" if local.time() >= dt.time(17) else "during hours"


def naive_utc(second: float) -> datetime:
    return datetime.fromtimestamp(second, UTC).replace(tzinfo=None)


if __name__ == "__main__":
    main()
