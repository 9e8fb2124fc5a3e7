"""Historical tickets as routing inputs, and their decisions under a policy.

Replayed tickets go through `Router.decide`, the code the batch command and the
service use. An agent confirmed each historical ticket's inquiry type, so the
prediction has confidence 1 and triage never applies.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tierdesk.accounts import convert_attribute
from tierdesk.classify.predict import Prediction
from tierdesk.events import Event
from tierdesk.policy.model import Policy, SlaTarget
from tierdesk.route.router import Router
from tierdesk.segment import SegmentMatch
from tierdesk.sla import TargetSelector
from tierdesk.ticket import Ticket

# Rule id recorded when the history names the segment itself.
HISTORY_SEGMENT_RULE = "history"


@dataclass(frozen=True)
class ReplayFields:
    """Event attributes that give each historical ticket's routing inputs."""

    inquiry_type: str = "inquiry_type"
    segment: str = "segment"
    priority: str = "priority"
    channel: str = "channel"
    language: str = "language"


@dataclass(frozen=True)
class ReplayTicket:
    """One historical ticket as routing input; values are as the log wrote them."""

    ticket_id: str
    created: float
    inquiry_type: str | None
    segment: str | None
    priority: str | None
    channel: str | None
    language: str | None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    # The log's name of the first team that held the ticket.
    first_team: str | None = None


def read_replay_tickets(
    histories: Mapping[str, Sequence[Event]], policy: Policy, fields: ReplayFields
) -> list[ReplayTicket]:
    """Read each history's first non-empty value of every routing input.

    Event attributes named like the policy's `account_attributes` become account
    attributes, converted to the declared type.
    """
    declared = policy.account_attributes
    tickets = []
    for ticket_id, events in histories.items():
        values = _first_values(events)
        attributes = {
            name: convert_attribute(
                values[name], spec.type, file=f"ticket {ticket_id}", column=name
            )
            for name, spec in declared.items()
            if name in values
        }
        tickets.append(
            ReplayTicket(
                ticket_id=ticket_id,
                created=events[0].at.timestamp(),
                inquiry_type=values.get(fields.inquiry_type),
                segment=values.get(fields.segment),
                priority=values.get(fields.priority),
                channel=values.get(fields.channel),
                language=values.get(fields.language),
                attributes=attributes,
                first_team=next((e.team for e in events if e.team is not None), None),
            )
        )
    return tickets


def _first_values(events: Sequence[Event]) -> dict[str, str]:
    values: dict[str, str] = {}
    for event in events:
        for name, value in event.attributes.items():
            if name not in values and value not in (None, ""):
                values[name] = str(value)
    return values


@dataclass(frozen=True)
class RoutedTickets:
    """Each replayed ticket's decision under one policy, as columns."""

    policy: Policy
    team: list[str]
    sla_policy: list[str]
    target: list[SlaTarget]
    priority_rank: list[int]
    min_level: list[int | None]
    inquiry_type: list[str]
    language: list[str | None]
    segment: list[str]
    # The stand-in inquiry type of tickets whose type the policy does not list.
    stand_in: str | None = None
    unknown_inquiry_types: Counter[str] = field(default_factory=Counter)
    unknown_priorities: Counter[str] = field(default_factory=Counter)


def route_replay(
    tickets: Sequence[ReplayTicket], policy: Policy, *, history_teams: bool = False
) -> RoutedTickets:
    """Decide every ticket with `Router`, once per distinct set of routing inputs.

    A ticket whose inquiry type is missing or not in the policy routes as the
    policy's only inquiry type, or, when it has several, as a stand-in type
    `other` that no rule names (with the policy's most common complexity).
    With `history_teams`, each ticket goes to the policy team of the first team
    that held it in the history, found by `team_patterns`. The decision then
    gives only its SLA policy and target. A ticket whose team the policy cannot
    name keeps the decided team.
    """
    types = policy.inquiry_types_by_id
    unknown_types = Counter(
        t.inquiry_type or "(none)" for t in tickets if t.inquiry_type not in types
    )
    stand_in: str | None = None
    routing_policy = policy
    if unknown_types:
        if len(types) == 1:
            stand_in = next(iter(types))
        else:
            routing_policy, stand_in = _with_stand_in(policy)
    router = Router(routing_policy)
    selector = TargetSelector(policy, policy.sla_policies[0])
    unknown_priorities: Counter[str] = Counter()
    decisions: dict[tuple[Any, ...], Any] = {}
    columns: dict[str, list[Any]] = {
        name: []
        for name in (
            "team",
            "sla_policy",
            "target",
            "priority_rank",
            "min_level",
            "inquiry_type",
            "language",
            "segment",
        )
    }
    ranks = {priority: rank for rank, priority in enumerate(policy.priorities)}
    for ticket in tickets:
        inquiry_type = ticket.inquiry_type if ticket.inquiry_type in types else stand_in
        priority = selector.priority(ticket.priority)
        if (
            ticket.priority is not None
            and priority.casefold() != ticket.priority.casefold()
        ):
            unknown_priorities[ticket.priority] += 1
        key = (
            ticket.segment,
            tuple(sorted(ticket.attributes.items())),
            inquiry_type,
            priority,
            ticket.channel,
            ticket.language,
        )
        decided = decisions.get(key)
        if decided is None:
            decided = _decide(router, ticket, inquiry_type, priority)
            decisions[key] = decided
        decision, target = decided
        team = decision.team
        if history_teams and ticket.first_team is not None:
            found = policy.team_named(ticket.first_team)
            team = found.id if found is not None else team
        columns["team"].append(team)
        columns["sla_policy"].append(decision.sla_policy)
        columns["target"].append(target)
        columns["priority_rank"].append(ranks[decision.priority])
        segment = policy.segments_by_id[decision.segment]
        columns["min_level"].append(segment.min_agent_level)
        columns["inquiry_type"].append(decision.inquiry_type)
        columns["language"].append(ticket.language)
        columns["segment"].append(decision.segment)
    return RoutedTickets(
        policy=policy,
        stand_in=stand_in,
        unknown_inquiry_types=unknown_types,
        unknown_priorities=unknown_priorities,
        **columns,
    )


def _decide(
    router: Router, ticket: ReplayTicket, inquiry_type: str | None, priority: str
) -> tuple[Any, SlaTarget]:
    policy = router.policy
    segment = None
    if ticket.segment in policy.segments_by_id:
        segment = SegmentMatch(ticket.segment, HISTORY_SEGMENT_RULE)
    decision = router.decide(
        Ticket(
            id=ticket.ticket_id,
            channel=ticket.channel,
            language=ticket.language,
            priority=priority,
        ),
        ticket.attributes,
        Prediction(inquiry_type=inquiry_type or "", confidence=1.0),
        segment=segment,
    )
    sla = policy.sla_policies_by_id[decision.sla_policy]
    target = sla.target_for(decision.segment, decision.priority)
    if target is None:
        raise AssertionError("validated policies cover every reachable segment")
    return decision, target


def _with_stand_in(policy: Policy) -> tuple[Policy, str]:
    taken = set(policy.inquiry_types_by_id)
    name, number = "other", 2
    while name in taken:
        name, number = f"other-{number}", number + 1
    counts = Counter(t.complexity for t in policy.inquiry_types)
    complexity = "complex" if counts["complex"] >= counts["simple"] else "simple"
    data = policy.model_dump(mode="json", by_alias=True, exclude_unset=True)
    data["inquiry_types"].append(
        {
            "id": name,
            "name": "Types the policy does not list",
            "complexity": complexity,
        }
    )
    return Policy.model_validate(data), name
