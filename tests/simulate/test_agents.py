"""The simulator's agent pool picks the agent `rank_agents` ranks first among all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from tierdesk.assign import AgentLoad, WaitingTicket, rank_agents
from tierdesk.calendar import BusinessCalendar
from tierdesk.simulate._agents import AgentPool
from tierdesk.simulate.shifts import ShiftSchedule
from tierdesk.simulate.staffing import AgentGroup

NOW = datetime(2024, 3, 4, 10, tzinfo=UTC)
TIMEOUT = timedelta(minutes=30)
GROUPS = st.lists(
    st.fixed_dictionaries(
        {
            "agents": st.integers(1, 4),
            "level": st.integers(1, 3),
            "capacity": st.integers(1, 3),
            "skills": st.sampled_from([[], ["bug"], ["bug", "question"]]),
        }
    ),
    min_size=1,
    max_size=3,
)


def _pool(mode: str, groups: list[dict]) -> AgentPool:  # type: ignore[type-arg]
    pool = AgentPool(mode, TIMEOUT)  # type: ignore[arg-type]
    window = BusinessCalendar.always_open().window(0, 86_400)
    for spec in groups:
        group = AgentGroup(**spec)
        added = pool.add_group(group, ShiftSchedule(group, window, ZoneInfo("UTC")))
        pool.set_on_shift(added, spec["agents"])
    return pool


def _all_agents(pool: AgentPool) -> list[AgentLoad]:
    agents = []
    for group in pool.groups:
        for position in range(len(group.open)):
            agents.append(
                AgentLoad(
                    agent_id=group.base + position,
                    level=group.level,
                    capacity=group.capacity,
                    open_tickets=group.open[position],
                    presence="online" if position < group.online else "offline",
                    skills=group.skills,
                    languages=group.languages,
                    turn=group.turn[position],
                )
            )
    return agents


@settings(max_examples=200, deadline=None)
@given(
    mode=st.sampled_from(["round_robin", "least_loaded", "skills_first"]),
    groups=GROUPS,
    steps=st.lists(st.tuples(st.booleans(), st.integers(0, 20)), max_size=30),
    min_level=st.sampled_from([None, 1, 2, 3]),
    waited=st.sampled_from([timedelta(0), timedelta(hours=1)]),
    shift_cut=st.integers(0, 4),
)
def test_pool_choice_equals_ranking_all(
    mode,
    groups,
    steps,
    min_level,
    waited,
    shift_cut,  # type: ignore[no-untyped-def]
) -> None:
    pool = _pool(mode, groups)
    ticket = WaitingTicket("bug", None, NOW - waited, min_level)
    held: list[tuple[object, int]] = []
    for take, pick in steps:
        if take:
            chosen = pool.choose(ticket, NOW)
            if chosen is not None:
                pool.take(*chosen)
                held.append(chosen)
        elif held:
            pool.release(*held.pop(pick % len(held)))
    pool.set_on_shift(pool.groups[0], max(0, pool.groups[0].online - shift_cut))
    expected = rank_agents(
        mode, ticket, _all_agents(pool), skills_timeout=TIMEOUT, now=NOW
    )
    chosen = pool.choose(ticket, NOW)
    if not expected:
        assert chosen is None
    else:
        assert chosen is not None
        group, position = chosen
        assert group.base + position == expected[0].agent_id


def test_free_places_follow_takes_and_shifts() -> None:
    pool = _pool(
        "least_loaded", [{"agents": 2, "level": 1, "capacity": 2, "skills": []}]
    )
    assert pool.free == 4
    ticket = WaitingTicket("bug", None, NOW)
    chosen = pool.choose(ticket, NOW)
    assert chosen is not None
    pool.take(*chosen)
    assert pool.free == 3
    pool.set_on_shift(pool.groups[0], 1)
    assert pool.free in (1, 2)
    pool.set_on_shift(pool.groups[0], 0)
    assert pool.free == 0
    pool.release(*chosen)
    assert pool.free == 0
    pool.set_on_shift(pool.groups[0], 2)
    assert pool.free == 4
