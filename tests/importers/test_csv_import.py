"""Tests for the mapping file and the CSV event-log importer.

The small logs are written by each test, and their expected events are worked
out by hand in the comments. The last tests read the public Volvo and
help-desk logs, when present, and check counts computed with pandas.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tierdesk.errors import InputError
from tierdesk.events import EventKind, TicketStatus
from tierdesk.importers import (
    EventMapping,
    MappingError,
    import_event_log,
    load_mapping,
    parse_mapping,
    read_csv_events,
    read_event_log,
)

from ..conftest import EXAMPLES, SHARED_DATA

MAPPINGS = EXAMPLES / "mappings"
VOLVO_CSV = SHARED_DATA / "volvo-incidents" / "incidents.csv"
HELPDESK_CSV = SHARED_DATA / "helpdesk-log" / "helpdesk.csv"

CET = timezone(timedelta(hours=1))

MAPPING: dict[str, Any] = {
    "columns": {
        "case_id": "ticket",
        "timestamp": "time",
        "status": "status",
        "team": "team",
        "agent": "agent",
        "attributes": {"product": "product"},
    },
    "statuses": {
        "New": {"status": "new", "kind": "created"},
        "Working": "open",
        "Waiting for customer": "pending",
        "Closed": "closed",
    },
    "pause_statuses": ["Waiting for customer"],
    "first_response": {"statuses": ["Working", "Solved"]},
    "resolution": {"statuses": ["Solved"]},
    "tiers": [
        {"pattern": "2nd", "tier": "escalation"},
        {"pattern": "3rd", "tier": "expert"},
        {"pattern": ".", "tier": "frontline"},
    ],
    "actors": {"requester": ["customer"], "system": ["robot"]},
}

HEADER = "ticket,time,status,team,agent,product\n"

# T1 walks through every derived kind; T2 has no creation row.
TWO_TICKETS = HEADER + (
    "T1,2024-03-04T09:00:00+01:00,New,Desk,customer,Ads\n"
    "T1,2024-03-04T09:30:00+01:00,Working,Desk,A1,Ads\n"
    "T1,2024-03-04T10:00:00+01:00,Working,Desk 2nd,A1,Ads\n"
    "T1,2024-03-04T11:00:00+01:00,Waiting for customer,Desk 2nd,A2,Ads\n"
    "T1,2024-03-04T12:00:00+01:00,Solved,Desk 2nd,A2,Ads\n"
    "T1,2024-03-05T08:00:00+01:00,Working,Desk,A1,Ads\n"
    "T1,2024-03-05T09:00:00+01:00,Solved,Desk,A1,Ads\n"
    "T1,2024-03-06T09:00:00+01:00,Closed,Desk,robot,Ads\n"
    "T2,2024-03-04T09:00:00Z,Working,Desk,A3,\n"
    "T2,2024-03-04T09:05:00Z,Working,Desk,A3,\n"
)


def _mapping(**changes: Any) -> EventMapping:
    """Return the test mapping with top-level sections replaced or merged."""
    data = copy.deepcopy(MAPPING)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key].update(value)
        else:
            data[key] = value
    return EventMapping.model_validate(data)


def _write(tmp_path: Path, text: str, name: str = "log.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _import(tmp_path: Path, text: str, mapping: EventMapping | None = None):
    return import_event_log(_write(tmp_path, text), mapping or _mapping())


# The derived events


def test_csv_import_derives_events_in_order(tmp_path):
    result = _import(tmp_path, TWO_TICKETS)
    t1 = [e for e in result.events if e.ticket_id == "T1"]
    assert [e.kind for e in t1] == [
        EventKind.CREATED,  # row 2: New, by the requester
        EventKind.TEAM_ASSIGNED,  # row 2: Desk
        EventKind.AGENT_ASSIGNED,  # row 3: A1
        EventKind.STATUS_CHANGED,  # row 3: new -> open
        EventKind.PUBLIC_REPLY,  # row 3: first Working row by an agent
        EventKind.TEAM_ASSIGNED,  # row 4: Desk 2nd
        EventKind.AGENT_ASSIGNED,  # row 5: A2
        EventKind.STATUS_CHANGED,  # row 5: open -> pending
        EventKind.SOLVED,  # row 6
        EventKind.TEAM_ASSIGNED,  # row 7: back to Desk
        EventKind.AGENT_ASSIGNED,  # row 7: A1
        EventKind.REOPENED,  # row 7: solved -> open
        EventKind.SOLVED,  # row 8
        EventKind.CLOSED,  # row 9, by the system
    ]
    assert [e.sequence for e in t1] == list(range(14))


def test_csv_import_keeps_state_after_each_event(tmp_path):
    t1 = [e for e in _import(tmp_path, TWO_TICKETS).events if e.ticket_id == "T1"]
    created, first_team = t1[0], t1[1]
    assert created.actor == "requester"
    assert created.status == TicketStatus.NEW
    assert created.source_status == "New"
    assert created.team is None
    assert first_team.team == "Desk"
    assert first_team.tier == "frontline"
    assert first_team.agent is None
    assert t1[5].tier == "escalation"
    assert t1[7].status == TicketStatus.PENDING
    assert t1[7].source_status == "Waiting for customer"
    assert t1[7].agent == "A2"
    assert t1[8].status == TicketStatus.SOLVED
    assert t1[8].actor == "A2"
    assert t1[11].status == TicketStatus.OPEN
    assert t1[13].actor == "system"
    assert t1[13].agent == "A1"


def test_csv_import_keeps_times_and_attributes(tmp_path):
    t1 = [e for e in _import(tmp_path, TWO_TICKETS).events if e.ticket_id == "T1"]
    assert t1[0].at == datetime(2024, 3, 4, 9, 0, tzinfo=CET)
    assert t1[0].at.utcoffset() == timedelta(hours=1)
    assert t1[4].attributes == {"product": "Ads", "activity": "Working"}


def test_csv_import_first_response_is_counted_once(tmp_path):
    events = _import(tmp_path, TWO_TICKETS).events
    replies = [e for e in events if e.kind == EventKind.PUBLIC_REPLY]
    assert [(e.ticket_id, e.actor) for e in replies] == [("T1", "A1"), ("T2", "A3")]
    assert replies[0].at == datetime(2024, 3, 4, 9, 30, tzinfo=CET)


def test_csv_import_first_response_by_agent_only(tmp_path):
    # The requester's Working row is not a response; A1's later row is.
    text = HEADER + (
        "T1,2024-03-04T09:00:00Z,New,Desk,customer,\n"
        "T1,2024-03-04T09:10:00Z,Working,Desk,customer,\n"
        "T1,2024-03-04T09:20:00Z,Solved,Desk,A1,\n"
    )
    replies = [
        e for e in _import(tmp_path, text).events if e.kind == EventKind.PUBLIC_REPLY
    ]
    assert [(e.actor, e.at.minute) for e in replies] == [("A1", 20)]


def test_csv_import_first_response_by_anyone(tmp_path):
    text = HEADER + (
        "T1,2024-03-04T09:00:00Z,New,Desk,customer,\n"
        "T1,2024-03-04T09:10:00Z,Working,Desk,customer,\n"
    )
    mapping = _mapping(first_response={"statuses": ["Working"], "by_agent": False})
    replies = [
        e
        for e in _import(tmp_path, text, mapping).events
        if e.kind == EventKind.PUBLIC_REPLY
    ]
    assert [(e.actor, e.at.minute) for e in replies] == [("requester", 10)]


def test_csv_import_report_counts(tmp_path):
    report = _import(tmp_path, TWO_TICKETS).report
    assert report.complete
    assert report.records_read == 10
    assert report.cases == 2
    # T2's second row repeats the first.
    assert report.records_without_change == 1
    assert report.events_emitted == 14 + 5
    assert report.count(EventKind.SOLVED) == 2
    assert report.problems() == [
        "1 cases have no creation record: a 'created' event was added at the time "
        "of the case's first record, with the attribute inferred=True"
    ]


def test_csv_import_status_change_without_new_canonical_status(tmp_path):
    # Two raw statuses that both mean 'on_hold', but only one pauses the clock,
    # so the change between them must be visible.
    text = HEADER + (
        "T1,2024-03-04T09:00:00Z,Working,Desk,A1,\n"
        "T1,2024-03-04T09:10:00Z,Waiting for vendor,Desk,A1,\n"
        "T1,2024-03-04T09:20:00Z,Waiting for dev,Desk,A1,\n"
    )
    statuses = {
        **MAPPING["statuses"],
        "Waiting for vendor": "on_hold",
        "Waiting for dev": "on_hold",
    }
    mapping = _mapping(statuses=statuses, pause_statuses=["Waiting for vendor"])
    events = _import(tmp_path, text, mapping).events
    changes = [e for e in events if e.kind == EventKind.STATUS_CHANGED]
    assert [(e.status, e.source_status) for e in changes] == [
        (TicketStatus.OPEN, "Working"),
        (TicketStatus.ON_HOLD, "Waiting for vendor"),
        (TicketStatus.ON_HOLD, "Waiting for dev"),
    ]


def test_csv_import_note_keeps_status(tmp_path):
    text = HEADER + (
        "T1,2024-03-04T09:00:00Z,Waiting for customer,Desk,A1,\n"
        "T1,2024-03-04T09:10:00Z,Bug filed,Desk,A1,\n"
    )
    statuses = {**MAPPING["statuses"], "Bug filed": {"kind": "internal_note"}}
    events = _import(tmp_path, text, _mapping(statuses=statuses)).events
    note = events[-1]
    assert note.kind == EventKind.INTERNAL_NOTE
    assert note.status == TicketStatus.PENDING
    assert note.source_status == "Waiting for customer"
    assert note.attributes["activity"] == "Bug filed"


def test_csv_import_sub_status_is_the_raw_status(tmp_path):
    text = "id,when,state,detail\nC1,2024-03-04T09:00:00Z,Accepted,Wait - User\n"
    mapping = EventMapping.model_validate(
        {
            "columns": {
                "case_id": "id",
                "timestamp": "when",
                "status": "state",
                "sub_status": "detail",
            },
            "statuses": {"Wait - User": "pending"},
            "resolution": {"statuses": ["Resolved"]},
        }
    )
    events = _import(tmp_path, text, mapping).events
    change = events[-1]
    assert change.source_status == "Wait - User"
    assert change.attributes == {"activity": "Accepted", "sub_status": "Wait - User"}


def test_csv_import_reads_other_delimiter(tmp_path):
    text = TWO_TICKETS.replace(",", ";")
    result = _import(tmp_path, text, _mapping(csv={"delimiter": ";"}))
    assert result.report.records_read == 10
    assert len(result.events) == 19


def test_csv_import_reads_strptime_format_with_timezone(tmp_path):
    text = HEADER + "T1,04/03/2024 09:00,Working,Desk,A1,\n"
    mapping = _mapping(
        timestamps={"format": "%d/%m/%Y %H:%M", "timezone": "Europe/Brussels"}
    )
    events = _import(tmp_path, text, mapping).events
    assert events[0].at.astimezone(UTC) == datetime(2024, 3, 4, 8, 0, tzinfo=UTC)


def test_csv_import_accepts_byte_order_mark(tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes(b"\xef\xbb\xbf" + TWO_TICKETS.encode())
    assert len(import_event_log(path, _mapping()).events) == 19


def test_read_event_log_takes_mapping_path(tmp_path):
    mapping_path = tmp_path / "mapping.yaml"
    mapping_path.write_text(
        "columns: {case_id: ticket, timestamp: time, status: status}\n"
        "statuses: {Working: open}\nresolution: {statuses: [Solved]}\n",
        encoding="utf-8",
    )
    stream = read_event_log(_write(tmp_path, TWO_TICKETS), mapping_path)
    kinds = [e.kind for e in stream]
    # T1: created, open, solved, reopened, solved. T2: created, open.
    assert kinds.count(EventKind.CREATED) == 2
    assert kinds.count(EventKind.STATUS_CHANGED) == 2
    assert kinds.count(EventKind.SOLVED) == 2
    assert kinds.count(EventKind.REOPENED) == 1
    assert len(kinds) == 7
    assert stream.report.unknown_statuses == {
        "New": 1,
        "Waiting for customer": 1,
        "Closed": 1,
    }


# The stream and its report


def test_event_stream_report_completes_after_iteration(tmp_path):
    stream = read_csv_events(_write(tmp_path, TWO_TICKETS), _mapping())
    assert not stream.report.complete
    events = list(stream)
    assert stream.report.complete
    assert stream.report.events_emitted == len(events)


def test_event_stream_iterates_once(tmp_path):
    stream = read_csv_events(_write(tmp_path, TWO_TICKETS), _mapping())
    list(stream)
    with pytest.raises(RuntimeError, match="iterated once"):
        list(stream)


def test_csv_import_ungrouped_log_holds_cases(tmp_path):
    lines = TWO_TICKETS.splitlines(keepends=True)
    interleaved = lines[0] + lines[9] + "".join(lines[1:9]) + lines[10]
    result = _import(tmp_path, interleaved, _mapping(grouped_by_case=False))
    assert result.report.cases == 2
    assert len(result.events) == 19


def test_read_event_log_rejects_unknown_suffix(tmp_path):
    with pytest.raises(InputError, match=r"expected a file ending in \.csv"):
        read_event_log(_write(tmp_path, TWO_TICKETS, "log.txt"), _mapping())


# Bad input: each case is reported or raised, never dropped silently


def test_out_of_order_records_are_sorted_and_counted(tmp_path):
    # 10:00 comes before 09:30 in the file: one record is out of order.
    text = HEADER + (
        "T1,2024-03-04T09:00:00Z,New,Desk,customer,\n"
        "T1,2024-03-04T10:00:00Z,Solved,Desk,A1,\n"
        "T1,2024-03-04T09:30:00Z,Working,Desk,A1,\n"
    )
    result = _import(tmp_path, text)
    assert result.report.out_of_order_records == 1
    assert result.report.out_of_order_cases == 1
    times = [e.at for e in result.events]
    assert times == sorted(times)
    assert [e.kind for e in result.events][-1] == EventKind.SOLVED
    assert "1 records in 1 cases were out of time order" in result.report.problems()[0]


def test_unknown_statuses_are_listed_with_counts(tmp_path):
    text = HEADER + (
        "T1,2024-03-04T09:00:00Z,New,Desk,customer,\n"
        "T1,2024-03-04T09:10:00Z,Escalated??,Desk 3rd,A1,\n"
        "T1,2024-03-04T09:20:00Z,Escalated??,Desk 3rd,A1,\n"
        "T1,2024-03-04T09:30:00Z,Parked,Desk 3rd,A1,\n"
    )
    result = _import(tmp_path, text)
    assert result.report.unknown_statuses == {"Escalated??": 2, "Parked": 1}
    # The unknown rows still move the ticket to Desk 3rd and to agent A1.
    kinds = [e.kind for e in result.events]
    assert kinds == [
        EventKind.CREATED,
        EventKind.TEAM_ASSIGNED,
        EventKind.TEAM_ASSIGNED,
        EventKind.AGENT_ASSIGNED,
    ]
    assert result.events[-1].status == TicketStatus.NEW
    assert "'Escalated??' (2), 'Parked' (1)" in result.report.problems()[0]


def test_cases_without_creation_start_at_first_record(tmp_path):
    text = HEADER + (
        "T1,2024-03-04T09:00:00Z,New,Desk,customer,\n"
        "T2,2024-03-04T10:00:00Z,Working,Desk,A1,Ads\n"
        "T3,2024-03-04T11:00:00Z,Waiting for customer,Desk,A1,\n"
    )
    result = _import(tmp_path, text)
    assert result.report.cases_without_creation == 2
    created = {e.ticket_id: e for e in result.events if e.kind == EventKind.CREATED}
    assert "inferred" not in created["T1"].attributes
    assert created["T2"].attributes == {"product": "Ads", "inferred": True}
    assert created["T2"].at == datetime(2024, 3, 4, 10, 0, tzinfo=UTC)
    assert created["T2"].actor is None
    assert created["T3"].status == TicketStatus.NEW


def test_late_creation_record_is_read_as_status(tmp_path):
    text = HEADER + (
        "T1,2024-03-04T09:00:00Z,Working,Desk,A1,\n"
        "T1,2024-03-04T09:10:00Z,New,Desk,A1,\n"
    )
    result = _import(tmp_path, text)
    assert result.report.late_creation_records == 1
    kinds = [e.kind for e in result.events]
    assert kinds.count(EventKind.CREATED) == 1
    assert result.events[-1].status == TicketStatus.NEW


def test_unparseable_timestamps_are_skipped_by_row(tmp_path):
    text = HEADER + (
        "T1,2024-03-04T09:00:00Z,New,Desk,customer,\n"
        "T1,yesterday,Working,Desk,A1,\n"
        "T1,2024-03-04T09:20:00Z,Working,Desk,A1,\n"
        "T1,,Solved,Desk,A1,\n"
    )
    result = _import(tmp_path, text)
    assert result.report.unparseable_timestamps == [3, 5]
    assert result.report.records_read == 4
    assert result.report.records_skipped == 2
    assert "2 records skipped because their timestamp could not be parsed: 3, 5" in (
        result.report.problems()
    )


def test_naive_timestamp_without_timezone_names_column(tmp_path):
    text = HEADER + "T1,2024-03-04 09:00:00,New,Desk,customer,\n"
    with pytest.raises(InputError, match="no UTC offset") as caught:
        _import(tmp_path, text)
    assert caught.value.column == "time"
    assert caught.value.row == 2
    assert caught.value.file == str(tmp_path / "log.csv")
    assert "timestamps.timezone" in str(caught.value)


@pytest.mark.parametrize(
    "stamp", ["9999-12-31T00:00:00+00:00", "0001-01-01T00:00:00+02:00"]
)
def test_out_of_range_timestamp_names_row(tmp_path, stamp):
    text = (
        HEADER
        + f"T1,2024-03-04T09:00:00Z,New,Desk,customer,\nT1,{stamp},Solved,Desk,A1,\n"
    )
    with pytest.raises(InputError, match="outside the years 1900-2200") as caught:
        _import(tmp_path, text)
    assert (caught.value.row, caught.value.column) == (3, "time")


def test_naive_timestamp_uses_mapping_timezone(tmp_path):
    # 4 March is winter time in Brussels (+01:00); 1 July is summer time (+02:00).
    text = HEADER + (
        "T1,2024-03-04 09:00:00,New,Desk,customer,\n"
        "T2,2024-07-01 09:00:00,New,Desk,customer,\n"
    )
    mapping = _mapping(timestamps={"timezone": "Europe/Brussels"})
    created = [e for e in _import(tmp_path, text, mapping).events if e.sequence == 0]
    assert [e.at.utcoffset() for e in created] == [
        timedelta(hours=1),
        timedelta(hours=2),
    ]


def test_naive_timestamps_in_daylight_saving_change_are_flagged(tmp_path):
    # Brussels skips 02:00-03:00 on 31 March 2024 and repeats 02:00-03:00 on
    # 27 October 2024.
    text = HEADER + (
        "T1,2024-03-31 02:30:00,New,Desk,customer,\n"
        "T1,2024-06-01 02:30:00,Working,Desk,A1,\n"
        "T1,2024-10-27 02:30:00,Working,Desk,A2,\n"
    )
    mapping = _mapping(timestamps={"timezone": "Europe/Brussels"})
    report = _import(tmp_path, text, mapping).report
    assert report.ambiguous_local_times == [2, 4]


def test_rows_without_case_id_are_skipped_by_row(tmp_path):
    text = HEADER + (
        "T1,2024-03-04T09:00:00Z,New,Desk,customer,\n"
        ",2024-03-04T09:10:00Z,Working,Desk,A1,\n"
        "  ,2024-03-04T09:20:00Z,Working,Desk,A1,\n"
    )
    report = _import(tmp_path, text).report
    assert report.records_without_case_id == [3, 4]
    assert report.cases == 1


def test_rows_with_wrong_field_count_are_skipped_by_row(tmp_path):
    text = HEADER + (
        "T1,2024-03-04T09:00:00Z,New,Desk,customer,\n"
        "T1,2024-03-04T09:10:00Z,Working,Desk\n"
        "T1,2024-03-04T09:20:00Z,Working,Desk,A1,Ads,extra\n"
        "\n"
        "T1,2024-03-04T09:30:00Z,Working,Desk,A1,\n"
    )
    report = _import(tmp_path, text).report
    assert report.malformed_records == [3, 4]
    # The blank line contains no record and is not counted.
    assert report.records_read == 4


def test_mapping_naming_missing_column_lists_columns_found(tmp_path):
    mapping = _mapping(columns={"agent": "assignee"})
    with pytest.raises(InputError) as caught:
        _import(tmp_path, TWO_TICKETS, mapping)
    message = str(caught.value)
    assert "columns.agent names column 'assignee'" in message
    assert "'ticket', 'time', 'status', 'team', 'agent', 'product'" in message
    assert caught.value.column == "assignee"


def test_mapping_naming_missing_attribute_column(tmp_path):
    mapping = _mapping(columns={"attributes": {"impact": "impact"}})
    with pytest.raises(InputError, match=r"columns\.attributes\.impact names column"):
        _import(tmp_path, TWO_TICKETS, mapping)


def test_duplicate_header_column_is_ambiguous(tmp_path):
    text = "ticket,time,status,team,agent,product,team\n"
    with pytest.raises(InputError, match="more than one column named 'team'"):
        _import(tmp_path, text)


def test_team_without_tier_is_counted(tmp_path):
    text = HEADER + "T1,2024-03-04T09:00:00Z,New,Desk,customer,\n"
    mapping = _mapping(tiers=[{"pattern": "2nd", "tier": "escalation"}])
    result = _import(tmp_path, text, mapping)
    assert result.events[1].tier is None
    assert result.report.teams_without_tier == {"Desk": 1}


def test_case_reappearing_in_grouped_log_is_rejected(tmp_path):
    text = HEADER + (
        "T1,2024-03-04T09:00:00Z,New,Desk,customer,\n"
        "T2,2024-03-04T09:00:00Z,New,Desk,customer,\n"
        "T1,2024-03-04T09:10:00Z,Working,Desk,A1,\n"
    )
    with pytest.raises(InputError, match="grouped_by_case: false") as caught:
        _import(tmp_path, text)
    assert caught.value.row == 4


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        import_event_log(tmp_path / "absent.csv", _mapping())


def test_empty_file_is_reported(tmp_path):
    with pytest.raises(InputError, match="empty"):
        _import(tmp_path, "")


def test_wrong_encoding_is_reported(tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes(HEADER.encode() + "T1,2024-03-04T09:00:00Z,Né".encode("latin-1"))
    with pytest.raises(InputError, match="not valid utf-8-sig text"):
        import_event_log(path, _mapping())


def test_header_only_gives_empty_report(tmp_path):
    result = _import(tmp_path, HEADER)
    assert result.events == []
    assert result.report.records_read == 0
    assert result.report.problems() == []


# The mapping file


VALID_YAML = """\
columns:
  case_id: ticket
  timestamp: time
  status: status
