"""The discrete-event replay: tickets arrive, wait in team queues, are held by
agents and move on, under one policy and staffing plan.

One run takes its randomness from one generator, so a seed gives the same run.
Time is UTC epoch seconds. A run records the events of every ticket as columns
for the SLA clocks (`tierdesk.sla.clock_table_from_columns`), plus the waits and
holds that backlog and utilisation come from.
"""

from __future__ import annotations

import math
from array import array
from datetime import UTC, datetime
from heapq import heappop, heappush
from zoneinfo import ZoneInfo

import numpy as np

from tierdesk._sla_timeline import (
    ACTOR_AGENT,
    ACTOR_REQUESTER,
    ACTOR_SYSTEM,
    EVENT_KINDS,
    NO_STATUS,
    STATUSES,
    EventColumns,
)
from tierdesk.assign import WaitingTicket, receiving_team
from tierdesk.calendar import CalendarWindow
from tierdesk.events import EventKind, TicketStatus
from tierdesk.policy.model import Policy
from tierdesk.simulate._agents import _GROUP_STRIDE, AgentPool, Group
from tierdesk.simulate.arrivals import Arrivals
from tierdesk.simulate.behaviour import ENTRY, LATER
from tierdesk.simulate.moves import destination_team, translate_team
from tierdesk.simulate.setup import PolicySetup, RawRun, RunOptions
from tierdesk.simulate.shifts import CHUNK, ShiftSchedule, team_calendar
from tierdesk.simulate.stints import MOVED, SOLVED, WORK

# The live service tries this many queued tickets, in queue order, per pass.
CANDIDATES = 20

_READY, _RELEASE, _REOPEN, _SHIFT = range(4)
_CREATED = EVENT_KINDS.index(EventKind.CREATED)
_TEAM = EVENT_KINDS.index(EventKind.TEAM_ASSIGNED)
_REPLY = EVENT_KINDS.index(EventKind.PUBLIC_REPLY)
_STATUS = EVENT_KINDS.index(EventKind.STATUS_CHANGED)
_SOLVED = EVENT_KINDS.index(EventKind.SOLVED)
_CLOSED = EVENT_KINDS.index(EventKind.CLOSED)
_REOPENED = EVENT_KINDS.index(EventKind.REOPENED)
_NEW = STATUSES.index(TicketStatus.NEW)
_OPEN = STATUSES.index(TicketStatus.OPEN)
_PAUSE_STATUS = {
    1: STATUSES.index(TicketStatus.PENDING),
    2: STATUSES.index(TicketStatus.ON_HOLD),
}
_SOLVED_STATUS = STATUSES.index(TicketStatus.SOLVED)
_CLOSED_STATUS = STATUSES.index(TicketStatus.CLOSED)
# rank_agents reads these times only in skills_first mode.
_UNUSED_TIME = datetime(2000, 1, 1, tzinfo=UTC)


class _Team:
    __slots__ = (
        "agents",
        "code",
        "fallback",
        "id",
        "index",
        "queue",
        "window",
    )

    def __init__(
        self, index: int, team_id: str, window: CalendarWindow, agents: AgentPool
    ):
        self.index = index
        self.code = index + 1
        self.id = team_id
        self.window = window
        self.agents = agents
        self.fallback = -1
        self.queue: list[tuple[int, float, int, int]] = []


def run_once(
    setup: PolicySetup,
    arrivals: Arrivals,
    generator: np.random.Generator,
    options: RunOptions,
) -> RawRun:
    """Simulate one replication of `arrivals` under the setup's policy."""
    return _Run(setup, arrivals, generator, options).run()


