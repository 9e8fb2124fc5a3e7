"""The ticket frame: the per-ticket metrics table in the types the analytics read.

`prepare_tickets` accepts the table `compute_metrics` returns, or one read back
from a file written by `tierdesk metrics`. It fills the report's dimensions from
the columns the options name and adds the 0/1 columns that every group table
sums, so each table is one pass of sums over the frame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd
import polars as pl

from tierdesk.errors import InputError
from tierdesk.policy.model import Policy

# The report's dimensions, in the order the report shows them.
DIMENSIONS = ("inquiry_type", "segment", "team", "tier", "channel", "month")
RESOLVED = ("solved", "closed")
# Columns tried in turn for CSAT when the options name none: a column of that
# name, the metrics table's column for an event attribute `csat`, and the one
# for the `score` attribute that the ticket service puts on csat_rated events.
CSAT_COLUMNS = ("csat", "attr_csat", "attr_score")

_FLOATS = (
    "first_response_s",
    "first_response_business_s",
    "final_resolution_s",
    "final_resolution_business_s",
    "open_s",
    "paused_s",
    "handle_time_s",
    "highest_tier_rank",
)
_INTEGERS = ("reopens", "escalations", "transfers", "public_replies")
_BOOLEANS = ("solved", "one_touch", "ping_pong")
_TEXTS = (
    "ticket_id",
    "created_month",
    "inquiry_type",
    "segment",
    "priority",
    "channel",
    "first_team",
    "first_tier",
    "final_team",
    "final_tier",
    "highest_tier",
    "status",
    "teams_visited",
    "tiers_visited",
)
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


@dataclass(frozen=True)
class Dimensions:
    """Metrics-table column behind each dimension of the report."""

    inquiry_type: str = "inquiry_type"
    segment: str = "segment"
    team: str = "first_team"
    tier: str = "first_tier"
    channel: str = "channel"
    month: str = "created_month"

    def column(self, dimension: str) -> str:
        return str(getattr(self, dimension))


@dataclass(frozen=True)
class Targets:
    """Thresholds of the attainment shares, in seconds of calendar or business time."""

    first_response_s: float = 8 * 3600.0
    resolution_s: float = 24 * 3600.0
    time: Literal["calendar", "business"] = "calendar"

    def __post_init__(self) -> None:
        if self.first_response_s <= 0 or self.resolution_s <= 0:
            raise ValueError("attainment targets must be above zero seconds")
        if self.time not in ("calendar", "business"):
            raise ValueError(f"time must be calendar or business, got {self.time!r}")


@dataclass(frozen=True)
class TicketOptions:
    """Options that turn metrics-table columns into the ticket frame."""

    dimensions: Dimensions = field(default_factory=Dimensions)
    targets: Targets = field(default_factory=Targets)
    csat_column: str | None = None
    # Ratings at or above this count as satisfied: 4 and 5 on a 1-5 scale.
    csat_satisfied_score: float = 4.0


@dataclass(frozen=True)
class TicketFrame:
    """Prepared tickets, with what the input lacked, for the report to state."""

    frame: pl.DataFrame
    options: TicketOptions
    missing_columns: tuple[str, ...]
    csat_column: str | None
    # Inquiry types the policy does not know, with their ticket counts.
    unknown_inquiry_types: Mapping[str, int]
    has_policy: bool
    # Derived tables that several sections read, such as exploded team lists.
    cache: dict[str, pl.DataFrame] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def tickets(self) -> int:
        return self.frame.height


def prepare_tickets(
    table: pd.DataFrame | pl.DataFrame,
    *,
    policy: Policy | None = None,
    options: TicketOptions | None = None,
    source: str | None = None,
    csat: Mapping[str, float] | None = None,
) -> TicketFrame:
    """Convert a metrics table into the ticket frame the analytics read.

    `csat` maps ticket ids to ratings when they come from events rather than a
    column. Raises InputError, naming `source`, for a missing `ticket_id` or
    `created_at` column or a value that does not convert.
    """
    options = options or TicketOptions()
    frame = _to_polars(table)
    for required in ("ticket_id", "created_at"):
        if required not in frame.columns:
            raise InputError(
                f"missing column {required!r}; expected a per-ticket metrics table "
                "as `tierdesk metrics --out` writes",
                file=source,
            )
    for name in options.dimensions.__dict__.values():
        if name not in frame.columns and name not in _TEXTS:
            raise InputError(
                f"missing column {name!r} named for a dimension; columns found: "
                f"{', '.join(frame.columns)}",
                file=source,
            )
    wanted = (*_FLOATS, *_INTEGERS, *_BOOLEANS, *_TEXTS)
    missing = tuple(name for name in wanted if name not in frame.columns)
    frame = frame.with_columns(
        [_coerce(frame, name, pl.Float64, source) for name in _FLOATS]
        + [_coerce(frame, name, pl.Int64, source) for name in _INTEGERS]
        + [_coerce(frame, name, pl.Boolean, source) for name in _BOOLEANS]
        + [_coerce(frame, name, pl.String, source) for name in _TEXTS]
        + [_created_at(frame, source)]
    )
    csat_column = options.csat_column or next(
        (name for name in CSAT_COLUMNS if name in frame.columns), None
    )
    if csat is not None:
        frame = frame.with_columns(
            pl.col("ticket_id")
            .replace_strict(dict(csat), default=None, return_dtype=pl.Float64)
            .alias("csat")
        )
        csat_column = "csat events"
    elif csat_column is not None:
        if csat_column not in frame.columns:
            raise InputError(f"missing CSAT column {csat_column!r}", file=source)
        frame = frame.with_columns(
            _coerce(frame, csat_column, pl.Float64, source).alias("csat")
        )
    else:
        frame = frame.with_columns(pl.lit(None, pl.Float64).alias("csat"))
    frame = _with_dimensions(frame, options.dimensions, source)
    frame, unknown = _with_policy_types(frame, policy)
    # A frame read from Parquet comes in several chunks. With Polars 2.1, an
    # eager select of two columns took about 50 ms on such a frame of a million
    # tickets (benchmarks/report_large.py) and almost none on a contiguous one.
    # So the frame is made contiguous once here, for every later step.
    frame = frame.with_columns(_indicators(options)).rechunk()
    return TicketFrame(
        frame=frame,
        options=options,
        missing_columns=missing,
        csat_column=csat_column,
        unknown_inquiry_types=unknown,
        has_policy=policy is not None,
    )


def _to_polars(table: pd.DataFrame | pl.DataFrame) -> pl.DataFrame:
    if isinstance(table, pl.DataFrame):
        return table
    columns = {}
    for name in table.columns:
        series = table[name]
        if series.dtype == object or str(series.dtype) in ("str", "string"):
            values = [None if _missing(v) else v for v in series.tolist()]
            if all(v is None or isinstance(v, str) for v in values):
                columns[str(name)] = pl.Series(str(name), values, dtype=pl.String)
            else:
                columns[str(name)] = pl.Series(
                    str(name), [None if v is None else str(v) for v in values]
                )
        else:
            columns[str(name)] = pl.from_pandas(series, nan_to_null=True)
    return pl.DataFrame(columns, nan_to_null=True)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _coerce(
    frame: pl.DataFrame, name: str, dtype: type[pl.DataType], source: str | None
) -> pl.Series:
    """Convert one column, or return nulls for a missing one; reject bad values."""
    if name not in frame.columns:
        return pl.Series(name, [None] * frame.height, dtype=dtype)
    series = frame[name]
    if series.dtype == pl.Null:
        return series.cast(dtype)
    if dtype == pl.String:
        return series.cast(pl.String)
    if series.dtype == pl.String:
        text = series.str.strip_chars()
        text = pl.select(
            pl.when(text.str.len_chars() == 0).then(None).otherwise(text)
        ).to_series()
        if dtype == pl.Boolean:
            lowered = text.str.to_lowercase()
            converted = pl.select(
                pl.when(lowered.is_in(list(_TRUE)))
                .then(True)
                .when(lowered.is_in(list(_FALSE)))
                .then(False)
                .otherwise(None)
            ).to_series()
        else:
            converted = text.cast(pl.Float64, strict=False)
            if dtype == pl.Int64:
                converted = converted.round(0).cast(pl.Int64)
        bad = converted.is_null() & text.is_not_null()
        if bad.any():
            position = int(bad.arg_true()[0])
            raise InputError(
                f"invalid value {text[position]!r}; expected {_expected(dtype)}",
                file=source,
                row=position + 2,
                column=name,
            )
        return converted.alias(name)
    if dtype == pl.Boolean and series.dtype.is_numeric():
        return (series != 0).alias(name)
    try:
        converted = series.cast(dtype, strict=True)
    except pl.exceptions.PolarsError:
        raise InputError(
            f"column of type {series.dtype} cannot be read as {_expected(dtype)}",
            file=source,
            column=name,
        ) from None
    if converted.dtype == pl.Float64:
        converted = converted.fill_nan(None)
    return converted.alias(name)


def _expected(dtype: type[pl.DataType]) -> str:
    if dtype == pl.Boolean:
        return "True or False"
    if dtype == pl.Int64:
        return "a whole number"
    return "a number"


def _created_at(frame: pl.DataFrame, source: str | None) -> pl.Series:
    series = frame["created_at"]
    if isinstance(series.dtype, pl.Datetime):
        if series.dtype.time_zone is None:  # type: ignore[union-attr]
            raise InputError(
                "created_at has no timezone; write it with a UTC offset",
                file=source,
                column="created_at",
            )
        return series.dt.convert_time_zone("UTC").alias("created_at")
    text = series.cast(pl.String)
    parsed = text.str.to_datetime(time_zone="UTC", strict=False, time_unit="us")
    bad = parsed.is_null()
    if bad.any():
        position = int(bad.arg_true()[0])
        raise InputError(
            f"invalid time {text[position]!r}; expected ISO 8601 with a UTC offset "
            "such as 2012-05-23T01:22:25+02:00",
            file=source,
            row=position + 2,
            column="created_at",
        )
    return parsed.alias("created_at")


def _with_dimensions(
    frame: pl.DataFrame, dimensions: Dimensions, source: str | None
) -> pl.DataFrame:
    expressions = []
    for dimension in DIMENSIONS:
        column = dimensions.column(dimension)
        expressions.append(pl.col(column).cast(pl.String).alias(dimension))
    frame = frame.with_columns(expressions)
    week = pl.col("created_at").dt.truncate("1w").dt.date().alias("week")
    # Formatting every creation time is the slowest step here, so it is skipped
    # when every ticket already has a month.
    if frame["month"].null_count() == 0:
        return frame.with_columns(week)
    # Months without a created_month column come from the creation time, in UTC.
    return frame.with_columns(
        pl.col("month").fill_null(pl.col("created_at").dt.strftime("%Y-%m")), week
    )


def _with_policy_types(
    frame: pl.DataFrame, policy: Policy | None
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Map inquiry-type values to policy ids through the types' labels."""
    if policy is None:
        return frame.with_columns(
            pl.lit(None, pl.Boolean).alias("inquiry_type_known")
        ), {}
    labels = policy.label_to_inquiry_type
    values = frame["inquiry_type"].drop_nulls().unique().to_list()
    mapping = {value: labels.get(value, value) for value in values}
    frame = frame.with_columns(
        pl.col("inquiry_type").replace_strict(
            mapping, default=None, return_dtype=pl.String
        ),
    ).with_columns(
        pl.when(pl.col("inquiry_type").is_null())
        .then(None)
        .otherwise(pl.col("inquiry_type").is_in(list(policy.inquiry_types_by_id)))
        .alias("inquiry_type_known")
    )
    counts = (
        frame.select("inquiry_type", "inquiry_type_known")
        .filter(~pl.col("inquiry_type_known"))
        .group_by("inquiry_type")
        .len()
        .sort(["len", "inquiry_type"], descending=[True, False])
    )
    return frame, dict(zip(counts["inquiry_type"], counts["len"], strict=True))


