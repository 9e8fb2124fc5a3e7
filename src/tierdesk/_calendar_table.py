"""Open intervals of a calendar as sorted UTC epoch seconds, built per local year.

`tierdesk.calendar` owns the rule for which instants are open. This module
precomputes that rule as a table, so each question is a binary search.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import holidays as holiday_data
import numpy as np
from numpy.typing import NDArray

from tierdesk.policy.calendars import MINUTES_PER_DAY, CalendarSpec

MICROSECONDS = 1_000_000

_EPOCH_DATE = dt.date(1970, 1, 1)
_DAY = 86_400
_HOUR = 3_600


@dataclass(frozen=True)
class OpenTable:
    """Disjoint open intervals in UTC epoch seconds, sorted, with running totals.

    Results for instants in [valid_from, valid_to] are exact. Intervals near the
    edges may be cut where the local years end.
    """

    first_year: int
    last_year: int
    starts: NDArray[np.int64]
    ends: NDArray[np.int64]
    valid_from: int
    valid_to: int
    starts_us: NDArray[np.int64]
    ends_us: NDArray[np.int64]
    cumulative_us: NDArray[np.int64]
    cumulative_end_us: NDArray[np.int64]
    starts_float: NDArray[np.float64]
    cumulative_float: NDArray[np.float64]
    cumulative_end_float: NDArray[np.float64]
    knots: NDArray[np.float64]
    knot_open: NDArray[np.float64]

    def contains(self, moment: int) -> bool:
        """Return whether the instant, in epoch microseconds, is open."""
        index = int(np.searchsorted(self.starts_us, moment, side="right")) - 1
        return index >= 0 and moment < int(self.ends_us[index])

    @classmethod
    def create(
        cls,
        first_year: int,
        last_year: int,
        starts: NDArray[np.int64],
        ends: NDArray[np.int64],
        *,
        valid_from: int,
        valid_to: int,
    ) -> OpenTable:
        lengths = ends - starts
        cumulative_end = np.cumsum(lengths)
        cumulative = cumulative_end - lengths
        # Open time before an instant is piecewise linear with slope 1 inside an
        # interval and 0 between them, so np.interp over these knots computes it.
        knots = np.column_stack([starts, ends]).ravel().astype(np.float64)
        knot_open = np.column_stack([cumulative, cumulative_end]).ravel()
        if not len(knots):
            knots = np.zeros(1)
            knot_open = np.zeros(1, dtype=np.int64)
        return cls(
            first_year=first_year,
            last_year=last_year,
            starts=starts,
            ends=ends,
            valid_from=valid_from,
            valid_to=valid_to,
            starts_us=starts * MICROSECONDS,
            ends_us=ends * MICROSECONDS,
            cumulative_us=cumulative * MICROSECONDS,
            cumulative_end_us=cumulative_end * MICROSECONDS,
            starts_float=starts.astype(np.float64),
            cumulative_float=cumulative.astype(np.float64),
            cumulative_end_float=cumulative_end.astype(np.float64),
            knots=knots,
            knot_open=knot_open.astype(np.float64),
        )


def build_table(
    spec: CalendarSpec, zone: ZoneInfo, first_year: int, last_year: int
) -> OpenTable:
    """Build the open intervals of the local dates in the years, in UTC."""
    first_day = (dt.date(first_year, 1, 1) - _EPOCH_DATE).days
    end_day = (dt.date(last_year + 1, 1, 1) - _EPOCH_DATE).days
    closed = holiday_names(spec, first_year, last_year)
    closed_days = np.array([(day - _EPOCH_DATE).days for day in closed], dtype=np.int64)
    day_pieces = [_day_pieces(spec, weekday) for weekday in range(7)]
    local_starts, local_ends = _local_intervals(
        day_pieces, first_day, end_day, closed_days
    )
    # Two days of margin cover every UTC offset, which is under one day.
    offsets = _offset_runs(zone, first_day * _DAY - 2 * _DAY, end_day * _DAY + 2 * _DAY)
    starts, ends = _to_utc(local_starts, local_ends, offsets)
    return OpenTable.create(
        first_year,
        last_year,
        starts,
        ends,
        valid_from=first_day * _DAY + _DAY,
        valid_to=end_day * _DAY - _DAY,
    )


def join_tables(earlier: OpenTable, later: OpenTable) -> OpenTable:
    # Sorting is needed: when clocks go back across local midnight, instants of
    # the earlier year's last date can come after instants of the next date.
    starts = np.concatenate([earlier.starts, later.starts])
    ends = np.concatenate([earlier.ends, later.ends])
    order = np.argsort(starts, kind="stable")
    starts, ends = _merge(starts[order], ends[order])
    return OpenTable.create(
        earlier.first_year,
        later.last_year,
        starts,
        ends,
        valid_from=earlier.valid_from,
        valid_to=later.valid_to,
    )


def open_before(table: OpenTable, moment: int) -> int:
    """Return open microseconds from the table's start up to `moment`."""
    index = int(np.searchsorted(table.starts_us, moment, side="right")) - 1
    if index < 0:
        return 0
    start = int(table.starts_us[index])
    length = int(table.ends_us[index]) - start
    return int(table.cumulative_us[index]) + min(moment - start, length)