class _Run:
    """One replication: the state of every team, agent and ticket, and the loop."""

    def __init__(
        self,
        setup: PolicySetup,
        arrivals: Arrivals,
        generator: np.random.Generator,
        options: RunOptions,
    ) -> None:
        self.setup = setup
        self.options = options
        self.generator = generator
        self.arrivals = arrivals
        policy = setup.policy
        self.team_ids = [team.id for team in policy.teams]
        self.team_index = {team: index for index, team in enumerate(self.team_ids)}

        first = float(arrivals.at[0]) if len(arrivals) else 0.0
        last = float(arrivals.at[-1]) if len(arrivals) else 0.0
        self.start = first
        self.limit = last + options.max_drain
        self._steps: dict[tuple[int, int], tuple[list[tuple[float, int]], int]] = {}
        self.teams = self._build_teams(policy, first, last)

        self._load_stints()
        self._load_tickets()
        self._open_columns()
        self._destinations: dict[tuple[int, int], int] = {}
        self._pools: dict[tuple[int, int, bool], tuple[list[int], int]] = {}
        self.fallback_draws: dict[int, int] = {}
        self._uniform: list[float] = []
        self._uniform_at = 0
        self._sequence = 0
        self._heap: list[tuple[float, int, int, int, int]] = []
        self._waiting_cache: dict[
            tuple[str, str | None, int | None], WaitingTicket
        ] = {}

    def _load_stints(self) -> None:
        """Copy the learned stints to lists, which index faster than arrays."""
        stints = self.setup.behaviour.stints
        self.latency = stints.latency.tolist()
        self.reply_offset = stints.reply_offset.tolist()
        self.entry_stint = stints.entry.tolist()
        self.segment_first = stints.segment_first.tolist()
        self.segment_count = stints.segment_count.tolist()
        self.segment_kind = stints.segment_kind.tolist()
        self.segment_seconds = stints.segment_seconds.tolist()
        self.outcome = stints.outcome.tolist()
        self.reopen_delay = stints.reopen_delay.tolist()

    def _load_tickets(self) -> None:
        """Set each arriving ticket's routing, and the state the loop changes."""
        routed = self.setup.routed
        source = self.arrivals.source.tolist()
        keys = self.setup.ticket_keys
        self.key = [int(keys[s]) for s in source]
        self.first_team = [self.team_index[routed.team[s]] for s in source]
        self.priority = [routed.priority_rank[s] for s in source]
        self.min_level = [routed.min_level[s] for s in source]
        self.inquiry_type = [routed.inquiry_type[s] for s in source]
        self.language = [routed.language[s] for s in source]

        count = len(source)
        self.current = [0] * count
        self.profile = [0] * count
        self.queued_at = [0.0] * count
        self.replied = [False] * count
        self.stints = [0] * count
        self.mask = [0] * count
        self.one_touch = [False] * count
        self.done = [False] * count
        self.active = 0
        self.forced = 0

    def _open_columns(self) -> None:
        """Start the event, wait and hold columns, in the order they are recorded.

        Typed arrays hold raw numbers, a fifth of the memory of lists of Python
        objects, and their append methods are bound once because recording is
        the most frequent step of a run.
        """
        self.e_ticket = array("q")
        self.e_at = array("d")
        self.e_kind = array("b")
        self.e_team = array("q")
        self.e_status = array("b")
        self.e_actor = array("b")
        self._append_ticket = self.e_ticket.append
        self._append_at = self.e_at.append
        self._append_kind = self.e_kind.append
        self._append_team = self.e_team.append
        self._append_status = self.e_status.append
        self._append_actor = self.e_actor.append
        # Waits and holds: three numbers each, (team, start, end).
        self._waits = array("d")
        self._extend_waits = self._waits.extend
        self._holds = array("d")
        self._extend_holds = self._holds.extend

    def _build_teams(self, policy: Policy, first: float, last: float) -> list[_Team]:
        teams = []
        for index, team in enumerate(policy.teams):
            spec = policy.calendars_by_id[team.calendar] if team.calendar else None
            calendar = team_calendar(team.timezone, spec)
            window = calendar.window(first - 86_400, last + 86_400)
            pool = AgentPool(team.assignment.mode, team.assignment.skills_timeout)
            staffing = self.setup.staffing.teams.get(team.id)
            zone = ZoneInfo(team.timezone)
            for group in staffing.agent_groups() if staffing is not None else []:
                pool.add_group(group, ShiftSchedule(group, window, zone))
            teams.append(_Team(index, team.id, window, pool))
        for team, spec in zip(teams, policy.teams, strict=True):
            fallback = spec.assignment.fallback_team
            if fallback is not None:
                team.fallback = self.team_index[fallback]
        return teams

    # The event loop ---------------------------------------------------------

    def run(self) -> RawRun:
        for team in self.teams:
            for number, group in enumerate(team.agents.groups):
                self._start_shifts(team, number, group)
        at = self.arrivals.at.tolist()
        count = len(at)
        heap = self._heap
        next_arrival = 0
        now = self.start
        while next_arrival < count or self.active:
            arrival_time = at[next_arrival] if next_arrival < count else math.inf
            if heap and heap[0][0] < arrival_time:
                now, _, kind, first, second = heappop(heap)
                if now > self.limit:
                    break
                if kind == _RELEASE:
                    self._release(first, second, now)
                elif kind == _READY:
                    self._ready(first, now)
                elif kind == _REOPEN:
                    self._reopen(first, second, now)
                else:
                    self._shift(first, second, now)
            elif next_arrival < count:
                now = arrival_time
                self._arrive(next_arrival, now)
                next_arrival += 1
            else:
                break
        return self._result(now)

    def _push(self, at: float, kind: int, first: int, second: int) -> None:
        self._sequence += 1
        heappush(self._heap, (at, self._sequence, kind, first, second))

    def _record(
        self, ticket: int, at: float, kind: int, team: int, status: int, actor: int
    ) -> None:
        self._append_ticket(ticket)
        self._append_at(at)
        self._append_kind(kind)
        self._append_team(team)
        self._append_status(status)
        self._append_actor(actor)

    # Handlers ---------------------------------------------------------------

    def _arrive(self, ticket: int, now: float) -> None:
        team = self.first_team[ticket]
        self.active += 1
        self._record(ticket, now, _CREATED, team + 1, _NEW, ACTOR_REQUESTER)
        self._enter(ticket, team, now, entry=True)

    def _enter(self, ticket: int, team_index: int, now: float, *, entry: bool) -> None:
        team = self.teams[team_index]
        if team.fallback >= 0:
            chosen = receiving_team(
                team.id,
                self.teams[team.fallback].id,
                lambda name: self.teams[self.team_index[name]].window.is_open(now),
            )
            if chosen != team.id:
                team = self.teams[self.team_index[chosen]]
                self._record(ticket, now, _TEAM, team.code, NO_STATUS, ACTOR_SYSTEM)
        self.current[ticket] = team.index
        self.mask[ticket] |= 1 << team.index

        stint = self._draw(ticket, team.index, entry)
        self.profile[ticket] = stint
        self.queued_at[ticket] = now
        ready = team.window.add(now, self.latency[stint])
        if ready > now:
            self._push(ready, _READY, ticket, 0)
        elif team.queue or not team.agents.free:
            self._queue(ticket, team, now)
        elif not self._give(ticket, team, now):
            # No agent on shift may take it, so it waits like any other.
            self._queue(ticket, team, now)

    def _ready(self, ticket: int, now: float) -> None:
        self._queue(ticket, self.teams[self.current[ticket]], now)

    def _queue(self, ticket: int, team: _Team, now: float) -> None:
        self._sequence += 1
        heappush(
            team.queue,
            (-self.priority[ticket], self.queued_at[ticket], self._sequence, ticket),
        )
        if team.agents.free > 0:
            self._assign(team, now)

    def _assign(self, team: _Team, now: float) -> None:
        """Give queued tickets to agents while any agent has room."""
        agents = team.agents
        queue = team.queue
        while agents.free > 0 and queue:
            tried = []
            given = False
            while queue and len(tried) < CANDIDATES:
                entry = heappop(queue)
                if self._give(entry[3], team, now):
                    given = True
                    break
                tried.append(entry)
            for entry in tried:
                heappush(queue, entry)
            if not given:
                return

    def _give(self, ticket: int, team: _Team, now: float) -> bool:
        """Give the ticket to the agent `rank_agents` ranks first, if there is one."""
        agents = team.agents
        mode = agents.mode
        if mode == "skills_first":
            moment = datetime.fromtimestamp(now, UTC)
        else:
            moment = _UNUSED_TIME
        chosen = agents.choose(self._waiting(ticket, mode), moment)
        if chosen is None:
            return False
        group, position = chosen
        agents.take(group, position)
        self._hold(ticket, team, group.base + position, now)
        return True

    def _waiting(self, ticket: int, mode: str) -> WaitingTicket:
        if mode == "skills_first":
            return WaitingTicket(
                inquiry_type=self.inquiry_type[ticket],
                language=self.language[ticket],
                queued_at=datetime.fromtimestamp(self.queued_at[ticket], UTC),
                min_level=self.min_level[ticket],
            )
        key = (self.inquiry_type[ticket], self.language[ticket], self.min_level[ticket])
        found = self._waiting_cache.get(key)
        if found is None:
            found = WaitingTicket(key[0], key[1], _UNUSED_TIME, key[2])
            self._waiting_cache[key] = found
        return found

    def _hold(self, ticket: int, team: _Team, agent: int, now: float) -> None:
        """Play the drawn stint from pickup: reply, work and pauses, then release."""
        stint = self.profile[ticket]
        window = team.window
        self._extend_waits((team.index, self.queued_at[ticket], now))

        reply = math.nan
        if not self.replied[ticket]:
            reply = self.reply_offset[stint]
            if reply != reply and not self.entry_stint[stint]:
                # A stint recorded after its ticket's first response has none of
                # its own, so the response comes when the agent picks it up.
                reply = 0.0

        first = self.segment_first[stint]
        count = self.segment_count[stint]
        if count == 1 and self.segment_kind[first] == WORK:
            # Most stints are one piece of work, so they skip the loop of _play.
            seconds = self.segment_seconds[first]
            cursor = window.add(now, seconds) if seconds else now
            if reply == reply:
                if reply > seconds:
                    self._reply(ticket, cursor)
                else:
                    self._reply(ticket, window.add(now, reply) if reply else now)
        else:
            cursor = self._play(ticket, window, now, first, count, reply)

        self._extend_holds((team.index, now, cursor))
        self._push(cursor, _RELEASE, ticket, agent)

    def _play(
        self,
        ticket: int,
        window: CalendarWindow,
        now: float,
        first: int,
        count: int,
        reply: float,
    ) -> float:
        """Play a stint of several pieces from `now`; return when it ends."""
        cursor = now
        for segment in range(first, first + count):
            seconds = self.segment_seconds[segment]
            kind = self.segment_kind[segment]
            if kind == WORK:
                if reply == reply and reply <= seconds:
                    self._reply(ticket, window.add(cursor, reply) if reply else cursor)
                    reply = math.nan
                elif reply == reply:
                    reply -= seconds
                if seconds:
                    cursor = window.add(cursor, seconds)
            else:
                if reply == reply and reply == 0:
                    self._reply(ticket, cursor)
                    reply = math.nan
                self._record(
                    ticket, cursor, _STATUS, 0, _PAUSE_STATUS[kind], ACTOR_AGENT
                )
                cursor += seconds
                self._record(ticket, cursor, _STATUS, 0, _OPEN, ACTOR_REQUESTER)
        if reply == reply:
            self._reply(ticket, cursor)
        return cursor

    def _reply(self, ticket: int, at: float) -> None:
        self.replied[ticket] = True
        self._record(ticket, at, _REPLY, 0, _OPEN, ACTOR_AGENT)

    def _release(self, ticket: int, agent: int, now: float) -> None:
        team = self.teams[self.current[ticket]]
        pool = team.agents
        group = pool.groups[agent // _GROUP_STRIDE]
        pool.release(group, agent - group.base)
        stint = self.profile[ticket]
        outcome = self.outcome[stint]
        first_stint = self.stints[ticket] == 0
        self.stints[ticket] += 1
        if outcome == MOVED:
            self.one_touch[ticket] = False
            if self.stints[ticket] >= self.options.max_stints:
                self.forced += 1
                self._finish(ticket, now, _CLOSED, _CLOSED_STATUS)
            else:
                target = self._destination(team.index, stint)
                self._record(ticket, now, _TEAM, target + 1, _OPEN, ACTOR_AGENT)
                self._enter(ticket, target, now, entry=False)
        else:
            kind, status = (
                (_SOLVED, _SOLVED_STATUS)
                if outcome == SOLVED
                else (_CLOSED, _CLOSED_STATUS)
            )
            self.one_touch[ticket] = first_stint and outcome == SOLVED
            delay = self.reopen_delay[stint]
            if delay == delay:
                self._record(ticket, now, kind, 0, status, ACTOR_AGENT)
                self.one_touch[ticket] = False
                self._push(
                    now + delay, _REOPEN, ticket, self._reopen_team(team.index, stint)
                )
            else:
                self._finish(ticket, now, kind, status)
        if team.queue and pool.free > 0:
            self._assign(team, now)

    def _finish(self, ticket: int, now: float, kind: int, status: int) -> None:
        self._record(ticket, now, kind, 0, status, ACTOR_AGENT)
        self.done[ticket] = True
        self.active -= 1

    def _reopen(self, ticket: int, team: int, now: float) -> None:
        self._record(ticket, now, _REOPENED, team + 1, _OPEN, ACTOR_REQUESTER)
        self._enter(ticket, team, now, entry=False)

    def _shift(self, team_index: int, group_index: int, now: float) -> None:
        team = self.teams[team_index]
        group = team.agents.groups[group_index]
        steps, position = self._steps[(team_index, group_index)]
        count = steps[position][1]
        team.agents.set_on_shift(group, count)
        self._next_shift(team, group_index, group, steps, position + 1)
        if count == 0 and team.fallback >= 0 and team.queue:
            self._hand_to_fallback(team, now)
        self._assign(team, now)

    def _start_shifts(self, team: _Team, group_index: int, group: Group) -> None:
        steps = group.schedule.steps(self.start, self.start + CHUNK)
        team.agents.set_on_shift(group, steps[0][1])
        self._next_shift(team, group_index, group, steps, 1)

    def _next_shift(
        self,
        team: _Team,
        group_index: int,
        group: Group,
        steps: list[tuple[float, int]],
        position: int,
    ) -> None:
        if position >= len(steps):
            chunk_start = steps[0][0] + CHUNK
            steps = group.schedule.steps(chunk_start, chunk_start + CHUNK)
            position = 0
        self._steps[(team.index, group_index)] = (steps, position)
        self._push(steps[position][0], _SHIFT, team.index, group_index)

    def _hand_to_fallback(self, team: _Team, now: float) -> None:
        """Move a closed team's queue to its fallback team when that one is open."""
        fallback = self.teams[team.fallback]
        if team.window.is_open(now) or not fallback.window.is_open(now):
            return
        waiting = team.queue
        team.queue = []
        for _, _, _, ticket in waiting:
            self._record(ticket, now, _TEAM, fallback.code, NO_STATUS, ACTOR_SYSTEM)
            self.current[ticket] = fallback.index
            self.mask[ticket] |= 1 << fallback.index
            self._queue(ticket, fallback, now)

    # Drawing stints -----------------------------------------------------------

    def _draw(self, ticket: int, team: int, entry: bool) -> int:
        key = (self.key[ticket], team, entry)
        found = self._pools.get(key)
        if found is None:
            found = self._pool(key)
        pool, level = found
        if level:
            self.fallback_draws[level] = self.fallback_draws.get(level, 0) + 1
        if self._uniform_at >= len(self._uniform):
            self._uniform = self.generator.random(65_536).tolist()
            self._uniform_at = 0
        draw = self._uniform[self._uniform_at]
        self._uniform_at += 1
        return pool[int(draw * len(pool))]

    def _pool(self, key: tuple[int, int, bool]) -> tuple[list[int], int]:
        behaviour = self.setup.behaviour
        team = self.team_ids[key[1]]
        stints, level = behaviour.pool(
            behaviour.keys[key[0]],
            team,
            self.setup.policy.teams_by_id[team].tier,
            ENTRY if key[2] else LATER,
        )
        found = (stints.tolist(), level)
        self._pools[key] = found
        return found

    def _destination(self, team: int, stint: int) -> int:
        key = (team, stint)
        found = self._destinations.get(key)
        if found is None:
            found = self.team_index[
                destination_team(
                    self.setup.policy, self.setup.behaviour, self.team_ids[team], stint
                )
            ]
            self._destinations[key] = found
        return found

    def _reopen_team(self, team: int, stint: int) -> int:
        learned = self.setup.behaviour.stints.reopen_team[stint]
        name = translate_team(self.setup.policy, self.setup.behaviour, learned)
        return self.team_index[name] if name is not None else team

    # Results ------------------------------------------------------------------

    def _result(self, end: float) -> RawRun:
        """Collect the run's columns.

        Events after `end` belong to stints still under way when the run stopped
        at its limit, and are left out.
        """
        at = np.frombuffer(self.e_at, dtype=np.float64)
        ticket = np.frombuffer(self.e_ticket, dtype=np.int64)
        kept = np.flatnonzero(at <= end)
        order = kept[np.lexsort((kept, at[kept], ticket[kept]))]
        columns = EventColumns(
            ticket=ticket[order],
            at=at[order],
            kind=np.frombuffer(self.e_kind, dtype=np.int8)[order],
            team=np.frombuffer(self.e_team, dtype=np.int64)[order],
            tier=np.zeros(len(order), dtype=np.int64),
            status=np.frombuffer(self.e_status, dtype=np.int8)[order],
            actor=np.frombuffer(self.e_actor, dtype=np.int8)[order],
            team_names=[None, *self.team_ids],
            tier_names=[None],
        )
        waits = np.frombuffer(self._waits, dtype=np.float64).reshape(-1, 3)
        holds = np.frombuffer(self._holds, dtype=np.float64).reshape(-1, 3)
        return RawRun(
            setup_name=self.setup.name,
            teams=self.team_ids,
            events=columns,
            ticket_source=self.arrivals.source,
            ticket_arrival=self.arrivals.at,
            ticket_team_mask=np.array(self.mask, dtype=np.int64),
            ticket_one_touch=np.array(self.one_touch, dtype=bool),
            ticket_done=np.array(self.done, dtype=bool),
            forced_closures=self.forced,
            wait_team=waits[:, 0].astype(np.int64),
            wait_entered=waits[:, 1].copy(),
            wait_picked=waits[:, 2].copy(),
            hold_team=holds[:, 0].astype(np.int64),
            hold_start=holds[:, 1].copy(),
            hold_end=holds[:, 2].copy(),
            fallback_draws=dict(self.fallback_draws),
            end=end,
        )
