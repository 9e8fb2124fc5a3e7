"""The mapping file model: how an event log's columns and raw statuses become events.

One model serves CSV and XES logs. In a CSV log a "column" is a header name,
and in an XES log it is an attribute key. Trace-level XES keys get the prefix
`case:`, so the case id is usually `case:concept:name`, as in pm4py data frames.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from tierdesk.errors import InputError
from tierdesk.events import EventKind, TicketStatus
from tierdesk.policy._yaml import Path as FieldPath
from tierdesk.policy._yaml import format_path

# Attribute names the importers set themselves on every event they derive.
RESERVED_ATTRIBUTES = frozenset({"activity", "sub_status", "inferred"})

# Kinds a raw status may name explicitly. The others follow from the columns
# (team and agent changes) or from the resolution section (solved), or from
# the canonical status (closed, status_changed).
EXPLICIT_KINDS = frozenset(
    {
        EventKind.CREATED,
        EventKind.PUBLIC_REPLY,
        EventKind.INTERNAL_NOTE,
        EventKind.ESCALATED,
        EventKind.REOPENED,
        EventKind.CSAT_RATED,
        EventKind.DEFLECTED,
    }
)
PAUSE_STATUSES = frozenset({TicketStatus.PENDING, TicketStatus.ON_HOLD})
RESOLVED_STATUSES = frozenset({TicketStatus.SOLVED, TicketStatus.CLOSED})


class MappingError(InputError):
    """A mapping file that cannot be used, naming file, line and field."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message, file=file)
        self.line = line
        self.field = field
        where = file or "<mapping>"
        if line is not None:
            where += f":{line}"
        text = f"{where}: {field}: {message}" if field else f"{where}: {message}"
        self.args = (text,)

    def __str__(self) -> str:
        return str(self.args[0])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Columns(_Strict):
    """Column names for each part of an event."""

    case_id: str = Field(min_length=1)
    timestamp: str = Field(min_length=1)
    # The activity or status column. When `sub_status` is set too, the raw
    # status of a row is its sub-status (or its activity, if the sub-status is
    # empty), and both are kept as the `activity` and `sub_status` attributes.
    status: str = Field(min_length=1)
    sub_status: str | None = None
    team: str | None = None
    agent: str | None = None
    # Attribute name on the event -> column.
    attributes: dict[str, str] = Field(default_factory=dict)

    def named(self) -> Iterator[tuple[str, str]]:
        """Yield (mapping field, column) for every column the mapping names."""
        for name in ("case_id", "timestamp", "status", "sub_status", "team", "agent"):
            column = getattr(self, name)
            if column is not None:
                yield f"columns.{name}", column
        for name, column in self.attributes.items():
            yield f"columns.attributes.{name}", column


class Timestamps(_Strict):
    """Timestamp format (ISO 8601 unless `format` is set) and the assumed timezone."""

    # IANA name assumed for timestamps without a UTC offset. It is required
    # only when such timestamps occur.
    timezone: str | None = None
    # A `datetime.strptime` format, for logs that do not write ISO 8601.
    format: str | None = None

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown IANA timezone {value!r}; use a name such as "
                "'Europe/Brussels' or 'UTC'"
            ) from None
        return value

    @property
    def zone(self) -> ZoneInfo | None:
        return ZoneInfo(self.timezone) if self.timezone else None


class CsvOptions(_Strict):
    """Delimiter and text encoding of a CSV log."""

    delimiter: str = Field(",", min_length=1, max_length=1)
    # `utf-8-sig` reads UTF-8 with or without a byte-order mark.
    encoding: str = "utf-8-sig"

    @field_validator("encoding")
    @classmethod
    def _check_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown text encoding {value!r}") from None
        return value


class StatusRule(_Strict):
    """Meaning of a raw status: the canonical status it sets, an event kind, or both.

    An explicit kind is emitted on every such record, even when nothing changes.
    """

    status: TicketStatus | None = None
    kind: EventKind | None = None

    @field_validator("kind")
    @classmethod
    def _check_kind(cls, value: EventKind | None) -> EventKind | None:
        if value is not None and value not in EXPLICIT_KINDS:
            allowed = ", ".join(sorted(EXPLICIT_KINDS))
            raise ValueError(
                f"kind {value.value!r} cannot be set on a status; expected one of "
                f"{allowed}. Team and agent changes come from their columns, "
                "solved from resolution.statuses, closed from status 'closed'"
            )
        return value

    @model_validator(mode="after")
    def _check_not_empty(self) -> StatusRule:
        if self.status is None and self.kind is None:
            raise ValueError("give a status, a kind, or both")
        return self


class FirstResponse(_Strict):
    """The first row with one of these raw statuses is the first response."""

    statuses: list[str] = Field(min_length=1)
    # Only count rows whose actor is an agent, not the requester or the system.
    by_agent: bool = True


class Resolution(_Strict):
    """Raw statuses that resolve the ticket, and when a later status reopens it."""

    statuses: list[str] = Field(min_length=1)
    # Leaving one of these canonical statuses for an unresolved one is a reopen.
    reopen_from: list[TicketStatus] = Field(
        default_factory=lambda: [TicketStatus.SOLVED, TicketStatus.CLOSED]
    )

    @field_validator("reopen_from")
    @classmethod
    def _check_reopen_from(cls, value: list[TicketStatus]) -> list[TicketStatus]:
        for status in value:
            if status not in RESOLVED_STATUSES:
                raise ValueError(
                    f"a ticket can only be reopened from 'solved' or 'closed', "
                    f"not {status.value!r}"
                )
        return value


