"""Time the full report over a large SYNTHETIC ticket set against a straightforward
pandas implementation of the same tables, in the same run.

The data come from `benchmarks/synthetic_report_logs.py` (calibrated on the
Volvo incident log, BPI Challenge 2013); they are generated once into --workdir
and reused. Run from the repository root:

    python benchmarks/report_large.py --tickets 1000000

The baseline is `tests/analytics/pandas_reference.py`, the code the tests check
the Polars tables against, plus pandas versions of the wait and trend tables.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from synthetic_report_logs import (  # noqa: E402
    EVENTS_FILE,
    POLICY,
    TICKETS_FILE,
    generate,
    write,
)
from tests.analytics import pandas_reference as reference  # noqa: E402

from tierdesk.analytics import (  # noqa: E402
    Dimensions,
    ReportOptions,
    TicketOptions,
    build_report,
    group_table,
    overall_table,
    ping_pong_pairs,
    prepare_tickets,
    render_html,
    tier_flow,
)
from tierdesk.analytics.frame import columns_read  # noqa: E402
from tierdesk.analytics.report import Report  # noqa: E402
from tierdesk.analytics.tables import dimension_pairs  # noqa: E402
from tierdesk.analytics.trends import driver_trends, trend_test  # noqa: E402
from tierdesk.analytics.waits import status_periods, summarise_waits  # noqa: E402
from tierdesk.policy import load_policy  # noqa: E402

COLUMNS = {"inquiry_type": "attr_product", "segment": "attr_impact"}
SINGLES = ["inquiry_type", "segment", "team", "tier", "channel", "month"]
WAITS = (
    "Wait",
    "Wait - User",
    "Wait - Implementation",
    "Wait - Vendor",
    "Wait - Customer",
)


def print_machine(arguments: argparse.Namespace) -> None:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    print(f"command: python {' '.join(sys.argv)}")
    print(f"date: {datetime.now(UTC).isoformat(timespec='seconds')}")
    print(f"cpu: {model}, {os.cpu_count()} logical cores")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"python {platform.python_version()}, polars {version('polars')}, "
        f"pandas {version('pandas')}, numpy {version('numpy')}"
    )


def ensure_data(folder: Path, tickets: int) -> tuple[Path, Path]:
    ticket_path, event_path = folder / TICKETS_FILE, folder / EVENTS_FILE
    if ticket_path.exists() and event_path.exists():
        existing = pl.scan_parquet(ticket_path).select(pl.len()).collect().item()
        if existing == tickets:
            return ticket_path, event_path
    began = time.perf_counter()
    frame, events = generate(tickets)
    write(frame, events, folder)
    print(f"generated SYNTHETIC data in {time.perf_counter() - began:.1f} s")
    return ticket_path, event_path


def run_tierdesk(
    ticket_path: Path, event_path: Path, policy, full: bool
) -> tuple[dict[str, float], Report | None]:
    """Return the seconds of each step; `full` adds recommendations and HTML."""
    steps: dict[str, float] = {}
    began = time.perf_counter()
    cpu = time.process_time()
    options = TicketOptions(dimensions=Dimensions(**COLUMNS))
    available = list(pl.read_parquet_schema(ticket_path))
    tickets_table = pl.read_parquet(
        ticket_path, columns=columns_read(available, options)
    )
    events = pl.read_parquet(event_path)
    steps["read Parquet"] = time.perf_counter() - began
    mark = time.perf_counter()
    tickets = prepare_tickets(
        tickets_table,
        policy=policy,
        options=options,
    )
    steps["prepare"] = time.perf_counter() - mark
    mark = time.perf_counter()
    now = events["at"].max()
    if full:
        report = build_report(
            tickets,
            now,
            policy=policy,
            events=events,
            options=ReportOptions(all_pairs=True),
        )
        steps["report (every section)"] = time.perf_counter() - mark
        mark = time.perf_counter()
        with tempfile.TemporaryDirectory() as folder:
            page = render_html(report, source=ticket_path.name)
            Path(folder, "report.html").write_text(page, encoding="utf-8")
        steps["HTML"] = time.perf_counter() - mark
    else:
        report = None
        for by in [(d,) for d in SINGLES] + dimension_pairs():
            group_table(tickets, by)
        overall_table(tickets)
        tier_flow(tickets)
        ping_pong_pairs(tickets)
        summarise_waits(status_periods(events, now), WAITS, tickets.tickets)
        driver_trends(tickets)
        steps["same tables as the baseline"] = time.perf_counter() - mark
    steps["total"] = time.perf_counter() - began
    # CPU seconds of this process, all threads: other jobs on the machine slow
    # the wall-clock time far more than they change this.
    steps["CPU time (all threads)"] = time.process_time() - cpu
    return steps, report


def run_pandas(ticket_path: Path, event_path: Path) -> dict[str, float]:
    steps: dict[str, float] = {}
    began = time.perf_counter()
    cpu = time.process_time()
    metrics = pd.read_parquet(ticket_path)
    events = pd.read_parquet(event_path)
    steps["read Parquet"] = time.perf_counter() - began
    mark = time.perf_counter()
    frame = reference.prepare(metrics, COLUMNS)
    steps["prepare"] = time.perf_counter() - mark
    mark = time.perf_counter()
    for by in [[d] for d in SINGLES] + reference.all_pairs(SINGLES):
        reference.group_table(frame, by)
    frame["overall"] = "all"
    reference.group_table(frame, ["overall"])
    reference.tier_moves(frame)
    reference.ping_pong_pairs(frame)
    now = events["at"].max()
    points = reference.status_points(events, now)
    changes = points.groupby("actor").size().rename("status_changes")
    for status in WAITS:
        periods = points[points["source_status"] == status]
        periods.groupby("ticket_id").size()
        by_agent = periods.groupby("actor")["seconds"].agg(["size", "median", "sum"])
        by_agent.join(changes)
        periods.groupby("team")["seconds"].agg(["size", "median", "sum"])
    counts, totals = reference.weekly_counts(frame, "inquiry_type", 12)
    trend_test(counts.to_numpy(), np.asarray(totals))
    steps["same tables"] = time.perf_counter() - mark
    steps["total"] = time.perf_counter() - began
    steps["CPU time (all threads)"] = time.process_time() - cpu
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "tierdesk-report-benchmark",
        help="folder for the synthetic data, reused between runs",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of tierdesk")
    parser.add_argument("--skip-baseline", action="store_true")
    arguments = parser.parse_args()
    print_machine(arguments)
    ticket_path, event_path = ensure_data(arguments.workdir, arguments.tickets)
    events = pl.scan_parquet(event_path).select(pl.len()).collect().item()
    print(f"input (SYNTHETIC): {arguments.tickets:,} tickets, {events:,} events")
    policy = load_policy(POLICY).policy

    full_runs = []
    report = None
    for _ in range(arguments.repeat):
        steps, report = run_tierdesk(ticket_path, event_path, policy, full=True)
        full_runs.append(steps)
    table_runs = [
        run_tierdesk(ticket_path, event_path, policy, full=False)[0]
        for _ in range(arguments.repeat)
    ]
    print(
        f"load average after tierdesk: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    best_full = min(full_runs, key=lambda s: s["total"])
    best_tables = min(table_runs, key=lambda s: s["total"])
    print("\ntierdesk full report, best run by step (seconds):")
    for name, seconds in best_full.items():
        print(f"  {name:<32}{seconds:8.3f}")
    totals = [s["total"] for s in full_runs]
    print(f"  median of {len(totals)} runs: {statistics.median(totals):.3f}")
    assert report is not None
    print(
        f"  {len(report.tables)} group tables, {report.trends.tested} drivers tested, "
        f"{sum(1 for r in report.recommendations.rows if r.moves)} moves"
    )
    if arguments.skip_baseline:
        return
    baseline = run_pandas(ticket_path, event_path)
    print(f"load average after pandas: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\nsame tables, seconds (ratio: seconds divided by tierdesk's):")
    print(f"  {'method':<48}{'seconds':>9}{'ratio':>9}")
    rows = [
        ("tierdesk (Polars), tables only, best", best_tables["total"]),
        ("tierdesk (Polars), full report with HTML, best", best_full["total"]),
        ("pandas baseline, tables only", baseline["total"]),
    ]
    for name, seconds in rows:
        print(f"  {name:<48}{seconds:9.3f}{seconds / best_tables['total']:8.1f}x")
    print(
        "  CPU seconds, all threads: tierdesk tables "
        f"{best_tables['CPU time (all threads)']:.1f}, full report "
        f"{best_full['CPU time (all threads)']:.1f}, pandas "
        f"{baseline['CPU time (all threads)']:.1f}"
    )
    print("\npandas baseline by step (seconds):")
    for name, seconds in baseline.items():
        print(f"  {name:<32}{seconds:8.3f}")


if __name__ == "__main__":
    main()