statuses:
  Working: open
  Waiting: {status: pending}
pause_statuses: [Waiting]
resolution:
  statuses: [Solved]
"""


def test_parse_mapping_accepts_shorthand_statuses():
    mapping = parse_mapping(VALID_YAML)
    assert mapping.statuses["Working"].status == TicketStatus.OPEN
    assert mapping.statuses["Waiting"].status == TicketStatus.PENDING
    assert mapping.resolution.reopen_from == [TicketStatus.SOLVED, TicketStatus.CLOSED]


def test_mapping_unknown_key_names_line_and_field():
    text = VALID_YAML.replace("  status: status\n", "  status: status\n  teem: group\n")
    with pytest.raises(MappingError) as caught:
        parse_mapping(text, "m.yaml")
    assert caught.value.line == 5
    assert caught.value.field == "columns.teem"
    assert "unknown key 'teem'; expected one of: case_id, timestamp" in str(
        caught.value
    )
    assert str(caught.value).startswith("m.yaml:5: columns.teem: ")


def test_mapping_missing_section_is_named():
    text = VALID_YAML.replace("resolution:\n  statuses: [Solved]\n", "")
    with pytest.raises(MappingError, match="resolution: missing required field"):
        parse_mapping(text, "m.yaml")


def test_mapping_unknown_canonical_status_names_line():
    text = VALID_YAML.replace("Working: open", "Working: opened")
    with pytest.raises(MappingError) as caught:
        parse_mapping(text, "m.yaml")
    assert caught.value.line == 6
    assert caught.value.field == "statuses.Working.status"


def test_mapping_rejects_derived_kind():
    text = VALID_YAML.replace("Working: open", "Working: {kind: team_assigned}")
    with pytest.raises(MappingError, match="cannot be set on a status"):
        parse_mapping(text, "m.yaml")


def test_mapping_rejects_empty_status_rule():
    text = VALID_YAML.replace("Working: open", "Working: {}")
    with pytest.raises(MappingError, match="give a status, a kind, or both"):
        parse_mapping(text, "m.yaml")


def test_mapping_pause_status_must_be_known():
    text = VALID_YAML.replace("[Waiting]", "[Waiting, Parked]")
    with pytest.raises(MappingError) as caught:
        parse_mapping(text, "m.yaml")
    assert caught.value.field == "pause_statuses[1]"
    assert caught.value.line == 8
    assert "'Parked' is not a key of statuses" in str(caught.value)


def test_mapping_pause_status_must_be_pending_or_on_hold():
    text = VALID_YAML.replace("[Waiting]", "[Working]")
    with pytest.raises(MappingError, match="must map to 'pending' or 'on_hold'"):
        parse_mapping(text, "m.yaml")


def test_mapping_resolution_status_is_stated_once():
    text = VALID_YAML.replace("[Solved]", "[Working]")
    with pytest.raises(MappingError, match="also a key of statuses"):
        parse_mapping(text, "m.yaml")


def test_mapping_solved_belongs_in_resolution():
    text = VALID_YAML.replace("Working: open", "Working: solved")
    with pytest.raises(MappingError, match=r"list it under resolution\.statuses"):
        parse_mapping(text, "m.yaml")


def test_mapping_first_response_status_must_be_known():
    text = VALID_YAML + "first_response:\n  statuses: [Replied]\n"
    with pytest.raises(MappingError) as caught:
        parse_mapping(text, "m.yaml")
    assert caught.value.field == "first_response.statuses[0]"


def test_mapping_invalid_regex_names_rule():
    text = VALID_YAML + "tiers:\n  - {pattern: '2nd(', tier: escalation}\n"
    with pytest.raises(MappingError, match="invalid regular expression") as caught:
        parse_mapping(text, "m.yaml")
    assert caught.value.field == "tiers[0].pattern"


def test_mapping_unknown_timezone_is_rejected():
    text = VALID_YAML + "timestamps:\n  timezone: Europe/Brusels\n"
    with pytest.raises(MappingError, match="unknown IANA timezone 'Europe/Brusels'"):
        parse_mapping(text, "m.yaml")


def test_mapping_reserved_attribute_name_is_rejected():
    text = VALID_YAML.replace(
        "  status: status\n", "  status: status\n  attributes: {activity: what}\n"
    )
    with pytest.raises(MappingError, match="reserved"):
        parse_mapping(text, "m.yaml")


def test_mapping_lists_every_problem():
    text = VALID_YAML.replace("[Waiting]", "[Parked]").replace("[Solved]", "[Working]")
    with pytest.raises(MappingError) as caught:
        parse_mapping(text, "m.yaml")
    assert len(str(caught.value).splitlines()) == 2


def test_mapping_invalid_yaml_names_line():
    with pytest.raises(MappingError) as caught:
        parse_mapping("columns: [unclosed\n", "m.yaml")
    assert caught.value.line == 2


def test_mapping_duplicate_key_is_rejected():
    text = VALID_YAML.replace("  Working: open\n", "  Working: open\n  Working: new\n")
    with pytest.raises(MappingError, match="duplicate key 'Working'"):
        parse_mapping(text, "m.yaml")


def test_mapping_built_in_code_checks_references():
    data = copy.deepcopy(MAPPING)
    data["pause_statuses"] = ["Working"]
    with pytest.raises(ValueError, match="pause_statuses\\[0\\]"):
        EventMapping.model_validate(data)


def test_load_mapping_reports_missing_file(tmp_path):
    with pytest.raises(MappingError, match="mapping file not found"):
        load_mapping(tmp_path / "absent.yaml")


@pytest.mark.parametrize("name", ["volvo-incidents.yaml", "helpdesk.yaml"])
def test_shipped_mappings_load(name):
    mapping = load_mapping(MAPPINGS / name)
    assert mapping.resolution.statuses


# The public logs


def _read_with_pandas(path: Path):
    pd = pytest.importorskip("pandas")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def volvo():
    if not VOLVO_CSV.is_file():
        pytest.skip(f"{VOLVO_CSV} is not present")
    result = import_event_log(VOLVO_CSV, MAPPINGS / "volvo-incidents.yaml")
    return result, _read_with_pandas(VOLVO_CSV)


def test_volvo_import_reads_every_record(volvo):
    result, frame = volvo
    assert result.report.records_read == len(frame) == 65_533
    assert result.report.cases == frame["case_id"].nunique() == 7_554
    assert result.report.records_skipped == 0


def test_volvo_import_knows_every_status(volvo):
    result, _ = volvo
    assert dict(result.report.unknown_statuses) == {}
    assert dict(result.report.teams_without_tier) == {}
    assert result.report.out_of_order_records == 0


def test_volvo_import_has_no_creation_records(volvo):
    result, frame = volvo
    # The log starts each incident at its first status change.
    assert result.report.cases_without_creation == frame["case_id"].nunique()
    assert result.report.count(EventKind.CREATED) == frame["case_id"].nunique()


def test_volvo_team_and_agent_changes_match_pandas(volvo):
    result, frame = volvo
    by_case = frame.groupby("case_id", sort=False)
    team_changes = (frame["org:group"] != by_case["org:group"].shift()).sum()
    agent_changes = (frame["org:resource"] != by_case["org:resource"].shift()).sum()
    assert result.report.count(EventKind.TEAM_ASSIGNED) == team_changes
    assert result.report.count(EventKind.AGENT_ASSIGNED) == agent_changes


def test_volvo_tiers_follow_team_names(volvo):
    result, frame = volvo
    tiers = {e.team: e.tier for e in result.events if e.kind == EventKind.TEAM_ASSIGNED}
    teams = frame["org:group"].drop_duplicates()
    assert len(tiers) == len(teams)
    second = teams[teams.str.contains("2nd")]
    third = teams[teams.str.contains("3rd") & ~teams.str.contains("2nd")]
    assert {tiers[t] for t in second} == {"escalation"}
    assert {tiers[t] for t in third} == {"expert"}
    assert sum(tier == "frontline" for tier in tiers.values()) == (
        len(teams) - len(second) - len(third)
    )


def test_volvo_solved_and_reopened_match_pandas(volvo):
    result, frame = volvo
    canonical = {
        "Awaiting Assignment": "open",
        "In Progress": "open",
        "Assigned": "open",
        "Wait - User": "pending",
        "Wait - Customer": "pending",
        "Wait - Vendor": "on_hold",
        "Wait - Implementation": "on_hold",
        "Wait": "on_hold",
        "Closed": "closed",
        "Cancelled": "closed",
        "Resolved": "solved",
        "In Call": "solved",
    }
    # 'Unmatched' leaves the status as it was, so fill it from the row before.
    status = frame["lifecycle:transition"].map(canonical)
    status = status.groupby(frame["case_id"], sort=False).ffill().fillna("new")
    previous = status.groupby(frame["case_id"], sort=False).shift().fillna("new")
    solved = ((status == "solved") & (previous != "solved")).sum()
    closed = ((status == "closed") & (previous != "closed")).sum()
    unresolved = status.isin(["new", "open", "pending", "on_hold"])
    reopened = (previous.isin(["solved", "closed"]) & unresolved).sum()
    assert result.report.count(EventKind.SOLVED) == solved
    assert result.report.count(EventKind.CLOSED) == closed
    assert result.report.count(EventKind.REOPENED) == reopened


def test_volvo_first_response_per_incident(volvo):
    result, frame = volvo
    responding = frame["lifecycle:transition"].isin(
        ["In Progress", "In Call", "Resolved"]
    )
    expected = frame.loc[responding, "case_id"].nunique()
    assert result.report.count(EventKind.PUBLIC_REPLY) == expected


def test_volvo_wait_statuses_pause(volvo):
    result, _ = volvo
    mapping = load_mapping(MAPPINGS / "volvo-incidents.yaml")
    paused = {
        e.source_status
        for e in result.events
        if e.source_status in mapping.pause_statuses
    }
    assert paused == {
        "Wait",
        "Wait - User",
        "Wait - Customer",
        "Wait - Vendor",
        "Wait - Implementation",
    }


def test_volvo_events_keep_attributes(volvo):
    result, frame = volvo
    first = result.events[1]
    row = frame.iloc[0]
    assert first.attributes["product"] == row["product"]
    assert first.attributes["impact"] == row["impact"]
    assert first.attributes["organisation_line"] == row["organization involved"]
    assert first.attributes["resource_country"] == row["resource country"]
    assert first.attributes["organisation_country"] == row["organization country"]


def test_helpdesk_csv_import_matches_pandas():
    if not HELPDESK_CSV.is_file():
        pytest.skip(f"{HELPDESK_CSV} is not present")
    frame = _read_with_pandas(HELPDESK_CSV)
    result = import_event_log(HELPDESK_CSV, MAPPINGS / "helpdesk.yaml")
    cases = frame["case:concept:name"]
    assert result.report.records_read == len(frame) == 21_348
    assert result.report.cases == cases.nunique() == 4_580
    assert dict(result.report.unknown_statuses) == {}
    assert result.report.records_skipped == 0
    inserted = frame.loc[frame["concept:name"] == "Insert ticket", "case:concept:name"]
    assert result.report.cases_without_creation == cases.nunique() - inserted.nunique()
    assert result.report.count(EventKind.TEAM_ASSIGNED) == 0
