"""Calendars as written in the policy: a timezone, weekly opening hours and holidays.

The models check the shape and the week on their own. `tierdesk.calendar` builds
the engine that computes business time from a `CalendarSpec`.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from itertools import pairwise
from typing import Annotated, Any, Literal, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holiday_data
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    field_validator,
    model_validator,
)

from tierdesk.policy.types import Identifier

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
ALWAYS_OPEN = "24x7"

_INTERVAL = re.compile(r"^\s*(\d{2}):(\d{2})\s*-\s*(\d{2}):(\d{2})\s*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class OpeningInterval(NamedTuple):
    """Open wall-clock minutes [start, end) after local midnight.

    An `end` above 1440 means the interval crosses midnight and continues on the
    next day until `end - 1440`.
    """

    start: int
    end: int

    def __str__(self) -> str:
        end = self.end if self.end == MINUTES_PER_DAY else self.end % MINUTES_PER_DAY
        return f"{_clock(self.start)}-{_clock(end)}"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_opening_interval(value: object) -> OpeningInterval:
    """Parse "HH:MM-HH:MM"; an end at or before the start crosses midnight."""
    if isinstance(value, OpeningInterval):
        return value
    match = _INTERVAL.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(
            f"invalid opening interval {value!r}; expected 'HH:MM-HH:MM' "
            "such as '09:00-17:30'"
        )
    start_hour, start_minute, end_hour, end_minute = map(int, match.groups())
    if (
        start_hour > 23
        or end_hour > 24
        or start_minute > 59
        or end_minute > 59
        or (end_hour == 24 and end_minute != 0)
    ):
        raise ValueError(
            f"invalid opening interval {value!r}; expected hours 00-23 and minutes "
            "00-59, with '24:00' allowed only as the end"
        )
    start = start_hour * 60 + start_minute
    end = end_hour * 60 + end_minute
    if end == start:
        raise ValueError(
            f"invalid opening interval {value!r}: it starts where it ends; "
            "write '00:00-24:00' for a whole day"
        )
    if end < start:
        end += MINUTES_PER_DAY
    return OpeningInterval(start, end)


OpeningTime = Annotated[
    OpeningInterval,
    BeforeValidator(parse_opening_interval),
    PlainSerializer(str, return_type=str),
]


def _parse_date(value: object) -> object:
    # YAML reads an unquoted 2025-12-25 as a date and a quoted one as a string.
    # Numbers and timestamps are rejected, because pydantic would read epoch seconds.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"invalid date {value!r}; expected YYYY-MM-DD such as 2025-12-25")


LocalDate = Annotated[dt.date, BeforeValidator(_parse_date)]


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown IANA timezone {value!r}; use a name such as 'Europe/Dublin'"
        ) from None
    return value


@cache
def _supported_countries() -> dict[str, list[str]]:
    return holiday_data.list_supported_countries()


def _overlap_message(
    earlier: tuple[int, int, OpeningInterval, str],
    later: tuple[int, int, OpeningInterval, str],
) -> str:
    message = (
        f"opening intervals {earlier[3]} {earlier[2]} and {later[3]} {later[2]} "
        "overlap; make them disjoint"
    )
    if earlier[2].end > MINUTES_PER_DAY or later[2].end > MINUTES_PER_DAY:
        message += ", remembering that an interval ending before it starts "
        message += "continues into the next day"
    return message


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Holiday(_Strict):
    """One closed local date, or an inclusive range of them, with an optional name."""

    date: LocalDate | None = None
    first: LocalDate | None = Field(default=None, alias="from")
    last: LocalDate | None = Field(default=None, alias="to")
    name: str = ""

    @model_validator(mode="before")
    @classmethod
    def _accept_bare_date(cls, value: Any) -> Any:
        if isinstance(value, dict | Holiday):
            return value
        return {"date": value}

    @model_validator(mode="after")
    def _check_form(self) -> Holiday:
        has_range = self.first is not None or self.last is not None
        if self.date is not None and has_range:
            raise ValueError("write either 'date' or 'from' and 'to', not both")
        if self.date is None and not has_range:
            raise ValueError("expected a date, or a mapping with 'date' or 'from'/'to'")
        if has_range and (self.first is None or self.last is None):
            raise ValueError("a holiday range needs both 'from' and 'to'")
        if self.first is not None and self.last is not None and self.last < self.first:
            raise ValueError(
                f"holiday range 'to' {self.last} is before 'from' {self.first}; "
                "write the first closed date in 'from' and the last in 'to'"
            )
        return self

    def dates(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """List the closed dates that fall between `first` and `last` inclusive."""
        start = max(self.date or self.first or first, first)
        end = min(self.date or self.last or last, last)
        return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


class HolidayFeed(_Strict):
    """Public holidays of a country, and optionally a subdivision, from `holidays`."""

    country: str
    subdivision: str | None = None
    observed: bool = Field(
        default=True,
        description="also close the weekday a holiday is moved to when it falls "
        "on a weekend, as the country's rules say",
    )

    @field_validator("country")
    @classmethod
    def _check_country(cls, value: str) -> str:
        if value in _supported_countries():
            return value
        suggestion = value.upper()
        hint = ""
        if suggestion in _supported_countries():
            hint = f"; did you mean {suggestion!r}?"
        raise ValueError(
            f"unknown holiday country {value!r}; expected an ISO 3166-1 alpha-2 code "
            f"that the holidays package supports, such as 'IE' or 'DE'{hint}"
        )

    @model_validator(mode="after")
    def _check_subdivision(self) -> HolidayFeed:
        known = _supported_countries()[self.country]
        if self.subdivision is not None and self.subdivision not in known:
            listed = ", ".join(known) if known else "none"
            raise ValueError(
                f"unknown subdivision {self.subdivision!r} of holiday country "
                f"{self.country!r}; expected one of: {listed}"
            )
        return self


class CalendarSpec(_Strict):
    """A calendar as the policy writes it; a weekday missing from `hours` is closed."""

    id: Identifier
    name: str
    timezone: str
    hours: dict[Weekday, tuple[OpeningTime, ...]]
    holidays: list[Holiday] = Field(default_factory=list)
    holiday_feeds: list[HolidayFeed] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        return _check_timezone(value)

    @field_validator("hours", mode="before")
    @classmethod
    def _read_hours(cls, value: Any) -> Any:
        if value == ALWAYS_OPEN:
            return {day: ["00:00-24:00"] for day in WEEKDAYS}
        if not isinstance(value, dict):
            raise ValueError(
                f"expected {ALWAYS_OPEN!r} or a mapping from weekday to a list of "
                f"'HH:MM-HH:MM' intervals, got {value!r}"
            )
        unknown = [key for key in value if key not in WEEKDAYS]
        if unknown:
            raise ValueError(
                f"unknown weekday {unknown[0]!r}; expected one of {', '.join(WEEKDAYS)}"
            )
        # One interval may be written without the list brackets.
        return {
            day: [intervals] if isinstance(intervals, str) else intervals
            for day, intervals in value.items()
        }

    @field_validator("hours")
    @classmethod
    def _check_overlaps(
        cls, hours: dict[Weekday, tuple[OpeningInterval, ...]]
    ) -> dict[Weekday, tuple[OpeningInterval, ...]]:
        # Place every interval on one week of minutes; an overnight interval on
        # Sunday continues into Monday, so it wraps around to the week's start.
        pieces: list[tuple[int, int, OpeningInterval, str]] = []
        for index, day in enumerate(WEEKDAYS):
            for interval in hours.get(day, ()):
                start = index * MINUTES_PER_DAY + interval.start
                end = index * MINUTES_PER_DAY + interval.end
                if end > MINUTES_PER_WEEK:
                    pieces.append((start, MINUTES_PER_WEEK, interval, day))
                    pieces.append((0, end - MINUTES_PER_WEEK, interval, day))
                else:
                    pieces.append((start, end, interval, day))
        pieces.sort()
        for earlier, later in pairwise(pieces):
            if later[0] < earlier[1]:
                raise ValueError(_overlap_message(earlier, later))
        return hours

    @field_validator("hours")
    @classmethod
    def _check_ever_open(
        cls, hours: dict[Weekday, tuple[OpeningInterval, ...]], info: ValidationInfo
    ) -> dict[Weekday, tuple[OpeningInterval, ...]]:
        if not any(hours.values()):
            name = info.data.get("id", "")
            raise ValueError(
                f"calendar {name!r} is never open: no weekday has opening hours; "
                f"add intervals such as mon: ['09:00-17:00'], or write hours: "
                f"{ALWAYS_OPEN}"
            )
        return hours

    def intervals_on(self, weekday: int) -> tuple[OpeningInterval, ...]:
        """Return the intervals written for a weekday, Monday being 0."""
        return self.hours.get(WEEKDAYS[weekday], ())
