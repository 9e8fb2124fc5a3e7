"""Conditions: matching, and soundness of the implication used to find shadowed rules."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierdesk.policy.conditions import (
    Condition,
    Interval,
    build_constraint,
    constraint_is_subset,
    parse_when,
)

NUMBERS = [0, 1, 2.5, 5, 10, 100]
WORDS = ["a", "b", "c", "d"]


def test_parse_when_shorthands() -> None:
    conditions = parse_when(
        {"segment": "smb", "channel": ["email", "web"], "x": {"gte": 3, "lt": 9}}
    )
    assert Condition("segment", "eq", "smb") in conditions
    assert Condition("channel", "in", frozenset({"email", "web"})) in conditions
    assert Condition("x", "gte", 3) in conditions
    assert Condition("x", "lt", 9) in conditions


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ({"x": {"between": [1, 2]}}, "unknown operator 'between'"),
        ({"x": {"in": []}}, "non-empty list"),
        ({"x": {"gt": "high"}}, "expected a number"),
        ({"x": {}}, "empty operator mapping"),
        ({"x": None}, "single plain value"),
    ],
)
def test_parse_when_rejects(when: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_when(when)


def test_missing_value_never_matches() -> None:
    for op, value in [
        ("eq", 1),
        ("ne", 1),
        ("in", frozenset({1})),
        ("not_in", frozenset({1})),
        ("lt", 5),
    ]:
        assert not Condition("x", op, value).matches(None)


def test_numeric_operator_ignores_text_and_booleans() -> None:
    assert not Condition("x", "gt", 0).matches("5")
    assert not Condition("x", "gt", 0).matches(True)
    assert Condition("x", "gt", 0).matches(5)


numeric_condition = st.builds(
    Condition,
    st.just("x"),
    st.sampled_from(["eq", "ne", "gt", "gte", "lt", "lte"]),
    st.sampled_from(NUMBERS),
) | st.builds(
    Condition,
    st.just("x"),
    st.sampled_from(["in", "not_in"]),
    st.frozensets(st.sampled_from(NUMBERS), min_size=1, max_size=3),
)
text_condition = st.builds(
    Condition, st.just("x"), st.sampled_from(["eq", "ne"]), st.sampled_from(WORDS)
) | st.builds(
    Condition,
    st.just("x"),
    st.sampled_from(["in", "not_in"]),
    st.frozensets(st.sampled_from(WORDS), min_size=1, max_size=3),
)


def _matches_all(conditions: list[Condition], value: Any) -> bool:
    return all(c.matches(value) for c in conditions)


@settings(max_examples=400, deadline=None)
@given(
    inner=st.lists(numeric_condition, max_size=3),
    outer=st.lists(numeric_condition, min_size=1, max_size=3),
    probe=st.sampled_from([None, -1, 0, 0.5, 1, 2, 2.5, 3, 5, 7, 10, 50, 100, 1000]),
)
def test_numeric_subset_is_sound(
    inner: list[Condition], outer: list[Condition], probe: Any
) -> None:
    """If implication says inner ⊆ outer, no value matches inner but not outer."""
    if constraint_is_subset(build_constraint(inner), build_constraint(outer)):
        assert not (_matches_all(inner, probe) and not _matches_all(outer, probe))


@settings(max_examples=400, deadline=None)
@given(
    inner=st.lists(text_condition, min_size=1, max_size=3),
    outer=st.lists(text_condition, min_size=1, max_size=3),
    probe=st.sampled_from([None, *WORDS, "zzz"]),
)
def test_text_subset_is_sound(
    inner: list[Condition], outer: list[Condition], probe: Any
) -> None:
    if constraint_is_subset(build_constraint(inner), build_constraint(outer)):
        assert not (_matches_all(inner, probe) and not _matches_all(outer, probe))


@settings(max_examples=300, deadline=None)
@given(
    inner=st.lists(text_condition, min_size=1, max_size=3),
    outer=st.lists(text_condition, min_size=1, max_size=3),
)
def test_enum_subset_is_exact(inner: list[Condition], outer: list[Condition]) -> None:
    """Over a finite domain the check is complete as well as sound."""
    domain = frozenset(WORDS)
    expected = all(_matches_all(outer, v) for v in WORDS if _matches_all(inner, v))
    result = constraint_is_subset(
        build_constraint(inner, domain), build_constraint(outer, domain)
    )
    assert result == expected


def test_interval_within_respects_open_ends() -> None:
    closed = Interval(0, 1, True, True)
    open_ = Interval(0, 1, False, False)
    assert open_.within(closed)
    assert not closed.within(open_)


def test_unconstrained_field_is_not_subset_of_constrained() -> None:
    assert not constraint_is_subset(
        build_constraint([]), build_constraint([Condition("x", "gte", 0)])
    )