class TierRule(_Strict):
    """Teams whose name matches `pattern` (re.search) belong to `tier`."""

    pattern: str
    tier: str = Field(min_length=1)

    @field_validator("pattern")
    @classmethod
    def _check_pattern(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
        return value


class Actors(_Strict):
    """Raw agent-column values that are the requester or the system, not agents."""

    requester: list[str] = Field(default_factory=list)
    system: list[str] = Field(default_factory=list)


class EventMapping(_Strict):
    """A whole mapping file."""

    columns: Columns
    timestamps: Timestamps = Field(default_factory=Timestamps)
    csv: CsvOptions = Field(default_factory=CsvOptions)
    # True: each case's rows are contiguous, so one case at a time is held in
    # memory. False: every row is held until the end of the file.
    grouped_by_case: bool = True
    statuses: dict[str, StatusRule]
    pause_statuses: list[str] = Field(default_factory=list)
    first_response: FirstResponse | None = None
    resolution: Resolution
    # Ordered: the first rule whose pattern matches the team name decides.
    tiers: list[TierRule] = Field(default_factory=list)
    actors: Actors = Field(default_factory=Actors)

    @field_validator("statuses", mode="before")
    @classmethod
    def _expand_shorthand(cls, value: Any) -> Any:
        # `In Progress: open` is short for `In Progress: {status: open}`.
        if not isinstance(value, dict):
            return value
        return {
            raw: {"status": rule} if isinstance(rule, str) else rule
            for raw, rule in value.items()
        }

    @model_validator(mode="after")
    def _check_references(self, info: ValidationInfo) -> EventMapping:
        # The file loader runs the checks itself, so that it can name lines.
        if info.context and info.context.get("defer_checks"):
            return self
        problems = find_problems(self)
        if problems:
            lines = [f"{format_path(path)}: {message}" for path, message in problems]
            raise ValueError("; ".join(lines))
        return self


def find_problems(mapping: EventMapping) -> list[tuple[FieldPath, str]]:
    """Return (field path, message) for each reference between sections that fails."""
    return [
        *_status_problems(mapping),
        *_pause_problems(mapping),
        *_first_response_problems(mapping),
        *_actor_and_attribute_problems(mapping),
        *_repeated_entries(mapping),
    ]


def _status_problems(mapping: EventMapping) -> list[tuple[FieldPath, str]]:
    problems: list[tuple[FieldPath, str]] = []
    for raw, rule in mapping.statuses.items():
        if rule.status == TicketStatus.SOLVED:
            message = (
                f"{raw!r} maps to 'solved'; list it under resolution.statuses "
                "instead, so that the resolution is stated in one place"
            )
            problems.append((("statuses", raw, "status"), message))
    for index, raw in enumerate(mapping.resolution.statuses):
        if raw in mapping.statuses:
            message = (
                f"{raw!r} is also a key of statuses, but a resolution status "
                "always means 'solved', so remove it from statuses"
            )
            problems.append((("resolution", "statuses", index), message))
    return problems


def _pause_problems(mapping: EventMapping) -> list[tuple[FieldPath, str]]:
    problems: list[tuple[FieldPath, str]] = []
    for index, raw in enumerate(mapping.pause_statuses):
        rule = mapping.statuses.get(raw)
        if rule is None:
            message = f"{raw!r} is not a key of statuses"
        elif rule.status not in PAUSE_STATUSES:
            target = repr(rule.status.value) if rule.status else "no status"
            message = (
                f"{raw!r} maps to {target}, but a status that pauses the clock "
                "must map to 'pending' or 'on_hold'"
            )
        else:
            continue
        problems.append((("pause_statuses", index), message))
    return problems


def _first_response_problems(mapping: EventMapping) -> list[tuple[FieldPath, str]]:
    if mapping.first_response is None:
        return []
    known = set(mapping.statuses) | set(mapping.resolution.statuses)
    return [
        (
            ("first_response", "statuses", index),
            f"{raw!r} is neither a key of statuses nor in resolution.statuses",
        )
        for index, raw in enumerate(mapping.first_response.statuses)
        if raw not in known
    ]


def _actor_and_attribute_problems(
    mapping: EventMapping,
) -> list[tuple[FieldPath, str]]:
    problems: list[tuple[FieldPath, str]] = []
    both = set(mapping.actors.requester) & set(mapping.actors.system)
    for value in sorted(both):
        message = f"{value!r} is listed as both requester and system"
        problems.append((("actors",), message))
    reserved = ", ".join(sorted(RESERVED_ATTRIBUTES))
    for name in mapping.columns.attributes:
        if name in RESERVED_ATTRIBUTES or not name:
            message = f"attribute name {name!r} is empty or reserved ({reserved})"
            problems.append((("columns", "attributes", name), message))
    return problems


def _repeated_entries(mapping: EventMapping) -> list[tuple[FieldPath, str]]:
    problems: list[tuple[FieldPath, str]] = []
    lists: list[tuple[FieldPath, list[str]]] = [
        (("pause_statuses",), mapping.pause_statuses),
        (("resolution", "statuses"), mapping.resolution.statuses),
    ]
    for path, values in lists:
        repeated = sorted({value for value in values if values.count(value) > 1})
        if repeated:
            problems.append((path, f"listed more than once: {', '.join(repeated)}"))
    return problems
