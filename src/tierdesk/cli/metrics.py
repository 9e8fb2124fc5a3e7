"""The `metrics` command: per-ticket metrics and SLA clocks of an event log."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from tierdesk.calendar import MAX_YEAR, MIN_YEAR
from tierdesk.cli import cli, columns_option, console
from tierdesk.errors import InputError
from tierdesk.importers._timestamps import in_calendar_range

# Event attributes that have columns of their own in the metrics table.
_OWN_COLUMNS = frozenset({"inquiry_type", "channel", "segment", "priority"})


def parse_now(value: str | None) -> datetime | None:
    """Parse the --now option: an ISO 8601 instant with a UTC offset, or None."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"invalid time {value!r}; expected ISO 8601 such as "
            "2024-03-04T17:00:00+01:00",
            param_hint="'--now'",
        ) from None
    if moment.tzinfo is None:
        raise click.BadParameter(
            f"time {value!r} has no UTC offset; add one such as +00:00",
            param_hint="'--now'",
        )
    if not in_calendar_range(moment):
        raise click.BadParameter(
            f"time {value!r} is outside the years {MIN_YEAR}-{MAX_YEAR} that "
            "business calendars cover",
            param_hint="'--now'",
        )
    return moment


@cli.command()
@click.argument("eventlog", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    "mapping_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Mapping file that defines how the log's columns and statuses become events.",
)
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Policy with the calendars, targets and tier ranks. Without it, times are "
    "calendar time and no targets apply.",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write one row per ticket here: .csv, .jsonl or .parquet.",
)
@click.option(
    "--sla-policy",
    "sla_policy",
    help="SLA policy id for tickets that name none [default: the default routing "
    "rule's].",
)
@click.option(
    "--segment-attribute",
    default="segment",
    show_default=True,
    help="Event attribute that gives the segment.",
)
@click.option(
    "--priority-attribute",
    default="priority",
    show_default=True,
    help="Event attribute that gives the priority, matched to the policy's "
    "priorities ignoring case.",
)
@click.option(
    "--tier-order",
    help="Comma-separated tiers, lowest first, that rank tiers instead of the "
    "policy's ranks.",
)
@click.option(
    "--now",
    "now_text",
    help="Instant to evaluate open tickets at, ISO 8601 with offset [default: the "
    "log's last event].",
)
@click.option(
    "--one-touch-max-replies",
    default=1,
    show_default=True,
    type=click.IntRange(0),
    help="Most public agent replies a one-touch ticket may have.",
)
@click.option(
    "--one-touch-allow-transfers",
    is_flag=True,
    help="Count tickets moved to another team as one-touch too.",
)
@click.option(
    "--one-touch-allow-reopens",
    is_flag=True,
    help="Count reopened tickets as one-touch too.",
)
def metrics(
    eventlog: Path,
    mapping_path: Path,
    policy_path: Path | None,
    out_path: Path | None,
    sla_policy: str | None,
    segment_attribute: str,
    priority_attribute: str,
    tier_order: str | None,
    now_text: str | None,
    one_touch_max_replies: int,
    one_touch_allow_transfers: bool,
    one_touch_allow_reopens: bool,
) -> None:
    """Compute SLA clocks and metrics of every ticket in EVENTLOG and summarise them."""
    from tierdesk.events import check_named_fields, group_by_ticket
    from tierdesk.importers import import_event_log, load_mapping
    from tierdesk.io.tables import check_writable, write_records
    from tierdesk.metrics import (
        MetricsOptions,
        OneTouchRule,
        compute_metrics,
        render_summary,
        summarise,
    )
    from tierdesk.policy import load_policy

    now = parse_now(now_text)
    if out_path is not None:
        check_writable(out_path)
    mapping = load_mapping(mapping_path)
    policy = load_policy(policy_path).policy if policy_path is not None else None
    known = policy.sla_policies_by_id if policy is not None else {}
    if policy is not None and sla_policy is not None and sla_policy not in known:
        raise InputError(
            f"--sla-policy: unknown SLA policy {sla_policy!r}; expected one of: "
            f"{', '.join(known)}",
            file=policy_path,
        )
    imported = import_event_log(eventlog, mapping)
    if not imported.events:
        raise InputError("the log has no events to measure", file=eventlog)
    named_attributes = {
        "--segment-attribute": ("segment", segment_attribute),
        "--priority-attribute": ("priority", priority_attribute),
    }
    check_named_fields(
        imported.events,
        named_attributes,
        file=eventlog,
    )
    histories = group_by_ticket(imported.events)
    if now is None:
        now = max(event.at for event in imported.events)
    options = MetricsOptions(
        one_touch=OneTouchRule(
            max_public_replies=one_touch_max_replies,
            allow_transfers=one_touch_allow_transfers,
            allow_reopens=one_touch_allow_reopens,
        ),
        tier_order=columns_option(tier_order) if tier_order else None,
        segment_attribute=segment_attribute,
        priority_attribute=priority_attribute,
        attributes=[
            name for name in mapping.columns.attributes if name not in _OWN_COLUMNS
        ],
        pause_source_statuses=mapping.pause_statuses or None,
    )
    result = compute_metrics(
        histories, now, policy=policy, sla_policy=sla_policy, options=options
    )
    if out_path is not None:
        frame = result.frame.astype(object).where(result.frame.notna(), None)
        write_records(frame.to_dict("records"), out_path, list(frame.columns))

    report = imported.report
    problems = list(report.problems())
    zone = mapping.timestamps.zone
    if zone is not None:
        local = _count_local_times(imported.events, zone)
        if local:
            problems.append(
                f"{local} event times had no UTC offset and were read in "
                f"{zone.key} (timestamps.timezone of the mapping)"
            )
    console.print(
        f"{eventlog}: {report.records_read:,} records, {report.events_emitted:,} "
        f"events, {report.cases:,} cases; evaluated at {now.isoformat()}"
    )
    for line in render_summary(summarise(result), result, problems):
        console.print(line)
    if out_path is not None:
        console.print(f"metrics written to {out_path}")


def _count_local_times(events: list, zone: ZoneInfo) -> int:
    """Count events whose time was read without an offset, in the mapping's zone."""
    return sum(1 for event in events if event.at.tzinfo is zone)
