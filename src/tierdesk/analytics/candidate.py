"""The candidate policy: the recommended moves written as changed routing rules.

Only `routing.rules` and `version` change. A rule that decides nothing but
moved types gets the new team in place. Otherwise a copy of the rule, narrowed
to the moved types and sending them to the new team, goes right before it, so
every other ticket the rule decides keeps its team.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from tierdesk.analytics.recommend import Recommendation
from tierdesk.policy.load import parse_policy
from tierdesk.policy.model import Policy
from tierdesk.policy.validate import reachable_values, routing_field_specs

# Maximum length of a rule id that the policy accepts.
_MAX_ID = 64


@dataclass(frozen=True)
class Move:
    """One inquiry type that leaves the team of one routing rule for another team."""

    inquiry_type: str
    rule: str
    from_team: str
    to_team: str


@dataclass(frozen=True)
class Candidate:
    """The candidate policy's YAML text and the policy it loads as."""

    text: str
    policy: Policy
    moves: tuple[Move, ...]


def moves_of(rows: Sequence[Recommendation]) -> list[Move]:
    """Return the moves of the recommendations that move a type."""
    return [
        Move(row.inquiry_type, row.current_rule, row.current_team, row.target_team)
        for row in rows
        if row.moves
        and row.inquiry_type is not None
        and row.current_rule is not None
        and row.current_team is not None
        and row.target_team is not None
    ]


def build_candidate(
    policy: Policy, moves: Sequence[Move], *, version: str | None = None
) -> Candidate:
    """Write `policy` with `moves` applied; the result passes `tierdesk policy check`.

    `version` defaults to the policy's version with `-candidate` appended, so
    decisions under it never carry the original's `id@version`.
    """
    data = policy.model_dump(mode="json", exclude_unset=True, by_alias=True)
    rules: list[dict[str, Any]] = data["routing"]["rules"]
    specs = routing_field_specs(policy)
    by_rule: dict[str, list[Move]] = {}
    for move in moves:
        by_rule.setdefault(move.rule, []).append(move)
    taken = {rule["id"] for rule in rules}
    rewritten: list[dict[str, Any]] = []
    for rule_model, rule in zip(policy.routing.rules, rules, strict=True):
        moved = by_rule.get(rule["id"], [])
        if not moved:
            rewritten.append(rule)
            continue
        reachable = reachable_values(rule_model, "inquiry_type", specs)
        targets: dict[str, list[str]] = {}
        for move in moved:
            targets.setdefault(move.to_team, []).append(move.inquiry_type)
        narrowed = "inquiry_type" in (rule.get("when") or {})
        if (
            narrowed
            and len(targets) == 1
            and reachable <= {m.inquiry_type for m in moved}
        ):
            changed = copy.deepcopy(rule)
            changed["then"]["team"] = next(iter(targets))
            rewritten.append(changed)
            continue
        for team, types in targets.items():
            rewritten.append(_narrowed_copy(rule, team, types, taken))
        if not narrowed or not reachable <= {m.inquiry_type for m in moved}:
            rewritten.append(rule)
    data["routing"]["rules"] = rewritten
    data["version"] = version or f"{policy.version}-candidate"
    text = _header(policy, moves) + yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, width=88
    )
    loaded = parse_policy(text, "<candidate policy>")
    return Candidate(text, loaded.policy, tuple(moves))


def _narrowed_copy(
    rule: dict[str, Any], team: str, types: list[str], taken: set[str]
) -> dict[str, Any]:
    narrowed = copy.deepcopy(rule)
    when = dict(narrowed.get("when") or {})
    when["inquiry_type"] = types[0] if len(types) == 1 else sorted(types)
    narrowed["when"] = when
    narrowed["then"]["team"] = team
    narrowed["id"] = _unique_id(f"{rule['id']}-to-{team}", taken)
    narrowed["description"] = (
        f"Recommended move of {', '.join(sorted(types))} from team "
        f"{rule['then']['team']} to {team}."
    )
    return narrowed


def _unique_id(wanted: str, taken: set[str]) -> str:
    base = wanted[:_MAX_ID]
    candidate, number = base, 2
    while candidate in taken:
        suffix = f"-{number}"
        candidate = base[: _MAX_ID - len(suffix)] + suffix
        number += 1
    taken.add(candidate)
    return candidate


def _header(policy: Policy, moves: Sequence[Move]) -> str:
    lines = [
        "# Candidate policy written by `tierdesk recommend` from "
        f"{policy.version_label}.",
        "# It differs from that policy only in its version and these routing moves:",
    ]
    lines += [
        f"#   {m.inquiry_type}: {m.from_team} -> {m.to_team} (rule {m.rule})"
        for m in moves
    ] or ["#   (none)"]
    return "\n".join(lines) + "\n"
