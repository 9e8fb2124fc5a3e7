"""Routing dry run: the decision a ticket would get, stored nowhere."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, StrictFloat, StrictInt

from tierdesk.classify.predict import Prediction
from tierdesk.errors import ModelError
from tierdesk.service.accounts import typed_attributes
from tierdesk.service.actor import Actor
from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import InvalidInput
from tierdesk.service.intake import (
    NewTicket,
    check_against_policy,
    load_account_attributes,
)
from tierdesk.service.permissions import require
from tierdesk.service.policies import load_active, load_revision
from tierdesk.service.transactions import read_session
from tierdesk.ticket import Ticket


class DryRunInput(NewTicket):
    """A ticket to route; `account` overrides the stored account's attributes."""

    account: dict[str, str | int | float | bool] | None = None
    revision: StrictInt | None = Field(default=None, ge=1)
    confidence: StrictFloat | None = Field(default=None, ge=0, le=1)


class RuleCheckView(BaseModel):
    rule: str
    failed_field: str | None
    actual: Any


class DryRunResult(BaseModel):
    decision: dict[str, Any]
    policy_revision: int
    rules_tried: list[RuleCheckView]


def dry_run(context: ServiceContext, actor: Actor, data: DryRunInput) -> DryRunResult:
    """Route a ticket under the active or another stored revision, and explain it."""
    require(actor, "route.dry_run")
    with read_session(context.engine) as session:
        if data.revision is None:
            revision = load_active(context, session)
        else:
            revision = load_revision(context, session, data.revision)
        if data.account is not None:
            attributes = typed_attributes(revision.policy, data.account, "account")
        else:
            attributes = load_account_attributes(session, data.account_id)
    check_against_policy(revision, data)
    ticket = Ticket(
        id="dry-run",
        subject=data.subject,
        body=data.body,
        channel=data.channel,
        language=data.language,
        priority=data.priority,
        account_id=data.account_id,
    )
    if data.inquiry_type is not None:
        prediction = Prediction(data.inquiry_type, data.confidence or 1.0)
    elif context.models.configured:
        try:
            predictor = context.models.predictor(revision.revision, revision.policy)
        except ModelError as exc:
            raise InvalidInput(
                "policy_model_mismatch", str(exc), field="revision"
            ) from None
        prediction = predictor.predict([ticket.text])[0]
    else:
        raise InvalidInput(
            "inquiry_type_required",
            "no classifier model is configured, so give inquiry_type",
            field="inquiry_type",
        )
    explanation = revision.router.explain(ticket, attributes, prediction)
    record = explanation.decision.as_record()
    record.pop("ticket_id")
    return DryRunResult(
        decision=record,
        policy_revision=revision.revision,
        rules_tried=[
            RuleCheckView(
                rule=check.rule,
                failed_field=check.failed.field if check.failed else None,
                actual=check.actual,
            )
            for check in explanation.rule_checks
        ],
    )
