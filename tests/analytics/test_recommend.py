"""Recommendation decisions, costs and projections on the hand-built tickets."""

from __future__ import annotations

import pytest

from tierdesk.analytics.recommend import recommend
from tierdesk.analytics.routes import route_tickets
from tierdesk.analytics.tables import group_table


@pytest.fixture
def result(tickets, policy):
    types = group_table(tickets, ("inquiry_type",), min_n=3)
    return recommend(tickets, types, route_tickets(tickets, policy), policy)


def _row(result, inquiry_type: str):
    return next(r for r in result.rows if r.inquiry_type == inquiry_type)


def test_simple_in_house_type_moves_down(result) -> None:
    password = _row(result, "password")
    assert password.current_team == "specialists"
    assert password.current_rule == "password-rule"
    assert password.action == "move_down"
    assert password.target_team == "vendor"
    assert "75.0%" in password.reason
    assert "60.0%" in password.reason
    assert password.moved_tickets == 4
    assert password.moved_share == pytest.approx(0.4)


def test_move_down_cost(result) -> None:
    password = _row(result, "password")
    # P1-P3 (one-touch, specialists only): 20 -> 5 each, -45 in all. P4 was not
    # one-touch and also went to product, so it costs the vendor on top: +5.
    assert password.cost_now == pytest.approx(130.0)
    assert password.cost_change == pytest.approx(-40.0)


def test_vendor_type_with_low_one_touch_moves_up(result) -> None:
    billing = _row(result, "billing")
    assert billing.current_team == "vendor"
    assert billing.action == "move_up"
    # The next team on the escalation path from the vendor.
    assert billing.target_team == "specialists"
    assert "33.3%" in billing.reason
    assert "CSAT satisfied 33.3% of 3 rated" in billing.reason


def test_move_up_cost(result) -> None:
    billing = _row(result, "billing")
    # B1 and B2 already reached the specialists: the vendor's 5 is saved. B3
    # stayed at the vendor: 5 becomes 20.
    assert billing.cost_change == pytest.approx(5.0)


def test_small_type_is_kept(result) -> None:
    outage = _row(result, "outage")
    assert outage.action == "keep"
    assert "below min_tickets 3" in outage.reason
    assert outage.moved_tickets == 0


def test_unknown_type_is_not_applicable(result) -> None:
    refund = _row(result, "refund")
    assert refund.action == "n/a"
    assert refund.known is False
    assert refund.tickets == 1
    assert result.unknown_inquiry_types == {"refund": 1}


def test_totals(result) -> None:
    assert result.moved_down_tickets == 4
    assert result.moved_down_share == pytest.approx(0.4)
    assert result.moved_up_tickets == 3
    assert result.cost_now == pytest.approx(280.0)
    assert result.cost_change == pytest.approx(-35.0)
    assert result.cost_saved == pytest.approx(35.0)


def test_projection_from_similar_work(result) -> None:
    projection = _row(result, "password").projection
    # No password ticket started at the vendor, so the basis is the vendor's
    # simple types: B1-B3, first response 2 of 3 and resolution 2 of 3.
    assert projection.basis == "simple types at vendor"
    assert projection.basis_tickets == 3
    assert projection.first_response_within_receiving == pytest.approx(2 / 3)
    assert projection.first_response_change == pytest.approx((2 / 3 * 4 - 3) / 10)
    assert projection.resolved_change == pytest.approx((2 / 3 * 4 - 2) / 10)


def test_projected_overall_attainment(result) -> None:
    assert result.first_response_within_now == pytest.approx(0.8)
    # Billing at the specialists' simple work: 3 of 4 and 2 of 4.
    expected = 0.8 + (2 / 3 * 4 - 3) / 10 + (0.75 * 3 - 2) / 10
    assert result.first_response_within_projected == pytest.approx(expected)
    expected = 0.6 + (2 / 3 * 4 - 2) / 10 + (0.5 * 3 - 2) / 10
    assert result.resolved_within_projected == pytest.approx(expected)


def test_configured_vendor_team_is_used(tickets) -> None:
    from tierdesk.policy import parse_policy

    from .conftest import POLICY_TEXT

    text = POLICY_TEXT.replace(
        "  - {id: vendor, name: Vendor,",
        "  - {id: vendor-b, name: Vendor B, tier: frontline, kind: vendor,\n"
        "     timezone: UTC, cost_per_ticket: 4}\n  - {id: vendor, name: Vendor,",
    ).replace("  min_tickets: 3\n", "  min_tickets: 3\n  vendor_team: vendor\n")
    policy = parse_policy(text).policy
    types = group_table(tickets, ("inquiry_type",), min_n=3)
    result = recommend(tickets, types, route_tickets(tickets, policy), policy)
    assert _row(result, "password").target_team == "vendor"


def test_cheapest_vendor_team_by_default(tickets) -> None:
    from tierdesk.policy import parse_policy

    from .conftest import POLICY_TEXT

    text = POLICY_TEXT.replace(
        "  - {id: vendor, name: Vendor,",
        "  - {id: vendor-b, name: Vendor B, tier: frontline, kind: vendor,\n"
        "     timezone: UTC, cost_per_ticket: 4}\n  - {id: vendor, name: Vendor,",
    )
    policy = parse_policy(text).policy
    types = group_table(tickets, ("inquiry_type",), min_n=3)
    result = recommend(tickets, types, route_tickets(tickets, policy), policy)
    assert _row(result, "password").target_team == "vendor-b"
