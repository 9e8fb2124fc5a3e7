"""Tier recommendations: which inquiry types move down to vendors or up in-house.

The thresholds come from the policy's `recommendations` section. A type that an
in-house team handles moves down to a vendor team when it is of a listed
complexity and its one-touch share (and escalation share, when bounded) clears
the thresholds. A type at a vendor team moves up when its one-touch share or
CSAT falls below the minimum to stay. Costs and attainment effects are
projections whose assumptions `ASSUMPTIONS` states.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from tierdesk.analytics.flows import list_texts
from tierdesk.analytics.frame import TicketFrame
from tierdesk.analytics.projection import (
    Projection,
    ProjectionInputs,
    project_attainment,
)
from tierdesk.analytics.routes import RoutedTickets, policy_teams_held
from tierdesk.analytics.tables import GroupTable
from tierdesk.policy.model import InquiryType, Policy, Team
from tierdesk.policy.recommendations import RecommendationSettings

Action = Literal["keep", "move_down", "move_up", "n/a"]

ASSUMPTIONS = (
    "A type's tickets are the ones its routing rule decides when the past tickets "
    "are routed again under the policy; tickets that earlier, narrower rules take "
    "(for example by segment) stay where they are.",
    "Cost: each team that held a ticket costs its cost_per_ticket once. A moved "
    "ticket is handled by the receiving team instead of the current one. On a "
    "move down, tickets that were not one-touch still go to the current team "
    "after the vendor, so they cost both.",
    "First response and resolution attainment of moved tickets becomes the "
    "receiving team's on similar work: the same type at that team when it "
    "handled at least min_tickets of them, else the same complexity, else all "
    "of its tickets.",
)


@dataclass(frozen=True)
class Recommendation:
    """The decision for one inquiry type, with the figures and thresholds behind it."""

    inquiry_type: str | None
    name: str | None
    known: bool
    complexity: str | None
    tickets: int
    share: float | None
    one_touch: float | None
    one_touch_low: float | None
    one_touch_high: float | None
    one_touch_n: int
    escalated: float | None
    escalated_n: int
    csat_satisfied: float | None
    csat_n: int
    current_team: str | None
    current_kind: str | None
    current_rule: str | None
    action: Action
    target_team: str | None
    reason: str
    moved_tickets: int = 0
    moved_share: float = 0.0
    cost_now: float | None = None
    cost_change: float | None = None
    projection: Projection | None = None

    @property
    def moves(self) -> bool:
        return self.action in ("move_down", "move_up")


@dataclass(frozen=True)
class Recommendations:
    """Every type's decision and the totals over the moves."""

    rows: list[Recommendation]
    settings: RecommendationSettings
    total_tickets: int
    moved_down_tickets: int
    moved_down_share: float | None
    moved_up_tickets: int
    moved_up_share: float | None
    cost_now: float
    cost_change: float
    first_response_within_now: float | None
    first_response_within_projected: float | None
    resolved_within_now: float | None
    resolved_within_projected: float | None
    unknown_inquiry_types: Mapping[str, int]
    tickets_without_type: int
    unpriced_tickets: int
    assumptions: tuple[str, ...] = ASSUMPTIONS
    notes: list[str] = field(default_factory=list)

    @property
    def cost_saved(self) -> float:
        return max(0.0, -self.cost_change)


def recommend(
    tickets: TicketFrame,
    types: GroupTable,
    routed: RoutedTickets,
    policy: Policy,
) -> Recommendations:
    """Decide keep, move down or move up for every inquiry type of the policy.

    `types` is the group table by inquiry type of the same tickets. Types in the
    data that the policy does not know get action "n/a" with their counts.
    """
    settings = policy.recommendations
    figures = {row["inquiry_type"]: row for row in types.frame.iter_rows(named=True)}
    # Tickets per inquiry type and routing rule, largest first.
    rule_counts = (
        tickets.frame.select("inquiry_type")
        .with_columns(routed.frame.select("rule"))
        .group_by("inquiry_type", "rule")
        .len()
        .sort(["len", "rule"], descending=[True, False])
    )
    rows: list[Recommendation] = []
    for inquiry_type in policy.inquiry_types:
        row = figures.get(inquiry_type.id)
        rules = rule_counts.filter(pl.col("inquiry_type") == inquiry_type.id)
        rows.append(_decide(inquiry_type, row, rules, policy, settings))
    for name, count in tickets.unknown_inquiry_types.items():
        rows.append(_unknown(name, figures.get(name), count))
    without_type = int(tickets.frame["inquiry_type"].null_count())
    rows, unpriced, cost_now = _with_costs(rows, tickets, routed, policy)
    projection_inputs = ProjectionInputs.build(tickets, routed, settings.min_tickets)
    rows = [
        _with_projection(row, projection_inputs) if row.moves else row for row in rows
    ]
    return _totals(
        rows,
        settings,
        tickets,
        projection_inputs,
        (without_type, unpriced),
        cost_now,
    )


