"""SLA clocks: one regression test per way help desks get them wrong, plus the
rules for pauses, reopens, next responses, tiers and the incremental tracker.

Times are worked out by hand in the comments. The office calendars are open
Monday to Friday 09:00-17:00; in March 2025 Dublin is on UTC+00:00.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tierdesk.events import Event, EventKind
from tierdesk.policy import parse_policy
from tierdesk.policy.model import Policy
from tierdesk.sla import (
    AlwaysOpenCalendars,
    ClockStatus,
    PolicyCalendars,
    SlaTracker,
    TargetSelector,
    clock_table,
    compute_clocks,
    ticket_clocks,
)

POLICY = """\
id: clocks
name: Clock tests
version: 1
priorities: [normal, urgent]
calendars:
  - id: office
    name: Dublin office
    timezone: Europe/Dublin
    hours: {mon: "09:00-17:00", tue: "09:00-17:00", wed: "09:00-17:00",
            thu: "09:00-17:00", fri: "09:00-17:00"}
  - id: office-ie
    name: Dublin office with Irish public holidays
    timezone: Europe/Dublin
    hours: {mon: "09:00-17:00", tue: "09:00-17:00", wed: "09:00-17:00",
            thu: "09:00-17:00", fri: "09:00-17:00"}
    holiday_feeds: [{country: IE}]
  - id: new-york
    name: New York office
    timezone: America/New_York
    hours: {mon: "09:00-17:00", tue: "09:00-17:00", wed: "09:00-17:00",
            thu: "09:00-17:00", fri: "09:00-17:00"}
segments: [{id: all, name: All}]
segment_rules: [{id: all, segment: all}]
inquiry_types: [{id: question, name: Question, complexity: simple}]
tiers:
  - {id: frontline, name: Frontline, rank: 1}
  - {id: escalation, name: Escalation, rank: 2}
teams:
  - {id: desk, name: Desk, tier: frontline, kind: vendor, timezone: Europe/Dublin,
     calendar: office, cost_per_ticket: 1}
  - {id: desk-ie, name: Irish desk, tier: frontline, kind: vendor,
     timezone: Europe/Dublin, calendar: office-ie, cost_per_ticket: 1}
  - {id: product, name: Product, tier: escalation, kind: in_house,
     timezone: Europe/Dublin, calendar: office, cost_per_ticket: 1}
  - {id: ny, name: New York desk, tier: frontline, kind: in_house,
     timezone: America/New_York, calendar: new-york, cost_per_ticket: 1}
  - {id: night, name: Night desk, tier: frontline, kind: vendor, timezone: UTC,
     cost_per_ticket: 1}
sla_policies:
  - id: standard
    name: Standard
    targets:
      - {priority: urgent, first_response: 1h, resolution: 4h}
      - {first_response: 8h, next_response: 1h, resolution: 16h}
    tier_targets:
      - {tier: frontline, held: 4h}
      - {tier: escalation, held: 8h}
  - id: wall-clock
    name: Calendar time
    targets: [{first_response: 2h, resolution: 8h, time: calendar}]
  - id: office-hours
    name: In the office calendar whatever the team
    calendar: office
    targets: [{first_response: 2h, resolution: 8h}]
  - id: follow
    name: Follows priority changes
    reevaluate: true
    targets:
      - {priority: urgent, first_response: 1h, resolution: 4h}
      - {first_response: 8h, resolution: 16h}
routing:
  rules: [{id: default, then: {team: desk, sla_policy: standard}}]
