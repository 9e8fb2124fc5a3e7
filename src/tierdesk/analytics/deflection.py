"""Deflection estimate: tickets that self-service could have resolved.

A type counts when the policy names help-center articles for it
(`help_center_articles`), it has at least `min_tickets` tickets, and its
one-touch share reaches `deflection_min_one_touch`. Its deflectable tickets are
its one-touch tickets: they needed one answer and no other team, so an article
could have given that answer. Tickets that needed more are not counted. This is
an upper estimate of what articles could absorb, not a measured deflection.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from tierdesk.analytics.tables import GroupTable
from tierdesk.policy.model import Policy


@dataclass(frozen=True)
class Deflection:
    """Per-type deflection rows and the total estimate."""

    frame: pl.DataFrame
    deflectable_tickets: int
    total_tickets: int
    min_one_touch: float
    # Inquiry types of the policy that name help-center articles.
    covered_types: int = 0

    @property
    def deflectable_share(self) -> float | None:
        if self.total_tickets == 0:
            return None
        return self.deflectable_tickets / self.total_tickets


def estimate_deflection(types: GroupTable, policy: Policy) -> Deflection:
    """Estimate per inquiry type; rows cover the policy's types found in the data."""
    settings = policy.recommendations
    threshold = settings.deflection_min_one_touch
    rows = []
    figures = {row["inquiry_type"]: row for row in types.frame.iter_rows(named=True)}
    for inquiry_type in policy.inquiry_types:
        row = figures.get(inquiry_type.id)
        if row is None:
            continue
        articles = len(inquiry_type.help_center_articles)
        share = row["one_touch"]
        enough = row["tickets"] >= settings.min_tickets
        high = share is not None and share >= threshold
        deflectable = articles > 0 and enough and high
        if deflectable:
            note = "covered, one-touch share at or above the threshold"
        elif articles == 0 and enough and high:
            note = "no help-center article, though one-touch share is high"
        elif articles == 0:
            note = "no help-center article"
        elif not enough:
            note = f"fewer than {settings.min_tickets} tickets"
        elif share is None:
            note = "no solved tickets"
        else:
            note = "one-touch share below the threshold"
        rows.append(
            {
                "inquiry_type": inquiry_type.id,
                "tickets": row["tickets"],
                "help_center_articles": articles,
                "one_touch": share,
                "one_touch_low": row["one_touch_low"],
                "one_touch_high": row["one_touch_high"],
                "one_touch_n": row["one_touch_n"],
                "deflectable": deflectable,
                "deflectable_tickets": row["one_touch_count"] if deflectable else 0,
                "note": note,
            }
        )
    schema = {
        "inquiry_type": pl.String,
        "tickets": pl.Int64,
        "help_center_articles": pl.Int64,
        "one_touch": pl.Float64,
        "one_touch_low": pl.Float64,
        "one_touch_high": pl.Float64,
        "one_touch_n": pl.Int64,
        "deflectable": pl.Boolean,
        "deflectable_tickets": pl.Int64,
        "note": pl.String,
    }
    frame = pl.DataFrame(rows, schema=schema, orient="row").sort(
        ["deflectable_tickets", "tickets"], descending=True
    )
    return Deflection(
        frame=frame,
        deflectable_tickets=int(frame["deflectable_tickets"].sum()),
        total_tickets=types.total_tickets,
        min_one_touch=threshold,
        covered_types=sum(1 for t in policy.inquiry_types if t.help_center_articles),
    )
