"""A team's agents during a simulation, chosen for each ticket by `rank_agents`.

Agents of one group share level, skills and capacity, so the best of a group by
`order_key` is the only one of it that `rank_agents` could put first. Each
group keeps its agents with room in a heap by that key, and only the heads of
the groups go to `rank_agents`: the choice equals ranking every agent.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from heapq import heappop, heappush
from typing import Any

from tierdesk.assign import AgentLoad, WaitingTicket, order_key, rank_agents
from tierdesk.policy.assignment import AssignmentMode
from tierdesk.simulate.shifts import ShiftSchedule
from tierdesk.simulate.staffing import AgentGroup

# Agent ids are the group's number times this, plus the agent's position in it.
_GROUP_STRIDE = 1 << 24


class Group:
    """Agents of one staffing group; those at positions below `online` are on shift.

    Heap entries of agents that go off shift stay where they are, so a shift
    change costs time only for agents whose tickets changed meanwhile.
    """

    __slots__ = (
        "base",
        "capacity",
        "heap",
        "languages",
        "level",
        "needs_offer",
        "online",
        "open",
        "parked",
        "schedule",
        "skills",
        "stamp",
        "turn",
    )

    def __init__(self, number: int, group: AgentGroup, schedule: ShiftSchedule) -> None:
        self.base = number * _GROUP_STRIDE
        self.level = group.level
        self.skills = frozenset(group.skills)
        self.languages = frozenset(language.lower() for language in group.languages)
        self.capacity = group.capacity or 1
        self.schedule = schedule
        self.online = 0
        self.open: list[int] = []
        self.turn: list[int] = []
        self.stamp: list[int] = []
        self.heap: list[tuple[Any, ...]] = []
        # Valid entries of off-shift agents that reached the top of the heap.
        self.parked: list[tuple[Any, ...]] = []
        # Off-shift agents with room whose heap entry went stale.
        self.needs_offer: set[int] = set()


class AgentPool:
    """Agents of one team: open tickets, turns, shifts and the choice of agent."""

    def __init__(self, mode: AssignmentMode, skills_timeout: timedelta) -> None:
        self.mode: AssignmentMode = mode
        self.skills_timeout = skills_timeout
        self._key = order_key(mode)
        self._view = _KeyView()
        self.groups: list[Group] = []
        # Free places among agents on shift: capacity minus open tickets.
        self.free = 0
        self._turns = 0

    def add_group(self, group: AgentGroup, schedule: ShiftSchedule) -> Group:
        added = Group(len(self.groups), group, schedule)
        self.groups.append(added)
        return added

    def set_on_shift(self, group: Group, count: int) -> None:
        """Put the group's first `count` agents on shift and the others off.

        Agents going off shift keep their open tickets until those end.
        """
        while len(group.open) < count:
            group.needs_offer.add(len(group.open))
            group.open.append(0)
            group.turn.append(0)
            group.stamp.append(0)
        previous = group.online
        if count > previous:
            held = sum(group.open[previous:count])
            self.free += (count - previous) * group.capacity - held
            group.online = count
            for position in sorted(p for p in group.needs_offer if p < count):
                group.needs_offer.discard(position)
                self._offer(group, position)
            parked, group.parked = group.parked, []
            for entry in parked:
                if entry[-1] < count:
                    heappush(group.heap, entry)
                else:
                    group.parked.append(entry)
        elif count < previous:
            held = sum(group.open[count:previous])
            self.free -= (previous - count) * group.capacity - held
            group.online = count

    def choose(self, ticket: WaitingTicket, now: datetime) -> tuple[Group, int] | None:
        """Return the group and position of the agent `rank_agents` puts first."""
        heads = []
        for group in self.groups:
            position = self._head(group)
            if position >= 0:
                heads.append(self._load(group, position))
        if not heads:
            return None
        ranked = rank_agents(
            self.mode, ticket, heads, skills_timeout=self.skills_timeout, now=now
        )
        if not ranked:
            return None
        agent = ranked[0].agent_id
        group = self.groups[agent // _GROUP_STRIDE]
        return group, agent - group.base

    def take(self, group: Group, position: int) -> None:
        """Give the agent one more open ticket; it becomes the latest turn."""
        self._turns += 1
        group.turn[position] = self._turns
        group.open[position] += 1
        group.stamp[position] += 1
        self.free -= 1
        self._offer(group, position)

    def release(self, group: Group, position: int) -> None:
        """Take one open ticket from the agent when the team's hold on it ends."""
        group.open[position] -= 1
        group.stamp[position] += 1
        if position < group.online:
            self.free += 1
            self._offer(group, position)
        else:
            group.needs_offer.add(position)

    def _load(self, group: Group, position: int) -> AgentLoad:
        return AgentLoad(
            agent_id=group.base + position,
            level=group.level,
            capacity=group.capacity,
            open_tickets=group.open[position],
            presence="online",
            skills=group.skills,
            languages=group.languages,
            turn=group.turn[position],
        )

    def _offer(self, group: Group, position: int) -> None:
        """Put the agent in its group's heap when it has room."""
        if group.open[position] >= group.capacity:
            return
        view = self._view
        view.agent_id = group.base + position
        view.open_tickets = group.open[position]
        view.turn = group.turn[position]
        key = self._key(view)  # type: ignore[arg-type]
        heappush(group.heap, (*key, group.stamp[position], position))

    def _head(self, group: Group) -> int:
        heap = group.heap
        stamp = group.stamp
        while heap:
            entry = heap[0]
            position = entry[-1]
            if entry[-2] != stamp[position]:
                heappop(heap)
            elif position >= group.online:
                group.parked.append(heappop(heap))
            else:
                return position
        return -1


class _KeyView:
    """The fields `order_key` reads, reused for every heap entry.

    Building an `AgentLoad` for each entry cost more than the rest of an
    assignment; the key function reads only these three fields.
    """

    __slots__ = ("agent_id", "open_tickets", "turn")

    def __init__(self) -> None:
        self.agent_id = 0
        self.open_tickets = 0
        self.turn = 0
