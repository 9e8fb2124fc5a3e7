"""Group tables on the hand-built tickets; every figure is counted by hand."""

from __future__ import annotations

import pytest

from tierdesk.analytics.frame import Targets, TicketOptions, prepare_tickets
from tierdesk.analytics.tables import group_table, overall_table


def _rows(table, key: str) -> dict:
    return {row[key]: row for row in table.frame.iter_rows(named=True)}


def test_by_inquiry_type_figures(tickets) -> None:
    rows = _rows(group_table(tickets, ("inquiry_type",), min_n=3), "inquiry_type")
    password = rows["password"]
    assert password["tickets"] == 4
    assert password["share"] == pytest.approx(0.4)
    # First response within 8 h: P1 1 h, P2 2 h, P4 3 h; P3 took 10 h.
    assert password["first_response_within_count"] == 3
    assert password["first_response_within_n"] == 4
    # Resolved within 24 h: P1 2 h and P3 20 h; P2 30 h and P4 50 h are late.
    assert password["resolved_within"] == pytest.approx(0.5)
    assert password["one_touch"] == pytest.approx(0.75)
    assert password["one_touch_n"] == 4
    assert password["csat_mean"] == pytest.approx(11 / 3)
    assert password["csat_satisfied"] == pytest.approx(2 / 3)
    assert password["csat_satisfied_n"] == 3
    assert password["reopened"] == pytest.approx(0.25)
    assert password["escalated"] == pytest.approx(0.25)
    assert password["ping_pong"] == pytest.approx(0.0)
    assert password["inquiry_type_known"] is True


def test_billing_and_outage_figures(tickets) -> None:
    rows = _rows(group_table(tickets, ("inquiry_type",), min_n=3), "inquiry_type")
    billing = rows["billing"]
    assert billing["first_response_within"] == pytest.approx(2 / 3)
    assert billing["one_touch"] == pytest.approx(1 / 3)
    assert billing["csat_mean"] == pytest.approx(8 / 3)
    assert billing["ping_pong"] == pytest.approx(1 / 3)
    assert billing["escalated"] == pytest.approx(0.0)
    outage = rows["outage"]
    # O1 is still open after 100 h, so it has missed the 24 h target already.
    assert outage["resolved_within_count"] == 1
    assert outage["resolved_within_n"] == 2
    assert outage["one_touch_n"] == 1
    assert outage["small_group"] is True
    assert rows["refund"]["inquiry_type_known"] is False


def test_no_csat_is_null_not_zero(tickets) -> None:
    rows = _rows(group_table(tickets, ("inquiry_type",)), "inquiry_type")
    outage = rows["outage"]
    assert outage["csat_satisfied_n"] == 0
    assert outage["csat_satisfied"] is None
    assert outage["csat_satisfied_low"] is None
    assert outage["csat_mean"] is None
    assert outage["handle_time_median_s"] is None
    assert outage["handle_time_n"] == 0


def test_by_segment_figures(tickets) -> None:
    rows = _rows(group_table(tickets, ("segment",)), "segment")
    assert rows["enterprise"]["tickets"] == 4
    assert rows["enterprise"]["first_response_within"] == pytest.approx(1.0)
    assert rows["smb"]["first_response_within_count"] == 4
    assert rows["smb"]["first_response_within_n"] == 6


def test_pair_table_shares_of_total(tickets) -> None:
    table = group_table(tickets, ("segment", "inquiry_type"))
    rows = {
        (row["segment"], row["inquiry_type"]): row
        for row in table.frame.iter_rows(named=True)
    }
    assert rows[("smb", "billing")]["tickets"] == 2
    assert rows[("smb", "billing")]["share"] == pytest.approx(0.2)
    assert sum(row["tickets"] for row in rows.values()) == 10


def test_overall_figures(tickets) -> None:
    row = overall_table(tickets).frame.row(0, named=True)
    assert row["tickets"] == 10
    assert row["first_response_within"] == pytest.approx(0.8)
    # Met: P1, P3, B1, B3, O2, R1; missed: P2, P4, B2, O1.
    assert row["resolved_within"] == pytest.approx(0.6)


def test_business_time_without_columns_is_na(metrics_table, policy) -> None:
    options = TicketOptions(targets=Targets(time="business"))
    tickets = prepare_tickets(metrics_table, policy=policy, options=options)
    row = overall_table(tickets).frame.row(0, named=True)
    assert row["first_response_within_n"] == 0
    assert row["first_response_within"] is None


def test_custom_thresholds(metrics_table, policy) -> None:
    options = TicketOptions(targets=Targets(first_response_s=3600, resolution_s=3600))
    tickets = prepare_tickets(metrics_table, policy=policy, options=options)
    row = overall_table(tickets).frame.row(0, named=True)
    # Within 1 h: P1, B1, B3, R1.
    assert row["first_response_within_count"] == 4
    # Resolved within 1 h: only B3.
    assert row["resolved_within_count"] == 1


def test_unknown_dimension_raises(tickets) -> None:
    with pytest.raises(KeyError, match="unknown dimension"):
        group_table(tickets, ("product",))
