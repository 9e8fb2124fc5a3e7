"""Turn a log's records, one case at a time, into tierdesk events.

Both importers parse their files into `Record`s and hand them to
`CaseAssembler`, so CSV and XES logs follow the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from types import MappingProxyType
from typing import Any

from tierdesk.errors import InputError
from tierdesk.events import Event, EventKind, TicketStatus
from tierdesk.importers.mapping import EventMapping
from tierdesk.importers.report import ImportReport

_kind_of = attrgetter("kind")
_UNRESOLVED = frozenset(
    {TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD}
)


@dataclass(slots=True)
class Record:
    """One row of a CSV log or one event of an XES log, parsed but not interpreted."""

    number: int
    case_id: str
    at: datetime
    activity: str
    sub_status: str | None
    team: str
    agent: str
    attributes: dict[str, str]

    @property
    def raw_status(self) -> str:
        """The sub-status if the record has one, else the activity."""
        return self.sub_status or self.activity


class _Rules:
    """The mapping as lookups, built once per import."""

    def __init__(self, mapping: EventMapping) -> None:
        self.statuses = {raw: (r.status, r.kind) for raw, r in mapping.statuses.items()}
        for raw in mapping.resolution.statuses:
            self.statuses[raw] = (TicketStatus.SOLVED, None)
        self.reopen_from = frozenset(mapping.resolution.reopen_from)
        first = mapping.first_response
        self.first_response = frozenset(first.statuses) if first else frozenset()
        self.first_response_by_agent = first.by_agent if first else True
        self.roles = dict.fromkeys(mapping.actors.requester, "requester")
        self.roles.update(dict.fromkeys(mapping.actors.system, "system"))
        self._tier_rules = [(re.compile(t.pattern), t.tier) for t in mapping.tiers]
        self._tiers: dict[str, str | None] = {}

    def tier_for(self, team: str) -> str | None:
        if team not in self._tiers:
            self._tiers[team] = next(
                (tier for pattern, tier in self._tier_rules if pattern.search(team)),
                None,
            )
        return self._tiers[team]


class CaseAssembler:
    """Buffer records by case and emit each case's events once the case is complete.

    With `grouped_by_case`, a case is complete when the next record belongs to
    another case; otherwise every case is held until `finish`.
    """

    def __init__(self, mapping: EventMapping, report: ImportReport, file: str) -> None:
        self._rules = _Rules(mapping)
        self._report = report
        self._file = file
        self._grouped = mapping.grouped_by_case
        self._buffers: dict[str, list[Record]] = {}
        self._current: str | None = None
        self._finished: set[str] = set()

    def add(self, record: Record) -> list[Event]:
        """Buffer `record`; return the events of any case it completes."""
        if not self._grouped:
            self._buffers.setdefault(record.case_id, []).append(record)
            return []
        if record.case_id == self._current:
            self._buffers[record.case_id].append(record)
            return []
        if record.case_id in self._finished:
            raise InputError(
                f"case {record.case_id!r} appears again after other cases, but the "
                "mapping says records are grouped by case; sort the log by case, or "
                "set grouped_by_case: false to hold the whole log in memory",
                file=self._file,
                row=record.number,
            )
        events = self._flush()
        self._current = record.case_id
        self._buffers[record.case_id] = [record]
        return events

    def finish(self) -> list[Event]:
        """Return the events of every case still buffered."""
        if self._grouped:
            return self._flush()
        events: list[Event] = []
        for case_id, records in self._buffers.items():
            events.extend(build_case(case_id, records, self._rules, self._report))
        self._buffers.clear()
        return events

    def _flush(self) -> list[Event]:
        if self._current is None:
            return []
        case_id = self._current
        records = self._buffers.pop(case_id)
        self._finished.add(case_id)
        self._current = None
        return build_case(case_id, records, self._rules, self._report)


def build_case(
    case_id: str, records: list[Record], rules: _Rules, report: ImportReport
) -> list[Event]:
    """Derive one case's events from its records, in time order."""
    report.cases += 1
    _sort_in_time_order(records, report)
    case = _CaseState(case_id, rules, report)
    for index, record in enumerate(records):
        case.apply(record, first=index == 0)
    # Counting plain strings keeps the Counter's C fast path.
    report.events_by_kind.update(map(str, map(_kind_of, case.events)))
    return case.events


def _sort_in_time_order(records: list[Record], report: ImportReport) -> None:
    latest = records[0].at
    late = 0
    for record in records:
        if record.at < latest:
            late += 1
        else:
            latest = record.at
    if late:
        report.out_of_order_records += late
        report.out_of_order_cases += 1
        # A stable sort keeps file order among records with the same time.
        records.sort(key=lambda record: record.at)


