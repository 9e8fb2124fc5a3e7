"""Analytics over per-ticket metrics: group tables, recommendations and the report.

`prepare_tickets` turns a metrics table into the ticket frame, and
`group_table` aggregates it by any dimensions. `recommend` decides which
inquiry types move between vendor and in-house teams. `build_report` computes
every section, and `render_html` draws it as one self-contained page.
`docs/metrics.md` defines each figure.
"""

from tierdesk.analytics.candidate import Candidate, Move, build_candidate, moves_of
from tierdesk.analytics.deflection import Deflection, estimate_deflection
from tierdesk.analytics.flows import ping_pong_pairs, tier_flow
from tierdesk.analytics.frame import (
    DIMENSIONS,
    Dimensions,
    Targets,
    TicketFrame,
    TicketOptions,
    prepare_tickets,
)
from tierdesk.analytics.html import render_html
from tierdesk.analytics.intervals import wilson_interval
from tierdesk.analytics.recommend import Recommendation, Recommendations, recommend
from tierdesk.analytics.report import Report, ReportOptions, build_report
from tierdesk.analytics.routes import RoutedTickets, route_tickets
from tierdesk.analytics.tables import GroupTable, group_table, overall_table
from tierdesk.analytics.trends import (
    DriverTrends,
    benjamini_hochberg,
    driver_trends,
    trend_test,
)
from tierdesk.analytics.waits import (
    events_frame,
    status_periods,
    summarise_waits,
    wait_periods,
)

__all__ = [
    "DIMENSIONS",
    "Candidate",
    "Deflection",
    "Dimensions",
    "DriverTrends",
    "GroupTable",
    "Move",
    "Recommendation",
    "Recommendations",
    "Report",
    "ReportOptions",
    "RoutedTickets",
    "Targets",
    "TicketFrame",
    "TicketOptions",
    "benjamini_hochberg",
    "build_candidate",
    "build_report",
    "driver_trends",
    "estimate_deflection",
    "events_frame",
    "group_table",
    "moves_of",
    "overall_table",
    "ping_pong_pairs",
    "prepare_tickets",
    "recommend",
    "render_html",
    "route_tickets",
    "status_periods",
    "summarise_waits",
    "tier_flow",
    "trend_test",
    "wait_periods",
    "wilson_interval",
]