def _decide(
    inquiry_type: InquiryType,
    row: Mapping | None,
    rules: pl.DataFrame,
    policy: Policy,
    settings: RecommendationSettings,
) -> Recommendation:
    base = _figures(inquiry_type.id, inquiry_type.name, True, row)
    base["complexity"] = inquiry_type.complexity
    if row is None or row["tickets"] == 0:
        return Recommendation(
            **base,
            current_team=None,
            current_kind=None,
            current_rule=None,
            action="n/a",
            target_team=None,
            reason="no tickets of this type in the data",
        )
    rule_index = int(rules["rule"][0])
    rule = policy.routing.rules[rule_index]
    team = policy.teams_by_id[rule.then.team]
    place = {
        "current_team": team.id,
        "current_kind": team.kind,
        "current_rule": rule.id,
    }
    action, target, reason = _action(inquiry_type, base, team, policy, settings)
    moved = int(rules["len"][0]) if action in ("move_down", "move_up") else 0
    return Recommendation(
        **base,
        **place,
        action=action,
        target_team=target.id if target is not None else None,
        reason=reason,
        moved_tickets=moved,
    )


def _action(
    inquiry_type: InquiryType,
    figures: Mapping,
    team: Team,
    policy: Policy,
    settings: RecommendationSettings,
) -> tuple[Action, Team | None, str]:
    n = figures["one_touch_n"]
    one_touch = figures["one_touch"]
    if figures["tickets"] < settings.min_tickets:
        return (
            "keep",
            None,
            f"{figures['tickets']} tickets, below min_tickets {settings.min_tickets}",
        )
    if one_touch is None:
        return "keep", None, "no solved tickets, so no one-touch share"
    shown = f"one-touch {_pct(one_touch)} of {n} solved"
    if team.kind == "in_house":
        failed = []
        if inquiry_type.complexity not in settings.move_down_complexity:
            failed.append(
                f"complexity {inquiry_type.complexity} not in move_down_complexity"
            )
        if one_touch < settings.move_down_min_one_touch:
            failed.append(
                f"{shown} < move_down_min_one_touch "
                f"{_pct(settings.move_down_min_one_touch)}"
            )
        limit = settings.move_down_max_escalation
        escalated = figures["escalated"]
        if limit is not None and escalated is not None and escalated > limit:
            failed.append(
                f"escalated {_pct(escalated)} > move_down_max_escalation {_pct(limit)}"
            )
        if failed:
            return "keep", None, "; ".join(failed)
        target = _vendor_team(inquiry_type, team, policy, settings)
        if target is None:
            return "keep", None, f"{shown} qualifies, but no vendor team takes the type"
        return (
            "move_down",
            target,
            f"{inquiry_type.complexity}, {shown} >= move_down_min_one_touch "
            f"{_pct(settings.move_down_min_one_touch)}",
        )
    reasons = []
    if one_touch < settings.stay_min_one_touch:
        reasons.append(
            f"{shown} < stay_min_one_touch {_pct(settings.stay_min_one_touch)}"
        )
    csat, csat_n = figures["csat_satisfied"], figures["csat_n"]
    floor = settings.stay_min_csat
    if (
        floor is not None
        and csat is not None
        and csat_n >= settings.min_csat_responses
        and csat < floor
    ):
        reasons.append(
            f"CSAT satisfied {_pct(csat)} of {csat_n} rated < stay_min_csat "
            f"{_pct(floor)}"
        )
    if not reasons:
        return (
            "keep",
            None,
            f"{shown} >= stay_min_one_touch {_pct(settings.stay_min_one_touch)} at "
            f"vendor team {team.id}",
        )
    needed = settings.move_up_min_escalation
    escalated = figures["escalated"]
    if needed is not None and (escalated is None or escalated < needed):
        shown_escalated = "unknown" if escalated is None else _pct(escalated)
        return (
            "keep",
            None,
            "; ".join(reasons)
            + f", but escalated {shown_escalated} < move_up_min_escalation "
            f"{_pct(needed)}",
        )
    target = _in_house_team(inquiry_type, team, policy, settings)
    if target is None:
        return "keep", None, "; ".join(reasons) + ", but no in-house team takes it"
    return "move_up", target, "; ".join(reasons)


