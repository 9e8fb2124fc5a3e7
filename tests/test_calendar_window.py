"""`CalendarWindow`, one instant at a time, returns what the vectorised calendar
returns."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from tierdesk.calendar import BusinessCalendar
from tierdesk.policy.calendars import CalendarSpec

SPEC = CalendarSpec.model_validate(
    {
        "id": "office",
        "name": "Brussels office",
        "timezone": "Europe/Brussels",
        "hours": {
            "mon": "08:00-18:00",
            "tue": "08:00-18:00",
            "wed": ["08:00-12:00", "13:00-18:00"],
            "thu": "22:00-06:00",
            "fri": "08:00-18:00",
        },
        "holiday_feeds": [{"country": "BE"}],
    }
)
# 2024-03-01, a span that crosses both daylight-saving changes and Belgian holidays.
FIRST = datetime(2024, 3, 1, tzinfo=UTC).timestamp()
SPAN = 300 * 86_400.0


@pytest.fixture(scope="module")
def calendar() -> BusinessCalendar:
    return BusinessCalendar(SPEC)


def _instants(count: int, seed: int) -> np.ndarray:
    generator = np.random.default_rng(seed)
    instants = FIRST + generator.random(count) * SPAN
    # Exact opening and closing instants are the edge cases of `add`.
    table_edges = BusinessCalendar(SPEC).window(FIRST, FIRST + SPAN).starts[:50]
    return np.concatenate([instants, np.array(table_edges)])


def test_window_between_matches_vector(calendar: BusinessCalendar) -> None:
    starts = _instants(400, 1)
    ends = starts + np.random.default_rng(2).random(len(starts)) * 20 * 86_400
    window = calendar.window(FIRST, FIRST + SPAN)
    expected = calendar.between_seconds(starts, ends)
    got = [window.between(s, e) for s, e in zip(starts, ends, strict=True)]
    assert np.allclose(got, expected, atol=1e-6)


@pytest.mark.parametrize("hours", [0.0, 0.5, 3.0, 10.0, 100.0])
def test_window_add_matches_vector(calendar: BusinessCalendar, hours: float) -> None:
    starts = _instants(300, 3)
    window = calendar.window(FIRST, FIRST + SPAN)
    expected = calendar.add_seconds(starts, hours * 3600)
    got = [window.add(s, hours * 3600) for s in starts]
    assert np.allclose(got, expected, atol=1e-6)


def test_window_is_open_matches_calendar(calendar: BusinessCalendar) -> None:
    window = calendar.window(FIRST, FIRST + SPAN)
    for instant in _instants(200, 4):
        moment = datetime.fromtimestamp(float(instant), UTC)
        assert window.is_open(float(instant)) == calendar.is_open(moment)


def test_window_grows_past_its_span(calendar: BusinessCalendar) -> None:
    window = calendar.window(FIRST, FIRST + 86_400)
    later = FIRST + 3 * 365 * 86_400.0
    assert window.add(later, 3600) == pytest.approx(
        float(calendar.add_seconds(later, 3600))
    )
    earlier = FIRST - 2 * 365 * 86_400.0
    assert window.between(earlier, FIRST) == pytest.approx(
        float(calendar.between_seconds(earlier, FIRST))
    )


def test_window_intervals_are_open_and_clipped(calendar: BusinessCalendar) -> None:
    window = calendar.window(FIRST, FIRST + SPAN)
    start = FIRST + 3.3 * 86_400
    end = start + 14 * 86_400
    intervals = window.intervals(start, end)
    assert sum(high - low for low, high in intervals) == pytest.approx(
        window.between(start, end)
    )
    assert all(start <= low < high <= end for low, high in intervals)


def test_window_rejects_negative_seconds(calendar: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        calendar.window(FIRST, FIRST + SPAN).add(FIRST, -1.0)
