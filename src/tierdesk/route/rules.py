"""Rule matching compiled for speed, with the same semantics as `Condition.matches`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tierdesk.policy.conditions import Condition

Predicate = Callable[[Any], bool]
CompiledRule = tuple[tuple[str, Predicate], ...]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def compile_condition(condition: Condition) -> Predicate:
    """Return a predicate equal to `condition.matches`, without the operator dispatch."""
    op, expected = condition.operator, condition.value
    if op == "eq":
        return lambda actual: actual is not None and actual == expected
    if op == "ne":
        return lambda actual: actual is not None and actual != expected
    if op == "in":
        return lambda actual: actual is not None and actual in expected
    if op == "not_in":
        return lambda actual: actual is not None and actual not in expected
    if op == "gt":
        return lambda actual: _is_number(actual) and actual > expected
    if op == "gte":
        return lambda actual: _is_number(actual) and actual >= expected
    if op == "lt":
        return lambda actual: _is_number(actual) and actual < expected
    return lambda actual: _is_number(actual) and actual <= expected


def compile_rules(rules: Sequence[Any]) -> list[CompiledRule]:
    return [
        tuple((c.field, compile_condition(c)) for c in rule.conditions)
        for rule in rules
    ]


def first_match(compiled: Sequence[CompiledRule], context: Mapping[str, Any]) -> int:
    """Return the index of the first rule whose conditions all hold, or -1."""
    get = context.get
    for index, predicates in enumerate(compiled):
        for field, predicate in predicates:
            if not predicate(get(field)):
                break
        else:
            return index
    return -1


def first_failed(rule: Any, context: Mapping[str, Any]) -> Condition | None:
    """Return the first condition of `rule` that `context` fails, or None."""
    for condition in rule.conditions:
        if not condition.matches(context.get(condition.field)):
            return condition
    return None
