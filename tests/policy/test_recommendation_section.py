"""Validation of the `recommendations` section and help-center articles."""

from __future__ import annotations

import pytest

from tierdesk.errors import PolicyError, PolicyErrors
from tierdesk.policy import parse_policy

from ..analytics.conftest import POLICY_TEXT


def _errors(text: str) -> list[PolicyError]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "policy.yaml")
    error = caught.value
    return error.errors if isinstance(error, PolicyErrors) else [error]


def test_section_loads_with_defaults() -> None:
    policy = parse_policy(POLICY_TEXT).policy
    settings = policy.recommendations
    assert settings.min_tickets == 3
    assert settings.move_down_complexity == ["simple"]
    assert settings.move_down_max_escalation is None
    assert policy.inquiry_types_by_id["password"].help_center_articles == [
        "kb-reset-password"
    ]


def test_policy_without_section_gets_defaults() -> None:
    text = POLICY_TEXT.split("recommendations:")[0]
    settings = parse_policy(text).policy.recommendations
    assert settings.move_down_min_one_touch == 0.7
    assert settings.stay_min_one_touch == 0.4


def test_stay_threshold_above_move_down_is_rejected() -> None:
    text = POLICY_TEXT.replace("stay_min_one_touch: 0.5", "stay_min_one_touch: 0.9")
    error = _errors(text)[0]
    assert error.path == "recommendations"
    assert "stay_min_one_touch (0.9) is above move_down_min_one_touch" in error.detail


def test_share_outside_zero_to_one_is_rejected() -> None:
    text = POLICY_TEXT.replace(
        "move_down_min_one_touch: 0.6", "move_down_min_one_touch: 60"
    )
    assert _errors(text)[0].path == "recommendations.move_down_min_one_touch"


def test_unknown_key_is_rejected() -> None:
    text = POLICY_TEXT.replace("  min_tickets: 3", "  min_ticket: 3")
    error = _errors(text)[0]
    assert "unknown key 'min_ticket'" in error.detail
    assert "min_tickets" in error.detail


def test_vendor_team_must_be_a_vendor() -> None:
    text = POLICY_TEXT.replace(
        "  min_tickets: 3", "  min_tickets: 3\n  vendor_team: product"
    )
    error = _errors(text)[0]
    assert error.path == "recommendations.vendor_team"
    assert "must name a team of kind 'vendor'" in error.detail


def test_unknown_in_house_team_is_rejected() -> None:
    text = POLICY_TEXT.replace(
        "  min_tickets: 3", "  min_tickets: 3\n  in_house_team: experts"
    )
    error = _errors(text)[0]
    assert error.path == "recommendations.in_house_team"
    assert "unknown team 'experts'" in error.detail


def test_duplicate_article_is_rejected() -> None:
    text = POLICY_TEXT.replace(
        "help_center_articles: [kb-reset-password]",
        "help_center_articles: [kb-1, kb-1]",
    )
    error = _errors(text)[0]
    assert error.path == "inquiry_types[0].help_center_articles[1]"
    assert "duplicate article 'kb-1'" in error.detail


def test_example_policies_still_load() -> None:
    from tierdesk.policy import load_policy

    from ..conftest import EXAMPLES

    for path in sorted((EXAMPLES / "policies").glob("*.yaml")):
        assert load_policy(path).policy.recommendations is not None, path