"""

DUBLIN = ZoneInfo("Europe/Dublin")


@pytest.fixture(scope="module")
def policy() -> Policy:
    return parse_policy(POLICY, "clocks.yaml").policy


@pytest.fixture(scope="module")
def calendars(policy: Policy) -> PolicyCalendars:
    return PolicyCalendars(policy)


def at(day: int, hour: float, month: int = 3) -> datetime:
    """Return the time on a day of March 2025 (UTC, which is Dublin time then)."""
    return datetime(2025, month, day, tzinfo=UTC) + timedelta(hours=hour)


def history(*steps: tuple[datetime, EventKind, dict[str, Any]]) -> list[Event]:
    """Build events; each step's fields change the ticket's state from then on."""
    state: dict[str, Any] = {"status": "new"}
    events = []
    for number, (moment, kind, changes) in enumerate(steps):
        state.update(changes)
        events.append(Event("T1", moment, kind, sequence=number, **state))
    return events


def clocks(policy: Policy, calendars: PolicyCalendars, events, now, sla="standard"):
    sla_policy = policy.sla_policies_by_id[sla]
    selector = TargetSelector(policy, sla_policy)
    return compute_clocks(events, sla_policy, calendars, now, selector)


def created(moment: datetime, team: str = "desk", **extra: Any):
    return (moment, EventKind.CREATED, {"team": team, **extra})


def reply(moment: datetime, actor: str = "A1", **extra: Any):
    return (moment, EventKind.PUBLIC_REPLY, {"actor": actor, "status": "open", **extra})


def status(moment: datetime, value: str, **extra: Any):
    kind = EventKind.SOLVED if value == "solved" else EventKind.STATUS_CHANGED
    return (moment, kind, {"status": value, **extra})


# One regression test per failure kind


def test_closed_day_ticket_due_after_opening(policy, calendars):
    # Saturday 1 March 10:00; 8 business hours from Monday 09:00 end at 17:00.
    events = history(created(at(1, 10)))
    result = clocks(policy, calendars, events, at(1, 12))
    clock = result.first_response
    assert clock.due_at == datetime(2025, 3, 3, 17, tzinfo=DUBLIN)
    assert clock.elapsed_business == timedelta(0)
    assert clock.status == ClockStatus.RUNNING


def test_created_outside_hours_answered_before_opening(policy, calendars):
    # Monday 20:00, answered Tuesday 07:00: eleven hours, none of them open.
    events = history(created(at(3, 20)), reply(at(4, 7)))
    clock = clocks(policy, calendars, events, at(4, 8)).first_response
    assert clock.status == ClockStatus.MET
    assert clock.elapsed_business == timedelta(0)
    assert clock.elapsed_calendar == timedelta(hours=11)
    assert clock.stopped_at == datetime(2025, 3, 4, 7, tzinfo=DUBLIN)


def test_pause_ending_directly_in_solved_keeps_hold_time(policy, calendars):
    # Open 09:00-10:00, pending 10:00-15:00, then solved without reopening.
    events = history(
        created(at(3, 9)),
        reply(at(3, 9.5)),
        status(at(3, 10), "pending"),
        status(at(3, 15), "solved"),
    )
    clock = clocks(policy, calendars, events, at(3, 16)).resolution
    assert clock.status == ClockStatus.MET
    assert clock.elapsed_business == timedelta(hours=1)
    assert clock.paused == timedelta(hours=5)
    assert clock.stopped_at == datetime(2025, 3, 3, 15, tzinfo=DUBLIN)


def test_clock_stops_while_paused(policy, calendars):
    # Pending from 11:00; at 16:00 the clock still shows the two hours before.
    events = history(created(at(3, 9)), reply(at(3, 10)), status(at(3, 11), "pending"))
    clock = clocks(policy, calendars, events, at(3, 16)).resolution
    assert clock.status == ClockStatus.PAUSED
    assert clock.elapsed_business == timedelta(hours=2)
    assert clock.paused == timedelta(hours=5)
    assert clock.due_at is None
    assert clock.remaining == timedelta(hours=14)


def test_due_time_moves_by_the_pause(policy, calendars):
    # Paused 11:00-16:00 Monday: 16h target, 2h used before, 1h after by 17:00,
    # so 13h remain from Tuesday 09:00: Tuesday 8h, Wednesday 5h, 14:00.
    events = history(
        created(at(3, 9)),
        reply(at(3, 10)),
        status(at(3, 11), "pending"),
        status(at(3, 16), "open"),
    )
    clock = clocks(policy, calendars, events, at(3, 16)).resolution
    assert clock.due_at == datetime(2025, 3, 5, 14, tzinfo=DUBLIN)
    assert clock.status == ClockStatus.RUNNING


def test_due_time_in_team_timezone_not_viewer(policy, calendars):
    # New York opens at 09:00 EST = 14:00 UTC. Created Monday 12:00 UTC, first
    # response target 8h: 14:00-22:00 UTC, which is 17:00 in New York.
    events = history(created(at(3, 12), team="ny"))
    viewer_now = datetime(2025, 3, 3, 13, tzinfo=ZoneInfo("Asia/Tokyo"))
    clock = clocks(policy, calendars, events, viewer_now + timedelta(hours=10))
    due = clock.first_response.due_at
    assert due is not None
    assert due.tzinfo == ZoneInfo("America/New_York")
    assert (due.hour, due.minute) == (17, 0)
    assert due == datetime(2025, 3, 3, 22, tzinfo=UTC)


def test_calendar_missing_weekdays_is_not_overdue_at_once(policy, calendars):
    # Only Monday to Friday are written; Saturday and Sunday are closed, and a
    # ticket raised on Saturday uses none of its target over the weekend.
    events = history(created(at(1, 9)))
    result = clocks(policy, calendars, events, at(2, 23))
    for clock in (result.first_response, result.resolution):
        assert clock.status == ClockStatus.RUNNING
        assert clock.elapsed_business == timedelta(0)
        assert clock.remaining == clock.target
    assert result.first_response.due_at == datetime(2025, 3, 3, 17, tzinfo=DUBLIN)


def test_next_response_shorter_than_first_response(policy, calendars):
    # First response 8h (used 6h: met); the requester writes at 15:30 and the
    # agent answers at 16:45, 1h15m later, over the 1h next-response target.
    events = history(
        created(at(3, 9)),
        (at(3, 12), EventKind.PUBLIC_REPLY, {"actor": "requester"}),
        reply(at(3, 15)),
        (at(3, 15.5), EventKind.PUBLIC_REPLY, {"actor": "requester"}),
        reply(at(3, 16.75)),
    )
    result = clocks(policy, calendars, events, at(3, 17))
    assert result.first_response.status == ClockStatus.MET
    assert result.first_response.elapsed_business == timedelta(hours=6)
    # The requester's message before the first response starts no cycle.
    assert len(result.next_responses) == 1
    cycle = result.next_response
    assert cycle is not None
    assert cycle.target == timedelta(hours=1)
    assert cycle.status == ClockStatus.BREACHED
    assert cycle.elapsed_business == timedelta(minutes=75)
    assert cycle.due_at == datetime(2025, 3, 3, 16, 30, tzinfo=DUBLIN)


def test_holidays_from_country_feed_close_the_desk(policy, calendars):
    # Monday 17 March 2025 is St Patrick's Day in the IE feed. Created Friday
    # 14 March 13:00: 4h on Friday, then Tuesday 09:00-13:00 for the other 4h.
    events = history(created(at(14, 13), team="desk-ie"))
    clock = clocks(policy, calendars, events, at(14, 14)).first_response
    assert clock.due_at == datetime(2025, 3, 18, 13, tzinfo=DUBLIN)
    office = clocks(policy, calendars, history(created(at(14, 13))), at(14, 14))
    assert office.first_response.due_at == datetime(2025, 3, 17, 13, tzinfo=DUBLIN)


def test_escalation_blames_the_tier_that_used_the_time(policy, calendars):
    # Frontline holds Monday 09:00 to Tuesday 11:00 (10h open), within the 16h
    # resolution target; product holds Tuesday 11:00 to Wednesday 12:00 (9h).
    # The other 6h run out at Tuesday 17:00, while product holds the ticket.
    events = history(
        created(at(3, 9)),
        reply(at(3, 10)),
        (at(4, 11), EventKind.ESCALATED, {"team": "product"}),
        status(at(5, 12), "solved"),
    )
    result = clocks(policy, calendars, events, at(5, 13))
    resolution = result.resolution
    assert resolution.status == ClockStatus.BREACHED
    assert resolution.elapsed_business == timedelta(hours=19)
    assert resolution.due_at == datetime(2025, 3, 4, 17, tzinfo=DUBLIN)
    assert resolution.team == "product"
    assert resolution.tier == "escalation"
    frontline = result.tier("frontline")
    escalation = result.tier("escalation")
    assert frontline is not None
    assert escalation is not None
    assert frontline.elapsed_business == timedelta(hours=10)
    assert frontline.status == ClockStatus.BREACHED  # 4h tier target
    assert escalation.elapsed_business == timedelta(hours=9)
    assert escalation.status == ClockStatus.BREACHED  # 8h tier target


def test_first_tier_breach_not_blamed_on_last(policy, calendars):
    # Frontline holds Monday 09:00 to Wednesday 10:00: 17h open, past the 16h
    # target (reached Tuesday 17:00); product then solves it in an hour.
    events = history(
        created(at(3, 9)),
        reply(at(3, 10)),
        (at(5, 10), EventKind.ESCALATED, {"team": "product"}),
        status(at(5, 11), "solved"),
    )
    result = clocks(policy, calendars, events, at(5, 12))
    assert result.resolution.status == ClockStatus.BREACHED
    assert result.resolution.due_at == datetime(2025, 3, 4, 17, tzinfo=DUBLIN)
    assert result.resolution.tier == "frontline"
    assert result.resolution.team == "desk"
    escalation = result.tier("escalation")
    assert escalation is not None
    assert escalation.elapsed_business == timedelta(hours=1)
    assert escalation.status == ClockStatus.MET


# Rules


def test_calendar_time_target_ignores_hours_but_not_pauses(policy, calendars):
    # Saturday 10:00 to 14:00 with an hour pending: 3h counted, 2h target.
    events = history(
        created(at(1, 10)),
        status(at(1, 11), "pending"),
        status(at(1, 12), "open"),
        reply(at(1, 14)),
    )
    clock = clocks(policy, calendars, events, at(1, 15), "wall-clock").first_response
    assert clock.time == "calendar"
    assert clock.elapsed_calendar == timedelta(hours=3)
    assert clock.elapsed_business == timedelta(0)
    assert clock.status == ClockStatus.BREACHED
    # 10:00-11:00 counted, paused 11:00-12:00, the second hour ends at 13:00.
    assert clock.due_at == datetime(2025, 3, 1, 13, tzinfo=DUBLIN)


def test_sla_calendar_replaces_team_calendar(policy, calendars):
    # The night desk is open 24x7, but the SLA policy counts office hours.
    events = history(created(at(1, 10), team="night"))
    clock = clocks(policy, calendars, events, at(1, 12), "office-hours").first_response
    assert clock.elapsed_business == timedelta(0)
    # Due in the office calendar, shown in the night desk's timezone (UTC).
    assert clock.due_at == datetime(2025, 3, 3, 11, tzinfo=UTC)
    assert clock.due_at is not None
    assert clock.due_at.tzinfo == ZoneInfo("UTC")


def test_reopen_resumes_resolution_but_not_while_solved(policy, calendars):
    # Open 09:00-11:00, solved 11:00-14:00, reopened 14:00-15:00.
    events = history(
        created(at(3, 9)),
        reply(at(3, 10)),
        status(at(3, 11), "solved"),
        (at(3, 14), EventKind.REOPENED, {"status": "open"}),
        status(at(3, 15), "solved"),
    )
    result = clocks(policy, calendars, events, at(3, 16))
    assert result.resolution.elapsed_business == timedelta(hours=3)
    assert result.resolution.stopped_at == datetime(2025, 3, 3, 15, tzinfo=DUBLIN)
    # The reopen starts a next-response cycle that the solve stops.
    assert len(result.next_responses) == 1
    assert result.next_response is not None
    assert result.next_response.elapsed_business == timedelta(hours=1)


def test_warning_time_is_share_of_target(policy, calendars):
    # 75% of 8h is 6h: Monday 15:00.
    events = history(created(at(3, 9)))
    clock = clocks(policy, calendars, events, at(3, 10)).first_response
    assert clock.warning_at == datetime(2025, 3, 3, 15, tzinfo=DUBLIN)


def test_solve_without_reply_stops_first_response(policy, calendars):
    events = history(created(at(3, 9)), status(at(3, 12), "solved"))
    clock = clocks(policy, calendars, events, at(3, 13)).first_response
    assert clock.status == ClockStatus.MET
    assert clock.elapsed_business == timedelta(hours=3)


def test_target_at_creation_stays_without_reevaluate(policy, calendars):
    events = history(
        created(at(3, 9), attributes={"priority": "normal"}),
        status(at(3, 10), "open", attributes={"priority": "urgent"}),
    )
    kept = clocks(policy, calendars, events, at(3, 11))
    assert kept.resolution.target == timedelta(hours=16)
    followed = clocks(policy, calendars, events, at(3, 11), "follow")
    assert followed.resolution.target == timedelta(hours=4)


def test_time_before_first_team_counts_in_its_calendar(policy, calendars):
    # Created with no team on Saturday; the desk takes it Monday 10:00.
    events = history(
        (at(1, 10), EventKind.CREATED, {}),
        (at(3, 10), EventKind.TEAM_ASSIGNED, {"team": "desk"}),
    )
    clock = clocks(policy, calendars, events, at(3, 11)).first_response
    assert clock.elapsed_business == timedelta(hours=2)


def test_no_target_gives_no_status(policy, calendars):
    sla = policy.sla_policies_by_id["standard"]
    result = compute_clocks(history(created(at(3, 9))), sla, calendars, at(3, 10), None)
    assert result.first_response.status is None
    assert result.first_response.due_at is None
    assert result.first_response.elapsed_business == timedelta(hours=1)


def test_pause_limited_to_listed_raw_statuses(policy, calendars):
    sla = policy.sla_policies_by_id["standard"]
    events = history(
        created(at(3, 9)),
        status(at(3, 10), "on_hold", source_status="Waiting for dev"),
        status(at(3, 12), "on_hold", source_status="Waiting for customer"),
    )
    result = compute_clocks(
        events,
        sla,
        calendars,
        at(3, 13),
        sla.targets[1],
        pause_source_statuses=["Waiting for customer"],
    )
    assert result.resolution.elapsed_business == timedelta(hours=3)
    assert result.resolution.paused == timedelta(hours=1)


# The tracker and the batch


def test_tracker_between_events_matches_full_history(policy, calendars):
    sla = policy.sla_policies_by_id["standard"]
    events = history(
        created(at(3, 9)),
        reply(at(3, 10)),
        status(at(3, 11), "pending"),
        status(at(3, 13), "open"),
        status(at(4, 10), "solved"),
    )
    tracker = SlaTracker(sla, calendars, sla.targets[1])
    for event in events[:3]:
        tracker.apply(event)
    early = tracker.clocks(at(3, 12))
    assert early.resolution.status == ClockStatus.PAUSED
    for event in events[3:]:
        tracker.apply(event)
    assert tracker.clocks(at(4, 12)) == compute_clocks(
        events, sla, calendars, at(4, 12), sla.targets[1]
    )


def test_tracker_rejects_events_out_of_order(policy, calendars):
    sla = policy.sla_policies_by_id["standard"]
    tracker = SlaTracker(sla, calendars, None)
    tracker.apply(history(created(at(3, 10)))[0])
    with pytest.raises(ValueError, match="earlier than the last one"):
        tracker.apply(Event("T1", at(3, 9), EventKind.STATUS_CHANGED, status="open"))
    with pytest.raises(ValueError, match="before the last event"):
        tracker.clocks(at(3, 9))


def test_naive_now_is_rejected(policy, calendars):
    sla = policy.sla_policies_by_id["standard"]
    with pytest.raises(ValueError, match="timezone-aware"):
        clock_table(
            [("T1", history(created(at(3, 9))))],
            sla,
            calendars,
            datetime(2025, 3, 3, 12),  # noqa: DTZ001
            None,
        )


def test_events_after_now_are_ignored(policy, calendars):
    events = history(created(at(3, 9)), reply(at(3, 12)))
    clock = clocks(policy, calendars, events, at(3, 11)).first_response
    assert clock.status == ClockStatus.RUNNING
    assert clock.elapsed_business == timedelta(hours=2)


def _random_history(rng: random.Random, ticket: str) -> list[Event]:
    moment = at(1, 0) + timedelta(minutes=rng.randrange(0, 7 * 24 * 60))
    teams = ["desk", "desk-ie", "product", "ny", "night", "outside"]
    state: dict[str, Any] = {"status": "new", "team": rng.choice(teams)}
    events = [Event(ticket, moment, EventKind.CREATED, **state)]
    for number in range(1, rng.randrange(2, 12)):
        moment += timedelta(minutes=rng.choice([0, 5, 45, 300, 1500]))
        kind = rng.choice(list(EventKind))
        changes: dict[str, Any] = {"actor": rng.choice(["A1", "requester", None])}
        if kind == EventKind.SOLVED:
            state["status"] = "solved"
        elif kind in (EventKind.STATUS_CHANGED, EventKind.REOPENED):
            state["status"] = rng.choice(["open", "pending", "on_hold", "closed"])
        elif kind in (EventKind.TEAM_ASSIGNED, EventKind.ESCALATED):
            state["team"] = rng.choice(teams)
        events.append(Event(ticket, moment, kind, sequence=number, **state, **changes))
    return events


def test_batch_matches_one_ticket_at_a_time(policy, calendars):
    rng = random.Random(7)
    histories = [(f"T{n}", _random_history(rng, f"T{n}")) for n in range(60)]
    now = at(12, 0)
    for sla in policy.sla_policies:
        selector = TargetSelector(policy, sla)
        table = clock_table(histories, sla, calendars, now, selector)
        assert table.ticket_ids == [ticket for ticket, _ in histories]
        for index, (_, events) in enumerate(histories):
            single = compute_clocks(events, sla, calendars, now, selector)
            assert ticket_clocks(table, index, now) == single


def test_always_open_calendars_count_wall_time(policy):
    sla = policy.sla_policies_by_id["standard"]
    events = history(created(at(1, 10)), reply(at(1, 13)))
    result = compute_clocks(
        events, sla, AlwaysOpenCalendars(), at(1, 14), sla.targets[1]
    )
    assert result.first_response.elapsed_business == timedelta(hours=3)
