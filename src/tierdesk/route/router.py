"""The routing decision: segment, inquiry type, complexity, then the first rule.

`Router` is the pure core that the batch command, the service and the simulator
share. It takes the ticket, the account's attributes and the classifier's
prediction, and reads no clock, file or database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tierdesk.classify.predict import Prediction
from tierdesk.policy.conditions import Condition
from tierdesk.policy.model import Policy, RoutingRule
from tierdesk.route.decision import Decision
from tierdesk.route.rules import compile_rules, first_failed, first_match
from tierdesk.segment import Segmenter, SegmentMatch
from tierdesk.ticket import Ticket

TRIAGE_RULE = "triage"


@dataclass(frozen=True)
class RuleCheck:
    """Outcome of one earlier rule: the first condition that failed and the value seen."""

    rule: str
    failed: Condition | None
    actual: Any


@dataclass(frozen=True)
class Explanation:
    decision: Decision
    context: dict[str, Any]
    segment_checks: list[RuleCheck]
    rule_checks: list[RuleCheck]


class Router:
    """Decide tickets under one policy; build once per policy version and reuse."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._compiled = compile_rules(policy.routing.rules)
        self._segmenter = Segmenter(policy)
        self._priorities = frozenset(policy.priorities)
        self._targets: dict[tuple[str, str, str], Any] = {}
        self._reason_fields = [
            tuple(dict.fromkeys(c.field for c in rule.conditions))
            for rule in policy.routing.rules
        ]
        default_rule = policy.routing.rules[-1]
        self._triage_sla = (
            policy.routing.triage_sla_policy or default_rule.then.sla_policy
        )

    def segment(self, attributes: Mapping[str, Any] | None) -> SegmentMatch:
        return self._segmenter.assign(attributes)

    def resolve_priority(self, priority: str | None) -> str:
        """Return the ticket's priority if the policy lists it, else the default."""
        if priority is not None and priority in self._priorities:
            return priority
        return self.policy.default_priority

    def context(
        self,
        ticket: Ticket,
        attributes: Mapping[str, Any] | None,
        segment: str,
        prediction: Prediction,
    ) -> dict[str, Any]:
        """Return the values routing conditions test, keyed by field name."""
        inquiry_type = self.policy.inquiry_types_by_id[prediction.inquiry_type]
        context: dict[str, Any] = {
            "segment": segment,
            "inquiry_type": prediction.inquiry_type,
            "complexity": prediction.complexity or inquiry_type.complexity,
            "confidence": prediction.confidence,
            "priority": self.resolve_priority(ticket.priority),
            "channel": ticket.channel,
            "language": ticket.language.lower() if ticket.language else None,
        }
        for name, value in (attributes or {}).items():
            context[f"account.{name}"] = value
        return context

    def decide(
        self,
        ticket: Ticket,
        attributes: Mapping[str, Any] | None,
        prediction: Prediction,
        segment: SegmentMatch | None = None,
    ) -> Decision:
        """Return the routing decision for one ticket.

        `segment` may carry the account's segment when the caller has already
        assigned it, as batch routing does once per account.
        """
        match = segment or self.segment(attributes)
        context = self.context(ticket, attributes, match.segment, prediction)
        return self._decide(ticket, match, prediction, context)

    def _decide(
        self,
        ticket: Ticket,
        match: SegmentMatch,
        prediction: Prediction,
        context: dict[str, Any],
    ) -> Decision:
        policy = self.policy
        routing = policy.routing
        if (
            routing.triage_team is not None
            and prediction.confidence < routing.min_confidence
        ):
            return self._build(
                ticket,
                match,
                prediction,
                context,
                team_id=routing.triage_team,
                sla_id=self._triage_sla,
                priority=context["priority"],
                rule_id=TRIAGE_RULE,
                tags=("triage",),
                reason=(
                    f"confidence {prediction.confidence:.2f} is below min_confidence "
                    f"{routing.min_confidence:.2f}, so triage team "
                    f"{routing.triage_team!r} confirms the inquiry type"
                ),
            )
        index = first_match(self._compiled, context)
        rule = routing.rules[index]
        return self._build(
            ticket,
            match,
            prediction,
            context,
            team_id=rule.then.team,
            sla_id=rule.then.sla_policy,
            priority=rule.then.priority or context["priority"],
            rule_id=rule.id,
            tags=tuple(rule.then.tags),
            reason=_reason(
                rule, self._reason_fields[index], context, index == len(routing.rules) - 1
            ),
        )

    def _build(
        self,
        ticket: Ticket,
        match: SegmentMatch,
        prediction: Prediction,
        context: dict[str, Any],
        *,
        team_id: str,
        sla_id: str,
        priority: str,
        rule_id: str,
        tags: tuple[str, ...],
        reason: str,
    ) -> Decision:
        team = self.policy.teams_by_id[team_id]
        key = (sla_id, match.segment, priority)
        target = self._targets.get(key)
        if target is None:
            sla = self.policy.sla_policies_by_id[sla_id]
            target = sla.target_for(match.segment, priority)
            if target is None:
                raise AssertionError("validated policies cover every reachable segment")
            self._targets[key] = target
        return Decision(
            ticket_id=ticket.id,
            segment=match.segment,
            segment_rule=match.rule,
            inquiry_type=prediction.inquiry_type,
            confidence=prediction.confidence,
            complexity=context["complexity"],
            complexity_source="model" if prediction.complexity else "policy",
            priority=priority,
            tier=team.tier,
            team=team.id,
            team_kind=team.kind,
            sla_policy=sla_id,
            first_response_target=target.first_response,
            resolution_target=target.resolution,
            sla_time=target.time,
            rule=rule_id,
            triage=rule_id == TRIAGE_RULE,
            tags=tags,
            reason=reason,
            policy_version=self.policy.version_label,
        )

    def explain(
        self,
        ticket: Ticket,
        attributes: Mapping[str, Any] | None,
        prediction: Prediction,
    ) -> Explanation:
        """Return the decision and, for every rule before the one that matched,
        the first condition that failed."""
        values = attributes or {}
        match = self.segment(values)
        context = self.context(ticket, values, match.segment, prediction)
        decision = self._decide(ticket, match, prediction, context)
        segment_checks = _checks_until(self.policy.segment_rules, values, match.rule)
        rule_checks: list[RuleCheck] = []
        if not decision.triage:
            rule_checks = _checks_until(
                self.policy.routing.rules, context, decision.rule
            )
        return Explanation(decision, context, segment_checks, rule_checks)


def _checks_until(
    rules: Any, values: Mapping[str, Any], matched: str
) -> list[RuleCheck]:
    checks = []
    for rule in rules:
        failed = first_failed(rule, values)
        checks.append(
            RuleCheck(rule.id, failed, values.get(failed.field) if failed else None)
        )
        if rule.id == matched:
            break
    return checks


def _reason(
    rule: RoutingRule, fields: tuple[str, ...], context: dict[str, Any], is_default: bool
) -> str:
    if is_default and not fields:
        return f"no earlier rule matched, so default rule {rule.id!r} applies"
    shown = ", ".join(f"{field}={_show(context.get(field))}" for field in fields)
    return f"rule {rule.id!r} matched: {shown}"


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
