"""Per-ticket facts that follow from the order of events: replies, reopens, the
teams and tiers that held the ticket, ping-pong, escalations and one-touch.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tierdesk._sla_timeline import NOT_AGENTS
from tierdesk.events import Event, EventKind


@dataclass(frozen=True)
class OneTouchRule:
    """When a solved ticket counts as one-touch.

    The default is the usual definition: solved with at most one public agent
    reply, no transfer to another team and no reopen.
    """

    max_public_replies: int = 1
    allow_transfers: bool = False
    allow_reopens: bool = False


@dataclass(frozen=True)
class SequenceFacts:
    public_replies: int
    reopens: int
    solved: bool
    teams: list[str]
    tiers: list[str]
    returns: int
    escalations: int | None
    highest_tier: str | None
    highest_rank: float | None
    handle_time: float
    # Handle-time attribute values that are not numbers, left out of the sum.
    invalid_handle_times: int
    creation_inferred: bool

    @property
    def transfers(self) -> int | None:
        return len(self.teams) - 1 if self.teams else None

    def one_touch(self, rule: OneTouchRule) -> bool:
        return (
            self.solved
            and self.public_replies <= rule.max_public_replies
            and (rule.allow_transfers or not self.transfers)
            and (rule.allow_reopens or self.reopens == 0)
        )

    def row(self, rule: OneTouchRule) -> dict[str, Any]:
        """Return the table columns these facts fill."""
        has_teams = bool(self.teams)
        return {
            "creation_inferred": self.creation_inferred,
            "handle_time_s": self.handle_time,
            "public_replies": self.public_replies,
            "reopens": self.reopens,
            "solved": self.solved,
            "one_touch": self.one_touch(rule),
            "teams_visited": json.dumps(self.teams, ensure_ascii=False),
            "team_count": len(set(self.teams)),
            "transfers": self.transfers,
            "ping_pong": self.returns > 0 if has_teams else None,
            "ping_pong_returns": self.returns if has_teams else None,
            "tiers_visited": json.dumps(self.tiers, ensure_ascii=False),
            "highest_tier": self.highest_tier,
            "highest_tier_rank": self.highest_rank,
            "escalations": self.escalations,
        }


def sequence_facts(
    events: Sequence[Event],
    tier_of_team: Callable[[str], str | None],
    ranks: Mapping[str, float] | None,
    handle_time_attribute: str,
) -> SequenceFacts:
    """Collect the facts of one ticket's events, in order.

    A team counts as visited each time it takes the ticket from another team.
    `ranks` orders tiers. Without it, no highest tier or escalation is known.
    """
    teams: list[str] = []
    tiers: list[str] = []
    left: set[str] = set()
    current: str | None = None
    current_rank = -math.inf
    replies = reopens = returns = escalations = 0
    solved = False
    handle = 0.0
    has_handle = False
    invalid_handle = 0
    highest: str | None = None
    highest_rank = -math.inf
    for event in events:
        team = event.team
        if team is not None and team != current:
            if current is not None:
                left.add(current)
            if team in left:
                returns += 1
            teams.append(team)
            current = team
            tier = event.tier or tier_of_team(team)
            if tier is not None and (not tiers or tiers[-1] != tier):
                tiers.append(tier)
            rank = ranks.get(tier) if ranks is not None and tier else None
            if rank is not None:
                if rank > current_rank and current_rank > -math.inf:
                    escalations += 1
                current_rank = rank
                if rank > highest_rank:
                    highest, highest_rank = tier, rank
        kind = event.kind
        if kind == EventKind.PUBLIC_REPLY and event.actor not in NOT_AGENTS:
            replies += 1
        elif kind == EventKind.REOPENED:
            reopens += 1
        elif kind == EventKind.SOLVED:
            solved = True
        value = event.attributes.get(handle_time_attribute)
        if value is not None:
            try:
                handle += float(value)
                has_handle = True
            except (TypeError, ValueError):
                invalid_handle += 1
    inferred = bool(events) and bool(events[0].attributes.get("inferred"))
    return SequenceFacts(
        public_replies=replies,
        reopens=reopens,
        solved=solved,
        teams=teams,
        tiers=tiers,
        returns=returns,
        escalations=escalations if ranks is not None else None,
        highest_tier=highest,
        highest_rank=highest_rank if highest is not None else None,
        handle_time=handle if has_handle else math.nan,
        invalid_handle_times=invalid_handle,
        creation_inferred=inferred,
    )
