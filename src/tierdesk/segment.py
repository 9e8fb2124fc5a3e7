"""Segmentation: the account's service class, from ordered segment rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tierdesk.policy.model import Policy
from tierdesk.route.rules import compile_rules, first_match


@dataclass(frozen=True)
class SegmentMatch:
    segment: str
    rule: str


class Segmenter:
    """Assign segments under one policy; the first rule whose conditions hold wins.

    An unknown account, or one that lacks an attribute a rule tests, falls
    through to later rules. A validated policy ends with an unconditional rule,
    so every account gets a segment.
    """

    def __init__(self, policy: Policy) -> None:
        self._rules = policy.segment_rules
        self._compiled = compile_rules(self._rules)

    def assign(self, attributes: Mapping[str, Any] | None) -> SegmentMatch:
        index = first_match(self._compiled, attributes or {})
        if index < 0:
            raise AssertionError("validated policies end with an unconditional rule")
        rule = self._rules[index]
        return SegmentMatch(rule.segment, rule.id)
