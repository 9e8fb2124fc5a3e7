"""`tierdesk policy explain`: one ticket's decision and why earlier rules failed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tierdesk.accounts import convert_attribute, parse_accounts
from tierdesk.classify.modelfile import load_model
from tierdesk.classify.predict import InquiryPredictor, Prediction
from tierdesk.errors import InputError
from tierdesk.io.tables import read_table
from tierdesk.policy import load_policy
from tierdesk.policy.durations import format_duration
from tierdesk.route.router import Explanation, Router
from tierdesk.ticket import Ticket

_TICKET_KEYS = {
    "id",
    "subject",
    "body",
    "text",
    "channel",
    "language",
    "priority",
    "account_id",
    "account",
    "inquiry_type",
    "confidence",
    "complexity",
}


def explain_ticket(
    policy_path: Path,
    data: dict[str, Any],
    model_path: Path | None,
    accounts_path: Path | None,
) -> Explanation:
    """Decide one ticket given as JSON and explain the decision."""
    unknown = sorted(set(data) - _TICKET_KEYS)
    if unknown:
        raise InputError(
            f"--ticket: unknown keys {', '.join(unknown)}; expected some of: "
            f"{', '.join(sorted(_TICKET_KEYS))}"
        )
    policy = load_policy(policy_path).policy
    ticket = Ticket(
        id=str(data.get("id", "ticket")),
        subject=str(data.get("subject") or data.get("text") or ""),
        body=str(data.get("body") or ""),
        channel=data.get("channel"),
        language=data.get("language"),
        priority=data.get("priority"),
        account_id=data.get("account_id"),
    )
    attributes = _attributes(data, policy, accounts_path)
    prediction = _prediction(data, ticket, policy, model_path)
    return Router(policy).explain(ticket, attributes, prediction)


def _attributes(
    data: dict[str, Any], policy: Any, accounts_path: Path | None
) -> dict[str, Any]:
    if isinstance(data.get("account"), dict):
        attributes = {}
        for name, value in data["account"].items():
            declared = policy.account_attributes.get(name)
            kind = declared.type if declared else "string"
            attributes[name] = convert_attribute(value, kind, column=f"account.{name}")
        return attributes
    account_id = data.get("account_id")
    if account_id is None:
        return {}
    if accounts_path is None:
        raise InputError(
            "--ticket names an account_id; pass --accounts FILE, or give the "
            'attributes inline as "account": {...}'
        )
    accounts = parse_accounts(read_table(accounts_path), policy)
    if account_id not in accounts:
        raise InputError(f"account {account_id!r} not found", file=accounts_path)
    return accounts[account_id]


def _prediction(
    data: dict[str, Any], ticket: Ticket, policy: Any, model_path: Path | None
) -> Prediction:
    complexity = data.get("complexity")
    if complexity is not None and complexity not in ("simple", "complex"):
        raise InputError(
            f"--ticket: complexity must be simple or complex, got {complexity!r}"
        )
    if "inquiry_type" in data:
        inquiry_type = data["inquiry_type"]
        if inquiry_type not in policy.inquiry_types_by_id:
            raise InputError(
                f"--ticket: unknown inquiry type {inquiry_type!r}; expected one of: "
                f"{', '.join(policy.inquiry_types_by_id)}"
            )
        confidence = data.get("confidence", 1.0)
        if (
            isinstance(confidence, bool)
            or not isinstance(confidence, int | float)
            or not 0 <= confidence <= 1
        ):
            raise InputError(
                f"--ticket: confidence must be a number from 0 to 1, got {confidence!r}"
            )
        return Prediction(inquiry_type, float(confidence), complexity)
    if model_path is None:
        raise InputError(
            "--ticket has no inquiry_type; give one (with a confidence) or pass "
            "--model to classify the text"
        )
    if not ticket.text.strip():
        raise InputError("--ticket has no text to classify; add 'subject' or 'body'")
    predicted = InquiryPredictor(load_model(model_path), policy).predict([ticket.text])[
        0
    ]
    if complexity is not None:
        return Prediction(predicted.inquiry_type, predicted.confidence, complexity)
    return predicted


def render_explanation(explanation: Explanation) -> list[str]:
    """Format the explanation as lines for the terminal."""
    d = explanation.decision
    lines = [
        f"decision under {d.policy_version}:",
        f"  segment       {d.segment} (segment rule {d.segment_rule!r})",
        f"  inquiry type  {d.inquiry_type} (confidence {d.confidence:.2f})",
        f"  complexity    {d.complexity} (from the {d.complexity_source})",
        f"  priority      {d.priority}",
        f"  tier, team    {d.tier}, {d.team} ({d.team_kind})",
        f"  SLA           {d.sla_policy}: first response {format_duration(d.first_response_target)}, "
        f"resolution {format_duration(d.resolution_target)} ({d.sla_time} time)",
        f"  rule          {d.rule}",
        f"  reason        {d.reason}",
        "segment rules:",
    ]
    lines += _check_lines(explanation.segment_checks, d.segment_rule)
    if d.triage:
        lines.append("routing rules: not evaluated, the ticket went to triage")
    else:
        lines.append("routing rules:")
        lines += _check_lines(explanation.rule_checks, d.rule)
    return lines


def _check_lines(checks: list[Any], matched: str) -> list[str]:
    lines = []
    for check in checks:
        if check.rule == matched and check.failed is None:
            lines.append(f"  {check.rule}: matched")
        elif check.failed is not None:
            actual = "missing" if check.actual is None else repr(check.actual)
            lines.append(
                f"  {check.rule}: failed {check.failed.describe()} (value: {actual})"
            )
    return lines
