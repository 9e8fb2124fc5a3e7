"""The candidate policy: loads, and differs only in the moved routing."""

from __future__ import annotations

from tierdesk.analytics.candidate import Move, build_candidate, moves_of
from tierdesk.analytics.recommend import recommend
from tierdesk.analytics.routes import route_tickets
from tierdesk.analytics.tables import group_table
from tierdesk.policy import parse_policy
from tierdesk.route.rules import compile_rules, first_match


def _decide(policy, inquiry_type: str, segment: str = "smb") -> str:
    complexity = policy.inquiry_types_by_id[inquiry_type].complexity
    index = first_match(
        compile_rules(policy.routing.rules),
        {"inquiry_type": inquiry_type, "complexity": complexity, "segment": segment},
    )
    return policy.routing.rules[index].then.team


def _without_routing(policy) -> dict:
    data = policy.model_dump()
    data.pop("routing")
    data.pop("version")
    return data


def test_candidate_moves_recommended_types(tickets, policy) -> None:
    types = group_table(tickets, ("inquiry_type",), min_n=3)
    result = recommend(tickets, types, route_tickets(tickets, policy), policy)
    candidate = build_candidate(policy, moves_of(result.rows))
    loaded = parse_policy(candidate.text, "candidate.yaml").policy
    assert _decide(loaded, "password") == "vendor"
    assert _decide(loaded, "billing") == "specialists"
    assert _decide(loaded, "outage") == _decide(policy, "outage")


def test_candidate_differs_only_in_routing(tickets, policy) -> None:
    types = group_table(tickets, ("inquiry_type",), min_n=3)
    result = recommend(tickets, types, route_tickets(tickets, policy), policy)
    loaded = build_candidate(policy, moves_of(result.rows)).policy
    assert _without_routing(loaded) == _without_routing(policy)
    assert loaded.version == "3-candidate"
    before = {rule.id: rule for rule in policy.routing.rules}
    after = {rule.id: rule for rule in loaded.routing.rules}
    assert set(after) == set(before)
    changed = {rid for rid in before if before[rid] != after[rid]}
    assert changed == {"password-rule", "billing-rule"}
    assert after["password-rule"].when == before["password-rule"].when


def test_move_from_default_rule_inserts_narrow_rule(policy) -> None:
    move = Move("outage", "default", "specialists", "product")
    candidate = build_candidate(policy, [move], version="4")
    rules = candidate.policy.routing.rules
    assert [rule.id for rule in rules] == [
        "password-rule",
        "billing-rule",
        "default-to-product",
        "default",
    ]
    assert rules[2].when == {"inquiry_type": "outage"}
    assert _decide(candidate.policy, "outage") == "product"
    assert _decide(candidate.policy, "password") == "specialists"
    assert rules[-1] == policy.routing.rules[-1]


def test_candidate_header_lists_moves(policy) -> None:
    move = Move("outage", "default", "specialists", "product")
    text = build_candidate(policy, [move]).text
    assert "#   outage: specialists -> product (rule default)" in text
