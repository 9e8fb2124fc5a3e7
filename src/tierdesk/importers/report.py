"""The import report: records read, events emitted and the bad input found."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from tierdesk.events import EventKind

# The action taken for a case whose log has no creation record.
CREATION_FALLBACK = (
    "a 'created' event was added at the time of the case's first record, "
    "with the attribute inferred=True"
)


@dataclass
class ImportReport:
    """Counts for one import, complete once its event stream is exhausted.

    Record numbers are CSV row numbers (the header is row 1) or, for XES, the
    1-based position of the event in the file.
    """

    file: str
    complete: bool = False
    records_read: int = 0
    cases: int = 0
    events_by_kind: Counter[str] = field(default_factory=Counter)
    # Records whose time is earlier than an earlier record of the same case.
    # Each such case is sorted by time before events are derived.
    out_of_order_records: int = 0
    out_of_order_cases: int = 0
    # Raw status -> number of records. These records still give team and
    # agent changes but leave the status as it was.
    unknown_statuses: Counter[str] = field(default_factory=Counter)
    cases_without_creation: int = 0
    creation_fallback: str = CREATION_FALLBACK
    # Records mapped to 'created' that were not first in their case; they are
    # treated as plain status records.
    late_creation_records: int = 0
    # Skipped records, by record number.
    unparseable_timestamps: list[int] = field(default_factory=list)
    records_without_case_id: list[int] = field(default_factory=list)
    malformed_records: list[int] = field(default_factory=list)
    # Timestamps without an offset that fall in a daylight-saving change. A
    # repeated time is read as the first of the two, and a skipped time with
    # the offset in force before the change.
    ambiguous_local_times: list[int] = field(default_factory=list)
    # Team -> number of team_assigned events whose team matched no tier rule.
    teams_without_tier: Counter[str] = field(default_factory=Counter)
    # Known records that changed nothing (same status, team and agent as before).
    records_without_change: int = 0

    @property
    def events_emitted(self) -> int:
        return sum(self.events_by_kind.values())

    @property
    def records_skipped(self) -> int:
        return (
            len(self.unparseable_timestamps)
            + len(self.records_without_case_id)
            + len(self.malformed_records)
        )

    def problems(self) -> list[str]:
        """Return one line per kind of bad input found, or [] if there was none."""
        lines = []
        skipped = (
            (self.unparseable_timestamps, "their timestamp could not be parsed"),
            (self.records_without_case_id, "their case id is empty"),
            (self.malformed_records, "they have the wrong number of fields"),
        )
        for numbers, reason in skipped:
            if numbers:
                lines.append(
                    f"{len(numbers)} records skipped because {reason}: "
                    f"{_numbers(numbers)}"
                )
        if self.unknown_statuses:
            total = sum(self.unknown_statuses.values())
            listed = ", ".join(
                f"{status!r} ({count})"
                for status, count in self.unknown_statuses.most_common()
            )
            lines.append(
                f"{total} records have a raw status that the mapping does not list, "
                f"and left the status unchanged: {listed}"
            )
        if self.out_of_order_records:
            lines.append(
                f"{self.out_of_order_records} records in {self.out_of_order_cases} "
                "cases were out of time order and were sorted"
            )
        if self.cases_without_creation:
            lines.append(
                f"{self.cases_without_creation} cases have no creation record: "
                f"{self.creation_fallback}"
            )
        if self.late_creation_records:
            lines.append(
                f"{self.late_creation_records} creation records were not first in "
                "their case and were read as status records"
            )
        if self.ambiguous_local_times:
            numbers = self.ambiguous_local_times
            lines.append(
                f"{len(numbers)} timestamps without an offset fall in a "
                f"daylight-saving change: {_numbers(numbers)}"
            )
        if self.teams_without_tier:
            listed = ", ".join(repr(team) for team in sorted(self.teams_without_tier))
            lines.append(f"teams that match no tier rule: {listed}")
        return lines

    def count(self, kind: EventKind) -> int:
        """Return how many events of `kind` the import emitted."""
        return self.events_by_kind[kind]


def _numbers(numbers: list[int], limit: int = 20) -> str:
    shown = ", ".join(str(number) for number in numbers[:limit])
    if len(numbers) > limit:
        shown += f" and {len(numbers) - limit} more"
    return shown
