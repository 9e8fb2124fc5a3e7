"""Business calendar engine against a minute-by-minute reference, plus regressions.

The reference steps through whole UTC minutes and applies the module's rule to
each minute's local wall-clock time, so it shares no code with the engine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierdesk.calendar import BusinessCalendar
from tierdesk.policy.calendars import CalendarSpec

DAY_MINUTES = 1440
WEEK_MINUTES = 7 * DAY_MINUTES
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ZONES = (
    "Europe/Dublin",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "UTC",
)
# Sao Paulo last changed clocks in February 2019, at local midnight.
ANCHOR_YEARS = (2018, 2019, 2025)
FEEDS = (None, ("IE", None), ("US", "NY"), ("AU", "NSW"), ("BR", None))
PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@cache
def anchors(zone_name: str) -> tuple[int, ...]:
    """Return epoch seconds near each offset change and each local New Year."""
    zone = ZoneInfo(zone_name)
    points: list[int] = []
    for year in ANCHOR_YEARS:
        first = int(utc(year, 1, 1).timestamp())
        last = int(utc(year + 1, 1, 1).timestamp())
        previous = datetime.fromtimestamp(first, zone).utcoffset()
        for second in range(first, last, 3600):
            offset = datetime.fromtimestamp(second, zone).utcoffset()
            if offset != previous:
                points.append(second)
            previous = offset
        points.append(int(datetime(year + 1, 1, 1, tzinfo=zone).timestamp()))
    return tuple(points)


@dataclass(frozen=True)
class Week:
    """Opening intervals as (weekday, start minute, end minute); end > 1440 spills."""

    intervals: tuple[tuple[int, int, int], ...]
    always: bool = False

    def hours(self) -> object:
        if self.always:
            return "24x7"
        hours: dict[str, list[str]] = {}
        for weekday, start, end in self.intervals:
            hours.setdefault(WEEKDAYS[weekday], []).append(interval_text(start, end))
        return hours

    def open_minutes(self) -> int:
        return sum(end - start for _, start, end in self.intervals)


def interval_text(start: int, end: int) -> str:
    shown_end = end if end == DAY_MINUTES else end % DAY_MINUTES
    return (
        f"{start // 60:02d}:{start % 60:02d}-{shown_end // 60:02d}:{shown_end % 60:02d}"
    )


@dataclass(frozen=True)
class Case:
    week: Week
    zone: str
    dates: tuple[dt.date, ...]
    ranges: tuple[tuple[dt.date, dt.date], ...]
    feed: tuple[str, str | None] | None

    def spec(self) -> CalendarSpec:
        data: dict[str, object] = {
            "id": "case",
            "name": "Case",
            "timezone": self.zone,
            "hours": self.week.hours(),
            "holidays": [day.isoformat() for day in self.dates]
            + [{"from": a, "to": b, "name": "closure"} for a, b in self.ranges],
        }
        if self.feed is not None:
            data["holiday_feeds"] = [
                {"country": self.feed[0], "subdivision": self.feed[1]}
            ]
        return CalendarSpec.model_validate(data)


class Reference:
    """Slow, obvious implementation of the open-instant rule over whole minutes."""

    def __init__(self, case: Case, years: range) -> None:
        self.week = case.week
        self.zone = ZoneInfo(case.zone)
        self.closed = set(case.dates)
        for first, last in case.ranges:
            self.closed.update(
                first + timedelta(days=n) for n in range((last - first).days + 1)
            )
        if case.feed is not None:
            country, subdivision = case.feed
            self.closed.update(
                holidays.country_holidays(country, subdiv=subdivision, years=years)
            )

    def is_open(self, second: int) -> bool:
        local = datetime.fromtimestamp(second, self.zone)
        day = local.date()
        if day in self.closed:
            return False
        minute = local.hour * 60 + local.minute
        weekday = day.weekday()
        for interval_day, start, end in self.week.intervals:
            if interval_day == weekday and start <= minute < min(end, DAY_MINUTES):
                return True
            if interval_day == (weekday - 1) % 7 and minute < end - DAY_MINUTES:
                return True
        return False

    def between(self, start: int, end: int) -> int:
        return 60 * sum(self.is_open(second) for second in range(start, end, 60))

    def add(self, start: int, minutes: int) -> int:
        second = start
        counted = 0
        for _ in range(400 * DAY_MINUTES):
            if minutes == 0 and self.is_open(second):
                return second
            counted += self.is_open(second)
            if minutes and counted == minutes:
                return second + 60
            second += 60
        raise AssertionError("reference found no result within 400 days")


def split_span(start: int, end: int) -> list[tuple[int, int, int]]:
    """Write a span of week minutes as intervals shorter than a day."""
    intervals = []
    while end - start >= DAY_MINUTES:
        intervals.append(((start // DAY_MINUTES) % 7, start % DAY_MINUTES, DAY_MINUTES))
        start = (start // DAY_MINUTES + 1) * DAY_MINUTES
    if start < end:
        midnight = start // DAY_MINUTES * DAY_MINUTES
        intervals.append(((start // DAY_MINUTES) % 7, start - midnight, end - midnight))
    return intervals


@st.composite
def weeks(draw: st.DrawFn) -> Week:
    kind = draw(st.sampled_from(["random", "random", "24x7", "18x7", "office"]))
    if kind == "24x7":
        return Week(tuple((day, 0, DAY_MINUTES) for day in range(7)), always=True)
    if kind == "18x7":
        start = draw(st.integers(0, 6)) * 60
        return Week(tuple((day, start, start + 18 * 60) for day in range(7)))
    if kind == "office":
        return Week(tuple((day, 9 * 60, 17 * 60) for day in range(5)))
    points = draw(
        st.lists(
            st.integers(0, WEEK_MINUTES // 15 - 1), min_size=2, max_size=14, unique=True
        )
    )
    points = sorted(point * 15 for point in points)
    shift = draw(st.integers(0, DAY_MINUTES // 15 - 1)) * 15
    intervals: list[tuple[int, int, int]] = []
    for start, end in zip(points[0::2], points[1::2], strict=False):
        intervals += split_span(start + shift, end + shift)
    return Week(tuple(intervals))


@st.composite
def cases(draw: st.DrawFn, zone: str | None = None) -> tuple[Case, int]:
    """Draw a calendar and a whole-minute instant near a clock change or New Year."""
    zone_name = zone or draw(st.sampled_from(ZONES))
    anchor = draw(st.sampled_from(anchors(zone_name)))
    start = (
        anchor // 60 * 60 + draw(st.integers(-3 * DAY_MINUTES, 3 * DAY_MINUTES)) * 60
    )
    local_day = datetime.fromtimestamp(start, ZoneInfo(zone_name)).date()
    near = st.integers(-4, 4).map(lambda n: local_day + timedelta(days=n))
    dates = tuple(draw(st.lists(near, max_size=3)))
    ranges = tuple(
        (first, first + timedelta(days=length))
        for first, length in draw(
            st.lists(st.tuples(near, st.integers(0, 2)), max_size=1)
        )
    )
    feed = draw(st.sampled_from(FEEDS))
    return Case(draw(weeks()), zone_name, dates, ranges, feed), start


def reference_for(case: Case, second: int) -> Reference:
    year = datetime.fromtimestamp(second, UTC).year
    return Reference(case, range(year - 1, year + 2))


def at(second: int) -> datetime:
    return datetime.fromtimestamp(second, UTC)


@PROPERTY_SETTINGS
@given(cases(), st.integers(-DAY_MINUTES, 5 * DAY_MINUTES))
def test_between_matches_reference(drawn: tuple[Case, int], span: int) -> None:
    case, start = drawn
    end = start + span * 60
    calendar = BusinessCalendar(case.spec())
    expected = reference_for(case, start).between(start, end)

    assert calendar.between(at(start), at(end)) == timedelta(seconds=expected)
    assert calendar.between_seconds([start], [end])[0] == expected


@PROPERTY_SETTINGS
@given(cases(), st.data())
def test_add_matches_reference(drawn: tuple[Case, int], data: st.DataObject) -> None:
    case, start = drawn
    max_minutes = min(3 * DAY_MINUTES, 2 * case.week.open_minutes())
    minutes = data.draw(st.integers(0, max_minutes))
    calendar = BusinessCalendar(case.spec())
    reference = reference_for(case, start)
    expected = reference.add(start, minutes)

    result = calendar.add(at(start), timedelta(minutes=minutes))
    assert result.timestamp() == expected
    assert result.tzinfo == ZoneInfo(case.zone)
    assert calendar.add_seconds([start], [minutes * 60])[0] == expected
    assert calendar.is_open(at(start)) == reference.is_open(start)


SHARED = {
    zone: BusinessCalendar(
        CalendarSpec.model_validate(
            {
                "id": "shared",
                "name": "Shared",
                "timezone": zone,
                "hours": {
                    "mon": ["08:00-12:00", "13:00-17:00"],
                    "tue": ["09:00-17:00"],
                    "fri": ["22:00-06:00"],
                    "sun": ["00:00-24:00"],
                },
            }
        )
    )
    for zone in ZONES
}
SHARED_WEEK = Week(
    (
        (0, 8 * 60, 12 * 60),
        (0, 13 * 60, 17 * 60),
        (1, 9 * 60, 17 * 60),
        (4, 22 * 60, 30 * 60),
        (6, 0, DAY_MINUTES),
    )
)


@PROPERTY_SETTINGS
@given(
    st.sampled_from(ZONES),
    st.integers(
        int(utc(2015, 1, 1).timestamp()) // 60, int(utc(2030, 1, 1).timestamp()) // 60
    ),
    st.integers(0, 4 * DAY_MINUTES),
)
def test_shared_calendar_grows_and_agrees(zone: str, minute: int, span: int) -> None:
    """One calendar per zone, asked about random years, extends its table in
    both directions and still matches the reference."""
    start = minute * 60
    end = start + span * 60
    case = Case(SHARED_WEEK, zone, (), (), None)
    reference = reference_for(case, start)

    assert SHARED[zone].between(at(start), at(end)).total_seconds() == (
        reference.between(start, end)
    )


# Regressions, one per failure kind.

OFFICE = {
    "id": "product-specialists",
    "name": "Product specialists",
    "timezone": "Europe/Dublin",
    "hours": {day: ["09:00-17:00"] for day in WEEKDAYS[:5]},
}


def office(**changes: object) -> BusinessCalendar:
    return BusinessCalendar(CalendarSpec.model_validate(OFFICE | changes))


def test_add_from_closed_day_starts_at_opening() -> None:
    saturday = utc(2025, 3, 1, 12)

    due = office().add(saturday, timedelta(hours=2))

    assert due == datetime(2025, 3, 3, 11, tzinfo=ZoneInfo("Europe/Dublin"))


def test_add_from_outside_hours_starts_next_morning() -> None:
    tuesday_evening = utc(2025, 3, 4, 20)

    due = office().add(tuesday_evening, timedelta(hours=8))

    assert due == datetime(2025, 3, 5, 17, tzinfo=ZoneInfo("Europe/Dublin"))


def test_add_used_up_at_closing_returns_closing() -> None:
    opening = utc(2025, 3, 4, 9)

    assert office().add(opening, timedelta(hours=8)) == utc(2025, 3, 4, 17)


def test_next_opening_at_closing_moves_to_next_day() -> None:
    closing = utc(2025, 3, 4, 17)

    assert office().next_opening(closing) == utc(2025, 3, 5, 9)


def test_next_opening_returns_open_instant_itself() -> None:
    instant = utc(2025, 3, 4, 10, 30)

    assert office().next_opening(instant) == instant


def test_missing_weekdays_are_closed() -> None:
    calendar = office(hours={"wed": ["09:00-17:00"]})

    assert not calendar.is_open(utc(2025, 3, 3, 10))
    assert calendar.is_open(utc(2025, 3, 5, 10))
    assert calendar.between(utc(2025, 3, 3), utc(2025, 3, 10)) == timedelta(hours=8)


def test_country_feed_holidays_listed() -> None:
    calendar = office(holiday_feeds=[{"country": "IE"}])

    listed = [day for day, _ in calendar.holidays(2025, 2025)]

    assert listed == [
        dt.date(2025, 1, 1),
        dt.date(2025, 2, 3),
        dt.date(2025, 3, 17),
        dt.date(2025, 4, 21),
        dt.date(2025, 5, 5),
        dt.date(2025, 6, 2),
        dt.date(2025, 8, 4),
        dt.date(2025, 10, 27),
        dt.date(2025, 12, 25),
        dt.date(2025, 12, 26),
    ]


def test_country_feed_holiday_is_closed() -> None:
    calendar = office(holiday_feeds=[{"country": "IE"}])

    assert not calendar.is_open(utc(2025, 3, 17, 10))
    assert calendar.is_open(utc(2025, 3, 18, 10))


def test_holidays_merge_names_per_date() -> None:
    calendar = office(
        holidays=[
            "2025-12-24",
            {"from": "2025-12-24", "to": "2025-12-26", "name": "Closure"},
        ],
        holiday_feeds=[{"country": "IE"}],
    )

    listed = dict(calendar.holidays(2025, 2025))

    assert listed[dt.date(2025, 12, 24)] == "Closure"
    assert listed[dt.date(2025, 12, 25)] == "Closure; Christmas Day"


def test_unnamed_holiday_listed_as_holiday() -> None:
    calendar = office(holidays=["2025-06-03"])

    assert calendar.holidays(2025, 2025) == [(dt.date(2025, 6, 3), "holiday")]


def test_result_in_team_timezone_not_callers() -> None:
    caller = ZoneInfo("America/Los_Angeles")
    created = datetime(2025, 7, 1, 0, 30, tzinfo=caller)

    due = office().add(created, timedelta(hours=1))

    assert due.tzinfo == ZoneInfo("Europe/Dublin")
    assert due.isoformat() == "2025-07-01T10:00:00+01:00"


def test_holiday_closes_spill_into_it() -> None:
    calendar = office(hours={"fri": ["22:00-06:00"]}, holidays=["2025-03-08"])

    open_time = calendar.between(utc(2025, 3, 7), utc(2025, 3, 9))

    assert open_time == timedelta(hours=2)


def test_holiday_keeps_spill_out_of_it() -> None:
    calendar = office(hours={"fri": ["22:00-06:00"]}, holidays=["2025-03-07"])

    open_time = calendar.between(utc(2025, 3, 7), utc(2025, 3, 9))

    assert open_time == timedelta(hours=6)


def test_spring_forward_gap_has_no_open_time() -> None:
    calendar = office(hours={"sun": ["01:00-02:00"]})

    open_time = calendar.between(utc(2025, 3, 29), utc(2025, 3, 31))

    assert open_time == timedelta(0)


def test_autumn_repeated_hour_counts_twice() -> None:
    calendar = office(hours={"sun": ["01:00-02:00"]})

    open_time = calendar.between(utc(2025, 10, 25), utc(2025, 10, 27))

    assert open_time == timedelta(hours=2)


def test_always_open_counts_elapsed_time() -> None:
    calendar = BusinessCalendar.always_open("Europe/Dublin")
    start = utc(2025, 10, 25, 23)
    end = utc(2025, 10, 26, 23)

    assert calendar.between(start, end) == timedelta(hours=24)
    assert calendar.add(start, timedelta(hours=24)) == end
    assert calendar.add(start, timedelta(0)).tzinfo == ZoneInfo("Europe/Dublin")


def test_between_end_before_start_is_zero() -> None:
    assert office().between(utc(2025, 3, 5), utc(2025, 3, 4)) == timedelta(0)


def test_naive_datetime_rejected() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        office().is_open(datetime(2025, 3, 4, 10))  # noqa: DTZ001


def test_negative_duration_rejected() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        office().add(utc(2025, 3, 4), timedelta(minutes=-1))


def test_instant_outside_supported_years_rejected() -> None:
    with pytest.raises(ValueError, match="outside the years"):
        office().is_open(utc(1850, 1, 1))


def test_add_beyond_last_year_rejected() -> None:
    calendar = office(
        timezone="UTC", holidays=[{"from": "2025-01-01", "to": "2200-12-31"}]
    )

    with pytest.raises(ValueError, match="less than 1:00:00 of open time"):
        calendar.add(utc(2025, 3, 4), timedelta(hours=1))


def test_vector_nan_propagates() -> None:
    start = utc(2025, 3, 4, 9).timestamp()

    open_time = office().between_seconds(
        [start, start, np.nan], [np.nan, start + 60, start]
    )
    due = office().add_seconds([start, np.nan], [np.nan, 60.0])

    assert np.isnan(open_time[0])
    assert open_time[1] == 60.0
    assert np.isnan(open_time[2])
    assert np.isnan(due).all()


def test_vector_infinity_rejected() -> None:
    with pytest.raises(ValueError, match="finite"):
        office().between_seconds([0.0], [np.inf])


def test_vector_results_keep_input_shape() -> None:
    starts = np.full((2, 3), utc(2025, 3, 4, 9).timestamp())

    assert office().between_seconds(starts, starts + 3600).shape == (2, 3)
    assert office().add_seconds(starts, 60.0).shape == (2, 3)


def test_vector_matches_scalar_over_years() -> None:
    calendar = office(holiday_feeds=[{"country": "IE"}])
    rng = np.random.default_rng(7)
    starts = rng.integers(
        int(utc(2019, 1, 1).timestamp()), int(utc(2027, 1, 1).timestamp()), 300
    ).astype(np.float64)
    ends = starts + rng.integers(0, 40 * 86_400, starts.size)

    open_time = calendar.between_seconds(starts, ends)
    due = calendar.add_seconds(starts, open_time)

    for start, end, seconds, due_second in zip(
        starts, ends, open_time, due, strict=True
    ):
        expected = calendar.between(at(int(start)), at(int(end)))
        assert seconds == expected.total_seconds()
        assert calendar.between(at(int(start)), at(int(due_second))) == expected
        if seconds > 0:
            assert due_second <= end


def test_new_year_query_covers_previous_date() -> None:
    """A fresh calendar asked about 00:00-05:00 UTC on 1 January in New York must
    also cover the local evening of 31 December."""
    calendar = BusinessCalendar.always_open("America/New_York")

    open_time = calendar.between(utc(2025, 1, 1), utc(2025, 1, 1, 5))

    assert open_time == timedelta(hours=5)


def test_table_extends_in_both_directions() -> None:
    calendar = office(holiday_feeds=[{"country": "IE"}])
    start, end = utc(2014, 6, 1), utc(2031, 6, 1)

    calendar.is_open(utc(2030, 1, 1))
    calendar.is_open(utc(2015, 1, 1))

    fresh = office(holiday_feeds=[{"country": "IE"}])
    assert calendar.between(start, end) == fresh.between(start, end)
