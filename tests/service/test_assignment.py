"""Assignment in the service: modes, presence, capacity, level, calendars, and
several OS processes assigning from one queue."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tierdesk.service.agents import set_presence
from tierdesk.service.assignment import assign_waiting
from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import Conflict
from tierdesk.service.intake import NewTicket, create_ticket
from tierdesk.service.sla_watch import ticket_sla
from tierdesk.service.ticket_assignment import AssignmentInput, assign_ticket
from tierdesk.service.tickets import get_events, get_ticket
from tierdesk.store.history import EventRow
from tierdesk.store.people import AgentRow
from tierdesk.store.schema import TicketRow

from . import _workers
from .conftest import ADMIN, SATURDAY, WEDNESDAY, add_agent, make_context


def _new(context: ServiceContext, inquiry_type: str = "cards", now=WEDNESDAY, **fields):  # type: ignore[no-untyped-def]
    draft = NewTicket(subject="help", inquiry_type=inquiry_type, **fields)
    return create_ticket(context, ADMIN, draft, now).ticket


def test_round_robin_takes_turns(context: ServiceContext) -> None:
    for name in ("ana", "ben", "cid"):
        add_agent(context, name, ["vendor"])
    agents = [_new(context).agent_id for _ in range(6)]
    assert agents == ["ana", "ben", "cid", "ana", "ben", "cid"]


def test_least_loaded_balances(context: ServiceContext) -> None:
    from tierdesk.service.accounts import AccountInput, put_account
    from tierdesk.service.lifecycle import StatusInput, change_status

    put_account(
        context,
        ADMIN,
        "ACME",
        AccountInput(attributes={"plan": "enterprise"}),
        WEDNESDAY,
    )
    add_agent(context, "ana", ["specialists"], level=2)
    add_agent(context, "ben", ["specialists"], level=2)
    first, second = _new(context, account_id="ACME"), _new(context, account_id="ACME")
    assert {first.agent_id, second.agent_id} == {"ana", "ben"}
    change_status(context, ADMIN, first.id, StatusInput(status="solved"), WEDNESDAY)
    # The agent who solved a ticket has fewer open ones, so takes the next.
    assert _new(context, account_id="ACME").agent_id == first.agent_id


def test_capacity_is_respected(context: ServiceContext) -> None:
    add_agent(context, "ana", ["vendor"], capacity=2)
    tickets = [_new(context) for _ in range(3)]
    assert [t.agent_id for t in tickets] == ["ana", "ana", None]
    assert tickets[2].status == "new"


def test_offline_agent_gets_nothing_until_online(context: ServiceContext) -> None:
    add_agent(context, "ana", ["vendor"], presence="offline")
    ticket = _new(context)
    assert ticket.agent_id is None
    set_presence(context, ADMIN, "ana", "online", WEDNESDAY)
    assert get_ticket(context, ADMIN, ticket.id).agent_id == "ana"


def test_away_agent_is_skipped(context: ServiceContext) -> None:
    add_agent(context, "ana", ["vendor"], presence="away")
    add_agent(context, "ben", ["vendor"])
    assert _new(context).agent_id == "ben"


def test_solving_frees_capacity(context: ServiceContext) -> None:
    from tierdesk.service.lifecycle import StatusInput, change_status

    add_agent(context, "ana", ["vendor"], capacity=1)
    first, second = _new(context), _new(context)
    assert second.agent_id is None
    change_status(context, ADMIN, first.id, StatusInput(status="solved"), WEDNESDAY)
    assert get_ticket(context, ADMIN, second.id).agent_id == "ana"


def test_segment_minimum_level(context: ServiceContext) -> None:
    from tierdesk.service.accounts import AccountInput, put_account

    put_account(
        context,
        ADMIN,
        "ACME",
        AccountInput(attributes={"plan": "enterprise"}),
        WEDNESDAY,
    )
    add_agent(context, "junior", ["specialists"], level=1)
    ticket = _new(context, account_id="ACME")
    assert ticket.team == "specialists"
    assert ticket.agent_id is None
    add_agent(context, "senior", ["specialists"], level=2)
    assert get_ticket(context, ADMIN, ticket.id).agent_id == "senior"


def test_skills_first_then_timeout(context: ServiceContext) -> None:
    add_agent(context, "generalist", ["product"])
    ticket = _new(context, inquiry_type="identity")
    assert ticket.team == "product"
    assert ticket.agent_id is None
    later = WEDNESDAY.replace(minute=29)
    assert assign_waiting(context, "product", later) == []
    done = assign_waiting(context, "product", WEDNESDAY.replace(minute=30))
    assert [(a.ticket_id, a.agent_id) for a in done] == [(ticket.id, "generalist")]


def test_skilled_agent_preferred(context: ServiceContext) -> None:
    add_agent(context, "generalist", ["product"])
    add_agent(context, "expert", ["product"], skills=["identity"])
    assert _new(context, inquiry_type="identity").agent_id == "expert"


def test_closed_team_uses_open_fallback(context: ServiceContext) -> None:
    add_agent(context, "ana", ["specialists"], now=SATURDAY)
    ticket = _new(context, inquiry_type="identity", now=SATURDAY)
    assert ticket.decision is not None
    assert ticket.decision.team == "product"
    assert ticket.team == "specialists"
    assert ticket.agent_id == "ana"
    moved = get_events(context, ADMIN, ticket.id)[1]
    assert moved.attributes["fallback_for"] == "product"


def test_closed_team_without_fallback_waits(context: ServiceContext) -> None:
    from tierdesk.service.escalation import EscalationInput, escalate_ticket

    add_agent(context, "ana", ["specialists"], now=SATURDAY, capacity=0)
    ticket = _new(context, inquiry_type="cards", now=SATURDAY)
    escalated = escalate_ticket(context, ADMIN, ticket.id, EscalationInput(), SATURDAY)
    assert escalated.team == "specialists"


def test_manual_assignment_checks(context: ServiceContext) -> None:
    add_agent(context, "ana", ["vendor"], capacity=1, presence="offline")
    add_agent(context, "sam", ["specialists"])
    ticket = _new(context)
    for agent, code in (("sam", "agent_not_in_team"),):
        with pytest.raises(Conflict) as caught:
            assign_ticket(
                context, ADMIN, ticket.id, AssignmentInput(agent_id=agent), WEDNESDAY
            )
        assert caught.value.code == code
    assigned = assign_ticket(
        context, ADMIN, ticket.id, AssignmentInput(agent_id="ana"), WEDNESDAY
    )
    assert assigned.agent_id == "ana"
    other = _new(context)
    with pytest.raises(Conflict) as caught:
        assign_ticket(
            context, ADMIN, other.id, AssignmentInput(agent_id="ana"), WEDNESDAY
        )
    assert caught.value.code == "agent_at_capacity"


def test_unassign_returns_to_queue(context: ServiceContext) -> None:
    add_agent(context, "ana", ["vendor"], capacity=1)
    ticket = _new(context)
    assert ticket.agent_id == "ana"
    add_agent(context, "ben", ["vendor"], presence="offline")
    back = assign_ticket(
        context, ADMIN, ticket.id, AssignmentInput(agent_id=None), WEDNESDAY
    )
    # Ana has room again and is the only online agent, so she takes it back.
    assert back.agent_id == "ana"
    kinds = [e.kind.value for e in get_events(context, ADMIN, ticket.id)]
    assert kinds.count("agent_assigned") == 3


def _spawn(target, args_list):  # type: ignore[no-untyped-def]
    """Run `target` in one new process per argument tuple, all starting together."""
    spawn = multiprocessing.get_context("spawn")
    # Every process waits at the barrier once it has imported and connected,
    # so their transactions overlap instead of running one after another.
    start = spawn.Barrier(len(args_list))
    out = spawn.Queue()
    processes = [
        spawn.Process(target=target, args=(*args, start, out)) for args in args_list
    ]
    for process in processes:
        process.start()
    results = [out.get(timeout=300) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return results


def _check_no_overrun(context: ServiceContext) -> None:
    with context.engine.connect() as connection:
        loads = connection.execute(
            select(AgentRow.external_id, AgentRow.capacity, func.count(TicketRow.id))
            .join(TicketRow, TicketRow.agent_id == AgentRow.id)
            .group_by(AgentRow.external_id, AgentRow.capacity)
        ).all()
        assigned_events = connection.execute(
            select(EventRow.ticket_id, func.count())
            .where(EventRow.kind == "agent_assigned")
            .group_by(EventRow.ticket_id)
        ).all()
    for agent, capacity, count in loads:
        assert count <= capacity, agent
    for ticket, count in assigned_events:
        assert count == 1, ticket


@pytest.mark.parametrize("processes", [4])
def test_processes_share_one_queue(database_url: str, processes: int) -> None:
    context = make_context(database_url)
    names = ("ana", "ben", "cid", "dee", "eve", "fay")
    for name in names:
        add_agent(context, name, ["vendor"], capacity=5, presence="offline")
    tickets = [_new(context).id for _ in range(40)]
    with context.engine.begin() as connection:
        connection.execute(AgentRow.__table__.update().values(presence="online"))
    results = _spawn(
        _workers.assign_until_done,
        [(database_url, "vendor", WEDNESDAY)] * processes,
    )
    pairs = [pair for result in results for pair in result]
    given = Counter(ticket for ticket, _ in pairs)
    assert len(pairs) == 30
    assert max(given.values()) == 1
    assert set(given) <= set(tickets)
    assert Counter(agent for _, agent in pairs) == dict.fromkeys(names, 5)
    _check_no_overrun(context)
    context.engine.dispose()


def test_concurrent_intake_assigns_once(database_url: str) -> None:
    context = make_context(database_url)
    for name in ("ana", "ben"):
        add_agent(context, name, ["vendor"], capacity=4)
    results = _spawn(_workers.create_many, [(database_url, 6, WEDNESDAY)] * 3)
    assert sum(len(result) for result in results) == 18
    _check_no_overrun(context)
    with context.engine.connect() as connection:
        assigned = connection.scalar(
            select(func.count())
            .select_from(TicketRow)
            .where(TicketRow.agent_id.is_not(None))
        )
    assert assigned == 8
    context.engine.dispose()


def test_stale_clock_assigns_after_creation(
    context: ServiceContext,
) -> None:
    # The agent comes online with a clock read at 10:00, and the assignment
    # this triggers takes a ticket that another request created at 10:05.
    created_at = WEDNESDAY + timedelta(minutes=5)
    draft = NewTicket(subject="card", inquiry_type="cards")
    ticket = create_ticket(context, ADMIN, draft, created_at).ticket
    add_agent(context, "a1", ["vendor", "specialists"], now=WEDNESDAY)
    assert get_ticket(context, ADMIN, ticket.id).agent_id == "a1"

    times = [event.at for event in get_events(context, ADMIN, ticket.id)]
    assert times == sorted(times)
    assert times[-1] == created_at
    # The SLA clocks replay the events in order, so they read without error.
    assert ticket_sla(context, ADMIN, ticket.id, created_at + timedelta(hours=1))