def _indicators(options: TicketOptions) -> list[pl.Expr]:
    """Return the 0/1 numerators (`_k`) and denominators (`_n`) that tables sum."""
    targets = options.targets
    business = targets.time == "business"
    first = pl.col("first_response_business_s" if business else "first_response_s")
    final = pl.col("final_resolution_business_s" if business else "final_resolution_s")
    resolved = pl.col("status").is_in(list(RESOLVED)).fill_null(False)
    open_s = pl.col("open_s")

    def past(threshold: float) -> pl.Expr:
        # An unresolved ticket has missed a calendar target once it has been
        # open longer. Business time of an open ticket is not in the table, so
        # with business targets such a ticket is left out as undecided.
        if business:
            return pl.lit(False)
        return (~resolved & (open_s > threshold)).fill_null(False)

    first_decided = first.is_not_null() | past(targets.first_response_s)
    final_decided = final.is_not_null() | past(targets.resolution_s)
    solved = pl.col("solved").fill_null(False)
    rank = pl.col("highest_tier_rank")
    satisfied = pl.col("csat") >= options.csat_satisfied_score

    def flag(expression: pl.Expr, name: str) -> pl.Expr:
        return expression.fill_null(False).cast(pl.UInt32).alias(name)

    return [
        flag(first_decided, "first_response_within_n"),
        flag(first <= targets.first_response_s, "first_response_within_k"),
        flag(final_decided, "resolved_within_n"),
        flag(final <= targets.resolution_s, "resolved_within_k"),
        flag(solved, "one_touch_n"),
        flag(solved & pl.col("one_touch"), "one_touch_k"),
        flag(pl.col("reopens").is_not_null(), "reopened_n"),
        flag(pl.col("reopens") > 0, "reopened_k"),
        # Escalations count only where the ticket's tiers are known: a log that
        # names no team shows 0 escalations, which would read as none happened.
        flag(pl.col("escalations").is_not_null() & rank.is_not_null(), "escalated_n"),
        flag((pl.col("escalations") > 0) & rank.is_not_null(), "escalated_k"),
        flag(rank.is_not_null(), "first_line_resolved_n"),
        flag(solved & (rank <= rank.min()), "first_line_resolved_k"),
        flag(pl.col("ping_pong").is_not_null(), "ping_pong_n"),
        flag(pl.col("ping_pong"), "ping_pong_k"),
        flag(pl.col("csat").is_not_null(), "csat_satisfied_n"),
        flag(satisfied, "csat_satisfied_k"),
        pl.col("paused_s").fill_null(0.0).alias("_paused_s"),
        pl.when(pl.col("paused_s").is_not_null())
        .then(open_s)
        .otherwise(None)
        .fill_null(0.0)
        .alias("_open_s"),
    ]


def columns_read(
    available: Sequence[str], options: TicketOptions, extra: Sequence[str] = ()
) -> list[str]:
    """Return the columns of `available` that the analytics read, in their order.

    Reading only these from a wide metrics file saves most of the reading time.
    """
    wanted = {
        "created_at",
        *_FLOATS,
        *_INTEGERS,
        *_BOOLEANS,
        *_TEXTS,
        *CSAT_COLUMNS,
        *options.dimensions.__dict__.values(),
        *extra,
    }
    if options.csat_column is not None:
        wanted.add(options.csat_column)
    return [name for name in available if name in wanted]
