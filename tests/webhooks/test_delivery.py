"""Webhook deliveries end to end: a local receiver, retries, records and masking."""

from __future__ import annotations

import json
from datetime import timedelta

from tierdesk.events import TicketStatus
from tierdesk.service.context import ServiceContext
from tierdesk.service.escalation import EscalationInput, escalate_ticket
from tierdesk.service.intake import NewTicket, create_ticket
from tierdesk.service.lifecycle import StatusInput, change_status
from tierdesk.service.requesters import RequesterInput
from tierdesk.service.sla_watch import check_sla
from tierdesk.service.webhooks import (
    SubscriptionInput,
    SubscriptionUpdate,
    create_subscription,
    get_delivery,
    list_deliveries,
    redeliver,
    update_subscription,
)
from tierdesk.webhooks.delivery import _claim, deliver_webhook
from tierdesk.webhooks.signing import HEADER, verify_signature

from ..jobs._run import run_jobs
from ..service.conftest import ADMIN, WEDNESDAY, Clock
from ._receiver import receiver


def _subscribe(context: ServiceContext, url: str, events: list[str], **fields):  # type: ignore[no-untyped-def]
    data = SubscriptionInput(url=url, events=events, **fields)  # type: ignore[arg-type]
    return create_subscription(context, ADMIN, data, WEDNESDAY)


def _new_ticket(context: ServiceContext, clock: Clock, **fields) -> str:  # type: ignore[no-untyped-def]
    draft = NewTicket(subject="Card not arrived", inquiry_type="cards", **fields)
    return create_ticket(context, ADMIN, draft, clock()).ticket.id


def _run_until_settled(
    context: ServiceContext, clock: Clock, rounds: int = 6, **options: bool
) -> None:
    # Each round moves the clock past the longest backoff of the test config.
    for _ in range(rounds):
        run_jobs(context, clock, **options)
        clock.advance(minutes=10)


def test_retries_until_receiver_accepts(context: ServiceContext, clock: Clock) -> None:
    with receiver(fail_first=2) as hook:
        created = _subscribe(context, hook.url, ["ticket.created"])
        ticket_id = _new_ticket(context, clock)
        _run_until_settled(context, clock, real_worker=True)
    deliveries = list_deliveries(context, ADMIN, created.subscription.id)
    assert len(deliveries) == 1
    delivery = deliveries[0]
    assert delivery.status == "delivered"
    assert [a.response_code for a in delivery.attempts] == [500, 500, 204]
    assert [a.succeeded for a in delivery.attempts] == [False, False, True]
    assert delivery.attempts[0].error == "HTTP 500 Internal Server Error"
    assert len(hook.requests) == 3
    ids = {request.headers["Tierdesk-Delivery"] for request in hook.requests}
    assert ids == {delivery.id}
    assert delivery.ticket_id == ticket_id


def test_retry_waits_follow_backoff(context: ServiceContext, clock: Clock) -> None:
    with receiver(fail_first=2) as hook:
        _subscribe(context, hook.url, ["ticket.created"])
        _new_ticket(context, clock)
        _run_until_settled(context, clock)
    stamps = [
        int(request.headers[HEADER].split(",")[0].removeprefix("t="))
        for request in hook.requests
    ]
    # The clock moves 10 minutes per round, and each wait of the test config
    # (30 s, then 60 s, with jitter) ends within the next round.
    assert stamps[1] - stamps[0] == 600
    assert stamps[2] - stamps[1] == 600


def test_every_attempt_is_signed(context: ServiceContext, clock: Clock) -> None:
    with receiver(fail_first=1) as hook:
        created = _subscribe(context, hook.url, ["ticket.created"])
        _new_ticket(context, clock)
        _run_until_settled(context, clock)
    for request in hook.requests:
        stamp = int(request.headers[HEADER].split(",")[0].removeprefix("t="))
        checked = verify_signature(
            created.secret, request.headers[HEADER], request.body, stamp + 5
        )
        assert checked == stamp
    assert hook.requests[0].body == hook.requests[1].body


def test_body_has_id_type_and_ticket(context: ServiceContext, clock: Clock) -> None:
    with receiver() as hook:
        created = _subscribe(context, hook.url, ["ticket.created", "ticket.routed"])
        ticket_id = _new_ticket(
            context, clock, requester=RequesterInput(email="ana@example.com")
        )
        _run_until_settled(context, clock, rounds=1)
    bodies = {}
    for request in hook.requests:
        body = json.loads(request.body)
        assert body["id"] == request.headers["Tierdesk-Delivery"]
        assert body["type"] == request.headers["Tierdesk-Event"]
        assert "ana@example.com" not in request.body.decode()
        bodies[body["type"]] = body
    assert sorted(bodies) == ["ticket.created", "ticket.routed"]
    ticket = bodies["ticket.created"]["data"]["ticket"]
    assert bodies["ticket.created"]["subscription_id"] == created.subscription.id
    assert ticket["id"] == ticket_id
    assert ticket["team"] == "vendor"
    assert "subject" not in ticket
    assert "requester" not in ticket
    assert bodies["ticket.routed"]["data"]["rule"] == "default"


def test_vendor_scope_masks_content(context: ServiceContext, clock: Clock) -> None:
    with receiver() as hook:
        vendor = _subscribe(
            context,
            hook.url,
            ["ticket.created"],
            teams=["vendor"],
            include_content=True,
        )
        _subscribe(context, hook.url, ["ticket.created"], include_content=True)
        _new_ticket(
            context,
            clock,
            body="Call me on +44 20 7946 0958, Ana",
            requester=RequesterInput(email="ana@example.com", name="Ana Lima"),
        )
        _run_until_settled(context, clock, rounds=1)
    tickets = {}
    for request in hook.requests:
        body = json.loads(request.body)
        scope = "vendor" if body["subscription_id"] == vendor.subscription.id else "all"
        tickets[scope] = body["data"]["ticket"]
    assert tickets["vendor"]["body"] == "Call me on [phone], [name]"
    assert tickets["vendor"]["requester"]["name"] == "[name]"
    assert tickets["vendor"]["requester"]["email"] == "[email]"
    assert tickets["all"]["body"] == "Call me on +44 20 7946 0958, Ana"
    assert tickets["all"]["requester"]["name"] == "Ana Lima"
    assert tickets["all"]["requester"]["email"] == "ana@example.com"


