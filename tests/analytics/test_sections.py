"""Deflection, tier flow, ping-pong pairs and wait statuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tierdesk.analytics.deflection import estimate_deflection
from tierdesk.analytics.flows import ping_pong_pairs, tier_flow
from tierdesk.analytics.tables import group_table
from tierdesk.analytics.waits import (
    events_frame,
    status_periods,
    summarise_waits,
    wait_periods,
)
from tierdesk.events import Event, EventKind


def test_deflection_counts_covered_one_touch(tickets, policy) -> None:
    result = estimate_deflection(group_table(tickets, ("inquiry_type",)), policy)
    rows = {row["inquiry_type"]: row for row in result.frame.iter_rows(named=True)}
    # password has an article and 3 of 4 one-touch (75% >= 60%).
    assert rows["password"]["deflectable_tickets"] == 3
    assert rows["billing"]["deflectable"] is False
    assert rows["billing"]["note"] == "no help-center article"
    assert result.deflectable_tickets == 3
    assert result.deflectable_share == pytest.approx(0.3)


def test_tier_flow_counts_moves(tickets) -> None:
    flow = tier_flow(tickets)
    moves = {
        (row["from_tier"], row["to_tier"]): row["tickets"]
        for row in flow.iter_rows(named=True)
    }
    # P4 and O1 went from the frontline to escalation.
    assert moves[("frontline", "escalation")] == 2
    assert moves[(None, "frontline")] == 10
    assert moves[("escalation", None)] == 2
    assert moves[("frontline", None)] == 8


def test_ping_pong_pairs(tickets) -> None:
    pairs = ping_pong_pairs(tickets)
    assert pairs.to_dicts() == [
        {"team_a": "specialists", "team_b": "vendor", "returns": 1, "tickets": 1}
    ]


def _event(ticket: str, minutes: int, status: str, source: str, actor: str) -> Event:
    return Event(
        ticket,
        datetime(2024, 3, 1, 9, tzinfo=UTC) + timedelta(minutes=minutes),
        EventKind.STATUS_CHANGED,
        actor=actor,
        team="vendor",
        status=status,
        source_status=source,
    )


def test_wait_periods_by_status_and_agent() -> None:
    events = events_frame(
        [
            _event("A", 0, "open", "In Progress", "R1"),
            _event("A", 60, "pending", "Wait - User", "R1"),
            _event("A", 90, "pending", "Wait - User", "R2"),
            _event("A", 180, "open", "In Progress", "R2"),
            _event("B", 0, "open", "In Progress", "R2"),
            _event("B", 30, "pending", "Wait - User", "R2"),
        ]
    )
    now = datetime(2024, 3, 1, 12, tzinfo=UTC)
    periods = status_periods(events, now)
    waits = wait_periods(periods, ["Wait - User"])
    assert waits["seconds"].to_list() == [7200.0, 9000.0]
    assert waits["open"].to_list() == [False, True]
    report = summarise_waits(periods, ["Wait - User"], total_tickets=2)
    status = report.by_status.row(0, named=True)
    assert status["status"] == "Wait - User"
    assert status["periods"] == 2
    assert status["ticket_share"] == pytest.approx(1.0)
    agents = {row["actor"]: row for row in report.by_actor.iter_rows(named=True)}
    assert agents["R1"]["periods"] == 1
    # R1 changed the raw status twice (In Progress, Wait - User) and R2 three
    # times; the second Wait - User of ticket A is no change.
    assert agents["R1"]["share_of_changes"] == pytest.approx(1 / 2)
    assert agents["R2"]["share_of_changes"] == pytest.approx(1 / 3)


def test_unordered_events_are_sorted_first() -> None:
    ordered = [
        _event("A", 0, "open", "In Progress", "R1"),
        _event("A", 60, "on_hold", "Wait", "R1"),
        _event("B", 0, "open", "In Progress", "R1"),
        _event("A", 120, "open", "In Progress", "R1"),
    ]
    periods = status_periods(events_frame(ordered), datetime(2024, 3, 2, tzinfo=UTC))
    assert wait_periods(periods, ["Wait"])["seconds"].to_list() == [3600.0]
