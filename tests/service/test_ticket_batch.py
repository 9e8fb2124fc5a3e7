"""Batched ticket storage writes the same rows as storing tickets one by one,
with the general writer and with PostgreSQL's two-statement writer."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from tierdesk.service.actor import Actor, Role
from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import InvalidInput
from tierdesk.service.intake import NewTicket, create_ticket, route_draft
from tierdesk.service.policies import load_active
from tierdesk.service.requesters import RequesterInput
from tierdesk.service.ticket_batch import write_new_tickets
from tierdesk.service.ticket_batch_pg import write_batch_postgres
from tierdesk.service.ticket_rows import NewTicketRows, PendingTicket, write_new_ticket
from tierdesk.service.tickets import get_ticket
from tierdesk.service.transactions import read_session
from tierdesk.service.webhooks import SubscriptionInput, create_subscription
from tierdesk.store.access import IdempotencyKeyRow
from tierdesk.store.history import AuditRow, EventRow
from tierdesk.store.people import RequesterRow
from tierdesk.store.schema import DecisionRow, TicketRow
from tierdesk.store.webhooks import WebhookDeliveryRow

from .conftest import ADMIN, WEDNESDAY, add_agent

# Callers of this role may not update existing requesters, so both writers
# take their batches.
CREATOR = Actor(name="intake-test", role=Role.INTEGRATION, token_id=1)

Writer = Callable[[Sequence[PendingTicket]], list[NewTicketRows]]


@pytest.fixture(params=["general", "postgres"])
def write_batch(request: pytest.FixtureRequest, context: ServiceContext) -> Writer:
    """Each batch writer that the context's database uses."""
    if request.param == "general":
        return lambda batch: write_new_tickets(context, batch)
    if context.engine.dialect.name != "postgresql":
        pytest.skip("the two-statement writer runs on PostgreSQL only")

    def write(batch: Sequence[PendingTicket]) -> list[NewTicketRows]:
        stored = write_batch_postgres(context, batch)
        assert stored is not None, "the writer handed the batch on"
        return stored

    return write


def pending(
    context: ServiceContext, draft: NewTicket, key: str | None = None
) -> PendingTicket:
    with read_session(context.engine) as session:
        revision = load_active(context, session)
    return route_draft(
        context,
        CREATOR,
        revision,
        draft,
        {"plan": "pro"},
        WEDNESDAY,
        idempotency_key=key,
    )


def stored_rows(context: ServiceContext, external_id: str) -> dict[str, Any]:
    """Return a ticket's rows without the ids that differ between tickets."""

    def columns(row: Any, *left_out: str) -> dict[str, Any]:
        names = [c.key for c in row.__table__.columns]
        return {n: getattr(row, n) for n in names if n not in {"id", *left_out}}

    with read_session(context.engine) as session:
        ticket = session.scalar(
            select(TicketRow).where(TicketRow.external_id == external_id)
        )
        assert ticket is not None
        decision = session.get(DecisionRow, ticket.decision_id)
        assert decision is not None
        assert decision.ticket_id == ticket.id
        events = session.scalars(
            select(EventRow)
            .where(EventRow.ticket_id == ticket.id)
            .order_by(EventRow.sequence)
        ).all()
        audit = session.scalars(
            select(AuditRow).where(AuditRow.object_id == external_id)
        ).all()
        keys = session.scalars(
            select(IdempotencyKeyRow).where(IdempotencyKeyRow.ticket_id == ticket.id)
        ).all()
        return {
            "ticket": columns(
                ticket, "external_id", "decision_id", "requester_id", "subject"
            ),
            "decision": columns(decision, "ticket_id"),
            "events": [columns(event, "ticket_id") for event in events],
            "audit": [columns(entry, "object_id") for entry in audit],
            "keys": [columns(k, "ticket_id", "key", "request_digest") for k in keys],
        }


def draft(number: int, **fields: Any) -> NewTicket:
    return NewTicket(
        subject=f"Card {number}",
        body="My card has not arrived",
        channel="email",
        inquiry_type="cards",
        account_id="ACC-1",
        **fields,
    )