def _takes(team: Team, inquiry_type: InquiryType) -> bool:
    skills = team.skills.inquiry_types
    return not skills or inquiry_type.id in skills


def _vendor_team(
    inquiry_type: InquiryType,
    current: Team,
    policy: Policy,
    settings: RecommendationSettings,
) -> Team | None:
    if settings.vendor_team is not None:
        return policy.teams_by_id[settings.vendor_team]
    ranks = {tier.id: tier.rank for tier in policy.tiers}
    candidates = [
        team
        for team in policy.teams
        if team.kind == "vendor"
        and team.id != current.id
        and _takes(team, inquiry_type)
    ]
    candidates.sort(key=lambda t: (ranks[t.tier], t.cost_per_ticket, t.id))
    return candidates[0] if candidates else None


def _in_house_team(
    inquiry_type: InquiryType,
    current: Team,
    policy: Policy,
    settings: RecommendationSettings,
) -> Team | None:
    if settings.in_house_team is not None:
        return policy.teams_by_id[settings.in_house_team]
    following = policy.next_escalation_team.get(current.id)
    if following is not None and policy.teams_by_id[following].kind == "in_house":
        return policy.teams_by_id[following]
    ranks = {tier.id: tier.rank for tier in policy.tiers}
    candidates = [
        team
        for team in policy.teams
        if team.kind == "in_house"
        and ranks[team.tier] >= ranks[current.tier]
        and _takes(team, inquiry_type)
    ]
    candidates.sort(key=lambda t: (ranks[t.tier], t.cost_per_ticket, t.id))
    return candidates[0] if candidates else None


def _figures(
    inquiry_type: str | None, name: str | None, known: bool, row: Mapping | None
) -> dict:
    def get(key: str, default: object = None) -> object:
        return row[key] if row is not None else default

    return {
        "inquiry_type": inquiry_type,
        "name": name,
        "known": known,
        "tickets": int(get("tickets", 0)),
        "share": get("share"),
        "one_touch": get("one_touch"),
        "one_touch_low": get("one_touch_low"),
        "one_touch_high": get("one_touch_high"),
        "one_touch_n": int(get("one_touch_n", 0)),
        "escalated": get("escalated"),
        "escalated_n": int(get("escalated_n", 0)),
        "csat_satisfied": get("csat_satisfied"),
        "csat_n": int(get("csat_satisfied_n", 0)),
    }


def _unknown(name: str, row: Mapping | None, count: int) -> Recommendation:
    base = _figures(name, None, False, row)
    base["tickets"] = count
    return Recommendation(
        **base,
        complexity=None,
        current_team=None,
        current_kind=None,
        current_rule=None,
        action="n/a",
        target_team=None,
        reason="not an inquiry type of the policy; add it, or map it with labels",
    )


def _with_costs(
    rows: list[Recommendation],
    tickets: TicketFrame,
    routed: RoutedTickets,
    policy: Policy,
) -> tuple[list[Recommendation], int, float]:
    costs = {team.id: team.cost_per_ticket for team in policy.teams}
    texts = list_texts(tickets, "teams_visited")
    held = policy_teams_held(tickets, policy)
    unmapped = held.filter(pl.col("team").is_null())["text"]
    unpriced = texts.is_in(unmapped.implode()).sum()
    held = held.drop_nulls("team")
    per_list = (
        held.with_columns(
            pl.col("team").replace_strict(costs, return_dtype=pl.Float64).alias("cost")
        )
        .group_by("text")
        .agg(pl.col("cost").sum())
    )
    frame = (
        tickets.frame.select("inquiry_type", "one_touch")
        .with_columns(routed.frame.select("rule", "rule_team"))
        .with_columns(texts.alias("text"))
        .join(per_list, on="text", how="left", maintain_order="left")
        .with_columns(
            # A ticket that no team held in the log costs its routing rule's team.
            pl.col("cost").fill_null(
                pl.col("rule_team").replace_strict(costs, return_dtype=pl.Float64)
            ),
        )
    )
    cost_now = float(frame["cost"].sum() or 0.0)
    updated = []
    for row in rows:
        if not row.moves:
            updated.append(row)
            continue
        rule_index = _rule_index(policy, row.current_rule)
        moved = frame.filter(
            (pl.col("inquiry_type") == row.inquiry_type)
            & (pl.col("rule") == rule_index)
        )
        moved = _with_holders(moved, held, row.current_team, row.target_team)
        current, target = costs[row.current_team], costs[row.target_team]
        replaced = (
            pl.col("cost")
            - pl.when(pl.col("had_current")).then(current).otherwise(0.0)
            + pl.when(pl.col("had_target")).then(0.0).otherwise(target)
        )
        added = pl.col("cost") + pl.when(pl.col("had_target")).then(0.0).otherwise(
            target
        )
        if row.action == "move_up":
            projected = replaced
        else:
            projected = (
                pl.when(pl.col("one_touch").fill_null(False))
                .then(replaced)
                .otherwise(added)
            )
        sums = moved.select(
            pl.col("cost").sum().alias("now"), projected.sum().alias("projected")
        )
        now = float(sums["now"][0] or 0.0)
        after = float(sums["projected"][0] or 0.0)
        updated.append(
            _replace(
                row,
                moved_tickets=moved.height,
                moved_share=moved.height / tickets.frame.height,
                cost_now=now,
                cost_change=after - now,
            )
        )
    return updated, int(unpriced), cost_now


