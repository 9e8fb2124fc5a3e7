"""Read a CSV event log, one row per event, into tierdesk events."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from tierdesk.errors import InputError
from tierdesk.events import Event
from tierdesk.importers._cases import CaseAssembler, Record
from tierdesk.importers._timestamps import TimestampParser
from tierdesk.importers.mapping import EventMapping
from tierdesk.importers.report import ImportReport
from tierdesk.importers.stream import EventStream


def read_csv_events(path: str | Path, mapping: EventMapping) -> EventStream:
    """Stream the events of a CSV log; rows are read while the stream is iterated."""
    report = ImportReport(file=str(path))
    return EventStream(_events(Path(path), mapping, report), report)


def _events(path: Path, mapping: EventMapping, report: ImportReport) -> Iterator[Event]:
    file = str(path)
    if not path.is_file():
        raise InputError("file not found", file=file)
    with path.open(newline="", encoding=mapping.csv.encoding) as handle:
        reader = csv.reader(handle, delimiter=mapping.csv.delimiter)
        try:
            header = next(reader, None)
            if header is None:
                raise InputError("the file is empty; expected a header row", file=file)
            yield from _rows(reader, header, file, mapping, report)
        except UnicodeDecodeError as exc:
            # Text is decoded in blocks, so the bad byte is somewhere after the
            # last line the reader returned.
            raise InputError(
                f"not valid {mapping.csv.encoding} text after line {reader.line_num} "
                f"({exc.reason}); set csv.encoding in the mapping to the file's "
                "encoding",
                file=file,
            ) from None
        except csv.Error as exc:
            raise InputError(
                f"invalid CSV at line {reader.line_num}: {exc}", file=file
            ) from None
    report.complete = True


def _rows(
    reader: Iterator[list[str]],
    header: list[str],
    file: str,
    mapping: EventMapping,
    report: ImportReport,
) -> Iterator[Event]:
    header = [name.strip() for name in header]
    index = _column_indexes(header, mapping, file)
    columns = mapping.columns
    case_at = index["columns.case_id"]
    time_at = index["columns.timestamp"]
    status_at = index["columns.status"]
    sub_status_at = index.get("columns.sub_status")
    team_at = index.get("columns.team")
    agent_at = index.get("columns.agent")
    extras = [
        (name, index[f"columns.attributes.{name}"]) for name in columns.attributes
    ]
    timestamps = TimestampParser(
        file=file,
        column=columns.timestamp,
        zone=mapping.timestamps.zone,
        format=mapping.timestamps.format,
        report=report,
    )
    assembler = CaseAssembler(mapping, report, file)
    width = len(header)

    # The header is row 1, so the first record is row 2, as a spreadsheet shows it.
    for number, row in enumerate(reader, start=2):
        if not row:
            continue  # a blank line contains no record
        report.records_read += 1
        if len(row) != width:
            report.malformed_records.append(number)
            continue
        case_id = row[case_at].strip()
        if not case_id:
            report.records_without_case_id.append(number)
            continue
        at = timestamps.parse(row[time_at].strip(), number)
        if at is None:
            continue
        attributes = {}
        for name, position in extras:
            value = row[position].strip()
            if value:
                attributes[name] = value
        record = Record(
            number=number,
            case_id=case_id,
            at=at,
            activity=row[status_at].strip(),
            sub_status=row[sub_status_at].strip()
            if sub_status_at is not None
            else None,
            team=row[team_at].strip() if team_at is not None else "",
            agent=row[agent_at].strip() if agent_at is not None else "",
            attributes=attributes,
        )
        yield from assembler.add(record)
    yield from assembler.finish()


def _column_indexes(
    header: list[str], mapping: EventMapping, file: str
) -> dict[str, int]:
    """Return mapping field -> column position; raise if a named column is missing."""
    positions: dict[str, int] = {}
    for position, name in enumerate(header):
        positions.setdefault(name, position)
    index = {}
    for field, column in mapping.columns.named():
        if column not in positions:
            found = ", ".join(repr(name) for name in header) or "(none)"
            raise InputError(
                f"the mapping field {field} names column {column!r}, which is not in "
                f"the header; columns found: {found}",
                file=file,
                column=column,
            )
        if header.count(column) > 1:
            raise InputError(
                f"the header has more than one column named {column!r}, so the "
                f"mapping field {field} is ambiguous; rename one of them",
                file=file,
                column=column,
            )
        index[field] = positions[column]
    return index
