"""Checks that span policy sections: references, duplicates, defaults, shadowing,
condition fields and values, and SLA coverage.

Each check appends a `Problem` with the field path; the loader turns problems
into errors that also name the file and line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tierdesk.policy._validate_escalation import check_service_sections
from tierdesk.policy._validate_recommendations import check_recommendation_sections
from tierdesk.policy._yaml import Path, format_path
from tierdesk.policy.conditions import (
    NUMERIC_OPERATORS,
    Condition,
    Constraint,
    Interval,
    build_constraint,
    constraint_is_subset,
)
from tierdesk.policy.model import Policy, RoutingRule, SegmentRule

ROUTING_FIELDS = (
    "segment",
    "inquiry_type",
    "complexity",
    "confidence",
    "priority",
    "channel",
    "language",
)


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str


@dataclass(frozen=True)
class FieldSpec:
    """Values a condition field may take: a finite domain or numbers."""

    kind: str  # "enum", "number", "boolean" or "string"
    domain: frozenset[Any] | None = None
    universe: Interval | None = None
    range_note: str = ""


def check_policy(policy: Policy) -> tuple[list[Problem], list[Problem]]:
    """Return (errors, warnings) for a policy whose sections parsed."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    _check_duplicates(policy, errors)
    _check_references(policy, errors, warnings)
    segment_specs = segment_field_specs(policy)
    routing_specs = routing_field_specs(policy)
    _check_rules(
        policy.segment_rules, ("segment_rules",), segment_specs, errors, "account"
    )
    _check_rules(
        policy.routing.rules, ("routing", "rules"), routing_specs, errors, "ticket"
    )
    for path, message in check_service_sections(policy):
        errors.append(Problem(path, message))
    for path, message in check_recommendation_sections(policy):
        errors.append(Problem(path, message))
    if not errors:
        _check_sla_coverage(policy, routing_specs, errors)
        _check_team_skills(policy, routing_specs, warnings)
    return errors, warnings


def segment_field_specs(policy: Policy) -> dict[str, FieldSpec]:
    """Fields that segment rules may test: the declared account attributes."""
    return {
        name: _attribute_spec(attribute)
        for name, attribute in policy.account_attributes.items()
    }


def routing_field_specs(policy: Policy) -> dict[str, FieldSpec]:
    """Fields that routing rules may test, with their domains."""
    specs = {
        "segment": FieldSpec("enum", frozenset(s.id for s in policy.segments)),
        "inquiry_type": FieldSpec(
            "enum", frozenset(t.id for t in policy.inquiry_types)
        ),
        "complexity": FieldSpec("enum", frozenset({"simple", "complex"})),
        # Rules only see tickets at or above min_confidence; the rest go to triage.
        "confidence": FieldSpec(
            "number",
            universe=Interval(policy.routing.min_confidence, 1.0, True, True),
            range_note=(
                "; tickets below routing.min_confidence go to triage before any rule"
                if policy.routing.min_confidence > 0
                else ""
            ),
        ),
        "priority": FieldSpec("enum", frozenset(policy.priorities)),
        "channel": FieldSpec("enum", frozenset(policy.channels)),
        "language": FieldSpec("string"),
    }
    for name, attribute in policy.account_attributes.items():
        specs[f"account.{name}"] = _attribute_spec(attribute)
    return specs


def _attribute_spec(attribute: Any) -> FieldSpec:
    if attribute.type == "number":
        return FieldSpec("number")
    if attribute.type == "boolean":
        return FieldSpec("boolean", frozenset({True, False}))
    if attribute.values:
        return FieldSpec("enum", frozenset(attribute.values))
    return FieldSpec("string")


def _check_duplicates(policy: Policy, errors: list[Problem]) -> None:
    sections: list[tuple[Path, Sequence[Any]]] = [
        (("segments",), policy.segments),
        (("segment_rules",), policy.segment_rules),
        (("inquiry_types",), policy.inquiry_types),
        (("tiers",), policy.tiers),
        (("teams",), policy.teams),
        (("sla_policies",), policy.sla_policies),
        (("calendars",), policy.calendars),
        (("routing", "rules"), policy.routing.rules),
    ]
    for path, items in sections:
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            if item.id in seen:
                errors.append(
                    Problem(
                        (*path, index, "id"),
                        f"duplicate id {item.id!r}, already used by "
                        f"{format_path((*path, seen[item.id]))}; ids must be unique",
                    )
                )
            else:
                seen[item.id] = index
    owners: dict[str, str] = {}
    for index, inquiry_type in enumerate(policy.inquiry_types):
        for label in inquiry_type.label_set:
            if label in owners and owners[label] != inquiry_type.id:
                errors.append(
                    Problem(
                        ("inquiry_types", index, "labels"),
                        f"label {label!r} is already mapped to inquiry type "
                        f"{owners[label]!r}; a label can mean one inquiry type only",
                    )
                )
            owners.setdefault(label, inquiry_type.id)
    _check_unique_values(("priorities",), policy.priorities, errors)
    _check_unique_values(("channels",), policy.channels, errors)


