"""Ticket listings: the views of a page are read with a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from tierdesk.service.bugs import BugInput, link_bug
from tierdesk.service.context import ServiceContext
from tierdesk.service.intake import NewTicket, create_ticket
from tierdesk.service.requesters import RequesterInput
from tierdesk.service.tickets import TicketFilters, get_ticket, list_tickets

from .conftest import ADMIN, WEDNESDAY, add_agent


@contextmanager
def counted(context: ServiceContext) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(context.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(context.engine, "before_cursor_execute", count)


def make_tickets(context: ServiceContext, count: int) -> list[str]:
    add_agent(
        context, "a1", ["vendor", "specialists", "product"], capacity=count, level=3
    )
    ids = []
    for number in range(count):
        draft = NewTicket(
            subject=f"Card {number}",
            inquiry_type="cards",
            requester=RequesterInput(email=f"r{number}@example.com", name="Ana"),
        )
        ids.append(create_ticket(context, ADMIN, draft, WEDNESDAY).ticket.id)
    return ids


def test_page_size_does_not_add_queries(context: ServiceContext) -> None:
    make_tickets(context, 12)
    with counted(context) as small:
        list_tickets(context, ADMIN, TicketFilters(), limit=2)
    with counted(context) as large:
        page = list_tickets(context, ADMIN, TicketFilters(), limit=12)
    assert len(page.tickets) == 12
    assert len(large) == len(small)


def test_listed_views_match_single_reads(context: ServiceContext) -> None:
    ids = make_tickets(context, 4)
    link_bug(
        context,
        ADMIN,
        ids[1],
        BugInput(url="https://bugs.example.com/7", external_id="BUG-7"),
        WEDNESDAY,
    )
    page = list_tickets(context, ADMIN, TicketFilters(), limit=10)
    assert {view.id for view in page.tickets} == set(ids)
    for view in page.tickets:
        assert view == get_ticket(context, ADMIN, view.id)
    linked = next(view for view in page.tickets if view.id == ids[1])
    assert linked.bugs == ["BUG-7"]
    assert all(view.requester is not None for view in page.tickets)
    assert any(view.agent_id == "a1" for view in page.tickets)