def _with_holders(
    moved: pl.DataFrame, held: pl.DataFrame, current: str, target: str
) -> pl.DataFrame:
    """Add whether each moved ticket was held by the current and the target team.

    `held` lists the policy teams of each `teams_visited` text.
    """
    holders = (
        held.filter(pl.col("text").is_in(moved["text"].unique().implode()))
        .group_by("text")
        .agg(
            (pl.col("team") == current).any().alias("had_current"),
            (pl.col("team") == target).any().alias("had_target"),
        )
    )
    return moved.join(
        holders, on="text", how="left", maintain_order="left"
    ).with_columns(
        pl.col("had_current").fill_null(pl.col("rule_team") == current),
        pl.col("had_target").fill_null(pl.col("rule_team") == target),
    )


def _rule_index(policy: Policy, rule_id: str | None) -> int:
    return next(i for i, r in enumerate(policy.routing.rules) if r.id == rule_id)


def _with_projection(row: Recommendation, inputs: ProjectionInputs) -> Recommendation:
    rule_index = _rule_index(inputs.policy, row.current_rule)
    moved = (pl.col("inquiry_type") == row.inquiry_type) & (
        pl.col("rule") == rule_index
    )
    projection = project_attainment(
        inputs, moved, row.inquiry_type, row.complexity, row.target_team
    )
    return _replace(row, projection=projection)


def _replace(row: Recommendation, **changes: object) -> Recommendation:
    values = {**row.__dict__, **changes}
    return Recommendation(**values)


def _totals(
    rows: list[Recommendation],
    settings: RecommendationSettings,
    tickets: TicketFrame,
    inputs: ProjectionInputs,
    counts: tuple[int, int],
    cost_now: float,
) -> Recommendations:
    total = tickets.frame.height
    without_type, unpriced = counts
    down = sum(r.moved_tickets for r in rows if r.action == "move_down")
    up = sum(r.moved_tickets for r in rows if r.action == "move_up")
    change = sum(r.cost_change or 0.0 for r in rows)
    first_now, resolved_now = inputs.overall()
    first_after = first_now
    resolved_after = resolved_now
    for row in rows:
        projection = row.projection
        if projection is None:
            continue
        if first_after is not None and projection.first_response_change is not None:
            first_after += projection.first_response_change
        if resolved_after is not None and projection.resolved_change is not None:
            resolved_after += projection.resolved_change
    notes = []
    if tickets.unknown_inquiry_types:
        notes.append(
            f"{sum(tickets.unknown_inquiry_types.values()):,} tickets of "
            f"{len(tickets.unknown_inquiry_types)} inquiry types the policy does not "
            "know get no recommendation"
        )
    if without_type:
        notes.append(f"{without_type:,} tickets have no inquiry type")
    if unpriced:
        notes.append(
            f"{unpriced:,} tickets were held by log teams the policy cannot map to a "
            "team; those teams' costs are not counted"
        )
    return Recommendations(
        rows=rows,
        settings=settings,
        total_tickets=total,
        moved_down_tickets=down,
        moved_down_share=down / total if total else None,
        moved_up_tickets=up,
        moved_up_share=up / total if total else None,
        cost_now=cost_now,
        cost_change=change,
        first_response_within_now=first_now,
        first_response_within_projected=first_after,
        resolved_within_now=resolved_now,
        resolved_within_projected=resolved_after,
        unknown_inquiry_types=dict(tickets.unknown_inquiry_types),
        tickets_without_type=without_type,
        unpriced_tickets=unpriced,
        notes=notes,
    )


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%"
