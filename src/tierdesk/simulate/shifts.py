"""Agents on shift over time: a group's count, only while its team's calendar is open.

Shift hours are wall-clock times in the team's timezone, turned into UTC
instants by the same calendar code that counts business time.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from tierdesk.calendar import BusinessCalendar, CalendarWindow
from tierdesk.policy.calendars import CalendarSpec
from tierdesk.policy.model import Policy
from tierdesk.simulate.staffing import AgentGroup

# Shift steps are produced this many seconds at a time, as the simulation needs.
CHUNK = 28 * 86_400.0


_CALENDARS: dict[str, BusinessCalendar] = {}


def shared_calendar(spec: CalendarSpec) -> BusinessCalendar:
    """Return one calendar per distinct spec in this process, so that runs share
    the tables of open intervals instead of building them again."""
    key = spec.model_dump_json()
    found = _CALENDARS.get(key)
    if found is None:
        found = _CALENDARS.setdefault(key, BusinessCalendar(spec))
    return found


def team_calendar(timezone: str, spec: CalendarSpec | None) -> BusinessCalendar:
    """Return the shared calendar of a team: its calendar, or 24x7 in its timezone."""
    if spec is None:
        spec = BusinessCalendar.always_open(timezone).spec
    return shared_calendar(spec)


def policy_team_calendar(policy: Policy, team_id: str) -> BusinessCalendar:
    """Return the shared calendar of a policy team."""
    team = policy.teams_by_id[team_id]
    spec = policy.calendars_by_id[team.calendar] if team.calendar else None
    return team_calendar(team.timezone, spec)


class ShiftSchedule:
    """Steps of one group's on-shift count: (instant, agents from then on)."""

    def __init__(self, group: AgentGroup, team_hours: CalendarWindow, zone: ZoneInfo):
        self.group = group
        self._team_hours = team_hours
        self._shifts: list[tuple[CalendarWindow, int]] = []
        for number, shift in enumerate(group.shifts):
            spec = CalendarSpec(
                id=f"shift-{number + 1}",
                name=f"Shift {number + 1}",
                timezone=zone.key,
                hours={day: (shift.hours,) for day in shift.days},
            )
            calendar = shared_calendar(spec)
            window = calendar.window(team_hours.valid_from, team_hours.valid_to)
            self._shifts.append((window, shift.agents))

    def steps(self, start: float, end: float) -> list[tuple[float, int]]:
        """Return the count at `start` and every change in (start, end)."""
        open_hours = self._team_hours.intervals(start, end)
        changes: dict[float, int] = {}
        if self.group.agents is not None:
            layers = [(open_hours, self.group.agents)]
        else:
            layers = [
                (_intersect(open_hours, window.intervals(start, end)), agents)
                for window, agents in self._shifts
            ]
        for intervals, agents in layers:
            for low, high in intervals:
                changes[low] = changes.get(low, 0) + agents
                if high < end:
                    changes[high] = changes.get(high, 0) - agents
        steps = [(start, 0)]
        count = 0
        for moment in sorted(changes):
            count += changes[moment]
            if moment == start:
                steps[0] = (start, count)
            elif count != steps[-1][1]:
                steps.append((moment, count))
        return steps

    def agent_seconds(self, start: float, end: float) -> float:
        """Return agent-seconds on shift in [start, end)."""
        total = 0.0
        cursor = start
        while cursor < end:
            chunk_end = min(cursor + CHUNK, end)
            steps = self.steps(cursor, chunk_end)
            for index, (moment, count) in enumerate(steps):
                following = steps[index + 1][0] if index + 1 < len(steps) else chunk_end
                total += count * (following - moment)
            cursor = chunk_end
        return total


def _intersect(
    left: list[tuple[float, float]], right: list[tuple[float, float]]
) -> list[tuple[float, float]]:
    """Return the overlap of two sorted lists of disjoint intervals."""
    result = []
    i = j = 0
    while i < len(left) and j < len(right):
        low = max(left[i][0], right[j][0])
        high = min(left[i][1], right[j][1])
        if low < high:
            result.append((low, high))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return result
