"""Tests for the XES event-log importer.

The small logs are written by each test, with expected events worked out by
hand. The last tests read the public help-desk log in XES and CSV, when
present, and check that both give the same events.
"""

from __future__ import annotations

import gzip
import tracemalloc
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tierdesk.errors import InputError
from tierdesk.events import EventKind, TicketStatus
from tierdesk.importers import (
    EventMapping,
    import_event_log,
    read_xes_events,
)

from ..conftest import EXAMPLES, SHARED_DATA

HELPDESK = SHARED_DATA / "helpdesk-log"
CET = timezone(timedelta(hours=1))

MAPPING: dict[str, Any] = {
    "columns": {
        "case_id": "case:concept:name",
        "timestamp": "time:timestamp",
        "status": "concept:name",
        "team": "org:group",
        "agent": "org:resource",
    },
    "statuses": {"New": {"status": "new", "kind": "created"}, "Working": "open"},
    "first_response": {"statuses": ["Working"]},
    "resolution": {"statuses": ["Solved"]},
    "tiers": [
        {"pattern": "2nd", "tier": "escalation"},
        {"pattern": ".", "tier": "frontline"},
    ],
    "actors": {"requester": ["customer"]},
}

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept"
             uri="http://www.xes-standard.org/concept.xesext"/>
  <global scope="trace">
    <string key="concept:name" value="__INVALID__"/>
  </global>
  <global scope="event">
    <string key="concept:name" value="__INVALID__"/>
    <date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>
  </global>
  <string key="concept:name" value="a log-level name that is not a case"/>
