"""Business hours: when a team's calendar is open, and how much open time passes.

An instant is open when its local date is not a holiday and its wall-clock time
in the calendar's timezone falls in an opening interval of that date's weekday.
The part of the previous date's overnight interval that runs past midnight also
counts for that date. So a holiday closes its whole local date, including the
spill of the previous evening's interval, but not the spill out of it into the
next date. Around daylight-saving changes, the wall-clock hour skipped in spring
has no open time, and the hour repeated in autumn counts twice when it is open.
Open time is elapsed time: a timedelta or epoch seconds, never a wall-clock
difference.

Open intervals are precomputed as UTC epoch seconds over whole local years, with
the open time before each, so every question is a binary search. The years grow
on demand, within `MIN_YEAR` to `MAX_YEAR`.
"""

from __future__ import annotations

import datetime as dt
import threading
from bisect import bisect_left, bisect_right
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tierdesk._calendar_table import (
    MICROSECONDS,
    OpenTable,
    add_microseconds,
    add_seconds,
    build_table,
    holiday_names,
    join_tables,
    open_before,
)
from tierdesk.policy.calendars import ALWAYS_OPEN, CalendarSpec

# The years bound how large the lazily built table can grow, to about 110,000
# intervals for a calendar with one opening interval a day.
MIN_YEAR = 1900
MAX_YEAR = 2200

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY = 86_400
_MICROSECOND = timedelta(microseconds=1)
_FIRST_SECOND = (datetime(MIN_YEAR, 1, 1, tzinfo=UTC) - _EPOCH) // timedelta(seconds=1)
_END_SECOND = (datetime(MAX_YEAR + 1, 1, 1, tzinfo=UTC) - _EPOCH) // timedelta(
    seconds=1
)