def _check_unique_values(path: Path, values: list[str], errors: list[Problem]) -> None:
    seen = set()
    for index, value in enumerate(values):
        if value in seen:
            errors.append(Problem((*path, index), f"duplicate value {value!r}"))
        seen.add(value)


def _ref(
    errors: list[Problem],
    path: Path,
    value: str | None,
    known: Iterable[str],
    what: str,
) -> None:
    known = list(known)
    if value is not None and value not in known:
        errors.append(
            Problem(
                path,
                f"unknown {what} {value!r}; expected one of: {', '.join(known)}",
            )
        )


def _check_references(
    policy: Policy, errors: list[Problem], warnings: list[Problem]
) -> None:
    segment_ids = [s.id for s in policy.segments]
    type_ids = [t.id for t in policy.inquiry_types]
    team_ids = [t.id for t in policy.teams]
    tier_ids = [t.id for t in policy.tiers]
    sla_ids = [p.id for p in policy.sla_policies]
    _ref(
        errors,
        ("default_priority",),
        policy.default_priority,
        policy.priorities,
        "priority",
    )
    for i, rule in enumerate(policy.segment_rules):
        _ref(
            errors,
            ("segment_rules", i, "segment"),
            rule.segment,
            segment_ids,
            "segment",
        )
    calendar_ids = [c.id for c in policy.calendars]
    for i, team in enumerate(policy.teams):
        _ref(errors, ("teams", i, "tier"), team.tier, tier_ids, "tier")
        _ref(errors, ("teams", i, "calendar"), team.calendar, calendar_ids, "calendar")
        calendar = policy.calendars_by_id.get(team.calendar or "")
        if calendar is not None and calendar.timezone != team.timezone:
            errors.append(
                Problem(
                    ("teams", i, "timezone"),
                    f"team timezone {team.timezone!r} differs from the timezone "
                    f"{calendar.timezone!r} of its calendar {calendar.id!r}; deadlines "
                    "are shown in the team's timezone, so make them equal",
                )
            )
        for j, type_id in enumerate(team.skills.inquiry_types):
            _ref(
                errors,
                ("teams", i, "skills", "inquiry_types", j),
                type_id,
                type_ids,
                "inquiry type",
            )
    for i, rule in enumerate(policy.team_patterns):
        _ref(errors, ("team_patterns", i, "team"), rule.team, team_ids, "team")
    for i, sla in enumerate(policy.sla_policies):
        _ref(
            errors,
            ("sla_policies", i, "calendar"),
            sla.calendar,
            calendar_ids,
            "calendar",
        )
        seen_tiers: set[str] = set()
        for j, tier_target in enumerate(sla.tier_targets):
            path = ("sla_policies", i, "tier_targets", j, "tier")
            _ref(errors, path, tier_target.tier, tier_ids, "tier")
            if tier_target.tier in seen_tiers:
                errors.append(
                    Problem(path, f"duplicate tier target for {tier_target.tier!r}")
                )
            seen_tiers.add(tier_target.tier)
        for j, target in enumerate(sla.targets):
            base = ("sla_policies", i, "targets", j)
            _ref(errors, (*base, "segment"), target.segment, segment_ids, "segment")
            _ref(
                errors,
                (*base, "priority"),
                target.priority,
                policy.priorities,
                "priority",
            )
    for i, sla in enumerate(policy.sla_policies):
        _check_target_order(sla, ("sla_policies", i, "targets"), errors)
    for i, rule in enumerate(policy.routing.rules):
        base = ("routing", "rules", i, "then")
        _ref(errors, (*base, "team"), rule.then.team, team_ids, "team")
        _ref(errors, (*base, "sla_policy"), rule.then.sla_policy, sla_ids, "SLA policy")
        _ref(
            errors,
            (*base, "priority"),
            rule.then.priority,
            policy.priorities,
            "priority",
        )
    routing = policy.routing
    _ref(errors, ("routing", "triage_team"), routing.triage_team, team_ids, "team")
    _ref(
        errors,
        ("routing", "triage_sla_policy"),
        routing.triage_sla_policy,
        sla_ids,
        "SLA policy",
    )
    if routing.min_confidence > 0 and routing.triage_team is None:
        errors.append(
            Problem(
                ("routing", "triage_team"),
                f"missing: min_confidence is {routing.min_confidence}, so tickets "
                "below it need a triage team; set routing.triage_team",
            )
        )
    assigned = {rule.segment for rule in policy.segment_rules}
    for i, segment in enumerate(policy.segments):
        if segment.id not in assigned:
            warnings.append(
                Problem(
                    ("segments", i), f"no segment rule assigns segment {segment.id!r}"
                )
            )