class _CaseState:
    """The ticket's state while its records are replayed, and the events so far."""

    def __init__(self, case_id: str, rules: _Rules, report: ImportReport) -> None:
        self.case_id = case_id
        self.rules = rules
        self.report = report
        self.events: list[Event] = []
        self.team: str | None = None
        self.tier: str | None = None
        self.agent: str | None = None
        self.status: TicketStatus | None = None
        self.source_status: str | None = None
        self.responded = False

    def emit(
        self,
        kind: EventKind,
        record: Record,
        actor: str | None,
        attributes: Mapping[str, Any],
    ) -> None:
        # Positional arguments, in field order, because this runs for every event.
        self.events.append(
            Event(
                self.case_id,
                record.at,
                kind,
                actor,
                self.team,
                self.tier,
                self.agent,
                self.status,
                self.source_status,
                attributes,
                len(self.events),
            )
        )

    def apply(self, record: Record, *, first: bool) -> None:
        """Replay one record: emit its creation, team, agent and status events."""
        rules = self.rules
        raw = record.raw_status
        rule = rules.statuses.get(raw)
        if rule is None:
            self.report.unknown_statuses[raw] += 1
        by_agent = bool(record.agent) and record.agent not in rules.roles
        actor = record.agent if by_agent else rules.roles.get(record.agent)
        attributes = self._attributes(record)
        emitted = len(self.events)

        if first:
            self._create(record, rule, actor, attributes)
            if rule is not None and rule[1] == EventKind.CREATED:
                # The creation record has set the status, but it may still
                # change the team and the agent, and be the first response.
                rule = None
        elif rule is not None and rule[1] == EventKind.CREATED:
            self.report.late_creation_records += 1
            rule = (rule[0], None)

        if record.team and record.team != self.team:
            self.team = record.team
            self.tier = rules.tier_for(record.team)
            if self.tier is None:
                self.report.teams_without_tier[record.team] += 1
            self.emit(EventKind.TEAM_ASSIGNED, record, actor, attributes)
        # Logs record who acted, not who was assigned, so the assignee is taken
        # to be the last agent who acted on the ticket.
        if by_agent and record.agent != self.agent:
            self.agent = record.agent
            self.emit(EventKind.AGENT_ASSIGNED, record, actor, attributes)
        if rule is not None:
            self._change_status(record, rule, actor, attributes)
        responds = by_agent or not rules.first_response_by_agent
        if responds and not self.responded and raw in rules.first_response:
            self.responded = True
            self.emit(EventKind.PUBLIC_REPLY, record, actor, attributes)
        if rule is not None and len(self.events) == emitted:
            self.report.records_without_change += 1

    def _create(
        self,
        record: Record,
        rule: tuple[TicketStatus | None, EventKind | None] | None,
        actor: str | None,
        attributes: Mapping[str, Any],
    ) -> None:
        if rule is not None and rule[1] == EventKind.CREATED:
            self.status = rule[0] or TicketStatus.NEW
            self.source_status = record.raw_status if rule[0] else None
            self.emit(EventKind.CREATED, record, actor, attributes)
            return
        self.report.cases_without_creation += 1
        self.status = TicketStatus.NEW
        attributes = MappingProxyType({**record.attributes, "inferred": True})
        self.emit(EventKind.CREATED, record, None, attributes)

    def _change_status(
        self,
        record: Record,
        rule: tuple[TicketStatus | None, EventKind | None],
        actor: str | None,
        attributes: Mapping[str, Any],
    ) -> None:
        status, kind = rule
        previous = self.status
        changed = status is not None and (
            status != previous or record.raw_status != self.source_status
        )
        if status is not None:
            self.status = status
            self.source_status = record.raw_status
        if kind is not None:
            # An explicit kind records an activity, so it is emitted even when
            # the status stays the same.
            self.emit(kind, record, actor, attributes)
            if kind == EventKind.PUBLIC_REPLY:
                self.responded = True
            return
        if not changed:
            return
        if status == TicketStatus.SOLVED and previous != TicketStatus.SOLVED:
            kind = EventKind.SOLVED
        elif status == TicketStatus.CLOSED and previous != TicketStatus.CLOSED:
            kind = EventKind.CLOSED
        elif previous in self.rules.reopen_from and status in _UNRESOLVED:
            kind = EventKind.REOPENED
        else:
            kind = EventKind.STATUS_CHANGED
        self.emit(kind, record, actor, attributes)

    def _attributes(self, record: Record) -> Mapping[str, Any]:
        values: dict[str, Any] = dict(record.attributes)
        values["activity"] = record.activity
        if record.sub_status is not None:
            values["sub_status"] = record.sub_status
        return MappingProxyType(values)
