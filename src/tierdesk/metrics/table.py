"""The per-ticket metrics table: SLA clocks, durations and sequence facts of every
ticket, one row each, in the columns of `tierdesk.metrics.columns`.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from tierdesk._sla_clocks import ClockColumns, StatusCode
from tierdesk._sla_table import ClockTable
from tierdesk._sla_timeline import RESOLVED_STATUSES, STATUSES
from tierdesk.events import Event
from tierdesk.metrics.columns import ATTRIBUTE_PREFIX, COLUMN_NAMES
from tierdesk.metrics.sequence import OneTouchRule, sequence_facts
from tierdesk.policy.model import Policy, SlaPolicy, SlaTarget
from tierdesk.sla import (
    AlwaysOpenCalendars,
    Calendars,
    PolicyCalendars,
    TargetSelector,
    clock_table,
)

# Event attributes carried into columns of the same name.
CARRIED = ("inquiry_type", "channel")
# Stands in for the SLA policy when there is none, so the clocks still give
# calendar durations and paused time. No target of it is ever used.
_NO_SLA = SlaPolicy.model_validate(
    {
        "id": "none",
        "name": "No SLA policy",
        "targets": [{"first_response": "1h", "resolution": "1h"}],
    }
)
_STATUS_TEXT = {
    StatusCode.NONE: None,
    StatusCode.MET: "met",
    StatusCode.BREACHED: "breached",
    StatusCode.RUNNING: "running",
    StatusCode.PAUSED: "paused",
}


@dataclass(frozen=True)
class MetricsOptions:
    """Options for reading events into metrics.

    `tier_order` ranks tiers, lowest first, when no policy gives ranks.
    `attributes` are event attributes carried into `attr_NAME` columns.
    `pause_source_statuses`, when given, are the only raw statuses that pause.
    """

    one_touch: OneTouchRule = field(default_factory=OneTouchRule)
    tier_order: Sequence[str] | None = None
    segment_attribute: str = "segment"
    priority_attribute: str = "priority"
    attributes: Sequence[str] = ()
    handle_time_attribute: str = "handle_seconds"
    pause_source_statuses: Collection[str] | None = None


@dataclass(frozen=True)
class TicketMetrics:
    """The metrics table, and what it could not compute, for the summary to report."""

    frame: pd.DataFrame
    now: datetime
    policy: Policy | None
    sla_policies: list[str]
    ranked: bool
    has_teams: bool
    has_handle_time: bool
    invalid_handle_times: int
    unknown_teams: list[str]
    unranked_tiers: list[str]
    unknown_priorities: Counter[str]

    @property
    def has_policy(self) -> bool:
        return self.policy is not None


def compute_metrics(
    histories: Mapping[str, Sequence[Event]] | Iterable[tuple[str, Sequence[Event]]],
    now: datetime,
    *,
    policy: Policy | None = None,
    sla_policy: str | None = None,
    options: MetricsOptions | None = None,
) -> TicketMetrics:
    """Compute one row of metrics per ticket from sorted histories, at `now`.

    With a policy, each ticket's SLA policy is the one its creation event's
    `sla_policy` attribute names, else `sla_policy`, else the default routing
    rule's. When that SLA policy has `reevaluate`, the latest one named wins.
    Without a policy, durations are calendar time and no targets apply.
    """
    options = options or MetricsOptions()
    items = list(histories.items() if isinstance(histories, Mapping) else histories)
    items = [
        (ticket, events) for ticket, events in items if events and events[0].at <= now
    ]
    calendars: Calendars = (
        PolicyCalendars(policy) if policy is not None else AlwaysOpenCalendars()
    )
    groups = _by_sla_policy(items, policy, sla_policy)
    frames = []
    unknown_priorities: Counter[str] = Counter()
    for sla, positions in groups:
        chosen = [items[i] for i in positions]
        frame, unknown = _frame(chosen, sla, policy, calendars, now, options)
        frame.index = positions
        frames.append(frame)
        unknown_priorities.update(unknown)
    frame = pd.concat(frames).sort_index() if frames else _empty_frame(options)
    frame = frame.reset_index(drop=True)

    ranks = _ranks(policy, options)
    seen_tiers = {
        tier for value in frame["tiers_visited"] for tier in json.loads(value)
    }
    return TicketMetrics(
        frame=frame,
        now=now,
        policy=policy,
        sla_policies=[sla.id for sla, _ in groups if policy is not None],
        ranked=ranks is not None,
        has_teams=bool(frame["first_team"].notna().any()),
        has_handle_time=bool(frame["handle_time_s"].notna().any()),
        invalid_handle_times=int(frame.attrs.get("invalid_handle_times", 0)),
        unknown_teams=(
            calendars.unknown_teams if isinstance(calendars, PolicyCalendars) else []
        ),
        unranked_tiers=sorted(seen_tiers - set(ranks or {})) if ranks else [],
        unknown_priorities=unknown_priorities,
    )


def _by_sla_policy(
    items: list[tuple[str, Sequence[Event]]],
    policy: Policy | None,
    requested: str | None,
) -> list[tuple[SlaPolicy, list[int]]]:
    if policy is None:
        return [(_NO_SLA, list(range(len(items))))] if items else []
    by_id = policy.sla_policies_by_id
    default = requested or policy.routing.rules[-1].then.sla_policy
    if default not in by_id:
        known = ", ".join(by_id)
        raise KeyError(f"unknown SLA policy {default!r}; expected one of: {known}")
    positions: dict[str, list[int]] = {}
    for index, (_, events) in enumerate(items):
        named = events[0].attributes.get("sla_policy")
        chosen = named if named in by_id else default
        if by_id[chosen].reevaluate:
            # The latest SLA policy the events name replaces the one at creation.
            for event in reversed(events):
                later = event.attributes.get("sla_policy")
                if later in by_id:
                    chosen = later
                    break
        positions.setdefault(chosen, []).append(index)
    return [(by_id[sla_id], indexes) for sla_id, indexes in positions.items()]


def _ranks(policy: Policy | None, options: MetricsOptions) -> dict[str, float] | None:
    if options.tier_order:
        return {tier: float(rank) for rank, tier in enumerate(options.tier_order)}
    if policy is not None:
        return {tier.id: tier.rank for tier in policy.tiers}
    return None


def _frame(
    items: list[tuple[str, Sequence[Event]]],
    sla: SlaPolicy,
    policy: Policy | None,
    calendars: Calendars,
    now: datetime,
    options: MetricsOptions,
) -> tuple[pd.DataFrame, Counter[str]]:
    selector = (
        TargetSelector(
            policy,
            sla,
            segment_attribute=options.segment_attribute,
            priority_attribute=options.priority_attribute,
        )
        if policy is not None
        else None
    )

    def target(events: Sequence[Event]) -> SlaTarget | None:
        return selector(events) if selector is not None else None

    table = clock_table(
        items,
        sla,
        calendars,
        now,
        target,
        pause_source_statuses=options.pause_source_statuses,
    )
    columns: dict[str, Any] = {"ticket_id": table.ticket_ids}
    columns.update(_attribute_columns(items, selector, options))
    unknown = Counter(
        value
        for value in columns.pop("_raw_priority")
        if value is not None
        and selector is not None
        and selector.priority(value).casefold() != value.casefold()
    )
    columns["sla_policy"] = [sla.id if policy is not None else None] * len(items)
    columns.update(_team_columns(table))
    columns.update(duration_columns(table, business=policy is not None))
    ranks = _ranks(policy, options)
    invalid = 0
    facts_rows = []
    for _, events in items:
        facts = sequence_facts(
            events,
            lambda team: calendars.team(team).tier,
            ranks,
            options.handle_time_attribute,
        )
        invalid += facts.invalid_handle_times
        facts_rows.append(facts.row(options.one_touch))
    for name in facts_rows[0] if facts_rows else ():
        columns[name] = [row[name] for row in facts_rows]
    columns.update(_sla_columns(table))
    names = [*COLUMN_NAMES, *(ATTRIBUTE_PREFIX + a for a in options.attributes)]
    frame = pd.DataFrame({name: columns[name] for name in names})
    frame.attrs["invalid_handle_times"] = invalid
    return frame, unknown


def _empty_frame(options: MetricsOptions) -> pd.DataFrame:
    names = [*COLUMN_NAMES, *(ATTRIBUTE_PREFIX + a for a in options.attributes)]
    return pd.DataFrame({name: [] for name in names})


def _attribute_columns(
    items: list[tuple[str, Sequence[Event]]],
    selector: TargetSelector | None,
    options: MetricsOptions,
) -> dict[str, list[Any]]:
    created = [events[0].at for _, events in items]
    columns: dict[str, list[Any]] = {
        "created_at": [moment.isoformat() for moment in created],
        "created_month": [
            datetime.fromtimestamp(moment.timestamp(), UTC).strftime("%Y-%m")
            for moment in created
        ],
    }
    for name in CARRIED:
        columns[name] = [_first_value(events, name) for _, events in items]
    columns["segment"] = [
        _first_value(events, options.segment_attribute) for _, events in items
    ]
    raw = [
        selector.value(events, options.priority_attribute)
        if selector is not None
        else _first_value(events, options.priority_attribute)
        for _, events in items
    ]
    columns["_raw_priority"] = raw
    columns["priority"] = [
        selector.priority(value) if selector is not None else value for value in raw
    ]
    for name in options.attributes:
        columns[ATTRIBUTE_PREFIX + name] = [
            _first_value(events, name) for _, events in items
        ]
    return columns


def _first_value(events: Sequence[Event], attribute: str) -> str | None:
    for event in events:
        value = event.attributes.get(attribute)
        if value not in (None, ""):
            return str(value)
    return None


def _team_columns(table: ClockTable) -> dict[str, list[Any]]:
    stretches = table.stretches
    names = table.team_names
    tiers = table.tiers_of_stretches
    first_team: list[str | None] = []
    first_tier: list[str | None] = []
    final_team: list[str | None] = []
    final_tier: list[str | None] = []
    for mark in table.marks:
        # Stretches before the first assignment carry the first team already.
        first = mark.first_stretch
        last = mark.last_stretch
        first_team.append(names[int(stretches.team[first])])
        first_tier.append(table.tier_name(int(tiers[first])))
        final_team.append(names[int(stretches.team[last])])
        final_tier.append(table.tier_name(int(tiers[last])))
    return {
        "first_team": first_team,
        "first_tier": first_tier,
        "final_team": final_team,
        "final_tier": final_tier,
        "status": [
            mark.status.value if mark.status is not None else None
            for mark in table.marks
        ],
    }


def duration_columns(table: ClockTable, *, business: bool) -> dict[str, Any]:
    """Return the first response, resolution, open and paused seconds columns.

    The simulator reads its predicted times through this function too.
    """
    marks = table.mark_arrays
    created = marks.created
    resolution = table.resolution
    resolved_codes = [STATUSES.index(status) for status in RESOLVED_STATUSES]
    resolved = np.isin(marks.status, resolved_codes)
    final = resolved & ~np.isnan(marks.final_solved)
    points = {
        "first_response": (marks.first_reply, marks.first_reply_stretch),
        "first_resolution": (marks.first_solved, marks.first_solved_stretch),
        "final_resolution": (
            np.where(final, marks.final_solved, np.nan),
            np.where(final, marks.final_solved_stretch, -1),
        ),
    }
    columns: dict[str, Any] = {}
    for name, (moments, stretch) in points.items():
        columns[f"{name}_s"] = moments - created
        columns[f"{name}_business_s"] = (
            table.business_until(stretch) if business else np.full(len(marks), np.nan)
        )
    columns["open_s"] = resolution.elapsed_calendar + resolution.paused
    columns["paused_s"] = resolution.paused
    return columns


def _sla_columns(table: ClockTable) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    for name, clock in (
        ("first_response", table.first_response),
        ("resolution", table.resolution),
    ):
        columns[f"{name}_target_s"] = clock.target
        columns[f"{name}_clock_s"] = np.where(
            np.isnan(clock.target), np.nan, clock.used
        )
        columns[f"{name}_sla"] = _status_texts(clock)
        columns[f"{name}_due_at"] = _due_texts(table, clock)
    resolution = table.resolution
    breached = resolution.status == StatusCode.BREACHED
    columns["resolution_breach_team"] = [
        table.team_names[int(code)] if hit else None
        for code, hit in zip(resolution.due_team, breached, strict=True)
    ]
    columns["resolution_breach_tier"] = [
        table.tier_name(int(code)) if hit else None
        for code, hit in zip(resolution.due_tier, breached, strict=True)
    ]
    columns.update(_next_response_columns(table))
    columns.update(_tier_columns(table))
    return columns


def _status_texts(clock: ClockColumns) -> list[str | None]:
    return [_STATUS_TEXT[StatusCode(code)] for code in clock.status.tolist()]


def _due_texts(table: ClockTable, clock: ClockColumns) -> list[str | None]:
    texts: list[str | None] = []
    for due, team in zip(clock.due.tolist(), clock.due_team.tolist(), strict=True):
        if math.isnan(due):
            texts.append(None)
            continue
        zone = table.team_calendar(team).timezone
        texts.append(datetime.fromtimestamp(due, zone).isoformat())
    return texts


def _next_response_columns(table: ClockTable) -> dict[str, Any]:
    count = len(table)
    clock = table.next_response
    targets = np.array(
        [
            t.next_response.total_seconds()
            if t is not None and t.next_response is not None
            else np.nan
            for t in table.targets
        ]
    )
    breaches = np.bincount(
        clock.ticket, clock.status == StatusCode.BREACHED, count
    ).astype(np.int64)
    latest: list[str | None] = [None] * count
    # Cycles come in ticket order and, within a ticket, in time order.
    for ticket, code in zip(clock.ticket.tolist(), clock.status.tolist(), strict=True):
        latest[ticket] = _STATUS_TEXT[StatusCode(code)]
    status = [
        "breached" if hit and text is not None else text
        for hit, text in zip(breaches > 0, latest, strict=True)
    ]
    return {
        "next_response_target_s": targets,
        "next_response_cycles": [mark.cycles for mark in table.marks],
        "next_response_breaches": np.where(np.isnan(targets), np.nan, breaches),
        "next_response_sla": status,
    }


def _tier_columns(table: ClockTable) -> dict[str, list[str]]:
    count = len(table)
    held: list[dict[str, float]] = [{} for _ in range(count)]
    breached: list[list[str]] = [[] for _ in range(count)]
    clock = table.tiers
    order = np.lexsort((clock.started, clock.ticket))
    for row in order.tolist():
        ticket = int(clock.ticket[row])
        tier = table.tier_name(int(table.tier_of_clock[row])) or ""
        held[ticket][tier] = round(float(clock.used[row]), 3)
        if clock.status[row] == StatusCode.BREACHED:
            breached[ticket].append(tier)
    return {
        "tier_held_s": [json.dumps(value, ensure_ascii=False) for value in held],
        "tier_targets_breached": [
            json.dumps(value, ensure_ascii=False) for value in breached
        ],
    }