"""
TAIL = "</log>\n"


def _event(
    status: str, at: str, agent: str | None = None, team: str | None = "Desk"
) -> str:
    parts = [f'<string key="concept:name" value="{status}"/>']
    if agent is not None:
        parts.append(f'<string key="org:resource" value="{agent}"/>')
    if team is not None:
        parts.append(f'<string key="org:group" value="{team}"/>')
    parts.append(f'<date key="time:timestamp" value="{at}"/>')
    return "<event>" + "".join(parts) + "</event>\n"


def _trace(case: str | None, *events: str, product: str | None = None) -> str:
    attributes = ""
    if case is not None:
        attributes += f'<string key="concept:name" value="{case}"/>'
    if product is not None:
        attributes += f'<string key="product" value="{product}"/>'
    return "<trace>" + attributes + "".join(events) + "</trace>\n"


# T1: created by the requester, moved to Desk 2nd and worked by A1, solved.
# T2: has no creation event.
TWO_TRACES = (
    HEAD
    + _trace(
        "T1",
        _event("New", "2024-03-04T09:00:00.000+01:00", "customer", "Desk"),
        # The meta-attribute nested in org:resource must be ignored.
        "<event>"
        '<string key="concept:name" value="Working"/>'
        '<string key="org:resource" value="A1">'
        '<string key="org:resource" value="not the agent"/></string>'
        '<string key="org:group" value="Desk 2nd"/>'
        '<date key="time:timestamp" value="2024-03-04T09:30:00.000+01:00"/>'
        "</event>\n",
        _event("Solved", "2024-03-04T10:00:00.000+01:00", "A1", "Desk 2nd"),
        product="Ads",
    )
    + _trace("T2", _event("Working", "2024-03-04T08:00:00Z", "A2", "Desk"))
    + TAIL
)


def _mapping(**changes: Any) -> EventMapping:
    data = {
        key: dict(value) if isinstance(value, dict) else value
        for key, value in MAPPING.items()
    }
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key].update(value)
        else:
            data[key] = value
    return EventMapping.model_validate(data)


def _with_product() -> EventMapping:
    """Return the test mapping, also keeping the trace attribute `product`."""
    return _mapping(columns={"attributes": {"product": "case:product"}})


def _write(tmp_path: Path, text: str, name: str = "log.xes") -> Path:
    path = tmp_path / name
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode("utf-8")))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _import(tmp_path: Path, text: str, mapping: EventMapping | None = None):
    return import_event_log(_write(tmp_path, text), mapping or _mapping())


# The derived events


def test_xes_import_derives_events_in_order(tmp_path):
    events = _import(tmp_path, TWO_TRACES, _with_product()).events
    assert [(e.ticket_id, e.kind) for e in events] == [
        ("T1", EventKind.CREATED),
        ("T1", EventKind.TEAM_ASSIGNED),  # Desk
        ("T1", EventKind.TEAM_ASSIGNED),  # Desk 2nd
        ("T1", EventKind.AGENT_ASSIGNED),  # A1
        ("T1", EventKind.STATUS_CHANGED),  # new -> open
        ("T1", EventKind.PUBLIC_REPLY),
        ("T1", EventKind.SOLVED),
        ("T2", EventKind.CREATED),  # inferred from the first event
        ("T2", EventKind.TEAM_ASSIGNED),
        ("T2", EventKind.AGENT_ASSIGNED),
        ("T2", EventKind.STATUS_CHANGED),
        ("T2", EventKind.PUBLIC_REPLY),
    ]


def test_xes_import_keeps_state_and_times(tmp_path):
    events = _import(tmp_path, TWO_TRACES, _with_product()).events
    assert events[0].actor == "requester"
    assert events[0].at == datetime(2024, 3, 4, 9, 0, tzinfo=CET)
    assert events[2].tier == "escalation"
    assert events[3].agent == "A1"
    assert events[6].status == TicketStatus.SOLVED
    assert events[6].actor == "A1"
    assert events[7].at == datetime(2024, 3, 4, 8, 0, tzinfo=UTC)


def test_xes_trace_attributes_apply_to_every_event(tmp_path):
    events = _import(tmp_path, TWO_TRACES, _with_product()).events
    t1 = [e for e in events if e.ticket_id == "T1"]
    assert {e.attributes.get("product") for e in t1} == {"Ads"}
    t2 = [e for e in events if e.ticket_id == "T2"]
    assert all("product" not in e.attributes for e in t2)


def test_xes_import_reads_gzip(tmp_path):
    mapping = _with_product()
    plain = import_event_log(_write(tmp_path, TWO_TRACES), mapping)
    packed = import_event_log(_write(tmp_path, TWO_TRACES, "log.xes.gz"), mapping)
    assert packed.events == plain.events
    assert packed.report.records_read == 4


def test_xes_import_detects_gzip_by_content(tmp_path):
    path = tmp_path / "log.xes"
    path.write_bytes(gzip.compress(TWO_TRACES.encode("utf-8")))
    assert len(import_event_log(path, _with_product()).events) == 12


def test_xes_import_reads_log_without_namespace(tmp_path):
    text = TWO_TRACES.replace(' xmlns="http://www.xes-standard.org/"', "")
    assert len(_import(tmp_path, text, _with_product()).events) == 12


def test_xes_and_csv_give_same_events(tmp_path):
    csv_text = (
        "case:concept:name,time:timestamp,concept:name,org:group,org:resource,"
        "case:product\n"
        "T1,2024-03-04T09:00:00+01:00,New,Desk,customer,Ads\n"
        "T1,2024-03-04T09:30:00+01:00,Working,Desk 2nd,A1,Ads\n"
        "T1,2024-03-04T10:00:00+01:00,Solved,Desk 2nd,A1,Ads\n"
        "T2,2024-03-04T08:00:00Z,Working,Desk,A2,\n"
    )
    csv_path = tmp_path / "log.csv"
    csv_path.write_text(csv_text, encoding="utf-8")
    from_csv = import_event_log(csv_path, _with_product())
    from_xes = _import(tmp_path, TWO_TRACES, _with_product())
    assert from_xes.events == from_csv.events


def test_xes_report_counts(tmp_path):
    report = _import(tmp_path, TWO_TRACES, _with_product()).report
    assert report.complete
    assert report.records_read == 4
    assert report.cases == 2
    assert report.cases_without_creation == 1
    assert report.events_emitted == 12


def test_xes_stream_is_lazy(tmp_path):
    stream = read_xes_events(tmp_path / "absent.xes", _mapping())
    assert not stream.report.complete
    with pytest.raises(InputError, match="file not found"):
        list(stream)


def test_xes_stream_holds_one_trace(tmp_path):
    # 4,000 traces of 3 events: a full tree of this log takes several times
    # the memory that reading it trace by trace does.
    traces = "".join(
        _trace(
            f"C{index}",
            _event("New", "2024-03-04T09:00:00Z", "customer", "Desk"),
            _event("Working", "2024-03-04T09:10:00Z", "A1", "Desk"),
            _event("Solved", "2024-03-04T09:20:00Z", "A1", "Desk"),
        )
        for index in range(4000)
    )
    path = _write(tmp_path, HEAD + traces + TAIL)

    tracemalloc.start()
    try:
        ET.parse(path)
        _, tree_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        baseline, _ = tracemalloc.get_traced_memory()
        stream = read_xes_events(path, _mapping())
        count = sum(1 for _ in stream)
        _, stream_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 4000 * 6
    assert stream_peak - baseline < tree_peak / 3


# Bad input: each case is reported or raised, never dropped silently


def test_xes_out_of_order_events_are_sorted_and_counted(tmp_path):
    text = (
        HEAD
        + _trace(
            "T1",
            _event("Solved", "2024-03-04T10:00:00Z", "A1"),
            _event("New", "2024-03-04T09:00:00Z", "customer"),
            _event("Working", "2024-03-04T09:30:00Z", "A1"),
        )
        + TAIL
    )
    result = _import(tmp_path, text)
    assert result.report.out_of_order_records == 2
    assert result.report.out_of_order_cases == 1
    assert [e.kind for e in result.events] == [
        EventKind.CREATED,
        EventKind.TEAM_ASSIGNED,
        EventKind.AGENT_ASSIGNED,
        EventKind.STATUS_CHANGED,
        EventKind.PUBLIC_REPLY,
        EventKind.SOLVED,
    ]


def test_xes_unknown_statuses_are_listed(tmp_path):
    text = (
        HEAD
        + _trace(
            "T1",
            _event("New", "2024-03-04T09:00:00Z", "customer"),
            _event("Parked", "2024-03-04T09:10:00Z", "A1"),
            _event("Parked", "2024-03-04T09:20:00Z", "A1"),
        )
        + TAIL
    )
    report = _import(tmp_path, text).report
    assert report.unknown_statuses == {"Parked": 2}


def test_xes_case_without_creation_is_counted(tmp_path):
    text = HEAD + _trace("T1", _event("Working", "2024-03-04T09:00:00Z", "A1")) + TAIL
    result = _import(tmp_path, text)
    assert result.report.cases_without_creation == 1
    assert result.events[0].attributes["inferred"] is True


def test_xes_unparseable_timestamps_name_event_numbers(tmp_path):
    text = (
        HEAD
        + _trace(
            "T1",
            _event("New", "2024-03-04T09:00:00Z", "customer"),
            _event("Working", "tomorrow", "A1"),
        )
        + _trace("T2", "<event><string key='concept:name' value='New'/></event>")
        + TAIL
    )
    report = _import(tmp_path, text).report
    # Events are numbered from 1 in file order; T2's event has no timestamp.
    assert report.unparseable_timestamps == [2, 3]
    assert report.records_read == 3


def test_xes_naive_timestamp_without_timezone_is_rejected(tmp_path):
    text = HEAD + _trace("T1", _event("New", "2024-03-04T09:00:00", "A1")) + TAIL
    with pytest.raises(InputError, match="no UTC offset") as caught:
        _import(tmp_path, text)
    assert caught.value.column == "time:timestamp"
    assert caught.value.row == 1


def test_xes_naive_timestamp_uses_mapping_timezone(tmp_path):
    text = HEAD + _trace("T1", _event("New", "2024-03-04T09:00:00", "A1")) + TAIL
    mapping = _mapping(timestamps={"timezone": "Europe/Brussels"})
    event = _import(tmp_path, text, mapping).events[0]
    assert event.at == datetime(2024, 3, 4, 9, 0, tzinfo=CET)


def test_xes_trace_without_case_id_is_reported(tmp_path):
    text = (
        HEAD
        + _trace("T1", _event("New", "2024-03-04T09:00:00Z", "customer"))
        + _trace(None, _event("New", "2024-03-04T09:00:00Z", "customer"))
        + TAIL
    )
    report = _import(tmp_path, text).report
    assert report.records_without_case_id == [2]
    assert report.cases == 1


def test_xes_event_outside_trace_is_reported(tmp_path):
    text = (
        HEAD
        + _trace("T1", _event("New", "2024-03-04T09:00:00Z", "customer"))
        + _event("New", "2024-03-04T09:00:00Z", "customer")
        + TAIL
    )
    report = _import(tmp_path, text).report
    assert report.malformed_records == [2]
    assert report.records_read == 2


def test_xes_missing_required_key_lists_keys_found(tmp_path):
    mapping = _mapping(columns={"timestamp": "time:stamp"})
    with pytest.raises(InputError) as caught:
        _import(tmp_path, TWO_TRACES, mapping)
    message = str(caught.value)
    assert "columns.timestamp names key 'time:stamp'" in message
    assert "not on the first event" in message
    assert "'case:concept:name'" in message
    assert "'time:timestamp'" in message
    assert caught.value.column == "time:stamp"


def test_xes_missing_optional_key_is_rejected_at_end(tmp_path):
    mapping = _mapping(columns={"team": "org:grp"})
    with pytest.raises(
        InputError, match="names key 'org:grp', which is not in the log"
    ):
        _import(tmp_path, TWO_TRACES, mapping)


def test_xes_optional_key_on_a_later_event_is_accepted(tmp_path):
    text = (
        HEAD
        + _trace("T1", _event("New", "2024-03-04T09:00:00Z", "customer", None))
        + _trace("T2", _event("New", "2024-03-04T09:00:00Z", "customer", "Desk"))
        + TAIL
    )
    events = _import(tmp_path, text).events
    assert [e.team for e in events if e.kind == EventKind.TEAM_ASSIGNED] == ["Desk"]


def test_xes_invalid_xml_is_reported(tmp_path):
    text = HEAD + "<trace><event></trace>" + TAIL
    with pytest.raises(InputError, match="invalid XML: mismatched tag"):
        _import(tmp_path, text)


def test_xes_other_root_element_is_rejected(tmp_path):
    with pytest.raises(InputError, match="root element is <html>"):
        _import(tmp_path, "<html><body/></html>")


def test_xes_truncated_gzip_is_reported(tmp_path):
    path = tmp_path / "log.xes.gz"
    path.write_bytes(gzip.compress(TWO_TRACES.encode("utf-8"))[:-20])
    with pytest.raises(InputError, match="invalid gzip data"):
        import_event_log(path, _with_product())


def test_xes_empty_log_gives_empty_report(tmp_path):
    result = _import(tmp_path, HEAD + TAIL)
    assert result.events == []
    assert result.report.complete
    assert result.report.records_read == 0


# The public help-desk log


@pytest.fixture(scope="module")
def helpdesk():
    csv_path = HELPDESK / "helpdesk.csv"
    xes_path = HELPDESK / "helpdesk.xes.gz"
    if not (csv_path.is_file() and xes_path.is_file()):
        pytest.skip(f"the help-desk log is not present in {HELPDESK}")
    mapping = EXAMPLES / "mappings" / "helpdesk.yaml"
    return (
        import_event_log(xes_path, mapping),
        import_event_log(csv_path, mapping),
        xes_path,
    )


def test_helpdesk_xes_counts_match_full_parse(helpdesk):
    from_xes, _, xes_path = helpdesk
    with gzip.open(xes_path) as handle:
        root = ET.parse(handle).getroot()
    namespace = "{http://www.xes-standard.org}"
    traces = root.findall(f"{namespace}trace")
    events = root.findall(f"{namespace}trace/{namespace}event")
    assert from_xes.report.cases == len(traces) == 4_580
    assert from_xes.report.records_read == len(events) == 21_348
    assert dict(from_xes.report.unknown_statuses) == {}
    assert from_xes.report.records_skipped == 0


def test_helpdesk_xes_and_csv_give_same_events(helpdesk):
    from_xes, from_csv, _ = helpdesk
    assert len(from_xes.events) == len(from_csv.events)

    def by_ticket(events):
        return sorted(events, key=lambda e: (e.ticket_id, e.sequence))

    assert by_ticket(from_xes.events) == by_ticket(from_csv.events)


def test_helpdesk_has_no_teams(helpdesk):
    from_xes, _, _ = helpdesk
    assert from_xes.report.count(EventKind.TEAM_ASSIGNED) == 0
    assert {e.tier for e in from_xes.events} == {None}
