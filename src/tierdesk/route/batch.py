"""Batch routing: tickets from a table through segment, classify and route.

This module turns table rows into tickets, counts what it skips and why, and
returns decisions with a summary. Reading files, storing rows and printing
belong to the caller.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tierdesk.classify.parallel import ProcessPredictor
from tierdesk.classify.predict import InquiryPredictor
from tierdesk.errors import InputError
from tierdesk.io.tables import Table
from tierdesk.route.decision import Decision
from tierdesk.route.router import Router
from tierdesk.segment import SegmentMatch
from tierdesk.ticket import Ticket

# Tickets classified per call; bounds memory and paces the progress bar.
BATCH_SIZE = 4096
# The --id-column value that makes ids from the file name and row number, for
# exports without a ticket id.
ROW_ID = "@row"
# Row numbers listed per skip or warning reason in the summary.
SAMPLE_ROWS = 5


@dataclass(frozen=True)
class TicketColumns:
    """Input column of each ticket field; None means the field is absent."""

    id: str = "id"
    text: tuple[str, ...] = ("subject", "body")
    account: str | None = "account_id"
    channel: str | None = "channel"
    language: str | None = "language"
    priority: str | None = "priority"
    created_at: str | None = "created_at"


@dataclass
class Tally:
    """Counts of rows skipped or warned about, by reason, with sample row numbers."""

    counts: Counter[str] = field(default_factory=Counter)
    rows: dict[str, list[int]] = field(default_factory=dict)

    def add(self, reason: str, row: int) -> None:
        self.counts[reason] += 1
        sample = self.rows.setdefault(reason, [])
        if len(sample) < SAMPLE_ROWS:
            sample.append(row)

    def lines(self) -> list[str]:
        return [
            f"{reason}: {count} (rows {', '.join(map(str, self.rows[reason]))}"
            f"{', ...' if count > len(self.rows[reason]) else ''})"
            for reason, count in self.counts.most_common()
        ]


@dataclass
class RoutingSummary:
    tickets: int
    by_tier: Counter[str]
    by_team: Counter[str]
    by_segment: Counter[str]
    vendor_share: float
    triage_share: float
    skipped: Tally
    warnings: Tally


@dataclass
class BatchResult:
    tickets: list[Ticket]
    decisions: list[Decision]
    summary: RoutingSummary


def tickets_from_table(
    table: Table, columns: TicketColumns, skipped: Tally, warnings: Tally
) -> tuple[list[Ticket], list[int]]:
    """Build tickets from rows; return them with their row numbers.

    Rows without an id or text, and repeats of an id already seen, are skipped
    and counted. Optional columns that are absent are simply not used.
    """
    if columns.id != ROW_ID:
        table.require([columns.id], "--id-column")
    table.require(columns.text, "--text")
    present = set(table.columns)

    def optional(name: str | None) -> list[str] | None:
        return table.text(name) if name and name in present else None

    if columns.id == ROW_ID:
        stem = Path(table.path).stem
        ids = [f"{stem}-{table.row_number(i)}" for i in range(len(table))]
    else:
        ids = table.text(columns.id)
    texts = [table.text(c) for c in columns.text]
    accounts = optional(columns.account)
    channels = optional(columns.channel)
    languages = optional(columns.language)
    priorities = optional(columns.priority)
    created = optional(columns.created_at)

    tickets: list[Ticket] = []
    rows: list[int] = []
    seen: set[str] = set()
    for position, ticket_id in enumerate(ids):
        row = table.row_number(position)
        ticket_id = ticket_id.strip()
        if not ticket_id:
            skipped.add("no ticket id", row)
            continue
        if ticket_id in seen:
            skipped.add("duplicate ticket id", row)
            continue
        parts = [column[position].strip() for column in texts]
        if not any(parts):
            skipped.add("no text", row)
            continue
        seen.add(ticket_id)
        created_at = None
        if created is not None and created[position].strip():
            created_at = _parse_time(
                created[position], table.path, row, columns.created_at
            )
            if created_at is None:
                warnings.add("created_at without a UTC offset, left empty", row)
        tickets.append(
            Ticket(
                id=ticket_id,
                subject=parts[0],
                body="\n".join(p for p in parts[1:] if p),
                channel=_value(channels, position),
                language=_value(languages, position),
                priority=_value(priorities, position),
                account_id=_value(accounts, position),
                created_at=created_at,
            )
        )
        rows.append(row)
    return tickets, rows


def _value(column: list[str] | None, position: int) -> str | None:
    if column is None:
        return None
    return column[position].strip() or None


def _parse_time(text: str, file: str, row: int, column: str | None) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"invalid timestamp {text!r}; expected ISO 8601 such as "
            "2024-03-01T09:30:00+01:00",
            file=file,
            row=row,
            column=column,
        ) from None
    return value if value.tzinfo is not None else None


def route_tickets(
    tickets: Sequence[Ticket],
    rows: Sequence[int],
    router: Router,
    predictor: InquiryPredictor | ProcessPredictor,
    accounts: Mapping[str, Mapping[str, Any]],
    *,
    skipped: Tally,
    warnings: Tally,
    progress: Callable[[int], None] | None = None,
) -> BatchResult:
    """Classify and route tickets in batches; return decisions and a summary."""
    known_priorities = set(router.policy.priorities)
    decisions: list[Decision] = []
    # Many tickets share an account, so each account is segmented once.
    segments: dict[str | None, SegmentMatch] = {}
    starts = range(0, len(tickets), BATCH_SIZE)
    chunks = ([t.text for t in tickets[s : s + BATCH_SIZE]] for s in starts)
    for start, predictions in zip(starts, predictor.predict_chunks(chunks), strict=True):
        batch = tickets[start : start + BATCH_SIZE]
        for offset, (ticket, prediction) in enumerate(
            zip(batch, predictions, strict=True)
        ):
            row = rows[start + offset]
            attributes = None
            if ticket.account_id is not None:
                attributes = accounts.get(ticket.account_id)
                if attributes is None and accounts:
                    warnings.add(
                        "account not in the accounts file, default segment", row
                    )
            if ticket.priority is not None and ticket.priority not in known_priorities:
                warnings.add("unknown priority, policy default used", row)
            match = segments.get(ticket.account_id)
            if match is None:
                match = segments[ticket.account_id] = router.segment(attributes)
            decisions.append(router.decide(ticket, attributes, prediction, match))
        if progress is not None:
            progress(len(batch))
    return BatchResult(
        list(tickets), decisions, summarize(decisions, skipped, warnings)
    )


def summarize(
    decisions: Sequence[Decision], skipped: Tally, warnings: Tally
) -> RoutingSummary:
    total = len(decisions)
    vendor = sum(1 for d in decisions if d.team_kind == "vendor" and not d.triage)
    triage = sum(1 for d in decisions if d.triage)
    return RoutingSummary(
        tickets=total,
        by_tier=Counter(d.tier for d in decisions),
        by_team=Counter(d.team for d in decisions),
        by_segment=Counter(d.segment for d in decisions),
        vendor_share=vendor / total if total else 0.0,
        triage_share=triage / total if total else 0.0,
        skipped=skipped,
        warnings=warnings,
    )
