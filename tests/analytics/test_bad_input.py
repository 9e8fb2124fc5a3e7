"""Bad and thin input: empty groups, n = 0, missing CSAT, unknown types, bad cells."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pandas as pd
import polars as pl
import pytest

from tierdesk.analytics.frame import prepare_tickets
from tierdesk.analytics.html import render_html
from tierdesk.analytics.report import build_report
from tierdesk.errors import InputError

from .conftest import hand_built_rows

NOW = datetime(2024, 3, 10, tzinfo=UTC)


def _no_nan(frame: pl.DataFrame) -> bool:
    for name, dtype in frame.schema.items():
        if dtype.is_float() and frame[name].is_nan().any():
            return False
    return True


def test_empty_table_gives_empty_report(policy) -> None:
    empty = pd.DataFrame(columns=list(hand_built_rows()[0]))
    tickets = prepare_tickets(empty, policy=policy)
    report = build_report(tickets, NOW, policy=policy)
    assert report.overall.frame.height == 0
    assert report.trends.frame.height == 0
    assert all(row.action == "n/a" for row in report.recommendations.rows)
    assert report.recommendations.moved_down_share is None
    page = render_html(report)
    assert "NaN" not in page
    assert "n/a" in page


def test_missing_csat_is_na_not_zero(metrics_table, policy) -> None:
    tickets = prepare_tickets(metrics_table.drop(columns=["csat"]), policy=policy)
    report = build_report(tickets, NOW, policy=policy)
    row = report.overall.frame.row(0, named=True)
    assert row["csat_satisfied_n"] == 0
    assert row["csat_satisfied"] is None
    page = render_html(report)
    assert "n/a (n=0)" in page
    assert "no CSAT ratings in the input" in " ".join(report.notes)


def test_exports_have_no_nan(tickets, policy) -> None:
    report = build_report(tickets, NOW, policy=policy)
    for name, frame in report.exports().items():
        assert _no_nan(frame), name


def test_unknown_types_listed_with_counts(tickets, policy) -> None:
    report = build_report(tickets, NOW, policy=policy)
    exported = report.exports()["unknown_inquiry_types"]
    assert exported.to_dicts() == [{"inquiry_type": "refund", "tickets": 1}]
    page = render_html(report)
    assert "refund (1)" in page


def test_tickets_without_type_are_grouped_as_none(metrics_table, policy) -> None:
    metrics_table.loc[0, "inquiry_type"] = None
    tickets = prepare_tickets(metrics_table, policy=policy)
    report = build_report(tickets, NOW, policy=policy)
    keys = report.by_type.frame["inquiry_type"].to_list()
    assert None in keys
    assert report.recommendations.tickets_without_type == 1


def test_no_policy_has_no_recommendations(metrics_table) -> None:
    tickets = prepare_tickets(metrics_table)
    report = build_report(tickets, NOW)
    assert report.recommendations is None
    assert report.deflection is None
    assert "recommendations need a policy" in render_html(report)


def test_missing_ticket_id_column_is_rejected(metrics_table) -> None:
    with pytest.raises(InputError, match="missing column 'ticket_id'"):
        prepare_tickets(metrics_table.drop(columns=["ticket_id"]), source="m.csv")


def test_bad_number_names_row_and_column(metrics_table) -> None:
    frame = pl.from_pandas(metrics_table.astype(str).replace({"None": "", "nan": ""}))
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 2)
        .then(pl.lit("soon"))
        .otherwise(pl.col("first_response_s"))
        .alias("first_response_s")
    )
    with pytest.raises(InputError) as caught:
        prepare_tickets(frame, source="m.csv")
    assert caught.value.row == 4
    assert caught.value.column == "first_response_s"


def test_text_table_reads_like_typed_one(metrics_table, policy) -> None:
    text = pl.from_pandas(metrics_table.astype(str).replace({"None": "", "nan": ""}))
    from_text = build_report(prepare_tickets(text, policy=policy), NOW, policy=policy)
    typed = build_report(
        prepare_tickets(metrics_table, policy=policy), NOW, policy=policy
    )
    left = from_text.by_type.frame.to_dicts()
    right = typed.by_type.frame.to_dicts()
    for a, b in zip(left, right, strict=True):
        for key, value in a.items():
            if isinstance(value, float):
                assert math.isclose(value, b[key]), key
            else:
                assert value == b[key], key


def test_zero_groups_for_pair_without_tickets(tickets) -> None:
    from tierdesk.analytics.tables import group_table

    table = group_table(tickets, ("segment", "inquiry_type"))
    pairs = {
        (r["segment"], r["inquiry_type"]) for r in table.frame.iter_rows(named=True)
    }
    # Empty combinations are absent rather than rows of zeros and NaN.
    assert ("enterprise", "refund") not in pairs
