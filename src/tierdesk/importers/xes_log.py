"""Read an XES event log (IEEE 1849), plain or gzip-compressed, into tierdesk events.

The file is parsed incrementally and each trace is discarded once its events
are derived, so memory contains one trace at a time. Trace attributes are visible
to the mapping with the prefix `case:`, and all values are kept as text, as in
a CSV log.
"""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from tierdesk.errors import InputError
from tierdesk.events import Event
from tierdesk.importers._cases import CaseAssembler, Record
from tierdesk.importers._timestamps import TimestampParser
from tierdesk.importers.mapping import EventMapping
from tierdesk.importers.report import ImportReport
from tierdesk.importers.stream import EventStream

# XES attribute elements; a nested one is a meta-attribute and is ignored.
_ATTRIBUTE_TAGS = frozenset(
    {"string", "date", "int", "float", "boolean", "id", "list", "container"}
)
_GZIP_MAGIC = b"\x1f\x8b"
TRACE_PREFIX = "case:"


def read_xes_events(path: str | Path, mapping: EventMapping) -> EventStream:
    """Stream the events of an XES log, read from the file while iterating."""
    report = ImportReport(file=str(path))
    return EventStream(_events(Path(path), mapping, report), report)


def _events(path: Path, mapping: EventMapping, report: ImportReport) -> Iterator[Event]:
    file = str(path)
    if not path.is_file():
        raise InputError("file not found", file=file)
    with _open(path) as handle:
        try:
            yield from _XesReader(file, mapping, report).read(handle)
        except ET.ParseError as exc:
            raise InputError(f"invalid XML: {exc}", file=file) from None
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise InputError(f"invalid gzip data: {exc}", file=file) from None
    report.complete = True


def _open(path: Path) -> IO[bytes]:
    with path.open("rb") as probe:
        compressed = probe.read(2) == _GZIP_MAGIC
    return gzip.open(path, "rb") if compressed else path.open("rb")


class _XesReader:
    """Walk the XML, collect each trace's attributes and hand its events on."""

    def __init__(self, file: str, mapping: EventMapping, report: ImportReport) -> None:
        self.file = file
        self.mapping = mapping
        self.report = report
        self.assembler = CaseAssembler(mapping, report, file)
        columns = mapping.columns
        self.timestamps = TimestampParser(
            file=file,
            column=columns.timestamp,
            zone=mapping.timestamps.zone,
            format=mapping.timestamps.format,
            report=report,
        )
        self.declared: set[str] = set()
        self.seen: set[str] = set()
        self.checked = False

    def read(self, handle: IO[bytes]) -> Iterator[Event]:
        root: ET.Element | None = None
        stack: list[str] = []
        trace: dict[str, str] = {}
        events: list[tuple[int, dict[str, str]]] = []
        current: dict[str, str] = {}
        scope = "event"
        number = 0
        for action, element in ET.iterparse(handle, events=("start", "end")):
            tag = element.tag.rpartition("}")[2]
            if action == "start":
                stack.append(tag)
                if root is None:
                    root = element
                    if tag != "log":
                        raise InputError(
                            f"not an XES log: the root element is <{tag}>, "
                            "expected <log>",
                            file=self.file,
                        )
                elif tag == "trace":
                    trace, events = {}, []
                elif tag == "event":
                    number += 1
                    current = {}
                elif tag == "global":
                    scope = element.get("scope", "event")
                continue

            stack.pop()
            parent = stack[-1] if stack else None
            if tag in _ATTRIBUTE_TAGS:
                key, value = element.get("key"), element.get("value")
                if key is None or value is None:
                    continue
                if parent == "event":
                    current[key] = value
                elif parent == "trace":
                    trace[TRACE_PREFIX + key] = value
                elif parent == "global":
                    # NOTE: a global's value is not applied as a default to
                    # events that lack the key; such events read it as empty.
                    prefix = TRACE_PREFIX if scope == "trace" else ""
                    self.declared.add(prefix + key)
            elif tag == "event":
                if parent == "trace":
                    events.append((number, current))
                else:
                    # XES allows events only inside traces.
                    self.report.records_read += 1
                    self.report.malformed_records.append(number)
                element.clear()
            elif tag == "trace":
                yield from self._trace(trace, events)
                element.clear()
                if root is not None:
                    root.clear()  # drop the finished trace from the tree
        yield from self.assembler.finish()
        if self.seen:
            self._check_keys(required_only=False)

    def _trace(
        self, trace: dict[str, str], events: list[tuple[int, dict[str, str]]]
    ) -> Iterator[Event]:
        columns = self.mapping.columns
        for number, attributes in events:
            values = {**trace, **attributes}
            self.seen.update(values)
            if not self.checked:
                self._check_keys(required_only=True)
                self.checked = True
            self.report.records_read += 1
            case_id = values.get(columns.case_id, "").strip()
            if not case_id:
                self.report.records_without_case_id.append(number)
                continue
            at = self.timestamps.parse(
                values.get(columns.timestamp, "").strip(), number
            )
            if at is None:
                continue
            extras = {}
            for name, key in columns.attributes.items():
                value = values.get(key, "").strip()
                if value:
                    extras[name] = value
            record = Record(
                number=number,
                case_id=case_id,
                at=at,
                activity=values.get(columns.status, "").strip(),
                sub_status=(
                    values.get(columns.sub_status, "").strip()
                    if columns.sub_status is not None
                    else None
                ),
                team=values.get(columns.team, "").strip() if columns.team else "",
                agent=values.get(columns.agent, "").strip() if columns.agent else "",
                attributes=extras,
            )
            yield from self.assembler.add(record)

    def _check_keys(self, *, required_only: bool) -> None:
        """Raise InputError if the mapping names a key that the log does not have.

        Required keys must be on the first event or declared global. Other keys
        may first appear on any event, so they are checked at the end of the log.
        """
        required = {"columns.case_id", "columns.timestamp", "columns.status"}
        known = self.declared | self.seen
        for field, key in self.mapping.columns.named():
            if required_only and field not in required:
                continue
            if key not in known:
                found = ", ".join(repr(name) for name in sorted(known)) or "(none)"
                where = "on the first event" if required_only else "in the log"
                raise InputError(
                    f"the mapping field {field} names key {key!r}, which is not "
                    f"{where}; keys found: {found} (trace keys have the prefix "
                    f"{TRACE_PREFIX!r})",
                    file=self.file,
                    column=key,
                )