class BusinessCalendar:
    """Open time of one calendar; instances may be shared between threads."""

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self.zone = ZoneInfo(spec.timezone)
        self._table: OpenTable | None = None
        self._lock = threading.Lock()

    @classmethod
    def always_open(cls, timezone: str = "UTC") -> BusinessCalendar:
        """Build a 24x7 calendar without holidays; the timezone only shapes results."""
        spec = CalendarSpec(
            id="always-open", name="Always open", timezone=timezone, hours=ALWAYS_OPEN
        )
        return cls(spec)

    def __repr__(self) -> str:
        return f"BusinessCalendar({self.spec.id!r}, timezone={self.spec.timezone!r})"

    def is_open(self, t: datetime) -> bool:
        moment = _to_microseconds(t)
        table = self._covering(moment / MICROSECONDS, moment / MICROSECONDS)
        return table.contains(moment)

    def next_opening(self, t: datetime) -> datetime:
        """Return `t` itself when open, else the next instant the calendar opens."""
        return self.add(t, timedelta(0))

    def add(self, t: datetime, duration: timedelta) -> datetime:
        """Return the first instant by which `duration` of open time has passed after t.

        Counting starts at the next opening when `t` is closed. A positive duration
        that is used up exactly at a closing time returns that closing time.
        """
        if duration < timedelta(0):
            raise ValueError(f"duration must not be negative, got {duration}")
        moment = _to_microseconds(t)
        amount = duration // _MICROSECOND
        table = self._covering(moment / MICROSECONDS, moment / MICROSECONDS)
        while True:
            result = add_microseconds(table, moment, amount)
            if result is not None and result < _END_SECOND * MICROSECONDS:
                return (_EPOCH + timedelta(microseconds=result)).astimezone(self.zone)
            if table.last_year > MAX_YEAR:
                raise ValueError(
                    f"calendar {self.spec.id!r} has less than {duration} of open time "
                    f"between {t.isoformat()} and the end of {MAX_YEAR}; check its "
                    "hours and holidays"
                )
            span = table.last_year - table.first_year + 1
            table = self._extend(table.first_year, table.last_year + span)

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Return the open time in [start, end), or zero when end is not after start."""
        first = _to_microseconds(start)
        last = _to_microseconds(end)
        if last <= first:
            return timedelta(0)
        table = self._covering(first / MICROSECONDS, last / MICROSECONDS)
        open_time = open_before(table, last) - open_before(table, first)
        return timedelta(microseconds=open_time)

    def between_seconds(
        self, starts: ArrayLike, ends: ArrayLike
    ) -> NDArray[np.float64]:
        """Return open seconds in each [start, end) of UTC epoch seconds.

        Inputs broadcast against each other; NaN in either gives NaN, and an end
        not after its start gives 0.
        """
        start_array, end_array = np.broadcast_arrays(
            _as_seconds(starts), _as_seconds(ends)
        )
        table = self._covering(*_finite_range(start_array, end_array))
        open_time = np.interp(end_array, table.knots, table.knot_open) - np.interp(
            start_array, table.knots, table.knot_open
        )
        return np.asarray(np.maximum(open_time, 0.0))

    def add_seconds(self, starts: ArrayLike, seconds: ArrayLike) -> NDArray[np.float64]:
        """Vectorised `add` over UTC epoch seconds; NaN in either input gives NaN."""
        start_grid, amount_grid = np.broadcast_arrays(
            _as_seconds(starts), _as_seconds(seconds)
        )
        shape = start_grid.shape
        start_array = start_grid.ravel()
        amount = amount_grid.ravel()
        if np.any(amount < 0):
            raise ValueError("seconds to add must not be negative")
        table = self._covering(*_finite_range(start_array))
        while True:
            result, beyond = add_seconds(table, start_array, amount, _END_SECOND - 1)
            if not np.any(beyond):
                return result.reshape(shape)
            if table.last_year > MAX_YEAR:
                raise ValueError(
                    f"calendar {self.spec.id!r} has too little open time before the "
                    f"end of {MAX_YEAR} for {int(np.count_nonzero(beyond))} of the "
                    "requested additions; check its hours and holidays"
                )
            span = table.last_year - table.first_year + 1
            table = self._extend(table.first_year, table.last_year + span)

    def window(self, first: float, last: float) -> CalendarWindow:
        """Return a scalar view of the open time around [first, last] epoch seconds.

        It grows on demand like the calendar, so questions outside the span work.
        """
        return CalendarWindow(self, first, last)

    def holidays(self, start_year: int, end_year: int) -> list[tuple[dt.date, str]]:
        """List every closed date in the years, explicit and from feeds, with names."""
        if not MIN_YEAR <= start_year <= end_year <= MAX_YEAR:
            raise ValueError(
                f"expected {MIN_YEAR} <= start_year <= end_year <= {MAX_YEAR}, "
                f"got {start_year} and {end_year}"
            )
        names = holiday_names(self.spec, start_year, end_year)
        return [(day, "; ".join(names[day]) or "holiday") for day in sorted(names)]

    def _covering(self, low: float, high: float) -> OpenTable:
        """Return a table exact for instants in [low, high] epoch seconds."""
        for value in (low, high):
            if not _FIRST_SECOND <= value < _END_SECOND:
                raise ValueError(
                    f"instant {value} (epoch seconds) is outside the years "
                    f"{MIN_YEAR}-{MAX_YEAR} that business calendars cover"
                )
        table = self._table
        if table is not None and table.valid_from <= low and high <= table.valid_to:
            return table
        # Two days of margin: local dates differ from UTC dates by less than one.
        first_year = _utc_year(low - 2 * _DAY)
        last_year = _utc_year(high + 2 * _DAY)
        if table is not None:
            first_year = min(first_year, table.first_year)
            last_year = max(last_year, table.last_year)
        return self._extend(first_year, last_year)

    def _extend(self, first_year: int, last_year: int) -> OpenTable:
        last_year = min(last_year, MAX_YEAR + 1)
        with self._lock:
            table = self._table
            if table is None:
                table = self._build(first_year, last_year)
            if first_year < table.first_year:
                table = join_tables(
                    self._build(first_year, table.first_year - 1), table
                )
            if last_year > table.last_year:
                table = join_tables(table, self._build(table.last_year + 1, last_year))
            self._table = table
            return table

    def _build(self, first_year: int, last_year: int) -> OpenTable:
        return build_table(self.spec, self.zone, first_year, last_year)


class CalendarWindow:
    """Open time of one calendar for questions about one instant at a time.

    The scalar twin of `between_seconds` and `add_seconds`, with the same rules
    and results up to float rounding. It bisects Python lists, because numpy
    calls cost more than the search itself on single values; the simulator
    makes millions of such queries. Times are UTC epoch seconds.
    """

    def __init__(self, calendar: BusinessCalendar, first: float, last: float) -> None:
        self.calendar = calendar
        self._load(calendar._covering(first, last))

    def _load(self, table: OpenTable) -> None:
        self._table = table
        self.starts: list[float] = table.starts_float.tolist()
        self.ends: list[float] = table.ends.astype(np.float64).tolist()
        self._cumulative: list[float] = table.cumulative_float.tolist()
        self._cumulative_end: list[float] = table.cumulative_end_float.tolist()
        self.valid_from = float(table.valid_from)
        self.valid_to = float(table.valid_to)

    def _cover(self, moment: float) -> None:
        if self.valid_from <= moment <= self.valid_to:
            return
        table = self.calendar._covering(
            min(moment, self.valid_from), max(moment, self.valid_to)
        )
        self._load(table)

    def open_before(self, moment: float) -> float:
        """Return open seconds from the window's start up to `moment`."""
        self._cover(moment)
        index = bisect_right(self.starts, moment) - 1
        if index < 0:
            return 0.0
        start = self.starts[index]
        return self._cumulative[index] + min(moment - start, self.ends[index] - start)

    def between(self, start: float, end: float) -> float:
        """Return open seconds in [start, end); zero when end is not after start."""
        if end <= start:
            return 0.0
        return self.open_before(end) - self.open_before(start)

    def is_open(self, moment: float) -> bool:
        self._cover(moment)
        index = bisect_right(self.starts, moment) - 1
        return index >= 0 and moment < self.ends[index]

    def add(self, start: float, seconds: float) -> float:
        """Return the instant `seconds` of open time after `start`, as `add` does.

        Zero seconds from a closed instant, or from a closing time, gives the
        next opening.
        """
        if seconds < 0:
            raise ValueError(f"seconds to add must not be negative, got {seconds}")
        if self.valid_from <= start <= self.valid_to:
            # Most additions end inside the interval they start in. Zero seconds
            # from a closing time must move on to the next opening, as below.
            index = bisect_right(self.starts, start) - 1
            end = self.ends[index] if index >= 0 else start
            if index >= 0 and start + seconds <= end and (seconds > 0 or start < end):
                return start + seconds
        while True:
            target = self.open_before(start) + seconds
            if seconds > 0:
                index = bisect_left(self._cumulative_end, target)
            else:
                index = bisect_right(self._cumulative_end, target)
            if index < len(self.starts):
                result = self.starts[index] + target - self._cumulative[index]
                if result <= self.valid_to:
                    return result
            if self._table.last_year > MAX_YEAR:
                raise ValueError(
                    f"calendar {self.calendar.spec.id!r} has less than {seconds} s of "
                    f"open time between epoch second {start} and the end of "
                    f"{MAX_YEAR}; check its hours and holidays"
                )
            span = self._table.last_year - self._table.first_year + 1
            self._load(
                self.calendar._extend(
                    self._table.first_year, self._table.last_year + span
                )
            )

    def intervals(self, start: float, end: float) -> list[tuple[float, float]]:
        """List the open intervals clipped to [start, end), in time order."""
        self._cover(start)
        self._cover(end)
        first = max(bisect_right(self.starts, start) - 1, 0)
        result = []
        for index in range(first, len(self.starts)):
            low = max(self.starts[index], start)
            high = min(self.ends[index], end)
            if self.starts[index] >= end:
                break
            if low < high:
                result.append((low, high))
        return result


def _to_microseconds(t: datetime) -> int:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(
            f"naive datetime {t.isoformat()}; pass a timezone-aware datetime, "
            "for example with tzinfo=datetime.UTC"
        )
    return (t - _EPOCH) // _MICROSECOND


def _as_seconds(values: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(values, dtype=np.float64)


def _finite_range(*arrays: NDArray[np.float64]) -> tuple[float, float]:
    """Return the smallest and largest non-NaN value; raise on infinities."""
    low = min(float(np.fmin.reduce(a, axis=None, initial=np.inf)) for a in arrays)
    high = max(float(np.fmax.reduce(a, axis=None, initial=-np.inf)) for a in arrays)
    if low == -np.inf or high == np.inf:
        raise ValueError("epoch seconds must be finite numbers or NaN, got infinity")
    if low > high:
        # Every value is NaN; any covered instant will do.
        return 0.0, 0.0
    return low, high


def _utc_year(second: float) -> int:
    return (_EPOCH + timedelta(seconds=second)).year
