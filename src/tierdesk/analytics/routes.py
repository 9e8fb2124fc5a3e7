"""Routing of past tickets under the policy, and the policy teams that held them.

Historical tickets are decided again by the policy's routing rules from the
metrics table's inquiry type, segment, priority and channel, with each type's
default complexity. The table has no confidence, language or account
attributes, so conditions on those never match here, and triage is not applied.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from tierdesk.analytics.flows import list_steps
from tierdesk.analytics.frame import TicketFrame
from tierdesk.policy.model import Policy
from tierdesk.route.rules import compile_rules, first_match

_CONTEXT = ("inquiry_type", "segment", "priority", "channel")


@dataclass(frozen=True)
class RoutedTickets:
    """Per-ticket routing rule and policy teams, in ticket-frame order.

    `rule` is the index of the routing rule that decides the ticket under the
    policy; `first_team` is the policy team that first held it in the log (the
    rule's team when the log names none), found by id or `team_patterns`.
    """

    frame: pl.DataFrame
    policy: Policy
    unmapped_teams: tuple[str, ...]


def route_tickets(tickets: TicketFrame, policy: Policy) -> RoutedTickets:
    """Decide every ticket's routing rule again and map its teams to policy teams."""
    frame = tickets.frame
    compiled = compile_rules(policy.routing.rules)
    types = policy.inquiry_types_by_id
    # Tickets share few combinations of the context columns, so each is decided
    # once and the tickets join their combination. Polars joins categoricals
    # faster than text.
    keyed = frame.select(pl.col(name).cast(pl.Categorical) for name in _CONTEXT)
    combos = keyed.unique()
    rules = []
    for inquiry_type, segment, priority, channel in combos.iter_rows():
        known = types.get(inquiry_type) if inquiry_type is not None else None
        context = {
            "inquiry_type": inquiry_type if known is not None else None,
            "complexity": known.complexity if known is not None else None,
            "segment": segment,
            "priority": priority,
            "channel": channel,
        }
        rules.append(first_match(compiled, context))

    decided = combos.with_columns(pl.Series("rule", rules, dtype=pl.Int32))
    routed = keyed.join(
        decided,
        on=list(_CONTEXT),
        how="left",
        nulls_equal=True,
        maintain_order="left",
    ).select("rule")

    rule_teams = [rule.then.team for rule in policy.routing.rules]
    names = frame["first_team"].drop_nulls().unique().to_list()
    mapping: dict[str, str | None] = {}
    unmapped = []
    for name in names:
        team = policy.team_named(name)
        mapping[name] = team.id if team is not None else None
        if team is None:
            unmapped.append(name)
    complexity = {t.id: t.complexity for t in policy.inquiry_types}
    result = pl.DataFrame(
        {
            "rule": routed["rule"],
            "rule_team": routed["rule"].replace_strict(
                dict(enumerate(rule_teams)), return_dtype=pl.String
            ),
            "first_team": frame["first_team"].replace_strict(
                mapping, default=None, return_dtype=pl.String
            ),
            "complexity": frame["inquiry_type"].replace_strict(
                complexity, default=None, return_dtype=pl.String
            ),
        }
    ).with_columns(
        pl.when(frame["first_team"].is_null())
        .then(pl.col("rule_team"))
        .otherwise(pl.col("first_team"))
        .alias("first_team")
    )
    return RoutedTickets(result, policy, tuple(sorted(unmapped)))


def policy_teams_held(tickets: TicketFrame, policy: Policy) -> pl.DataFrame:
    """Return (text, team): the distinct policy teams of each `teams_visited` list.

    Which teams held a ticket depends on its list alone, so callers join tickets
    to this table by their list text. Log teams that the policy cannot map come
    back with a null team, once per list, so callers can count those tickets.
    """
    steps = list_steps(tickets, "teams_visited")
    names = steps["value"].unique().to_list()
    mapping = {}
    for name in names:
        team = policy.team_named(name)
        mapping[name] = team.id if team is not None else None
    return steps.select(
        "text",
        pl.col("value")
        .replace_strict(mapping, default=None, return_dtype=pl.String)
        .alias("team"),
    ).unique(maintain_order=True)
