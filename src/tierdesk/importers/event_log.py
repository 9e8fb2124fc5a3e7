"""Read an event log of any supported format, chosen by the file name."""

from __future__ import annotations

from pathlib import Path

from tierdesk.errors import InputError
from tierdesk.importers.csv_log import read_csv_events
from tierdesk.importers.load import load_mapping
from tierdesk.importers.mapping import EventMapping
from tierdesk.importers.stream import EventStream, ImportResult
from tierdesk.importers.xes_log import read_xes_events

SUFFIXES = (".csv", ".xes", ".xes.gz")


def read_event_log(path: str | Path, mapping: EventMapping | str | Path) -> EventStream:
    """Stream the events of a `.csv`, `.xes` or `.xes.gz` log.

    `mapping` is a loaded mapping or the path of a mapping file.
    """
    if not isinstance(mapping, EventMapping):
        mapping = load_mapping(mapping)
    name = Path(path).name.lower()
    if name.endswith(".csv"):
        return read_csv_events(path, mapping)
    if name.endswith((".xes", ".xes.gz")):
        return read_xes_events(path, mapping)
    raise InputError(
        f"unsupported event log type; expected a file ending in {', '.join(SUFFIXES)}",
        file=str(path),
    )


def import_event_log(
    path: str | Path, mapping: EventMapping | str | Path
) -> ImportResult:
    """Read a whole event log into memory and return its events and report."""
    stream = read_event_log(path, mapping)
    events = list(stream)
    return ImportResult(events=events, report=stream.report)