def add_microseconds(table: OpenTable, moment: int, amount: int) -> int | None:
    """Return the instant `amount` open microseconds after `moment`, or None when
    the table ends first.
    """
    target = open_before(table, moment) + amount
    # With a zero amount, an instant at a closing time must move on to the next
    # opening, so the search skips intervals whose running total ends at target.
    side = "left" if amount > 0 else "right"
    index = int(np.searchsorted(table.cumulative_end_us, target, side=side))
    if index == len(table.starts_us):
        return None
    result = int(table.starts_us[index]) + target - int(table.cumulative_us[index])
    return result if result <= table.valid_to * MICROSECONDS else None


def add_seconds(
    table: OpenTable,
    starts: NDArray[np.float64],
    amount: NDArray[np.float64],
    limit: float,
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Return `add_microseconds` over arrays of seconds, and where the results are
    past the table's end or `limit`.
    """
    target = np.interp(starts, table.knots, table.knot_open) + amount
    index = np.searchsorted(table.cumulative_end_float, target, side="left")
    zero = amount == 0
    if np.any(zero):
        index[zero] = np.searchsorted(
            table.cumulative_end_float, target[zero], side="right"
        )
    count = len(table.starts_float)
    if count:
        inside = np.minimum(index, count - 1)
        result = table.starts_float[inside] + (target - table.cumulative_float[inside])
    else:
        result = np.full(target.shape, np.inf)
    missing = np.isnan(target)
    result[missing] = np.nan
    beyond = (index >= count) | (result > min(table.valid_to, limit))
    return result, beyond & ~missing


def _day_pieces(spec: CalendarSpec, weekday: int) -> list[tuple[int, int]]:
    """Return the open minutes of one weekday's local date, spill included."""
    pieces = [
        (interval.start, min(interval.end, MINUTES_PER_DAY))
        for interval in spec.intervals_on(weekday)
    ]
    pieces += [
        (0, interval.end - MINUTES_PER_DAY)
        for interval in spec.intervals_on((weekday - 1) % 7)
        if interval.end > MINUTES_PER_DAY
    ]
    return sorted(pieces)


def _local_intervals(
    day_pieces: list[list[tuple[int, int]]],
    first_day: int,
    end_day: int,
    closed_days: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Return open intervals as local wall-clock seconds counted like epoch seconds."""
    days = np.arange(first_day, end_day, dtype=np.int64)
    days = days[~np.isin(days, closed_days)]
    # 1970-01-01 was a Thursday, weekday 3 when Monday is 0.
    weekdays = (days + 3) % 7
    starts = [np.empty(0, dtype=np.int64)]
    ends = [np.empty(0, dtype=np.int64)]
    for weekday, pieces in enumerate(day_pieces):
        midnights = days[weekdays == weekday] * _DAY
        for start, end in pieces:
            starts.append(midnights + start * 60)
            ends.append(midnights + end * 60)
    start_array = np.concatenate(starts)
    end_array = np.concatenate(ends)
    order = np.argsort(start_array, kind="stable")
    return _merge(start_array[order], end_array[order])


def _merge(
    starts: NDArray[np.int64], ends: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Join sorted, non-overlapping intervals where one ends as the next starts."""
    if len(starts) < 2:
        return starts, ends
    gap = starts[1:] > ends[:-1]
    return starts[np.r_[True, gap]], ends[np.r_[gap, True]]


def _offset_runs(zone: ZoneInfo, low: int, high: int) -> list[tuple[int, int, int]]:
    """Split [low, high) epoch seconds into (start, end, offset) runs of one offset.

    Probes hourly and bisects to the second, so an offset that changed and changed
    back within one hour would be missed. tzdata 2026.6 has no two transitions
    within four hours of each other between 1900 and 2200.
    """
    probes = [*range(low, high, _HOUR), high]
    offsets = [_utc_offset(zone, second) for second in probes]
    changes: list[tuple[int, int]] = []
    for index in range(len(probes) - 1):
        if offsets[index] != offsets[index + 1]:
            _find_changes(
                zone,
                probes[index],
                probes[index + 1],
                offsets[index],
                offsets[index + 1],
                changes,
            )
    bounds = [low, *(second for second, _ in changes), high]
    values = [offsets[0], *(offset for _, offset in changes)]
    return [
        (bounds[index], bounds[index + 1], values[index])
        for index in range(len(values))
        if bounds[index] < bounds[index + 1]
    ]


def _find_changes(
    zone: ZoneInfo,
    low: int,
    high: int,
    low_offset: int,
    high_offset: int,
    changes: list[tuple[int, int]],
) -> None:
    """Append (first second, new offset) for each offset change in (low, high]."""
    if high - low == 1:
        changes.append((high, high_offset))
        return
    middle = (low + high) // 2
    middle_offset = _utc_offset(zone, middle)
    if middle_offset != low_offset:
        _find_changes(zone, low, middle, low_offset, middle_offset, changes)
    if middle_offset != high_offset:
        _find_changes(zone, middle, high, middle_offset, high_offset, changes)


def _utc_offset(zone: ZoneInfo, second: int) -> int:
    offset = datetime.fromtimestamp(second, zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


def _to_utc(
    local_starts: NDArray[np.int64],
    local_ends: NDArray[np.int64],
    offsets: list[tuple[int, int, int]],
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Map local intervals to the UTC instants whose wall-clock time lies in them.

    Within a run of one offset the map is a shift. A wall-clock time repeated when
    clocks go back lies in two runs, so it yields two UTC pieces.
    """
    starts = [np.empty(0, dtype=np.int64)]
    ends = [np.empty(0, dtype=np.int64)]
    for low, high, offset in offsets:
        window_start, window_end = low + offset, high + offset
        first = np.searchsorted(local_ends, window_start, side="right")
        last = np.searchsorted(local_starts, window_end, side="left")
        piece_starts = np.maximum(local_starts[first:last], window_start)
        piece_ends = np.minimum(local_ends[first:last], window_end)
        keep = piece_starts < piece_ends
        starts.append(piece_starts[keep] - offset)
        ends.append(piece_ends[keep] - offset)
    return _merge(np.concatenate(starts), np.concatenate(ends))


def holiday_names(
    spec: CalendarSpec, first_year: int, last_year: int
) -> dict[dt.date, list[str]]:
    """Map each closed date in the years to its names; an unnamed date maps to []."""
    first = dt.date(first_year, 1, 1)
    last = dt.date(last_year, 12, 31)
    names: dict[dt.date, list[str]] = {}
    for holiday in spec.holidays:
        for day in holiday.dates(first, last):
            day_names = names.setdefault(day, [])
            if holiday.name and holiday.name not in day_names:
                day_names.append(holiday.name)
    years = range(first_year, last_year + 1)
    for feed in spec.holiday_feeds:
        country = holiday_data.country_holidays(
            feed.country, subdiv=feed.subdivision, years=years, observed=feed.observed
        )
        for day in country:
            if first <= day <= last:
                day_names = names.setdefault(day, [])
                day_names.extend(n for n in country.get_list(day) if n not in day_names)
    return names
