"""Assignment choice: which agents may take a waiting ticket, best first.

Pure: the caller passes the agents' loads and `now`, and locks and re-checks
the chosen agent before assigning, because loads change between reading and
writing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tierdesk.policy.assignment import AssignmentMode

ONLINE = "online"
PRESENCES = ("online", "away", "offline")


@dataclass(frozen=True)
class AgentLoad:
    """An agent as assignment sees it; `open_tickets` counts unresolved tickets."""

    agent_id: int
    level: int
    capacity: int
    open_tickets: int
    presence: str
    skills: frozenset[str]
    languages: frozenset[str]
    turn: int

    @property
    def has_room(self) -> bool:
        return self.open_tickets < self.capacity


@dataclass(frozen=True)
class WaitingTicket:
    """A ticket in a team's queue; `min_level` comes from its segment."""

    inquiry_type: str | None
    language: str | None
    queued_at: datetime
    min_level: int | None = None


def is_eligible(agent: AgentLoad, ticket: WaitingTicket) -> bool:
    """Return whether the agent is online, has room and has the level required."""
    return (
        agent.presence == ONLINE
        and agent.has_room
        and (ticket.min_level is None or agent.level >= ticket.min_level)
    )


def has_skills(agent: AgentLoad, ticket: WaitingTicket) -> bool:
    """Return whether the agent lists the ticket's inquiry type and language.

    An agent with no languages listed is taken to work in every language.
    """
    if ticket.inquiry_type is None or ticket.inquiry_type not in agent.skills:
        return False
    if ticket.language and agent.languages:
        return ticket.language.lower() in agent.languages
    return True


def rank_agents(
    mode: AssignmentMode,
    ticket: WaitingTicket,
    agents: Sequence[AgentLoad],
    *,
    skills_timeout: timedelta,
    now: datetime,
) -> list[AgentLoad]:
    """Return the agents that may take the ticket, best first; empty means it waits.

    round_robin: the agent whose latest assignment is oldest. least_loaded: the
    fewest open tickets. skills_first: least loaded among agents with the
    skills, and among all agents once the ticket has waited `skills_timeout`.
    """
    eligible = [agent for agent in agents if is_eligible(agent, ticket)]
    if mode == "round_robin":
        return sorted(eligible, key=_turn_key)
    if mode == "skills_first":
        skilled = [agent for agent in eligible if has_skills(agent, ticket)]
        if now - ticket.queued_at < skills_timeout:
            eligible = skilled
        else:
            # Skilled agents still come first once anyone may take the ticket.
            skilled_ids = {agent.agent_id for agent in skilled}
            return sorted(
                eligible,
                key=lambda a: (a.agent_id not in skilled_ids, *_load_key(a)),
            )
    return sorted(eligible, key=_load_key)


def order_key(mode: AssignmentMode) -> Callable[[AgentLoad], tuple[int, ...]]:
    """Return the key by which `rank_agents` orders agents of equal skills in `mode`.

    Among agents with the same level and skills, the first by this key is the
    one `rank_agents` puts first, so a caller may keep agents sorted by it.
    """
    return _turn_key if mode == "round_robin" else _load_key


def _turn_key(agent: AgentLoad) -> tuple[int, int]:
    return (agent.turn, agent.agent_id)


def _load_key(agent: AgentLoad) -> tuple[int, int, int]:
    return (agent.open_tickets, agent.turn, agent.agent_id)


def receiving_team(
    team: str, fallback_team: str | None, is_open: Callable[[str], bool]
) -> str:
    """Return the team that takes a ticket meant for `team` now.

    That is `team` when it is open or names no fallback; the ticket then waits
    for it to open. Otherwise it is the fallback team, if that one is open.
    """
    if is_open(team) or fallback_team is None:
        return team
    return fallback_team if is_open(fallback_team) else team
