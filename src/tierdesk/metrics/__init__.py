"""Per-ticket metrics from event histories, and their summary.

`compute_metrics` returns one row per ticket in the columns of `COLUMNS`;
`summarise` and `render_summary` condense the table. `docs/metrics.md` defines
every column.
"""

from tierdesk.metrics.columns import ATTRIBUTE_PREFIX, COLUMN_NAMES, COLUMNS
from tierdesk.metrics.sequence import OneTouchRule
from tierdesk.metrics.summary import (
    DurationStats,
    MetricsSummary,
    TargetShare,
    render_summary,
    summarise,
)
from tierdesk.metrics.table import MetricsOptions, TicketMetrics, compute_metrics

__all__ = [
    "ATTRIBUTE_PREFIX",
    "COLUMNS",
    "COLUMN_NAMES",
    "DurationStats",
    "MetricsOptions",
    "MetricsSummary",
    "OneTouchRule",
    "TargetShare",
    "TicketMetrics",
    "compute_metrics",
    "render_summary",
    "summarise",
]
