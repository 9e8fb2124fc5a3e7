"""Router: first match wins, default rule, triage, SLA targets, explanations."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tierdesk.classify.predict import Prediction
from tierdesk.policy import parse_policy
from tierdesk.route.router import TRIAGE_RULE, Router
from tierdesk.ticket import Ticket


@pytest.fixture
def router(small_policy_text: str) -> Router:
    return Router(parse_policy(small_policy_text, "policy.yaml").policy)


def _ticket(**fields: object) -> Ticket:
    return Ticket(id="T-1", subject="help", **fields)  # type: ignore[arg-type]


def test_first_matching_rule_wins(router: Router) -> None:
    # An enterprise account with a complex type matches rules 'enterprise' and
    # 'complex'; the earlier one decides.
    decision = router.decide(
        _ticket(), {"spend": 500000}, Prediction("ad_delivery", 0.9)
    )
    assert decision.rule == "enterprise"
    assert decision.team == "specialists"
    assert decision.segment == "enterprise"
    assert decision.segment_rule == "big"
    assert decision.tags == ("vip",)


def test_later_rule_when_earlier_fail(router: Router) -> None:
    decision = router.decide(_ticket(), {"spend": 10}, Prediction("ad_delivery", 0.9))
    assert decision.rule == "complex"
    assert decision.tier == "escalation"
    assert decision.team == "product"


def test_default_rule_catches_the_rest(router: Router) -> None:
    # Simple type, but the account is in the US, which rule 'simple' excludes.
    decision = router.decide(
        _ticket(), {"spend": 10, "country": "US"}, Prediction("password_reset", 0.95)
    )
    assert decision.rule == "default"
    assert (
        decision.reason == "no earlier rule matched, so default rule 'default' applies"
    )


def test_missing_attribute_fails_ne_condition(router: Router) -> None:
    decision = router.decide(_ticket(), {}, Prediction("password_reset", 0.95))
    assert decision.rule == "default"


def test_unknown_account_gets_default_segment(router: Router) -> None:
    decision = router.decide(_ticket(), None, Prediction("password_reset", 0.95))
    assert decision.segment == "smb"
    assert decision.segment_rule == "rest"


def test_rule_priority_sets_sla_target(router: Router) -> None:
    decision = router.decide(
        _ticket(), {"country": "DE"}, Prediction("password_reset", 0.95)
    )
    assert decision.rule == "simple"
    assert decision.priority == "low"
    assert decision.first_response_target == timedelta(hours=8)
    assert decision.resolution_target == timedelta(days=2)
    assert decision.team_kind == "vendor"


def test_urgent_enterprise_target(router: Router) -> None:
    decision = router.decide(
        _ticket(priority="urgent"), {"managed": True}, Prediction("billing", 0.99)
    )
    assert decision.segment_rule == "managed"
    assert decision.first_response_target == timedelta(minutes=30)


def test_unknown_priority_uses_policy_default(router: Router) -> None:
    decision = router.decide(
        _ticket(priority="p1"), {"managed": True}, Prediction("billing", 0.99)
    )
    assert decision.priority == "normal"


def test_confidence_condition(router: Router) -> None:
    unsure = router.decide(_ticket(), {"country": "DE"}, Prediction("billing", 0.6))
    sure = router.decide(_ticket(), {"country": "DE"}, Prediction("billing", 0.9))
    assert unsure.rule == "unsure-billing"
    assert sure.rule == "simple"


def test_triage_below_min_confidence(router: Router) -> None:
    decision = router.decide(_ticket(), {"spend": 500000}, Prediction("billing", 0.49))
    assert decision.triage
    assert decision.rule == TRIAGE_RULE
    assert decision.team == "triage"
    assert decision.inquiry_type == "billing"
    assert "below min_confidence 0.50" in decision.reason


def test_at_min_confidence_is_routed(router: Router) -> None:
    decision = router.decide(_ticket(), {"country": "DE"}, Prediction("billing", 0.5))
    assert not decision.triage


def test_learned_complexity_overrides_default(router: Router) -> None:
    decision = router.decide(
        _ticket(), {}, Prediction("password_reset", 0.9, "complex", 0.8)
    )
    assert decision.complexity == "complex"
    assert decision.complexity_source == "model"
    assert decision.rule == "complex"


def test_reason_names_rule_and_values(router: Router) -> None:
    decision = router.decide(_ticket(), {"country": "DE"}, Prediction("billing", 0.6))
    assert decision.reason == (
        "rule 'unsure-billing' matched: inquiry_type=billing, confidence=0.60"
    )


def test_explain_lists_failed_conditions(router: Router) -> None:
    explanation = router.explain(
        _ticket(), {"spend": 10, "country": "US"}, Prediction("password_reset", 0.95)
    )
    checks = {c.rule: c for c in explanation.rule_checks}
    assert list(checks) == [
        "enterprise",
        "complex",
        "unsure-billing",
        "simple",
        "default",
    ]
    assert checks["enterprise"].failed is not None
    assert checks["enterprise"].actual == "smb"
    assert checks["complex"].failed.describe() == "complexity eq complex"
    assert checks["unsure-billing"].failed.field == "inquiry_type"
    assert checks["simple"].failed.describe() == "account.country ne US"
    assert checks["simple"].actual == "US"
    assert checks["default"].failed is None
    segment_checks = [c.rule for c in explanation.segment_checks]
    assert segment_checks == ["big", "managed", "rest"]


def test_decision_record_is_flat(router: Router) -> None:
    record = router.decide(
        _ticket(), {"country": "DE"}, Prediction("password_reset", 0.95)
    ).as_record()
    assert record["first_response_target"] == "8h"
    assert record["first_response_target_minutes"] == 480.0
    assert record["tags"] == ""
    assert record["policy_version"] == "small@3"
