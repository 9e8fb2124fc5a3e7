"""Conditions of segment and routing rules: parsing, matching and implication.

A rule's `when` is a mapping from field to matcher, and all its conditions must
hold. A matcher is a plain value (equality), a list (membership) or a mapping of
operators (`eq`, `ne`, `in`, `not_in`, `gt`, `gte`, `lt`, `lte`). A condition on a
value that is missing from the ticket or account never matches.

Implication (`constraint_is_subset`) lets validation reject a rule that an
earlier rule shadows: if every input that matches rule B also matches an earlier
rule A, rule B can never decide anything.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

OPERATORS = ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte")
NUMERIC_OPERATORS = frozenset({"gt", "gte", "lt", "lte"})


@dataclass(frozen=True)
class Condition:
    """One test of one field, for example `confidence gte 0.8`."""

    field: str
    operator: str
    value: Any

    def matches(self, actual: Any) -> bool:
        if actual is None:
            return False
        op = self.operator
        if op == "eq":
            return bool(actual == self.value)
        if op == "ne":
            return bool(actual != self.value)
        if op == "in":
            return actual in self.value
        if op == "not_in":
            return actual not in self.value
        if isinstance(actual, bool) or not isinstance(actual, int | float):
            return False
        if op == "gt":
            return bool(actual > self.value)
        if op == "gte":
            return bool(actual >= self.value)
        if op == "lt":
            return bool(actual < self.value)
        return bool(actual <= self.value)

    def describe(self) -> str:
        """Format the condition as policy text, e.g. `segment in [smb_high, smb_low]`."""
        if isinstance(self.value, frozenset | tuple | list):
            shown = "[" + ", ".join(str(v) for v in sorted(self.value, key=str)) + "]"
        else:
            shown = _show(self.value)
        return f"{self.field} {self.operator} {shown}"


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_when(when: Mapping[str, Any] | None) -> tuple[Condition, ...]:
    """Turn a `when` mapping into conditions; raise ValueError naming the field."""
    if not when:
        return ()
    conditions: list[Condition] = []
    for field_name, matcher in when.items():
        conditions.extend(_parse_matcher(str(field_name), matcher))
    return tuple(conditions)


def _parse_matcher(field_name: str, matcher: Any) -> list[Condition]:
    if isinstance(matcher, Mapping):
        if not matcher:
            raise ValueError(f"{field_name}: empty operator mapping")
        parsed = []
        for op, value in matcher.items():
            if op not in OPERATORS:
                raise ValueError(
                    f"{field_name}: unknown operator {op!r}; "
                    f"expected one of {', '.join(OPERATORS)}"
                )
            parsed.append(_make(field_name, op, value))
        return parsed
    if isinstance(matcher, list):
        return [_make(field_name, "in", matcher)]
    return [_make(field_name, "eq", matcher)]


def _make(field_name: str, op: str, value: Any) -> Condition:
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise ValueError(f"{field_name}.{op}: expected a non-empty list of values")
        if any(isinstance(v, list | dict) for v in value):
            raise ValueError(f"{field_name}.{op}: list items must be plain values")
        return Condition(field_name, op, frozenset(value))
    if isinstance(value, list | dict) or value is None:
        raise ValueError(f"{field_name}.{op}: expected a single plain value")
    if op in NUMERIC_OPERATORS and (
        isinstance(value, bool) or not isinstance(value, int | float)
    ):
        raise ValueError(f"{field_name}.{op}: expected a number, got {value!r}")
    return Condition(field_name, op, value)


# Constraints: the set of values one field may take under a rule's conditions.


@dataclass(frozen=True)
class Interval:
    low: float = -math.inf
    high: float = math.inf
    low_closed: bool = False
    high_closed: bool = False

    def contains(self, x: float) -> bool:
        if x < self.low or x > self.high:
            return False
        if x == self.low and not self.low_closed:
            return False
        return not (x == self.high and not self.high_closed)

    def is_empty(self) -> bool:
        if self.low > self.high:
            return True
        return self.low == self.high and not (self.low_closed and self.high_closed)

    def within(self, other: Interval) -> bool:
        if self.is_empty():
            return True
        if self.low < other.low or (
            self.low == other.low and self.low_closed and not other.low_closed
        ):
            return False
        return not (
            self.high > other.high
            or (self.high == other.high and self.high_closed and not other.high_closed)
        )

    def narrow(self, op: str, x: float) -> Interval:
        low, high, lc, hc = self.low, self.high, self.low_closed, self.high_closed
        if op in ("gt", "gte"):
            closed = op == "gte"
            if x > low or (x == low and lc and not closed):
                low, lc = x, closed
        else:
            closed = op == "lte"
            if x < high or (x == high and hc and not closed):
                high, hc = x, closed
        return Interval(low, high, lc, hc)


@dataclass(frozen=True)
class Constraint:
    """Values a field may take: a finite set, or an interval minus some points.

    `allowed` is None for "any value except `excluded`, within `interval`".
    `present` records that the field must have a value at all (any condition
    implies it), which matters because missing values never match.
    """

    allowed: frozenset[Any] | None = None
    excluded: frozenset[Any] = field(default_factory=frozenset)
    interval: Interval = field(default_factory=Interval)
    present: bool = False

    def is_empty(self) -> bool:
        if self.allowed is not None:
            return not any(self._admits(v) for v in self.allowed)
        return self.interval.is_empty()

    def _admits(self, value: Any) -> bool:
        if value in self.excluded:
            return False
        if isinstance(value, int | float) and not isinstance(value, bool):
            return self.interval.contains(value)
        unbounded = self.interval == Interval()
        return unbounded

    def values(self) -> frozenset[Any] | None:
        if self.allowed is None:
            return None
        return frozenset(v for v in self.allowed if self._admits(v))


def build_constraint(
    conditions: Iterable[Condition],
    domain: frozenset[Any] | None = None,
    universe: Interval | None = None,
) -> Constraint:
    """Combine the conditions on one field into the set of values they admit.

    `domain` is the finite set of valid values for enumerated fields (segments,
    inquiry types); `universe` bounds numeric fields such as confidence.
    """
    allowed = domain
    excluded: set[Any] = set()
    interval = universe or Interval()
    present = False
    for c in conditions:
        present = True
        if c.operator == "eq":
            allowed = _intersect(allowed, frozenset([c.value]))
        elif c.operator == "in":
            allowed = _intersect(allowed, c.value)
        elif c.operator == "ne":
            excluded.add(c.value)
        elif c.operator == "not_in":
            excluded.update(c.value)
        else:
            interval = interval.narrow(c.operator, c.value)
    return Constraint(allowed, frozenset(excluded), interval, present)


def _intersect(a: frozenset[Any] | None, b: frozenset[Any]) -> frozenset[Any]:
    return b if a is None else a & b


def constraint_is_subset(inner: Constraint, outer: Constraint) -> bool:
    """Return True when every value `inner` admits is also admitted by `outer`."""
    if outer.present and not inner.present:
        # `inner` admits a missing value, which no condition of `outer` matches.
        return False
    if inner.is_empty():
        return True
    inner_values = inner.values()
    if inner_values is not None:
        return all(_admitted(outer, v) for v in inner_values)
    if outer.allowed is not None:
        # An interval or co-finite set is infinite; a finite set cannot hold it.
        return False
    if not inner.interval.within(outer.interval):
        return False
    # Points `outer` excludes must also be excluded from (or outside) `inner`.
    return all(
        v in inner.excluded or not _in_interval(inner.interval, v)
        for v in outer.excluded
    )


def _admitted(constraint: Constraint, value: Any) -> bool:
    values = constraint.values()
    if values is not None:
        return value in values
    return constraint._admits(value)


def _in_interval(interval: Interval, value: Any) -> bool:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return interval.contains(value)
    return interval == Interval()