def test_batch_rows_match_single_writer(
    context: ServiceContext, write_batch: Writer
) -> None:
    requester = RequesterInput(email="ana@example.com", name="Ana")
    single = pending(context, draft(1, requester=requester), key="one")
    write_new_ticket(context, single)
    batch = [
        pending(context, draft(2, requester=requester), key="two"),
        pending(context, draft(3, requester=requester), key="three"),
    ]
    stored = write_batch(batch)

    expected = stored_rows(context, single.ticket.id)
    for item in batch:
        assert stored_rows(context, item.ticket.id) == expected
    assert [view.view.id for view in stored] == [item.ticket.id for item in batch]
    assert stored[0].view.decision == stored[1].view.decision
    with read_session(context.engine) as session:
        requesters = session.scalars(select(RequesterRow)).all()
        assert [row.email for row in requesters] == ["ana@example.com"]
        tickets = session.scalars(select(TicketRow)).all()
        assert {row.requester_id for row in tickets} == {requesters[0].id}


def test_batch_requester_per_address(
    context: ServiceContext, write_batch: Writer
) -> None:
    batch = [
        pending(context, draft(n, requester=RequesterInput(email=email)))
        for n, email in enumerate(
            ["bo@example.com", "cy@example.com", "bo@example.com"]
        )
    ]
    stored = write_batch(batch)
    ids = [view.view.requester.id for view in stored if view.view.requester]
    assert ids[0] == ids[2] != ids[1]


def test_batch_reports_online_teams(
    context: ServiceContext, write_batch: Writer
) -> None:
    add_agent(context, "a1", ["specialists"])
    batch = [pending(context, draft(n)) for n in range(3)]
    stored = write_batch(batch)
    assert {(view.team, view.staffed) for view in stored} == {
        (view.team, view.team == "specialists") for view in stored
    }


