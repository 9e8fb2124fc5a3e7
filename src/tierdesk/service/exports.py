"""Exports: tickets whose inquiry type an agent corrected, as training data.

The CSV has the columns `tierdesk train` reads: `subject` and `body` as text and
`label` as the label, so `tierdesk train corrections.csv --label label` learns
from the corrections. `label` is the inquiry type's classifier label when the
policy maps the type to exactly one label, else the inquiry type id; a model
trained on type ids needs each such type to list its own id under `labels`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from io import StringIO

from sqlalchemy import func, select

from tierdesk.policy.model import Policy
from tierdesk.service.actor import Actor
from tierdesk.service.context import ServiceContext
from tierdesk.service.permissions import require
from tierdesk.service.policies import load_active
from tierdesk.service.transactions import read_session
from tierdesk.store.schema import DecisionRow, TicketRow

COLUMNS = [
    "ticket_id",
    "subject",
    "body",
    "language",
    "inquiry_type",
    "label",
    "predicted_inquiry_type",
    "corrected_at",
]
_BATCH = 1000


def training_label(policy: Policy, inquiry_type: str) -> str:
    """Return the label a classifier should learn for `inquiry_type`."""
    known = policy.inquiry_types_by_id.get(inquiry_type)
    if known is not None and len(known.label_set) == 1:
        return known.label_set[0]
    return inquiry_type


def corrected_rows(context: ServiceContext, actor: Actor) -> Iterator[dict[str, str]]:
    """Yield one row per corrected ticket, oldest first, reading in batches."""
    require(actor, "export.read")
    first_decision = (
        select(DecisionRow.ticket_id, func.min(DecisionRow.id).label("decision_id"))
        .group_by(DecisionRow.ticket_id)
        .subquery()
    )
    after = 0
    while True:
        with read_session(context.engine) as session:
            policy = load_active(context, session).policy
            rows = session.execute(
                select(TicketRow, DecisionRow.inquiry_type)
                .outerjoin(first_decision, first_decision.c.ticket_id == TicketRow.id)
                .outerjoin(DecisionRow, DecisionRow.id == first_decision.c.decision_id)
                .where(TicketRow.inquiry_type_source == "agent", TicketRow.id > after)
                .order_by(TicketRow.id)
                .limit(_BATCH)
            ).all()
            batch = [_row(policy, ticket, predicted) for ticket, predicted in rows]
            if rows:
                after = rows[-1][0].id
        yield from batch
        if len(batch) < _BATCH:
            return


def _row(policy: Policy, ticket: TicketRow, predicted: str | None) -> dict[str, str]:
    inquiry_type = ticket.inquiry_type or ""
    return {
        "ticket_id": ticket.external_id,
        "subject": ticket.subject,
        "body": ticket.body,
        "language": ticket.language or "",
        "inquiry_type": inquiry_type,
        "label": training_label(policy, inquiry_type),
        "predicted_inquiry_type": predicted or "",
        "corrected_at": ticket.updated_at.isoformat() if ticket.updated_at else "",
    }


def corrections_csv(context: ServiceContext, actor: Actor) -> Iterator[str]:
    """Yield the corrections CSV in chunks of text, header first."""
    buffer = StringIO()
    writer = csv.DictWriter(buffer, COLUMNS)
    writer.writeheader()
    for row in corrected_rows(context, actor):
        writer.writerow(row)
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
