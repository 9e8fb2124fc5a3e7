"""Ticket behaviour at each team, learned from history as empirical pools.

Each pool is the list of historical stints of one inquiry type at one team, in
one phase (the ticket's first stint, or a later one). The simulator draws a
whole stint from the pool: its wait before pickup, its work and pauses, when the
first response came, and how it ended (solved, closed, or moved to another team,
with any reopen). Pools with fewer than `min_samples` stints fall back to
broader ones, in the order of `FALLBACKS`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from tierdesk.calendar import BusinessCalendar
from tierdesk.events import Event
from tierdesk.policy.model import Policy
from tierdesk.simulate.stints import (
    MOVED,
    WORK,
    RawStint,
    StintArrays,
    scan_stints,
)
from tierdesk.sla import PolicyCalendars

ANY = "*"
ENTRY = "entry"
LATER = "later"
# Pool levels tried in order: (inquiry type, team or tier, phase); ANY matches all.
FALLBACKS = (
    ("type", "team", "phase"),
    ("type", "team", ANY),
    (ANY, "team", "phase"),
    (ANY, "team", ANY),
    (ANY, "tier", "phase"),
    (ANY, "tier", ANY),
    (ANY, ANY, ANY),
)


@dataclass(frozen=True)
class LearningOptions:
    """Options for reading history into stints; `scan_stints` explains the statuses."""

    pause_statuses: Collection[str] = ("pending", "on_hold")
    pause_source_statuses: Collection[str] | None = None
    queued_statuses: Collection[str] = ()
    min_samples: int = 20


@dataclass
class BehaviourModel:
    """Learned stints with their pools, keyed by current-policy team ids."""

    stints: StintArrays
    keys: list[str]
    stint_key: NDArray[np.int64]
    team_tier: dict[str, str]
    team_rank: dict[str, float]
    min_samples: int
    censored: int
    tickets_without_team: int
    unknown_teams: Counter[str] = field(default_factory=Counter)
    _pools: dict[tuple[str, str, str], NDArray[np.int64]] = field(
        default_factory=dict, repr=False
    )

    def __post_init__(self) -> None:
        if not self._pools:
            self._pools = _pools(self)

    def pool(
        self, key: str, team: str, tier: str, phase: str
    ) -> tuple[NDArray[np.int64], int]:
        """Return the stints to draw from and the fallback level that gave them."""
        names = {"type": key, "team": team, "tier": f"tier:{tier}", "phase": phase}
        last = len(FALLBACKS) - 1
        for level, (kind, holder, when) in enumerate(FALLBACKS):
            chosen = (
                names[kind] if kind != ANY else ANY,
                names[holder] if holder != ANY else ANY,
                names[when] if when != ANY else ANY,
            )
            found = self._pools.get(chosen)
            if found is None:
                continue
            if len(found) >= self.min_samples or (level == last and len(found)):
                return found, level
        raise ValueError("the history has no stints to learn from")

    def escalated(self, stint: int) -> bool:
        """Return whether the stint ended by moving to a team of a higher tier."""
        if self.stints.outcome[stint] != MOVED:
            return False
        source = self.stints.team[stint]
        target = self.stints.destination[stint]
        if source is None or target is None:
            return False
        return self.team_rank[target] > self.team_rank[source]


def learn_behaviour(
    histories: Sequence[Sequence[Event]],
    keys: Sequence[str],
    policy: Policy,
    options: LearningOptions,
) -> BehaviourModel:
    """Learn stints from sorted histories; `keys` gives each ticket's inquiry type.

    Log team names are mapped to policy teams with the policy's `team_patterns`;
    a name that maps to none counts as the default routing rule's team.
    """
    scan = scan_stints(
        histories,
        pause_statuses=options.pause_statuses,
        pause_source_statuses=options.pause_source_statuses,
        queued_statuses=options.queued_statuses,
    )
    default_team = policy.routing.rules[-1].then.team
    unknown: Counter[str] = Counter()
    resolved: dict[str | None, str] = {}

    unmapped: set[str] = set()

    def team_of(name: str | None) -> str:
        if name not in resolved:
            team = policy.team_named(name) if name is not None else None
            resolved[name] = team.id if team is not None else default_team
            if team is None and name is not None:
                unmapped.add(name)
        if name in unmapped:
            unknown[name] += 1
        return resolved[name]

    for stint in scan.stints:
        stint.team = team_of(stint.team)
        if stint.destination is not None:
            stint.destination = team_of(stint.destination)
        if stint.reopen_team is not None:
            stint.reopen_team = team_of(stint.reopen_team)
    arrays = _to_arrays(scan.stints, PolicyCalendars(policy))
    codes = {key: code for code, key in enumerate(dict.fromkeys(keys))}
    stint_key = np.array([codes[keys[s.ticket]] for s in scan.stints], dtype=np.int64)
    return BehaviourModel(
        stints=arrays,
        keys=list(codes),
        stint_key=stint_key,
        team_tier={team.id: team.tier for team in policy.teams},
        team_rank={
            team.id: policy.tiers_by_id[team.tier].rank for team in policy.teams
        },
        min_samples=options.min_samples,
        censored=scan.censored,
        tickets_without_team=scan.tickets_without_team,
        unknown_teams=unknown,
    )


def _pools(model: BehaviourModel) -> dict[tuple[str, str, str], NDArray[np.int64]]:
    grouped: dict[tuple[str, str, str], list[int]] = {}
    stints = model.stints
    for index in range(len(stints)):
        key = model.keys[int(model.stint_key[index])]
        team = stints.team[index] or ""
        tier = f"tier:{model.team_tier.get(team, '')}"
        phase = ENTRY if stints.entry[index] else LATER
        for holder in (team, tier):
            for kind in (key, ANY):
                for when in (phase, ANY):
                    grouped.setdefault((kind, holder, when), []).append(index)
        grouped.setdefault((ANY, ANY, ANY), []).append(index)
    return {
        name: np.array(indexes, dtype=np.int64) for name, indexes in grouped.items()
    }


def _to_arrays(stints: list[RawStint], calendars: PolicyCalendars) -> StintArrays:
    """Measure each stint: business seconds in its team's hours, pauses in
    calendar seconds."""
    spans = _BusinessSpans(calendars)
    latency = [spans.add(s.team, s.start, s.pickup) for s in stints]
    first: list[int] = []
    count: list[int] = []
    kinds: list[int] = []
    business_span: list[int] = []
    calendar_seconds: list[float] = []
    reply_spans: list[list[int] | None] = []
    for stint in stints:
        first.append(len(kinds))
        count.append(len(stint.pieces))
        replied = stint.start <= stint.first_reply <= stint.end
        parts: list[int] = []
        for low, high, kind in stint.pieces:
            kinds.append(kind)
            if kind == WORK:
                business_span.append(spans.add(stint.team, low, high))
                calendar_seconds.append(0.0)
                if replied and stint.first_reply > low:
                    reply_end = min(high, stint.first_reply)
                    parts.append(spans.add(stint.team, low, reply_end))
            else:
                business_span.append(-1)
                calendar_seconds.append(high - low)
        # A reply before pickup, or at it, comes after no work at all.
        reply_spans.append(parts if replied else None)

    business = spans.compute()
    spans_array = np.array(business_span, dtype=np.int64)
    segment_seconds = np.where(
        spans_array >= 0,
        business[np.maximum(spans_array, 0)] if len(business) else 0.0,
        np.array(calendar_seconds),
    )
    reply_offset = np.array(
        [
            math.nan if parts is None else float(sum(business[p] for p in parts))
            for parts in reply_spans
        ]
    )
    return StintArrays(
        ticket=np.array([s.ticket for s in stints], dtype=np.int64),
        team=[s.team for s in stints],
        entry=np.array([s.entry for s in stints], dtype=bool),
        start_at=np.array([s.start for s in stints], dtype=np.float64),
        pickup_at=np.array([s.pickup for s in stints], dtype=np.float64),
        end_at=np.array([s.end for s in stints], dtype=np.float64),
        latency=business[np.array(latency, dtype=np.int64)] if stints else np.empty(0),
        reply_offset=reply_offset,
        outcome=np.array([s.outcome for s in stints], dtype=np.int8),
        destination=[s.destination for s in stints],
        reopen_delay=np.array([s.reopen_at - s.end for s in stints]),
        reopen_team=[s.reopen_team for s in stints],
        segment_first=np.array(first, dtype=np.int64),
        segment_count=np.array(count, dtype=np.int64),
        segment_kind=np.array(kinds, dtype=np.int8),
        segment_seconds=segment_seconds.astype(np.float64),
    )


class _BusinessSpans:
    """Business seconds of many spans, collected first and counted per calendar."""

    def __init__(self, calendars: PolicyCalendars) -> None:
        self._calendars = calendars
        self._by_calendar: dict[int, tuple[BusinessCalendar, list[int]]] = {}
        self._starts: list[float] = []
        self._ends: list[float] = []

    def add(self, team: str | None, start: float, end: float) -> int:
        """Queue one span and return its position in the result of `compute`."""
        calendar = self._calendars.team(team).calendar
        entry = self._by_calendar.setdefault(id(calendar), (calendar, []))
        position = len(self._starts)
        entry[1].append(position)
        self._starts.append(start)
        self._ends.append(end if not math.isnan(end) else start)
        return position

    def compute(self) -> NDArray[np.float64]:
        result = np.zeros(len(self._starts))
        starts = np.array(self._starts)
        ends = np.array(self._ends)
        for calendar, positions in self._by_calendar.values():
            chosen = np.array(positions, dtype=np.int64)
            result[chosen] = calendar.between_seconds(starts[chosen], ends[chosen])
        return result
