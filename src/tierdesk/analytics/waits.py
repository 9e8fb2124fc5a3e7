"""Wait statuses: how often tickets are put in each, by which agent, and for how long.

A status period starts at an event whose raw status (`source_status`) differs
from the ticket's previous one, and ends at the ticket's next raw-status change,
or at `now` when there is none (the period is still open). A wait period is the
period of a wait status. The agent who set it is the event's actor, and the team
the one holding the ticket then. By default the wait statuses are the raw
statuses that map to `pending` or `on_hold`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import polars as pl

from tierdesk.analytics.intervals import Z_95, wilson_exprs
from tierdesk.events import Event

EVENT_SCHEMA = {
    "ticket_id": pl.String,
    "at": pl.Datetime("us", "UTC"),
    "sequence": pl.Int64,
    "kind": pl.String,
    "actor": pl.String,
    "team": pl.String,
    "status": pl.String,
    "source_status": pl.String,
}
WAITING = ("pending", "on_hold")
FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)


def events_frame(events: Iterable[Event]) -> pl.DataFrame:
    """Return events as a table in `EVENT_SCHEMA`, times in UTC."""
    columns: dict[str, list] = {name: [] for name in EVENT_SCHEMA}
    for event in events:
        columns["ticket_id"].append(event.ticket_id)
        columns["at"].append(event.at.astimezone(UTC))
        columns["sequence"].append(event.sequence)
        columns["kind"].append(str(event.kind))
        columns["actor"].append(event.actor)
        columns["team"].append(event.team)
        columns["status"].append(str(event.status) if event.status else None)
        columns["source_status"].append(event.source_status)
    return pl.DataFrame(columns, schema=EVENT_SCHEMA)


def ordered_events(events: pl.DataFrame) -> pl.DataFrame:
    """Return events grouped by ticket in time order, sorting only when needed.

    Logs and importers already write each ticket's events together and in
    order, and checking that is much cheaper than sorting millions of rows.
    """
    starts = events.select(
        (pl.col("ticket_id") != pl.col("ticket_id").shift(1))
        .fill_null(True)
        .alias("start")
    )["start"]
    same = ~starts
    earlier = (pl.col("at") < pl.col("at").shift(1)) | (
        (pl.col("at") == pl.col("at").shift(1))
        & (pl.col("sequence") < pl.col("sequence").shift(1))
    )
    unordered = events.select((earlier.fill_null(False) & same).any()).item()
    block_ids = events["ticket_id"].filter(starts)
    if unordered or block_ids.n_unique() != block_ids.len():
        return events.sort(["ticket_id", "at", "sequence"], maintain_order=True)
    return events


def wait_statuses(periods: pl.DataFrame) -> list[str]:
    """Return the raw statuses of `status_periods` that map to a waiting status."""
    waiting = periods.filter(pl.col("waiting"))["status"].drop_nulls().unique()
    return sorted(waiting.cast(pl.String).to_list())


def status_periods(events: pl.DataFrame, now: datetime) -> pl.DataFrame:
    """Return one row per raw-status period of every ticket, with its length.

    Columns: ticket_id, status, waiting (its canonical status is pending or
    on_hold), actor (who set it), team, started_at, open (no later change yet,
    so it runs until `now`) and seconds.
    """
    # Comparing dictionary codes is several times faster than comparing text
    # over millions of events.
    events = ordered_events(
        events.with_columns(
            pl.col(name).cast(pl.Categorical)
            for name in ("ticket_id", "actor", "team", "status", "source_status")
            if events.schema[name] == pl.String
        )
    )
    new_ticket = (pl.col("ticket_id") != pl.col("ticket_id").shift(1)).fill_null(True)
    changed = new_ticket | pl.col("source_status").ne_missing(
        pl.col("source_status").shift(1)
    )
    points = events.select(
        "ticket_id", "at", "actor", "team", "status", "source_status"
    ).filter(changed)
    same_next = (pl.col("ticket_id") == pl.col("ticket_id").shift(-1)).fill_null(False)
    moment = pl.lit(now.astimezone(UTC)).cast(pl.Datetime("us", "UTC"))
    ended = pl.when(same_next).then(pl.col("at").shift(-1)).otherwise(None)
    return points.with_columns(ended.alias("ended_at")).select(
        "ticket_id",
        pl.col("source_status").alias("status"),
        pl.col("status").is_in(list(WAITING)).alias("waiting"),
        "actor",
        "team",
        pl.col("at").alias("started_at"),
        pl.col("ended_at").is_null().alias("open"),
        (
            (
                pl.col("ended_at").fill_null(moment) - pl.col("at")
            ).dt.total_microseconds()
            / 1e6
        )
        .clip(lower_bound=0.0)
        .alias("seconds"),
    )


def wait_periods(periods: FrameT, statuses: Collection[str]) -> FrameT:
    """Return the periods of the given raw statuses."""
    return periods.filter(pl.col("status").is_in(list(statuses)))


@dataclass(frozen=True)
class WaitReport:
    """Wait periods summarised by status, by agent and by team."""

    statuses: list[str]
    by_status: pl.DataFrame
    by_actor: pl.DataFrame
    by_team: pl.DataFrame


def summarise_waits(
    periods: pl.DataFrame,
    statuses: Collection[str],
    total_tickets: int,
    *,
    top: int = 15,
    z: float = Z_95,
) -> WaitReport:
    """Summarise the wait periods among `periods` by status, agent and team.

    Status shares are of all tickets. An agent's share is of the raw-status
    changes the agent made that put a ticket in that wait.
    """
    changes = (
        periods.lazy()
        .drop_nulls("actor")
        .group_by("actor")
        .agg(pl.len().alias("status_changes"))
    )
    # The tables share one filtered frame and are computed in one parallel pass.
    waiting = wait_periods(periods.lazy(), statuses).cache()
    durations = [
        pl.len().alias("periods"),
        pl.col("ticket_id").n_unique().alias("tickets"),
        (pl.col("seconds").median() / 3600).alias("median_hours"),
        (pl.col("seconds").quantile(0.9, interpolation="linear") / 3600).alias(
            "p90_hours"
        ),
        (pl.col("seconds").sum() / 3600).alias("total_hours"),
        pl.col("open").sum().alias("open_periods"),
    ]
    by_status = (
        waiting.group_by("status")
        .agg(durations)
        .with_columns(
            wilson_exprs(pl.col("tickets"), pl.lit(total_tickets), "ticket_share", z)
        )
        .sort(["periods", "status"], descending=[True, False])
    )
    by_actor = (
        waiting.group_by("status", "actor")
        .agg(durations)
        .join(changes, on="actor", how="left")
        .with_columns(
            wilson_exprs(
                pl.col("periods"),
                pl.col("status_changes").fill_null(0),
                "share_of_changes",
                z,
            )
        )
        .sort(["status", "periods", "actor"], descending=[False, True, False])
        .group_by("status", maintain_order=True)
        .head(top)
    )
    by_team = (
        waiting.group_by("status", "team")
        .agg(durations)
        .sort(["status", "periods", "team"], descending=[False, True, False])
        .group_by("status", maintain_order=True)
        .head(top)
    )
    as_text = [pl.col(name).cast(pl.String) for name in ("status", "actor", "team")]
    found, by_status, by_actor, by_team = pl.collect_all(
        [
            waiting.select(pl.col("status").unique()),
            by_status.with_columns(as_text[0]),
            by_actor.with_columns(as_text[:2]),
            by_team.with_columns(as_text[0], as_text[2]),
        ]
    )
    chosen = sorted(found["status"].to_list())
    return WaitReport([str(status) for status in chosen], by_status, by_actor, by_team)
