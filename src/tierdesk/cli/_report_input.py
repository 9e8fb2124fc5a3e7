"""Input of the `report` and `recommend` commands: an event log or a metrics file.

With `--mapping`, SOURCE is an event log, imported and measured as `tierdesk
metrics` does. Without it, SOURCE is a per-ticket metrics file that `tierdesk
metrics --out` wrote, optionally with an events table (`--events`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import polars as pl

from tierdesk.analytics.frame import (
    Dimensions,
    Targets,
    TicketFrame,
    TicketOptions,
    columns_read,
)
from tierdesk.analytics.waits import EVENT_SCHEMA, events_frame
from tierdesk.cli.metrics import parse_now
from tierdesk.errors import InputError
from tierdesk.events import Event, EventKind
from tierdesk.policy.durations import parse_duration
from tierdesk.policy.model import Policy

_OWN_COLUMNS = frozenset({"inquiry_type", "channel", "segment", "priority"})
_METRICS_FILES = (".parquet", ".csv", ".jsonl", ".ndjson")


@dataclass(frozen=True)
class ReportInput:
    """Prepared tickets, their events when known, the policy and the evaluation time."""

    tickets: TicketFrame
    events: pl.DataFrame | None
    policy: Policy | None
    now: datetime
    source: str


def _duration(_: click.Context, __: click.Parameter, value: str) -> float:
    try:
        return parse_duration(value).total_seconds()
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _now(_: click.Context, __: click.Parameter, value: str | None) -> datetime | None:
    return parse_now(value)


_INPUT_OPTIONS: list[Callable[[Any], Any]] = [
    click.argument("source", type=click.Path(dir_okay=False, path_type=Path)),
    click.option(
        "--mapping",
        "mapping_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Mapping of the event log in SOURCE. Without it, SOURCE is a metrics "
        "file written by `tierdesk metrics --out` (.parquet, .csv or .jsonl).",
    ),
    click.option(
        "--policy",
        "policy_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Policy with inquiry types, teams, costs and recommendation thresholds.",
    ),
    click.option(
        "--events",
        "events_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Events table (.parquet or .csv with ticket_id, at, sequence, kind, "
        "actor, team, status, source_status) for a metrics-file SOURCE.",
    ),
    click.option(
        "--segment-attribute",
        default="segment",
        show_default=True,
        help="Event attribute that gives the segment, for an event log.",
    ),
    click.option(
        "--priority-attribute",
        default="priority",
        show_default=True,
        help="Event attribute that gives the priority, for an event log.",
    ),
    click.option(
        "--now",
        "now",
        callback=_now,
        help="Instant to evaluate open tickets at, ISO 8601 with offset [default: the "
        "last event, or the last creation time of a metrics file].",
    ),
    click.option(
        "--inquiry-type-column",
        default="inquiry_type",
        show_default=True,
        help="Metrics column that gives the inquiry type, such as attr_product.",
    ),
    click.option(
        "--segment-column",
        default="segment",
        show_default=True,
        help="Metrics column that gives the segment, such as attr_impact.",
    ),
    click.option(
        "--team-column",
        default="first_team",
        show_default=True,
        help="Metrics column that gives the team.",
    ),
    click.option(
        "--tier-column",
        default="first_tier",
        show_default=True,
        help="Metrics column that gives the tier.",
    ),
    click.option(
        "--channel-column",
        default="channel",
        show_default=True,
        help="Metrics column that gives the channel.",
    ),
    click.option(
        "--csat-column",
        help="Column of CSAT ratings from 1 to 5 [default: csat, attr_csat or "
        "attr_score, whichever exists; for an event log, the csat_rated events' "
        "score].",
    ),
    click.option(
        "--first-response-target",
        "first_response_target",
        default="8h",
        show_default=True,
        callback=_duration,
        help="Threshold of the first-response attainment share, such as 8h or 1d.",
    ),
    click.option(
        "--resolution-target",
        "resolution_target",
        default="24h",
        show_default=True,
        callback=_duration,
        help="Threshold of the resolution attainment share, such as 24h.",
    ),
    click.option(
        "--time",
        "time_kind",
        type=click.Choice(["calendar", "business"]),
        default="calendar",
        show_default=True,
        help="Measure the thresholds in calendar time or in business time (business "
        "time needs --policy).",
    ),
    click.option(
        "--min-n",
        default=30,
        show_default=True,
        type=click.IntRange(1),
        help="Groups and shares with fewer tickets than this are marked.",
    ),
]


def input_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add the SOURCE argument and the input options shared by the commands."""
    for option in reversed(_INPUT_OPTIONS):
        function = option(function)
    return function


