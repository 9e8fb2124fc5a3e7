"""Validation of calendars as the policy YAML writes them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from tierdesk.policy.calendars import CalendarSpec, OpeningInterval

EXAMPLE = """
id: emea-business
name: EMEA business hours
timezone: Europe/Dublin
hours:
  mon: ["08:00-12:00", "13:00-17:00"]
  tue: ["09:00-17:00"]
  fri: ["22:00-06:00"]
  sun: ["00:00-24:00"]
holidays:
  - 2025-12-25
  - {date: 2026-01-01, name: New Year}
  - {from: 2025-12-24, to: 2025-12-26, name: Christmas closure}
holiday_feeds:
  - {country: IE}
  - {country: DE, subdivision: BY}
"""


def calendar(**changes: Any) -> CalendarSpec:
    data = {
        "id": "office",
        "name": "Office",
        "timezone": "Europe/Dublin",
        "hours": {"mon": ["09:00-17:00"]},
    }
    return CalendarSpec.model_validate(data | changes)


def error_text(**changes: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        calendar(**changes)
    return str(caught.value)


def test_example_yaml_loads() -> None:
    spec = CalendarSpec.model_validate(yaml.safe_load(EXAMPLE))

    assert spec.hours["mon"] == (OpeningInterval(480, 720), OpeningInterval(780, 1020))
    assert spec.hours["fri"] == (OpeningInterval(1320, 1800),)
    assert spec.hours["sun"] == (OpeningInterval(0, 1440),)
    assert spec.holidays[0].date == dt.date(2025, 12, 25)
    assert spec.holidays[2].first == dt.date(2025, 12, 24)
    assert spec.holidays[2].last == dt.date(2025, 12, 26)
    assert spec.holiday_feeds[1].subdivision == "BY"


def test_example_round_trips_through_dump() -> None:
    spec = CalendarSpec.model_validate(yaml.safe_load(EXAMPLE))

    dumped = spec.model_dump(by_alias=True, exclude_defaults=True)

    assert dumped["hours"]["fri"] == ("22:00-06:00",)
    assert CalendarSpec.model_validate(dumped) == spec


def test_always_open_expands_to_every_day() -> None:
    spec = calendar(hours="24x7")

    assert all(
        spec.intervals_on(day) == (OpeningInterval(0, 1440),) for day in range(7)
    )


def test_single_interval_without_list() -> None:
    assert calendar(hours={"tue": "09:00-17:00"}).hours["tue"] == (
        OpeningInterval(540, 1020),
    )


def test_missing_weekdays_are_closed() -> None:
    spec = calendar(hours={"wed": ["09:00-17:00"]})

    assert spec.intervals_on(0) == ()
    assert spec.intervals_on(2) == (OpeningInterval(540, 1020),)


def test_end_at_midnight_is_same_day() -> None:
    spec = calendar(hours={"mon": ["22:00-00:00"]})

    assert spec.hours["mon"] == (OpeningInterval(1320, 1440),)


@pytest.mark.parametrize(
    "text",
    ["9:00-17:00", "09:00 to 17:00", "09:60-17:00", "24:00-02:00", "08:00-24:30"],
)
def test_bad_interval_rejected(text: str) -> None:
    message = error_text(hours={"mon": [text]})

    assert "invalid opening interval" in message
    assert repr(text) in message


def test_interval_starting_where_it_ends_rejected() -> None:
    assert "starts where it ends" in error_text(hours={"mon": ["09:00-09:00"]})


def test_overlap_within_day_rejected() -> None:
    message = error_text(hours={"mon": ["09:00-13:00", "12:00-17:00"]})

    assert "mon 09:00-13:00 and mon 12:00-17:00 overlap" in message


def test_overnight_spill_overlap_rejected() -> None:
    message = error_text(hours={"fri": ["22:00-06:00"], "sat": ["05:00-08:00"]})

    assert "fri 22:00-06:00 and sat 05:00-08:00 overlap" in message


def test_sunday_spill_into_monday_rejected() -> None:
    message = error_text(hours={"sun": ["20:00-02:00"], "mon": ["01:00-09:00"]})

    assert "overlap" in message
    assert "sun 20:00-02:00" in message


def test_touching_intervals_accepted() -> None:
    spec = calendar(hours={"fri": ["22:00-06:00"], "sat": ["06:00-08:00"]})

    assert spec.hours["sat"] == (OpeningInterval(360, 480),)


def test_unknown_weekday_rejected() -> None:
    message = error_text(hours={"monday": ["09:00-17:00"]})

    assert "unknown weekday 'monday'" in message
    assert "mon, tue, wed, thu, fri, sat, sun" in message


def test_unknown_timezone_rejected() -> None:
    assert "unknown IANA timezone 'Europe/Dubln'" in error_text(timezone="Europe/Dubln")


def test_unknown_holiday_country_rejected() -> None:
    message = error_text(holiday_feeds=[{"country": "XX"}])

    assert "unknown holiday country 'XX'" in message


def test_lowercase_holiday_country_gets_hint() -> None:
    assert "did you mean 'IE'" in error_text(holiday_feeds=[{"country": "ie"}])


def test_unknown_subdivision_rejected() -> None:
    message = error_text(holiday_feeds=[{"country": "DE", "subdivision": "ZZ"}])

    assert "unknown subdivision 'ZZ'" in message
    assert "BY" in message


def test_range_to_before_from_rejected() -> None:
    message = error_text(holidays=[{"from": "2025-12-26", "to": "2025-12-24"}])

    assert "'to' 2025-12-24 is before 'from' 2025-12-26" in message


def test_range_without_to_rejected() -> None:
    assert "needs both 'from' and 'to'" in error_text(holidays=[{"from": "2025-12-26"}])


def test_date_and_range_together_rejected() -> None:
    message = error_text(
        holidays=[{"date": "2025-12-25", "from": "2025-12-24", "to": "2025-12-26"}]
    )

    assert "not both" in message


@pytest.mark.parametrize("value", ["2025-13-01", "25/12/2025", 20251225])
def test_bad_holiday_date_rejected(value: object) -> None:
    assert "invalid date" in error_text(holidays=[value])


def test_calendar_with_no_open_time_rejected() -> None:
    message = error_text(hours={"mon": [], "sat": []})

    assert "calendar 'office' is never open" in message


def test_empty_hours_mapping_rejected() -> None:
    assert "is never open" in error_text(hours={})


def test_hours_of_wrong_type_rejected() -> None:
    assert "expected '24x7' or a mapping" in error_text(hours=["09:00-17:00"])


def test_unknown_field_rejected() -> None:
    assert "extra" in error_text(open_on_holidays=True).lower()
