"""Importers: turn event logs from other systems into tierdesk events.

A YAML mapping file names the column of each event part and gives the meaning
of each raw status. Every import returns a report of the bad input it found.
"""

from tierdesk.importers.csv_log import read_csv_events
from tierdesk.importers.event_log import import_event_log, read_event_log
from tierdesk.importers.load import load_mapping, parse_mapping
from tierdesk.importers.mapping import EventMapping, MappingError
from tierdesk.importers.report import ImportReport
from tierdesk.importers.stream import EventStream, ImportResult
from tierdesk.importers.xes_log import read_xes_events

__all__ = [
    "EventMapping",
    "EventStream",
    "ImportReport",
    "ImportResult",
    "MappingError",
    "import_event_log",
    "load_mapping",
    "parse_mapping",
    "read_csv_events",
    "read_event_log",
    "read_xes_events",
]
