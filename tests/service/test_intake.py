"""Live routing on create: classification, triage, corrections and their export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import InvalidInput
from tierdesk.service.exports import corrections_csv
from tierdesk.service.intake import NewTicket, create_ticket
from tierdesk.service.policies import upload_policy
from tierdesk.service.ticket_updates import TicketUpdate, update_ticket
from tierdesk.service.tickets import get_events

from .conftest import ADMIN, SERVICE_POLICY, WEDNESDAY, make_context


@pytest.fixture
def classifying(database_url: str, model_path: Path) -> Iterator[ServiceContext]:
    context = make_context(database_url, model_path)
    yield context
    context.engine.dispose()


def test_model_classifies_new_ticket(classifying: ServiceContext) -> None:
    draft = NewTicket(subject="I still have not received my new card, where is it?")
    ticket = create_ticket(classifying, ADMIN, draft, WEDNESDAY).ticket
    assert ticket.inquiry_type == "cards"
    assert ticket.inquiry_type_source == "model"
    assert ticket.decision is not None
    assert ticket.decision.confidence == ticket.confidence


def test_without_model_inquiry_type_is_required(context: ServiceContext) -> None:
    with pytest.raises(InvalidInput) as caught:
        create_ticket(context, ADMIN, NewTicket(subject="card?"), WEDNESDAY)
    assert caught.value.code == "inquiry_type_required"
    assert caught.value.field == "inquiry_type"


def test_values_outside_policy_rejected(context: ServiceContext) -> None:
    for field, value in (
        ("channel", "fax"),
        ("priority", "asap"),
        ("inquiry_type", "x"),
    ):
        draft = NewTicket(**{"subject": "x", "inquiry_type": "cards", field: value})
        with pytest.raises(InvalidInput) as caught:
            create_ticket(context, ADMIN, draft, WEDNESDAY)
        assert caught.value.field == field


def test_correction_reroutes_triaged_ticket(classifying: ServiceContext) -> None:
    strict = SERVICE_POLICY.replace("version: 1", "version: 2").replace(
        "min_confidence: 0.3", "min_confidence: 0.95"
    )
    upload_policy(classifying, ADMIN, strict, WEDNESDAY)
    # Text unlike any training question gets a low confidence, so triage.
    draft = NewTicket(subject="zzz qqq", body="xyzzy")
    ticket = create_ticket(classifying, ADMIN, draft, WEDNESDAY).ticket
    assert ticket.team == "triage"
    corrected = update_ticket(
        classifying, ADMIN, ticket.id, TicketUpdate(inquiry_type="identity"), WEDNESDAY
    )
    assert corrected.team == "product"
    assert corrected.inquiry_type_source == "agent"
    assert corrected.decision is not None
    assert corrected.decision.rule == "complex"
    notes = [
        e
        for e in get_events(classifying, ADMIN, ticket.id)
        if e.kind == "internal_note"
    ]
    assert notes[0].attributes["change"] == "inquiry_type"
    assert notes[0].attributes["to"] == "identity"


def test_corrections_export_reads_as_training_data(classifying: ServiceContext) -> None:
    draft = NewTicket(subject="My card never arrived", body="Still waiting")
    ticket = create_ticket(classifying, ADMIN, draft, WEDNESDAY).ticket
    create_ticket(classifying, ADMIN, NewTicket(subject="other"), WEDNESDAY)
    update_ticket(
        classifying, ADMIN, ticket.id, TicketUpdate(inquiry_type="refunds"), WEDNESDAY
    )
    rows = list(
        csv.DictReader(io.StringIO("".join(corrections_csv(classifying, ADMIN))))
    )
    assert len(rows) == 1
    assert rows[0]["ticket_id"] == ticket.id
    assert rows[0]["label"] == "request_refund"
    assert rows[0]["inquiry_type"] == "refunds"
    assert rows[0]["predicted_inquiry_type"] == "cards"
    assert rows[0]["subject"] == "My card never arrived"