def test_unknown_requester_fails_alone(
    context: ServiceContext,
) -> None:
    outcomes: dict[int, object] = {}

    def run(number: int, **fields: Any) -> None:
        try:
            created = create_ticket(context, ADMIN, draft(number, **fields), WEDNESDAY)
            outcomes[number] = created.ticket.id
        except InvalidInput as exc:
            outcomes[number] = exc

    threads = [
        threading.Thread(target=run, args=(n,), kwargs=fields)
        for n, fields in [
            (1, {}),
            (2, {"requester_id": "R-missing"}),
            (3, {}),
            (4, {"requester": RequesterInput(email="di@example.com")}),
        ]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    failed = outcomes[2]
    assert isinstance(failed, InvalidInput)
    assert failed.field == "requester_id"
    with read_session(context.engine) as session:
        stored = set(session.scalars(select(TicketRow.external_id)))
    assert stored == {outcomes[1], outcomes[3], outcomes[4]}


def test_same_key_creates_one_ticket(context: ServiceContext) -> None:
    results: list[tuple[str, bool]] = []
    lock = threading.Lock()

    def run() -> None:
        created = create_ticket(
            context, ADMIN, draft(7), WEDNESDAY, idempotency_key="same"
        )
        with lock:
            results.append((created.ticket.id, created.replayed))

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len({ticket_id for ticket_id, _ in results}) == 1
    assert sorted(replayed for _, replayed in results) == [False] + [True] * 5
    with read_session(context.engine) as session:
        assert len(session.scalars(select(TicketRow)).all()) == 1


@pytest.mark.parametrize("size", [1, 5])
def test_batch_stores_every_ticket(
    context: ServiceContext, write_batch: Writer, size: int
) -> None:
    batch = [pending(context, draft(n), key=f"k{n}") for n in range(size)]
    write_batch(batch)
    with read_session(context.engine) as session:
        assert len(session.scalars(select(TicketRow)).all()) == size
        assert len(session.scalars(select(EventRow)).all()) == 2 * size
        assert len(session.scalars(select(IdempotencyKeyRow)).all()) == size


def test_unknown_requester_rejected_early(
    context: ServiceContext,
) -> None:
    written: list[int] = []
    write = context.new_tickets._write

    def counting(batch: Any) -> Any:
        written.append(len(batch))
        return write(batch)

    context.new_tickets._write = counting
    with pytest.raises(InvalidInput) as caught:
        create_ticket(context, ADMIN, draft(1, requester_id="R-none"), WEDNESDAY)
    assert caught.value.field == "requester_id"
    assert written == []


def test_creator_sees_requester_as_sent(
    context: ServiceContext,
) -> None:
    known = RequesterInput(email="eve@example.com", name="Eve", phone="+44 20 1")
    first = create_ticket(context, ADMIN, draft(1, requester=known), WEDNESDAY)
    assert first.ticket.requester is not None
    assert first.ticket.requester.name == "Eve"

    agent = Actor(name="agent-1", role=Role.AGENT, teams=frozenset({"product"}))
    integration = Actor(name="form", role=Role.INTEGRATION, token_id=9)
    rename = RequesterInput(email="eve@example.com", name="Mallory")
    for number, actor in enumerate([agent, integration], start=2):
        created = create_ticket(
            context, actor, draft(number, requester=rename), WEDNESDAY
        )
        requester = created.ticket.requester
        assert requester is not None
        assert requester.id == first.ticket.requester.id
        assert requester.email == "eve@example.com"
        assert requester.name == "Mallory"
        assert requester.phone is None
    # Neither could change the stored requester, which they may not write.
    stored = get_ticket(context, ADMIN, first.ticket.id).requester
    assert stored is not None
    assert stored.name == "Eve"
    assert stored.phone == "+44 20 1"


def test_batch_views_match_stored_tickets(
    context: ServiceContext, write_batch: Writer
) -> None:
    known = create_ticket(
        context,
        ADMIN,
        draft(1, requester=RequesterInput(email="fo@example.com")),
        WEDNESDAY,
    ).ticket.requester
    assert known is not None
    batch = [
        pending(context, draft(2, requester_id=known.id)),
        pending(context, draft(3, requester=RequesterInput(email="gu@example.com"))),
        pending(context, draft(4)),
    ]
    for stored in write_batch(batch):
        assert stored.view == get_ticket(context, ADMIN, stored.view.id)


def tickets_stored(context: ServiceContext) -> int:
    with read_session(context.engine) as session:
        return session.scalar(select(func.count()).select_from(TicketRow)) or 0


@pytest.fixture
def postgres_context(context: ServiceContext) -> ServiceContext:
    if context.engine.dialect.name != "postgresql":
        pytest.skip("the two-statement writer runs on PostgreSQL only")
    return context


def test_postgres_writer_hands_on_webhooks(postgres_context: ServiceContext) -> None:
    context = postgres_context
    create_subscription(
        context,
        ADMIN,
        SubscriptionInput(url="http://127.0.0.1:9/hook", events=["ticket.created"]),
        WEDNESDAY,
    )
    assert write_batch_postgres(context, [pending(context, draft(1))]) is None
    assert tickets_stored(context) == 0
    # Through the group commit, the general writer records the delivery.
    created = create_ticket(context, ADMIN, draft(2), WEDNESDAY)
    assert tickets_stored(context) == 1
    assert created.ticket.id


def test_postgres_writer_hands_on_requester_updates(
    postgres_context: ServiceContext,
) -> None:
    context = postgres_context
    first = RequesterInput(email="hu@example.com", name="Hu")
    create_ticket(context, ADMIN, draft(1, requester=first), WEDNESDAY)
    renamed = RequesterInput(email="hu@example.com", name="Hugo")
    with read_session(context.engine) as session:
        revision = load_active(context, session)
    # An admin may update the requester, which the general writer does.
    update = route_draft(
        context, ADMIN, revision, draft(2, requester=renamed), {}, WEDNESDAY
    )
    assert write_batch_postgres(context, [update]) is None
    stored = write_batch_postgres(
        context, [pending(context, draft(3, requester=renamed))]
    )
    assert stored is not None
    with read_session(context.engine) as session:
        names = session.scalars(select(RequesterRow.name)).all()
    assert names == ["Hu"]


def test_postgres_writer_is_all_or_nothing(postgres_context: ServiceContext) -> None:
    context = postgres_context
    batch = [
        pending(
            context,
            draft(1, requester=RequesterInput(email="iv@example.com")),
            key="same",
        ),
        pending(context, draft(2), key="same"),
    ]
    with pytest.raises(IntegrityError):
        write_batch_postgres(context, batch)
    assert tickets_stored(context) == 0
    with read_session(context.engine) as session:
        assert session.scalars(select(RequesterRow)).all() == []
    # The connection went back to the pool in a usable state.
    assert write_batch_postgres(context, [pending(context, draft(3))]) is not None


def test_postgres_writer_rejects_unknown_requester(
    postgres_context: ServiceContext,
) -> None:
    context = postgres_context
    batch = [pending(context, draft(1)), pending(context, draft(2, requester_id="R-x"))]
    with pytest.raises(InvalidInput) as caught:
        write_batch_postgres(context, batch)
    assert caught.value.field == "requester_id"
    assert tickets_stored(context) == 0


def deliveries(context: ServiceContext, external_id: str) -> list[dict[str, Any]]:
    """Return a ticket's webhook deliveries without the values that differ."""
    with read_session(context.engine) as session:
        ticket_id = session.scalar(
            select(TicketRow.id).where(TicketRow.external_id == external_id)
        )
        rows = session.scalars(
            select(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.ticket_id == ticket_id)
            .order_by(WebhookDeliveryRow.id)
        ).all()
        found = []
        for row in rows:
            body = json.loads(row.payload)
            for name in ("id", "subject"):
                del body["data"]["ticket"][name]
            found.append(
                {
                    "event_type": row.event_type,
                    "status": row.status,
                    "data": body["data"],
                    "type": body["type"],
                }
            )
    return found


def queued_jobs(context: ServiceContext) -> int:
    table = (
        "procrastinate_jobs"
        if context.engine.dialect.name == "postgresql"
        else ("job_outbox")
    )
    with context.engine.connect() as connection:
        return connection.scalar(text(f"SELECT count(*) FROM {table}")) or 0


def test_batch_deliveries_match_single_writer(context: ServiceContext) -> None:
    create_subscription(
        context,
        ADMIN,
        SubscriptionInput(
            url="http://127.0.0.1:9/hook",
            events=["ticket.created", "ticket.routed"],
            include_content=True,
        ),
        WEDNESDAY,
    )
    requester = RequesterInput(email="jo@example.com", name="Jo")
    single = pending(context, draft(1, requester=requester))
    write_new_ticket(context, single)
    batch = [pending(context, draft(n, requester=requester)) for n in (2, 3)]
    # On PostgreSQL too, the two-statement writer hands such batches on.
    stored = context.new_tickets._write(batch)

    expected = deliveries(context, single.ticket.id)
    assert [d["event_type"] for d in expected] == ["ticket.created", "ticket.routed"]
    for item in stored:
        assert deliveries(context, item.view.id) == expected
    assert queued_jobs(context) == 6


def test_batch_deliveries_mask_each_tickets_name(context: ServiceContext) -> None:
    create_subscription(
        context,
        ADMIN,
        SubscriptionInput(
            url="http://127.0.0.1:9/hook",
            events=["ticket.created"],
            teams=["vendor"],
            include_content=True,
        ),
        WEDNESDAY,
    )
    with read_session(context.engine) as session:
        revision = load_active(context, session)
    # An admin may rename the requester, so the second ticket renames her.
    batch = [
        route_draft(
            context,
            ADMIN,
            revision,
            NewTicket(
                subject=f"{name}: my card has not arrived",
                inquiry_type="cards",
                requester=RequesterInput(email="kim@example.com", name=name),
            ),
            {},
            WEDNESDAY,
        )
        for name in ("Carla Mendes", "Dora Lopes")
    ]
    stored = write_new_tickets(context, batch)
    assert [item.team for item in stored] == ["vendor", "vendor"]
    with read_session(context.engine) as session:
        payloads = session.scalars(select(WebhookDeliveryRow.payload)).all()
    assert len(payloads) == 2
    for payload in payloads:
        ticket = json.loads(payload)["data"]["ticket"]
        assert ticket["subject"] == "[name]: my card has not arrived"
        assert ticket["requester"]["name"] == "[name]"
    names = [item.view.requester.name for item in stored if item.view.requester]
    assert names == ["Carla Mendes", "Dora Lopes"]