def load_input(extra_columns: tuple[str, ...] = (), **values: Any) -> ReportInput:
    """Read SOURCE as the input options set and prepare the tickets.

    `extra_columns` are metrics columns the caller groups by, beyond the
    dimensions; a metrics file is read for those and the ones the report uses.
    """
    from tierdesk.analytics.frame import prepare_tickets
    from tierdesk.policy import load_policy

    source: Path = values["source"]
    policy_path = values["policy_path"]
    policy = load_policy(policy_path).policy if policy_path is not None else None
    if values["time_kind"] == "business" and policy is None:
        raise InputError("--time business needs --policy, which gives the calendars")
    options = TicketOptions(
        dimensions=Dimensions(
            inquiry_type=values["inquiry_type_column"],
            segment=values["segment_column"],
            team=values["team_column"],
            tier=values["tier_column"],
            channel=values["channel_column"],
        ),
        targets=Targets(
            first_response_s=values["first_response_target"],
            resolution_s=values["resolution_target"],
            time=values["time_kind"],
        ),
        csat_column=values["csat_column"],
    )
    if values["mapping_path"] is not None:
        if values["events_path"] is not None:
            raise InputError("--events applies to a metrics file; drop --mapping or it")
        table, events, csat, now = _measure_log(source, policy, values)
    else:
        table = _read_metrics(source, options, extra_columns)
        csat = None
        events = (
            _read_events(values["events_path"])
            if values["events_path"] is not None
            else None
        )
        now = values["now"] or _last_time(table, events, source)
    tickets = prepare_tickets(
        table,
        policy=policy,
        options=options,
        source=str(source),
        csat=csat if options.csat_column is None else None,
    )
    return ReportInput(tickets, events, policy, now, str(source))


def _measure_log(
    source: Path, policy: Policy | None, values: dict[str, Any]
) -> tuple[Any, pl.DataFrame, dict[str, float] | None, datetime]:
    from tierdesk.events import check_named_fields, group_by_ticket
    from tierdesk.importers import import_event_log, load_mapping
    from tierdesk.metrics import MetricsOptions, compute_metrics

    mapping = load_mapping(values["mapping_path"])
    imported = import_event_log(source, mapping)
    if not imported.events:
        raise InputError("the log has no events to measure", file=source)
    named_attributes = {
        "--segment-attribute": ("segment", values["segment_attribute"]),
        "--priority-attribute": ("priority", values["priority_attribute"]),
    }
    check_named_fields(
        imported.events,
        named_attributes,
        file=source,
    )
    histories = group_by_ticket(imported.events)
    now = values["now"] or max(event.at for event in imported.events)
    options = MetricsOptions(
        segment_attribute=values["segment_attribute"],
        priority_attribute=values["priority_attribute"],
        attributes=[
            name for name in mapping.columns.attributes if name not in _OWN_COLUMNS
        ],
        pause_source_statuses=mapping.pause_statuses or None,
    )
    result = compute_metrics(histories, now, policy=policy, options=options)
    events = events_frame(event for history in histories.values() for event in history)
    return result.frame, events, _ratings(histories), now


def _ratings(histories: dict[str, list[Event]]) -> dict[str, float] | None:
    """Return each ticket's latest CSAT score from its csat_rated events, if any."""
    ratings: dict[str, float] = {}
    for ticket, history in histories.items():
        for event in history:
            if event.kind == EventKind.CSAT_RATED:
                score = event.attributes.get("score")
                try:
                    ratings[ticket] = float(score)
                except (TypeError, ValueError):
                    continue
    return ratings or None


def _read_metrics(
    path: Path, options: TicketOptions, extra: tuple[str, ...]
) -> pl.DataFrame:
    suffix = path.suffix.lower()
    if suffix not in _METRICS_FILES:
        raise InputError(
            f"unsupported metrics file type {suffix or '(none)'!r}; expected one of "
            f"{', '.join(_METRICS_FILES)}, or pass --mapping for an event log",
            file=path,
        )
    if not path.is_file():
        raise InputError("file not found", file=path)
    try:
        if suffix == ".parquet":
            available = list(pl.read_parquet_schema(path))
            frame = pl.read_parquet(
                path, columns=columns_read(available, options, extra)
            )
        elif suffix == ".csv":
            frame = pl.read_csv(path, infer_schema=False)
        else:
            frame = pl.read_ndjson(path, infer_schema_length=None)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(f"cannot read the metrics file: {exc}", file=path) from None
    if frame.height == 0:
        raise InputError("the metrics file has no tickets", file=path)
    return frame


def _read_events(path: Path) -> pl.DataFrame:
    if not path.is_file():
        raise InputError("file not found", file=path)
    try:
        if path.suffix.lower() == ".parquet":
            frame = pl.read_parquet(path)
        else:
            frame = pl.read_csv(path, infer_schema=False)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(f"cannot read the events table: {exc}", file=path) from None
    missing = [name for name in EVENT_SCHEMA if name not in frame.columns]
    if missing:
        raise InputError(
            f"missing columns {', '.join(missing)}; expected {', '.join(EVENT_SCHEMA)}",
            file=path,
        )
    if frame["at"].dtype == pl.String:
        frame = frame.with_columns(
            pl.col("at").str.to_datetime(time_zone="UTC", time_unit="us")
        )
    # Dictionary-encoded text stays so, which the wait analysis reads faster.
    kept = {
        name: frame.schema[name] if frame.schema[name] == pl.Categorical else dtype
        for name, dtype in EVENT_SCHEMA.items()
    }
    try:
        return frame.select(pl.col(name).cast(dtype) for name, dtype in kept.items())
    except pl.exceptions.PolarsError as exc:
        raise InputError(f"invalid events table: {exc}", file=path) from None


def _last_time(
    table: pl.DataFrame, events: pl.DataFrame | None, source: Path
) -> datetime:
    if events is not None and events.height:
        return events["at"].max()  # type: ignore[return-value]
    created = table["created_at"]
    if created.dtype == pl.String:
        created = created.str.to_datetime(time_zone="UTC", strict=False)
    latest = created.max()
    if latest is None:
        raise InputError("no creation time in the metrics file", file=source)
    return latest if latest.tzinfo else latest.replace(tzinfo=UTC)  # type: ignore[union-attr]
