"""Clocks from event columns equal the clocks from `Event` objects, stretch by
stretch and clock by clock, on random histories that mix every event kind."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierdesk._sla_table import ClockTable
from tierdesk._sla_timeline import (
    ACTOR_AGENT,
    ACTOR_REQUESTER,
    ACTOR_SYSTEM,
    EVENT_KINDS,
    NO_STATUS,
    STATUSES,
    EventColumns,
)
from tierdesk.events import Event, EventKind, TicketStatus
from tierdesk.policy import parse_policy
from tierdesk.policy.model import SlaPolicy
from tierdesk.sla import (
    PolicyCalendars,
    clock_table,
    clock_table_from_columns,
)

from .test_sla import POLICY

START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
TEAMS = [None, "desk", "product", "night", "unknown-team"]
TIERS = [None, "frontline", "escalation"]
ACTORS = [None, "requester", "system", "R7"]
SOURCES = [None, "Wait - User", "In Progress"]


def _columns(
    histories: Sequence[tuple[str, Sequence[Event]]],
    pause_sources: set[str] | None,
) -> EventColumns:
    team_names: list[str | None] = [None]
    tier_names: list[str | None] = [None]
    rows: dict[str, list[float | int | bool]] = {
        key: []
        for key in ("ticket", "at", "kind", "team", "tier", "status", "actor", "pause")
    }
    actor_codes = {"requester": ACTOR_REQUESTER, "system": ACTOR_SYSTEM}
    for index, (_, events) in enumerate(histories):
        for event in events:
            for value, names in ((event.team, team_names), (event.tier, tier_names)):
                if value not in names:
                    names.append(value)
            rows["ticket"].append(index)
            rows["at"].append(event.at.timestamp())
            rows["kind"].append(EVENT_KINDS.index(event.kind))
            rows["team"].append(team_names.index(event.team))
            rows["tier"].append(tier_names.index(event.tier))
            rows["status"].append(
                STATUSES.index(event.status) if event.status else NO_STATUS
            )
            rows["actor"].append(actor_codes.get(event.actor or "", ACTOR_AGENT))
            rows["pause"].append(
                pause_sources is None or event.source_status in pause_sources
            )
    return EventColumns(
        ticket=np.array(rows["ticket"], dtype=np.int64),
        at=np.array(rows["at"], dtype=np.float64),
        kind=np.array(rows["kind"], dtype=np.int8),
        team=np.array(rows["team"], dtype=np.int64),
        tier=np.array(rows["tier"], dtype=np.int64),
        status=np.array(rows["status"], dtype=np.int8),
        actor=np.array(rows["actor"], dtype=np.int8),
        team_names=team_names,
        tier_names=tier_names,
        pause_source=None
        if pause_sources is None
        else np.array(rows["pause"], dtype=bool),
    )


@st.composite
def _histories(draw: st.DrawFn) -> list[tuple[str, list[Event]]]:
    tickets = draw(st.integers(1, 6))
    histories = []
    for number in range(tickets):
        ticket_id = f"T{number}"
        moment = START + timedelta(minutes=draw(st.integers(0, 600)))
        events = []
        for sequence in range(draw(st.integers(1, 12))):
            # Zero steps make ties, which the sequence number orders.
            moment += timedelta(minutes=draw(st.sampled_from([0, 0, 7, 95, 1500])))
            kind = (
                EventKind.CREATED if sequence == 0 else draw(st.sampled_from(EventKind))
            )
            status = draw(st.sampled_from([None, None, *TicketStatus]))
            events.append(
                Event(
                    ticket_id=ticket_id,
                    at=moment,
                    kind=kind,
                    actor=draw(st.sampled_from(ACTORS)),
                    team=draw(st.sampled_from(TEAMS)),
                    tier=draw(st.sampled_from(TIERS)),
                    status=status,
                    source_status=draw(st.sampled_from(SOURCES)),
                    sequence=sequence,
                )
            )
        histories.append((ticket_id, events))
    return histories


def _sla(with_pending_only: bool) -> tuple[SlaPolicy, PolicyCalendars]:
    policy = parse_policy(POLICY).policy
    sla = policy.sla_policies_by_id["standard"]
    if with_pending_only:
        sla = sla.model_copy(update={"pause_statuses": ["pending"]})
    return sla, PolicyCalendars(policy)


def _assert_tables_equal(by_events: ClockTable, by_columns: ClockTable) -> None:
    events_stretches = by_events.stretches
    columns_stretches = by_columns.stretches
    for name in ("ticket", "start", "end", "flags", "cycle"):
        assert np.array_equal(
            getattr(events_stretches, name), getattr(columns_stretches, name)
        ), name
    team_names = [events_stretches.team_names[c] for c in events_stretches.team]
    assert team_names == [
        columns_stretches.team_names[c] for c in columns_stretches.team
    ]
    tiers = [by_events.tier_name(c) for c in by_events.tiers_of_stretches]
    assert tiers == [by_columns.tier_name(c) for c in by_columns.tiers_of_stretches]
    for name, values in vars(by_events.mark_arrays).items():
        assert np.array_equal(
            values, getattr(by_columns.mark_arrays, name), equal_nan=True
        ), f"marks.{name}"
    assert np.allclose(by_events.timing.business, by_columns.timing.business)
    for clock in ("first_response", "resolution", "next_response", "tiers"):
        left = getattr(by_events, clock)
        right = getattr(by_columns, clock)
        for name in ("ticket", "status", "used", "due", "elapsed_calendar", "paused"):
            assert np.allclose(
                getattr(left, name), getattr(right, name), equal_nan=True
            ), f"{clock}.{name}"


@settings(max_examples=150, deadline=None)
@given(
    histories=_histories(),
    pause_sources=st.sampled_from([None, {"Wait - User"}]),
    pending_only=st.booleans(),
)
def test_columns_match_events(
    histories: list[tuple[str, list[Event]]],
    pause_sources: set[str] | None,
    pending_only: bool,
) -> None:
    sla, calendars = _sla(pending_only)
    # The second target has a next-response target, so cycles get clocks too.
    target = sla.targets[1]
    now = max(events[-1].at for _, events in histories) + timedelta(hours=3)
    by_events = clock_table(
        histories, sla, calendars, now, target, pause_source_statuses=pause_sources
    )
    columns = _columns(histories, pause_sources)
    by_columns = clock_table_from_columns(
        columns,
        [ticket for ticket, _ in histories],
        [target] * len(histories),
        sla,
        calendars,
        now,
    )
    _assert_tables_equal(by_events, by_columns)


def test_columns_out_of_time_order_rejected() -> None:
    sla, calendars = _sla(False)
    later = Event("T0", START + timedelta(hours=1), EventKind.CREATED)
    earlier = Event("T0", START, EventKind.SOLVED, status="solved")
    columns = _columns([("T0", [later, earlier])], None)
    with pytest.raises(ValueError, match="not in time order"):
        clock_table_from_columns(
            columns, ["T0"], [None], sla, calendars, START + timedelta(hours=2)
        )


def test_columns_event_after_now_rejected() -> None:
    sla, calendars = _sla(False)
    columns = _columns([("T0", [Event("T0", START, EventKind.CREATED)])], None)
    with pytest.raises(ValueError, match="earlier than a ticket's last event"):
        clock_table_from_columns(
            columns, ["T0"], [None], sla, calendars, START - timedelta(hours=1)
        )


def test_columns_without_events_give_empty_table() -> None:
    sla, calendars = _sla(False)
    table = clock_table_from_columns(_columns([], None), [], [], sla, calendars, START)
    assert len(table) == 0
    assert len(table.first_response) == 0


def test_columns_without_tier_clocks_leave_them_empty() -> None:
    sla, calendars = _sla(False)
    events = [
        Event("T0", START, EventKind.CREATED, team="desk", status="new"),
        Event("T0", START + timedelta(hours=2), EventKind.SOLVED, status="solved"),
    ]
    columns = _columns([("T0", events)], None)
    now = START + timedelta(hours=3)
    full = clock_table_from_columns(
        columns, ["T0"], [sla.targets[1]], sla, calendars, now
    )
    lean = clock_table_from_columns(
        columns, ["T0"], [sla.targets[1]], sla, calendars, now, tier_clocks=False
    )
    assert len(full.tiers) == 1
    assert len(lean.tiers) == 0
    assert lean.resolution.status.tolist() == full.resolution.status.tolist()
