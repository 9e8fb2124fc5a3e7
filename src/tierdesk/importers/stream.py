"""The result of reading an event log: a one-pass stream of events and its report."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tierdesk.events import Event
from tierdesk.importers.report import ImportReport


class EventStream:
    """Events of one import, read from the file while iterating.

    It can be iterated once. The file is opened, and file and mapping errors are
    raised, when iteration starts; `report` is complete when iteration ends.
    """

    def __init__(self, events: Iterator[Event], report: ImportReport) -> None:
        self._events = events
        self._started = False
        self.report = report

    def __iter__(self) -> Iterator[Event]:
        if self._started:
            raise RuntimeError(
                f"the events of {self.report.file} were already read; an EventStream "
                "can be iterated once, so read the log again"
            )
        self._started = True
        return self._events


@dataclass(frozen=True)
class ImportResult:
    """All events of one import, with its report."""

    events: list[Event]
    report: ImportReport
