"""Text for figures: shares, intervals, counts and durations, with n/a for none."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tierdesk.analytics.frame import Targets

NOT_AVAILABLE = "n/a"


def _absent(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def percent(value: float | None, digits: int = 1) -> str:
    """Format a fraction as a percentage; None (no denominator) is n/a, never 0%."""
    if _absent(value):
        return NOT_AVAILABLE
    return f"{value * 100:.{digits}f}%"


def share_cell(
    value: float | None,
    low: float | None,
    high: float | None,
    n: int,
    min_n: int,
) -> str:
    """Format a share with its interval and n; a trailing * marks n below min_n."""
    marker = "*" if n < min_n else ""
    if _absent(value):
        return f"{NOT_AVAILABLE} (n=0)"
    interval = f"[{low * 100:.1f}-{high * 100:.1f}]"
    return f"{percent(value)} {interval} n={n:,}{marker}"


def points(change: float | None) -> str:
    """Format a change of a share in percentage points, with its sign."""
    if _absent(change):
        return NOT_AVAILABLE
    return f"{change * 100:+.2f} pp"


def target_titles(targets: Targets) -> dict[str, str]:
    """Name the attainment shares with their thresholds, such as "within 8 h".

    The report's thresholds are fixed durations, not the policy's SLA targets
    that `tierdesk metrics` checks, so the titles state them.
    """
    unit = "business h" if targets.time == "business" else "h"
    first = f"{targets.first_response_s / 3600:g} {unit}"
    resolution = f"{targets.resolution_s / 3600:g} {unit}"
    return {
        "first_response_within": f"First response within {first}",
        "resolved_within": f"Resolved within {resolution}",
    }


def hours(seconds: float | None) -> str:
    if _absent(seconds):
        return NOT_AVAILABLE
    return f"{seconds / 3600:.1f} h"


def number(value: float | None, digits: int = 2) -> str:
    if _absent(value):
        return NOT_AVAILABLE
    return f"{value:,.{digits}f}"


def money(value: float | None) -> str:
    if _absent(value):
        return NOT_AVAILABLE
    return f"{value:+,.0f}" if value else "0"


def label(value: object) -> str:
    """Return a group key as text; a missing key is shown as (none)."""
    return "(none)" if value is None else str(value)
