"""Parsed policy versions, kept per process and keyed by revision.

A revision's text never changes once stored, so a parsed revision stays valid.
Only the pointer to the active revision is read from the database each time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from tierdesk.calendar import BusinessCalendar
from tierdesk.policy import LoadedPolicy, parse_policy
from tierdesk.policy.model import Policy
from tierdesk.route.router import Router
from tierdesk.sla import PolicyCalendars


@dataclass(frozen=True)
class PolicyRevision:
    """A stored policy version, parsed, with its router."""

    revision: int
    loaded: LoadedPolicy
    router: Router
    _calendars: dict[str, BusinessCalendar] = field(
        default_factory=dict, compare=False, repr=False
    )
    _sla_calendars: list[PolicyCalendars] = field(
        default_factory=list, compare=False, repr=False
    )

    @property
    def policy(self) -> Policy:
        return self.loaded.policy

    def calendar_for(self, team_id: str) -> BusinessCalendar | None:
        """Return the team's calendar, or None when the team is open 24x7."""
        team = self.policy.teams_by_id[team_id]
        if team.calendar is None:
            return None
        calendar = self._calendars.get(team.calendar)
        if calendar is None:
            spec = self.policy.calendars_by_id[team.calendar]
            calendar = self._calendars.setdefault(team.calendar, BusinessCalendar(spec))
        return calendar

    def sla_calendars(self) -> PolicyCalendars:
        """Return the team calendars that SLA clocks count business time in."""
        if not self._sla_calendars:
            self._sla_calendars.append(PolicyCalendars(self.policy))
        return self._sla_calendars[0]

    def is_open(self, team_id: str, now: datetime) -> bool:
        calendar = self.calendar_for(team_id)
        return calendar is None or calendar.is_open(now)


class PolicyCache:
    def __init__(self) -> None:
        self._revisions: dict[int, PolicyRevision] = {}
        self._lock = threading.Lock()

    def find(self, revision: int) -> PolicyRevision | None:
        """Return the revision if this process has parsed it, else None."""
        with self._lock:
            return self._revisions.get(revision)

    def get(self, revision: int, text: str) -> PolicyRevision:
        """Return the parsed revision, parsing `text` the first time it is asked for."""
        with self._lock:
            cached = self._revisions.get(revision)
        if cached is not None:
            return cached
        loaded = parse_policy(text, f"policy revision {revision}")
        parsed = PolicyRevision(revision, loaded, Router(loaded.policy))
        with self._lock:
            return self._revisions.setdefault(revision, parsed)
