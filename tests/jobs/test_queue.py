"""Jobs are enqueued in the transaction of the change that causes them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tierdesk.jobs.names import CLOSE_TICKET, DELIVER_WEBHOOK
from tierdesk.jobs.queue import enqueue
from tierdesk.service.context import ServiceContext
from tierdesk.service.intake import NewTicket, create_ticket
from tierdesk.service.lifecycle import StatusInput, change_status
from tierdesk.service.transactions import write_session
from tierdesk.service.webhooks import SubscriptionInput, create_subscription
from tierdesk.store.schema import TicketRow
from tierdesk.store.webhooks import WebhookDeliveryRow

from ..service.conftest import ADMIN, WEDNESDAY
from ._run import waiting_jobs


class Boom(Exception):
    pass


def test_rollback_leaves_no_job(context: ServiceContext) -> None:
    with pytest.raises(Boom), write_session(context.engine) as session:
        enqueue(session, DELIVER_WEBHOOK, WEDNESDAY, delivery="x", attempt=1)
        raise Boom
    assert waiting_jobs(context) == []


def test_commit_keeps_job(context: ServiceContext) -> None:
    with write_session(context.engine) as session:
        enqueue(session, DELIVER_WEBHOOK, WEDNESDAY, delivery="x", attempt=1)
    assert waiting_jobs(context) == [(DELIVER_WEBHOOK, {"delivery": "x", "attempt": 1})]


def test_failed_ticket_write_leaves_no_delivery(context: ServiceContext) -> None:
    create_subscription(
        context,
        ADMIN,
        SubscriptionInput(url="http://127.0.0.1:9/", events=["ticket.created"]),
        WEDNESDAY,
    )

    def fail(session, ticket):  # type: ignore[no-untyped-def]
        raise Boom

    draft = NewTicket(subject="card", inquiry_type="cards")
    with pytest.raises(Boom):
        create_ticket(context, ADMIN, draft, WEDNESDAY, on_write=fail)
    assert waiting_jobs(context) == []
    with context.engine.connect() as connection:
        tickets = connection.execute(TicketRow.__table__.select()).all()
        deliveries = connection.execute(WebhookDeliveryRow.__table__.select()).all()
    assert tickets == []
    assert deliveries == []


def test_ticket_create_enqueues_delivery(context: ServiceContext) -> None:
    create_subscription(
        context,
        ADMIN,
        SubscriptionInput(url="http://127.0.0.1:9/", events=["ticket.created"]),
        WEDNESDAY,
    )
    create_ticket(
        context, ADMIN, NewTicket(subject="x", inquiry_type="cards"), WEDNESDAY
    )
    jobs = waiting_jobs(context)
    assert [task for task, _ in jobs] == [DELIVER_WEBHOOK]
    assert jobs[0][1]["attempt"] == 1


def test_solve_enqueues_close_after_window(context: ServiceContext) -> None:
    created = create_ticket(
        context, ADMIN, NewTicket(subject="x", inquiry_type="cards"), WEDNESDAY
    )
    change_status(
        context, ADMIN, created.ticket.id, StatusInput(status="solved"), WEDNESDAY
    )
    jobs = waiting_jobs(context)
    assert [task for task, _ in jobs] == [CLOSE_TICKET]
    assert jobs[0][1]["solve"] == 1
    assert context.config.reopen_window == timedelta(days=7)