def _check_target_order(sla: Any, path: Path, errors: list[Problem]) -> None:
    """Reject a target that an earlier, more general target always pre-empts."""
    for j, later in enumerate(sla.targets):
        for i, earlier in enumerate(sla.targets[:j]):
            if earlier.segment in (None, later.segment) and earlier.priority in (
                None,
                later.priority,
            ):
                errors.append(
                    Problem(
                        (*path, j),
                        f"target never applies: earlier target {format_path((*path, i))} "
                        "covers the same segment and priority; list specific targets "
                        "before general ones",
                    )
                )
                break


def _check_rules(
    rules: Sequence[SegmentRule | RoutingRule],
    path: Path,
    specs: dict[str, FieldSpec],
    errors: list[Problem],
    subject: str,
) -> None:
    constraints: list[dict[str, Constraint] | None] = []
    for i, rule in enumerate(rules):
        rule_errors = _check_conditions(rule.conditions, (*path, i, "when"), specs)
        errors.extend(rule_errors)
        constraints.append(
            None if rule_errors else _constraints(rule.conditions, specs)
        )

    last = len(rules) - 1
    if not rules[last].is_default:
        errors.append(
            Problem(
                (*path, last),
                f"missing default rule: the last rule must have no 'when', so every "
                f"{subject} gets a decision; add one after {rules[last].id!r}",
            )
        )
    for j, later in enumerate(constraints):
        if later is None:
            continue
        if any(c.is_empty() for c in later.values()):
            errors.append(
                Problem(
                    (*path, j, "when"),
                    f"rule {rules[j].id!r} can never match: its conditions contradict "
                    "each other",
                )
            )
            continue
        for i in range(j):
            earlier = constraints[i]
            if earlier is None or not _implies(later, earlier, specs):
                continue
            errors.append(
                Problem(
                    (*path, j),
                    f"rule {rules[j].id!r} is shadowed by earlier rule {rules[i].id!r} "
                    f"({format_path((*path, i))}): every {subject} it matches is "
                    "matched there first; move it above that rule or narrow the "
                    "earlier one",
                )
            )
            break


def _check_conditions(
    conditions: Sequence[Condition], path: Path, specs: dict[str, FieldSpec]
) -> list[Problem]:
    problems = []
    for condition in conditions:
        field_path = (*path, condition.field)
        spec = specs.get(condition.field)
        if spec is None:
            known = ", ".join(specs) or "(none: declare account_attributes first)"
            problems.append(
                Problem(
                    field_path,
                    f"unknown field {condition.field!r}; expected one of: {known}",
                )
            )
            continue
        problems.extend(_check_value(condition, spec, field_path))
    return problems


def _check_value(condition: Condition, spec: FieldSpec, path: Path) -> list[Problem]:
    op = condition.operator
    values = list(condition.value) if op in ("in", "not_in") else [condition.value]
    if op in NUMERIC_OPERATORS and spec.kind != "number":
        return [
            Problem(
                path,
                f"operator {op!r} needs a numeric field; {condition.field!r} is {spec.kind}",
            )
        ]
    problems = []
    for value in values:
        if spec.kind == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(Problem(path, f"expected a number, got {value!r}"))
            elif spec.universe and not (
                spec.universe.low <= value <= spec.universe.high
            ):
                problems.append(
                    Problem(
                        path,
                        f"value {value} is outside {spec.universe.low}.."
                        f"{spec.universe.high}{spec.range_note}",
                    )
                )
        elif spec.kind == "boolean":
            if not isinstance(value, bool):
                problems.append(Problem(path, f"expected true or false, got {value!r}"))
        elif spec.kind == "enum":
            if value not in spec.domain:  # type: ignore[operator]
                known = ", ".join(sorted(map(str, spec.domain or ())))
                problems.append(
                    Problem(
                        path,
                        f"unknown {condition.field.replace('_', ' ')} {value!r}; "
                        f"expected one of: {known}",
                    )
                )
        elif not isinstance(value, str):
            problems.append(Problem(path, f"expected text, got {value!r}"))
    return problems


