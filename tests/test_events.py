"""Tests for the event model and the per-ticket history helpers."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest

from tierdesk.events import (
    Event,
    EventKind,
    TicketStatus,
    group_by_ticket,
    iter_histories,
    sort_history,
)

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)


class _NoOffset(tzinfo):
    """A tzinfo that does not know its offset, which makes a datetime naive."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None


def _event(ticket: str, minutes: int, sequence: int = 0, **fields: object) -> Event:
    return Event(
        ticket_id=ticket,
        at=T0 + timedelta(minutes=minutes),
        kind=EventKind.STATUS_CHANGED,
        sequence=sequence,
        **fields,  # type: ignore[arg-type]
    )


def test_event_kinds_are_the_documented_set():
    assert [kind.value for kind in EventKind] == [
        "created",
        "team_assigned",
        "agent_assigned",
        "status_changed",
        "public_reply",
        "internal_note",
        "escalated",
        "reopened",
        "solved",
        "closed",
        "csat_rated",
        "deflected",
    ]


def test_ticket_statuses_are_the_canonical_set():
    assert [status.value for status in TicketStatus] == [
        "new",
        "open",
        "pending",
        "on_hold",
        "solved",
        "closed",
    ]


def test_event_rejects_naive_datetime():
    with pytest.raises(ValueError, match="no timezone"):
        Event(ticket_id="T1", at=datetime(2024, 3, 4, 9, 0), kind=EventKind.CREATED)  # noqa: DTZ001


def test_event_rejects_tzinfo_without_offset():
    at = datetime(2024, 3, 4, 9, 0, tzinfo=_NoOffset())
    with pytest.raises(ValueError, match="no timezone"):
        Event(ticket_id="T1", at=at, kind=EventKind.CREATED)


def test_event_accepts_zoneinfo_datetime():
    at = datetime(2024, 3, 4, 9, 0, tzinfo=ZoneInfo("Europe/Brussels"))
    event = Event(ticket_id="T1", at=at, kind=EventKind.CREATED)
    assert event.at.utcoffset() == timedelta(hours=1)


def test_event_coerces_kind_and_status_from_text():
    event = Event(
        ticket_id="T1",
        at=T0,
        kind="solved",
        status="solved",  # type: ignore[arg-type]
    )
    assert event.kind is EventKind.SOLVED
    assert event.status is TicketStatus.SOLVED


def test_event_rejects_unknown_kind():
    with pytest.raises(ValueError, match="'merged' is not a valid EventKind"):
        Event(ticket_id="T1", at=T0, kind="merged")  # type: ignore[arg-type]


def test_event_rejects_unknown_status():
    with pytest.raises(ValueError, match="'resolved' is not a valid TicketStatus"):
        Event(ticket_id="T1", at=T0, kind=EventKind.SOLVED, status="resolved")


def test_event_rejects_empty_ticket_id():
    with pytest.raises(ValueError, match="ticket_id"):
        Event(ticket_id="", at=T0, kind=EventKind.CREATED)


def test_event_rejects_negative_sequence():
    with pytest.raises(ValueError, match="sequence"):
        Event(ticket_id="T1", at=T0, kind=EventKind.CREATED, sequence=-1)


def test_event_is_frozen():
    event = Event(ticket_id="T1", at=T0, kind=EventKind.CREATED)
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.status = "open"  # type: ignore[misc]


def test_event_attributes_are_a_read_only_copy():
    source = {"csat": 5}
    event = Event(ticket_id="T1", at=T0, kind=EventKind.CSAT_RATED, attributes=source)
    source["csat"] = 1
    assert event.attributes["csat"] == 5
    with pytest.raises(TypeError):
        event.attributes["csat"] = 2  # type: ignore[index]


def test_events_compare_equal_and_hash_without_attributes():
    first = _event("T1", 0, attributes={"product": "Ads"})
    second = _event("T1", 0, attributes={"product": "Ads"})
    third = _event("T1", 0, attributes={"product": "Search"})
    assert first == second
    assert first != third
    assert len({first, second, third}) == 2


def test_equal_instants_in_other_offsets_are_equal():
    plus_two = timezone(timedelta(hours=2))
    local = Event(ticket_id="T1", at=T0.astimezone(plus_two), kind=EventKind.CREATED)
    utc = Event(ticket_id="T1", at=T0, kind=EventKind.CREATED)
    assert local == utc


def test_sort_history_orders_by_time_then_sequence():
    late = _event("T1", 10, sequence=0)
    tie_second = _event("T1", 5, sequence=2)
    tie_first = _event("T1", 5, sequence=1)
    assert sort_history([late, tie_second, tie_first]) == [tie_first, tie_second, late]


def test_sort_history_compares_instants_across_offsets():
    plus_two = timezone(timedelta(hours=2))
    # 10:30+02:00 is 08:30 UTC, earlier than 09:00 UTC.
    earlier = Event(
        ticket_id="T1",
        at=datetime(2024, 3, 4, 10, 30, tzinfo=plus_two),
        kind=EventKind.CREATED,
        sequence=5,
    )
    later = _event("T1", 0, sequence=0)
    assert sort_history([later, earlier]) == [earlier, later]


def test_group_by_ticket_sorts_each_history():
    events = [
        _event("T2", 3),
        _event("T1", 2, sequence=1),
        _event("T1", 1, sequence=0),
        _event("T2", 1),
    ]
    histories = group_by_ticket(events)
    assert list(histories) == ["T2", "T1"]
    assert [e.at.minute for e in histories["T1"]] == [1, 2]
    assert [e.at.minute for e in histories["T2"]] == [1, 3]


def test_group_by_ticket_of_nothing_is_empty():
    assert group_by_ticket([]) == {}


def test_iter_histories_yields_contiguous_tickets():
    events = [_event("T1", 2, 1), _event("T1", 1, 0), _event("T2", 0)]
    histories = list(iter_histories(events))
    assert [ticket for ticket, _ in histories] == ["T1", "T2"]
    assert [e.sequence for e in histories[0][1]] == [0, 1]
    assert len(histories[1][1]) == 1


def test_iter_histories_rejects_interleaved_tickets():
    events = [_event("T1", 0), _event("T2", 0), _event("T1", 1, 1)]
    with pytest.raises(ValueError, match="'T1' are not contiguous"):
        list(iter_histories(events))


def test_order_key_is_time_then_sequence():
    event = _event("T1", 5, sequence=3)
    assert event.order_key == (T0 + timedelta(minutes=5), 3)
