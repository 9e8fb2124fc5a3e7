"""Time per-ticket metrics and SLA clocks of the Volvo incident log (BPI Challenge
2013, 65,533 records) against a straightforward pandas implementation.

The baseline is `tests/metrics/pandas_reference.py`: pandas for the row
logic and a walk over local dates for business time, the same code the tests
check `tierdesk metrics` against. Both compute the same per-ticket figures,
and the script reports how many tickets agree. Run from the repository root:

    python benchmarks/metrics_volvo.py

Source of the log: 4TU.ResearchData, DOI 10.4121/500573e6-accc-4b0c-9576-aa5468b10cee.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.metrics.pandas_reference import (  # noqa: E402
    LogSpec,
    read_rows,
    reference_metrics,
)
from tests.metrics.test_real_logs import VOLVO  # noqa: E402

from tierdesk.events import group_by_ticket  # noqa: E402
from tierdesk.importers import import_event_log, load_mapping  # noqa: E402
from tierdesk.metrics import MetricsOptions, compute_metrics  # noqa: E402
from tierdesk.policy import load_policy  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "volvo-incidents" / "incidents.csv"
MAPPING = ROOT / "examples" / "mappings" / "volvo-incidents.yaml"
POLICY = ROOT / "examples" / "policies" / "volvo-incidents.yaml"
COMPARED = (
    "first_response_s",
    "first_response_business_s",
    "first_resolution_s",
    "final_resolution_s",
    "final_resolution_business_s",
    "open_s",
    "paused_s",
    "reopens",
    "solved",
    "one_touch",
    "transfers",
    "ping_pong",
    "highest_tier",
    "first_response_sla",
    "resolution_sla",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=Path, default=DATA, help="incidents.csv")
    parser.add_argument(
        "--repeat", type=int, default=5, help="timed runs of tierdesk after the first"
    )
    arguments = parser.parse_args()
    print_machine()

    mapping = load_mapping(MAPPING)
    policy = load_policy(POLICY).policy
    began = time.perf_counter()
    imported = import_event_log(arguments.log, mapping)
    load_seconds = time.perf_counter() - began
    events = imported.events
    now = max(event.at for event in events)
    print(
        f"log: {imported.report.records_read:,} records, {len(events):,} events, "
        f"{imported.report.cases:,} tickets; read and imported in {load_seconds:.2f} s "
        "(not part of the timings below)"
    )
    options = MetricsOptions(
        priority_attribute="impact",
        attributes=["product", "organisation_line"],
        pause_source_statuses=mapping.pause_statuses,
    )

    def ours(with_policy: bool) -> pd.DataFrame:
        return compute_metrics(
            group_by_ticket(events),
            now,
            policy=policy if with_policy else None,
            options=options,
        ).frame

    cold = timed(lambda: ours(True))
    warm = [timed(lambda: ours(True)) for _ in range(arguments.repeat)]
    calendar_only = [timed(lambda: ours(False)) for _ in range(arguments.repeat)]
    frame = ours(True)

    began = time.perf_counter()
    rows = read_rows(str(arguments.log))
    read_seconds = time.perf_counter() - began
    calendar_spec = LogSpec(
        **{**VOLVO.__dict__, "calendar_of_team": None, "targets": None}
    )
    baseline_calendar = timed(lambda: reference_metrics(rows, calendar_spec))
    began = time.perf_counter()
    reference = reference_metrics(rows, VOLVO)
    baseline_full = time.perf_counter() - began

    print(f"pandas read_csv of the log: {read_seconds:.2f} s (not part of the timings)")
    print()
    print(f"{'method':<58} {'seconds':>8} {'ratio':>8}")
    best = min(warm)
    results = [
        ("tierdesk compute_metrics with policy, first call", cold),
        (f"tierdesk compute_metrics with policy, best of {len(warm)}", best),
        (f"tierdesk compute_metrics with policy, median of {len(warm)}", median(warm)),
        (
            f"tierdesk without policy (calendar time), best of {len(warm)}",
            min(calendar_only),
        ),
        ("pandas baseline, calendar time only", baseline_calendar),
        ("pandas baseline, with business time and SLA status", baseline_full),
    ]
    for label, seconds in results:
        print(f"{label:<58} {seconds:>8.3f} {seconds / best:>7.1f}x")
    print()
    report_agreement(frame, reference)
    print(f"load average at the end: {format_load()}")


def timed(work: Callable[[], object]) -> float:
    began = time.perf_counter()
    work()
    return time.perf_counter() - began


def median(values: list[float]) -> float:
    return float(np.median(values))


def report_agreement(ours: pd.DataFrame, reference: pd.DataFrame) -> None:
    ours = ours.set_index("ticket_id")
    reference = reference.set_index("ticket_id").loc[ours.index]
    print(f"agreement with the baseline, of {len(ours):,} tickets:")
    for column in COMPARED:
        mine = ours[column]
        theirs = reference[column]
        if column.endswith("_sla"):
            # The baseline does not tell paused clocks from running ones.
            mine = mine.replace("paused", "running")
        if column.endswith("_s"):
            same = np.isclose(
                mine.astype(float), theirs.astype(float), rtol=1e-9, atol=1e-3
            ) | (mine.isna() & theirs.isna())
        else:
            same = mine.astype(object).where(mine.notna(), "none").astype(str) == (
                theirs.astype(object).where(theirs.notna(), "none").astype(str)
            )
        print(f"  {column:<30} {int(np.sum(same)):>6,}")


def print_machine() -> None:
    print(f"command: python {' '.join(sys.argv)}")
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"cpu: {cpu_model()}, {os.cpu_count()} logical cores")
    print(f"load average at the start: {format_load()}")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, pandas "
        f"{pd.__version__}, holidays {version('holidays')}, {platform.system()} "
        f"{platform.machine()}"
    )


def format_load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    main()