def _constraints(
    conditions: Sequence[Condition], specs: dict[str, FieldSpec]
) -> dict[str, Constraint]:
    by_field: dict[str, list[Condition]] = defaultdict(list)
    for condition in conditions:
        by_field[condition.field].append(condition)
    return {
        name: build_constraint(
            field_conditions, specs[name].domain, specs[name].universe
        )
        for name, field_conditions in by_field.items()
    }


def _implies(
    later: dict[str, Constraint],
    earlier: dict[str, Constraint],
    specs: dict[str, FieldSpec],
) -> bool:
    """Return True when every input matching `later` also matches `earlier`."""
    for name, outer in earlier.items():
        spec = specs[name]
        inner = later.get(name) or build_constraint((), spec.domain, spec.universe)
        if not constraint_is_subset(inner, outer):
            return False
    return True


def reachable_values(
    rule: RoutingRule, name: str, specs: dict[str, FieldSpec]
) -> frozenset[Any]:
    """Return the values of an enumerated field for which `rule` can match."""
    spec = specs[name]
    conditions = [c for c in rule.conditions if c.field == name]
    constraint = build_constraint(conditions, spec.domain, spec.universe)
    return constraint.values() or frozenset()


def _check_sla_coverage(
    policy: Policy, specs: dict[str, FieldSpec], errors: list[Problem]
) -> None:
    slas = policy.sla_policies_by_id
    for i, rule in enumerate(policy.routing.rules):
        segments = reachable_values(rule, "segment", specs)
        if rule.then.priority is not None:
            priorities = frozenset([rule.then.priority])
        else:
            priorities = reachable_values(rule, "priority", specs)
        _report_gaps(
            slas[rule.then.sla_policy],
            segments,
            priorities,
            policy,
            ("routing", "rules", i, "then", "sla_policy"),
            errors,
        )
    triage_sla = (
        policy.routing.triage_sla_policy or policy.routing.rules[-1].then.sla_policy
    )
    if policy.routing.triage_team is not None:
        _report_gaps(
            slas[triage_sla],
            frozenset(s.id for s in policy.segments),
            frozenset(policy.priorities),
            policy,
            ("routing", "triage_sla_policy"),
            errors,
        )


def _report_gaps(
    sla: Any,
    segments: frozenset[str],
    priorities: frozenset[str],
    policy: Policy,
    path: Path,
    errors: list[Problem],
) -> None:
    order = {p: n for n, p in enumerate(policy.priorities)}
    for segment in [s.id for s in policy.segments if s.id in segments]:
        missing = sorted(
            (p for p in priorities if sla.target_for(segment, p) is None),
            key=order.__getitem__,
        )
        if missing:
            errors.append(
                Problem(
                    path,
                    f"SLA policy {sla.id!r} has no target for segment {segment!r} "
                    f"(priorities: {', '.join(missing)}); add a target for that "
                    "segment, or one without 'priority' to cover all priorities",
                )
            )


def _check_team_skills(
    policy: Policy, specs: dict[str, FieldSpec], warnings: list[Problem]
) -> None:
    for i, rule in enumerate(policy.routing.rules):
        team = policy.teams_by_id[rule.then.team]
        if not team.skills.inquiry_types:
            continue
        # Assume each type keeps its default complexity; a learned complexity
        # can still send a type elsewhere, which assignment then handles.
        complexities = reachable_values(rule, "complexity", specs)
        types = {
            t
            for t in reachable_values(rule, "inquiry_type", specs)
            if policy.inquiry_types_by_id[t].complexity in complexities
        }
        # Types that an earlier rule testing nothing but the inquiry type takes
        # never reach this rule.
        for earlier in policy.routing.rules[:i]:
            if {c.field for c in earlier.conditions} == {"inquiry_type"}:
                types -= reachable_values(earlier, "inquiry_type", specs)
        missing = sorted(types - set(team.skills.inquiry_types))
        if missing:
            warnings.append(
                Problem(
                    ("routing", "rules", i, "then", "team"),
                    f"team {team.id!r} lacks the skills for inquiry types this rule "
                    f"sends it: {', '.join(missing)}",
                )
            )