def test_team_scope_filters_events(context: ServiceContext, clock: Clock) -> None:
    with receiver() as hook:
        _subscribe(context, hook.url, ["ticket.created"], teams=["product"])
        _new_ticket(context, clock)
        _run_until_settled(context, clock, rounds=1)
    assert hook.requests == []


def test_escalation_reaches_both_teams(context: ServiceContext, clock: Clock) -> None:
    with receiver() as hook:
        _subscribe(context, hook.url, ["ticket.escalated"], teams=["vendor"])
        ticket_id = _new_ticket(context, clock)
        escalate_ticket(
            context, ADMIN, ticket_id, EscalationInput(reason="needs care"), clock()
        )
        _run_until_settled(context, clock, rounds=1)
    assert len(hook.requests) == 1
    data = json.loads(hook.requests[0].body)["data"]
    assert data["from_team"] == "vendor"
    assert data["to_team"] == "specialists"
    assert "reason" not in data


def test_sla_and_solve_events_sent(context: ServiceContext, clock: Clock) -> None:
    with receiver() as hook:
        _subscribe(context, hook.url, ["sla.warning", "sla.breached", "ticket.solved"])
        ticket_id = _new_ticket(context, clock)
        check_sla(context, clock.advance(hours=9))
        solved = StatusInput(status=TicketStatus.SOLVED)
        change_status(context, ADMIN, ticket_id, solved, clock.advance(hours=1))
        _run_until_settled(context, clock, rounds=1)
    types = sorted(json.loads(request.body)["type"] for request in hook.requests)
    assert types == ["sla.breached", "sla.warning", "ticket.solved"]


def test_dead_delivery_stays_listed(context: ServiceContext, clock: Clock) -> None:
    with receiver(fail_first=100) as hook:
        created = _subscribe(context, hook.url, ["ticket.created"])
        _new_ticket(context, clock)
        _run_until_settled(context, clock)
        subscription_id = created.subscription.id
        dead = list_deliveries(context, ADMIN, subscription_id, status="dead")
        assert len(dead) == 1
        assert len(dead[0].attempts) == 3
        assert dead[0].next_attempt_at is None
        redeliver(context, ADMIN, dead[0].id, clock())
        _run_until_settled(context, clock, rounds=1)
    again = get_delivery(context, ADMIN, dead[0].id)
    assert again.status == "dead"
    assert len(again.attempts) == 4
    assert len(hook.requests) == 4


def test_unreachable_receiver_records_error(
    context: ServiceContext, clock: Clock
) -> None:
    created = _subscribe(context, "http://127.0.0.1:9/", ["ticket.created"])
    _new_ticket(context, clock)
    run_jobs(context, clock)
    delivery = list_deliveries(context, ADMIN, created.subscription.id)[0]
    assert delivery.status == "pending"
    assert delivery.attempts[0].response_code is None
    assert "ConnectionRefusedError" in (delivery.attempts[0].error or "")
    assert delivery.next_attempt_at is not None
    wait = delivery.next_attempt_at - delivery.attempts[0].started_at
    assert timedelta(seconds=15) <= wait <= timedelta(seconds=30)


def test_repeated_job_sends_once(context: ServiceContext, clock: Clock) -> None:
    with receiver() as hook:
        created = _subscribe(context, hook.url, ["ticket.created"])
        _new_ticket(context, clock)
        delivery = list_deliveries(context, ADMIN, created.subscription.id)[0]
        args = {"delivery": delivery.id, "attempt": 1}
        deliver_webhook(context, args, clock())
        deliver_webhook(context, args, clock())
    assert len(hook.requests) == 1
    assert get_delivery(context, ADMIN, delivery.id).status == "delivered"


def test_abandoned_attempt_resent_after_lease(
    context: ServiceContext, clock: Clock
) -> None:
    with receiver() as hook:
        created = _subscribe(context, hook.url, ["ticket.created"])
        _new_ticket(context, clock)
        delivery = list_deliveries(context, ADMIN, created.subscription.id)[0]
        # A worker claims attempt 1 and dies before recording it.
        assert _claim(context, delivery.id, 1, clock()) is not None
        args = {"delivery": delivery.id, "attempt": 1}
        deliver_webhook(context, args, clock.advance(seconds=30))
        assert hook.requests == []
        deliver_webhook(context, args, clock.advance(minutes=2))
    assert len(hook.requests) == 1
    assert hook.requests[0].headers["Tierdesk-Delivery"] == delivery.id
    again = get_delivery(context, ADMIN, delivery.id)
    assert again.status == "delivered"
    assert [attempt.number for attempt in again.attempts] == [1]


def test_inactive_subscription_cancels(context: ServiceContext, clock: Clock) -> None:
    with receiver() as hook:
        created = _subscribe(context, hook.url, ["ticket.created"])
        _new_ticket(context, clock)
        update_subscription(
            context,
            ADMIN,
            created.subscription.id,
            SubscriptionUpdate(active=False),
            clock(),
        )
        _run_until_settled(context, clock, rounds=1)
    assert hook.requests == []
    delivery = list_deliveries(context, ADMIN, created.subscription.id)[0]
    assert delivery.status == "cancelled"
