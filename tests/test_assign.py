"""Assignment choice: eligibility, the three modes and the skills timeout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tierdesk.assign import AgentLoad, WaitingTicket, has_skills, rank_agents

NOW = datetime(2024, 5, 8, 10, 0, tzinfo=UTC)
TIMEOUT = timedelta(minutes=30)


def _agent(agent_id: int, **fields: object) -> AgentLoad:
    values: dict[str, object] = {
        "agent_id": agent_id,
        "level": 1,
        "capacity": 5,
        "open_tickets": 0,
        "presence": "online",
        "skills": frozenset(),
        "languages": frozenset(),
        "turn": 0,
    }
    values.update(fields)
    return AgentLoad(**values)  # type: ignore[arg-type]


def _ticket(**fields: object) -> WaitingTicket:
    values: dict[str, object] = {
        "inquiry_type": "cards",
        "language": None,
        "queued_at": NOW,
    }
    values.update(fields)
    return WaitingTicket(**values)  # type: ignore[arg-type]


def _ids(agents: list[AgentLoad]) -> list[int]:
    return [agent.agent_id for agent in agents]


def test_offline_full_and_junior_agents_excluded() -> None:
    agents = [
        _agent(1, presence="away"),
        _agent(2, presence="offline"),
        _agent(3, open_tickets=5),
        _agent(4, level=1),
        _agent(5, level=3),
    ]
    ranked = rank_agents(
        "least_loaded", _ticket(min_level=2), agents, skills_timeout=TIMEOUT, now=NOW
    )
    assert _ids(ranked) == [5]


def test_round_robin_oldest_turn_first() -> None:
    agents = [_agent(1, turn=7), _agent(2, turn=3), _agent(3, turn=9)]
    ranked = rank_agents(
        "round_robin", _ticket(), agents, skills_timeout=TIMEOUT, now=NOW
    )
    assert _ids(ranked) == [2, 1, 3]


def test_least_loaded_fewest_open_first() -> None:
    agents = [
        _agent(1, open_tickets=3),
        _agent(2, open_tickets=1),
        _agent(3, open_tickets=1, turn=5),
    ]
    ranked = rank_agents(
        "least_loaded", _ticket(), agents, skills_timeout=TIMEOUT, now=NOW
    )
    assert _ids(ranked) == [2, 3, 1]


def test_skills_first_waits_for_skilled_agent() -> None:
    agents = [_agent(1), _agent(2, skills=frozenset({"money"}))]
    ranked = rank_agents(
        "skills_first", _ticket(), agents, skills_timeout=TIMEOUT, now=NOW
    )
    assert ranked == []


def test_skills_first_falls_back_after_timeout() -> None:
    agents = [
        _agent(1, open_tickets=2),
        _agent(2, skills=frozenset({"cards"}), open_tickets=4),
    ]
    waited = _ticket(queued_at=NOW - TIMEOUT)
    ranked = rank_agents(
        "skills_first", waited, agents, skills_timeout=TIMEOUT, now=NOW
    )
    assert _ids(ranked) == [2, 1]


def test_skills_first_prefers_skilled() -> None:
    agents = [_agent(1), _agent(2, skills=frozenset({"cards"}), open_tickets=3)]
    ranked = rank_agents(
        "skills_first", _ticket(), agents, skills_timeout=TIMEOUT, now=NOW
    )
    assert _ids(ranked) == [2]


def test_language_must_match_when_listed() -> None:
    agent = _agent(1, skills=frozenset({"cards"}), languages=frozenset({"pt"}))
    assert has_skills(agent, _ticket(language="PT"))
    assert not has_skills(agent, _ticket(language="de"))
    assert has_skills(_agent(2, skills=frozenset({"cards"})), _ticket(language="de"))
