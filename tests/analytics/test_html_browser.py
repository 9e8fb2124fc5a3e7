"""The HTML report in a real browser: it renders, charts have data, no errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tierdesk.analytics.html import render_html
from tierdesk.analytics.report import build_report
from tierdesk.analytics.waits import events_frame
from tierdesk.events import Event, EventKind

from .browser import open_page

NOW = datetime(2024, 3, 10, tzinfo=UTC)


def _events() -> list[Event]:
    start = datetime(2024, 3, 1, 9, tzinfo=UTC)
    return [
        Event(
            "P1",
            start,
            EventKind.STATUS_CHANGED,
            actor="R1",
            team="specialists",
            status="open",
            source_status="In Progress",
        ),
        Event(
            "P1",
            start + timedelta(hours=1),
            EventKind.STATUS_CHANGED,
            actor="R1",
            team="specialists",
            status="pending",
            source_status="Wait - User",
        ),
        Event(
            "P1",
            start + timedelta(hours=5),
            EventKind.STATUS_CHANGED,
            actor="R1",
            team="specialists",
            status="open",
            source_status="In Progress",
        ),
    ]


def test_report_renders_with_data(tmp_path, tickets, policy) -> None:
    report = build_report(
        tickets, NOW, policy=policy, events=events_frame(_events()), title="Test"
    )
    path = tmp_path / "report.html"
    path.write_text(render_html(report, source="hand-built"), encoding="utf-8")
    with open_page(path) as opened:
        assert opened.console_errors == []
        assert opened.requests == [path.resolve().as_uri()]
        assert opened.page.title() == "Test"
        # Bars: 4 inquiry types and 2 segments.
        assert opened.count("svg rect.bar") == 6
        assert opened.count("svg circle.point") >= 2
        # One point per policy type with figures: password, billing, outage.
        assert opened.count("svg .type-point") == 3
        assert opened.count("svg line.boundary") == 2
        # Moves frontline -> escalation only.
        assert opened.count("svg path.flow") == 1
        assert opened.count("svg polyline.spark") >= 1
        text = opened.page.inner_text("body")
        assert "move down to vendor" in text
        assert "move up to specialists" in text
        assert "Wait - User" in text
        box = opened.page.locator("svg.chart").first.bounding_box()
        assert box is not None
        assert box["width"] > 100
