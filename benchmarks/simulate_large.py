"""Time the simulator on 1,000,000 tickets and 500 agents, against SimPy.

1. tierdesk replays the tickets through three teams with business calendars:
   24x7, 06:00-24:00 daily, and weekdays 09:00-17:00 with Irish holidays.
   Routing is done before the clock starts. The timing covers the event loop,
   the SLA clocks of every ticket and every figure the comparison prints.
2. The same system with every team open 24x7 is replayed by tierdesk and by a
   straightforward SimPy model (benchmarks/_simulate_simpy.py), both drawing
   from the same stints, and the ratio of their times is printed. SimPy needs
   no calendar arithmetic there, which favours it.

Run from the repository root, after `pip install -e '.[bench]'`:

    python benchmarks/simulate_large.py

The system is synthetic (benchmarks/_simulate_system.py), so no data is needed.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from _simulate_system import history, load_system  # noqa: E402

from tierdesk.simulate.arrivals import draw_arrivals  # noqa: E402
from tierdesk.simulate.engine import run_once  # noqa: E402
from tierdesk.simulate.history import setup_policy  # noqa: E402
from tierdesk.simulate.outcome import summarise_run  # noqa: E402
from tierdesk.simulate.replications import backlog_grid, figure_span  # noqa: E402
from tierdesk.simulate.setup import RunOptions  # noqa: E402

SHOWN = (
    "first_response_within_target",
    "resolved_within_target",
    "first_response_calendar_median_h",
    "first_response_calendar_p90_h",
    "resolution_calendar_median_h",
    "resolution_calendar_p90_h",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--days", type=float, default=120.0)
    parser.add_argument("--skip-simpy", action="store_true")
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs of each simulator"
    )
    arguments = parser.parse_args()
    _print_machine()
    print(f"command: python {' '.join(sys.argv)}")

    policy, staffing = load_system("calendars")
    began = time.perf_counter()
    replay = history(policy, arguments.tickets, arguments.days, seed=0)
    setup = setup_policy("calendars", policy, staffing, replay)
    agents = sum(staffing.max_agents_on_shift(team) for team in staffing.teams)
    print(
        f"setup (not timed): {arguments.tickets:,} tickets over {arguments.days:g} "
        f"days, {agents} agents, routed in {time.perf_counter() - began:.1f} s"
    )
    repeat = arguments.repeat
    print("\ntierdesk, business calendars and shifts:")
    figures, _ = _best(repeat, lambda: _tierdesk(setup, replay))
    _print_figures(figures)

    policy_24, staffing_24 = load_system("24x7")
    setup_24 = setup_policy("24x7", policy_24, staffing_24, replay)
    print("\ntierdesk, every team open 24x7:")
    figures_24, seconds_24 = _best(repeat, lambda: _tierdesk(setup_24, replay))
    _print_figures(figures_24)
    if arguments.skip_simpy:
        _print_load()
        return
    from _simulate_simpy import run_simpy

    arrivals = draw_arrivals(
        replay.created, scale=1.0, mode="replay", generator=np.random.default_rng(1)
    )
    print(f"\nSimPy {version('simpy')}, every team open 24x7:")

    def simpy_run() -> tuple[dict[str, float], tuple[float, float]]:
        wall, cpu = time.perf_counter(), time.process_time()
        result = run_simpy(setup_24, arrivals.at, arrivals.source, seed=2)
        return result, (time.perf_counter() - wall, time.process_time() - cpu)

    simpy_figures, simpy_seconds = _best(repeat, simpy_run)
    _print_figures(simpy_figures)
    print(
        f"\nratio SimPy / tierdesk (24x7), best runs: "
        f"{simpy_seconds[0] / seconds_24[0]:.1f}x wall, "
        f"{simpy_seconds[1] / seconds_24[1]:.1f}x CPU"
    )
    _print_load()


def _tierdesk(setup, replay):  # type: ignore[no-untyped-def]
    arrivals = draw_arrivals(
        replay.created, scale=1.0, mode="replay", generator=np.random.default_rng(1)
    )
    span = figure_span(replay.created)
    wall, cpu = time.perf_counter(), time.process_time()
    raw = run_once(setup, arrivals, np.random.default_rng(2), RunOptions())
    loop = (time.perf_counter() - wall, time.process_time() - cpu)
    summary = summarise_run(raw, setup, backlog_grid(span), span)
    total = (time.perf_counter() - wall, time.process_time() - cpu)
    print(f"  event loop {loop[0]:.1f} s wall; {len(raw.events):,} events recorded")
    return summary.values, total


def _best(repeat, run):  # type: ignore[no-untyped-def]
    """Run `repeat` times; print every time; return the figures and the best times.

    Other jobs on the machine only ever slow a run down, so the fastest run is
    the closest to the simulator's own speed.
    """
    times = []
    figures = {}
    for _ in range(repeat):
        figures, seconds = run()
        times.append(seconds)
        print(f"  replay: {seconds[0]:.1f} s wall, {seconds[1]:.1f} s CPU")
    walls = sorted(t[0] for t in times)
    cpus = sorted(t[1] for t in times)
    print(
        f"  best {walls[0]:.1f} s wall, {cpus[0]:.1f} s CPU; median "
        f"{walls[len(walls) // 2]:.1f} s wall, {cpus[len(cpus) // 2]:.1f} s CPU"
    )
    return figures, (walls[0], cpus[0])


def _print_figures(figures: dict[str, float]) -> None:
    for name in SHOWN:
        print(f"  {name:<36} {figures[name]:10.3f}")
    for name, value in figures.items():
        if name.startswith("utilisation:"):
            print(f"  {name:<36} {value:10.3f}")


def _print_load() -> None:
    """Print the load average, so a run slowed by other jobs shows it."""
    uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False)
    print(f"uptime at the end: {uptime.stdout.strip()}")


def _print_machine() -> None:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    print(
        f"machine: {model}, {os.cpu_count()} logical cores, {platform.system()} "
        f"{platform.machine()}, Python {platform.python_version()}, numpy "
        f"{np.__version__}"
    )
    uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False)
    print(f"uptime at the start: {uptime.stdout.strip()}")


if __name__ == "__main__":
    main()
