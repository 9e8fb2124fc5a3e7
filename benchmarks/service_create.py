"""Sustained ticket creation over HTTP against PostgreSQL, with a baseline.

tierdesk runs as two server processes (`tierdesk serve --workers 2`) on a fresh
PostgreSQL database that this script creates and drops. wrk, a C load
generator, sends `POST /api/v1/tickets` from a separate process. Each request
has a unique Idempotency-Key, one of 400 accounts (examples/banking) and one of
1,000 requesters. It names its inquiry type, so the service segments and routes
it with the live policy (examples/banking/policy.yaml) but does not classify.

wrk keeps a fixed number of connections busy (closed loop), so each row of the
result is the throughput and latency at that concurrency. After each run the
script counts the tickets, decisions and events in the database and compares
them with the 201 responses wrk saw; the server may have committed a few more
(requests in flight when wrk stopped), never fewer.

The CPU time of wrk, of the server processes and of PostgreSQL during each run
is read from /proc, so the share of the two cores that the load generator
itself takes is reported.

The baseline is django-helpdesk's ticket API (`POST /api/tickets/`, Django REST
framework) under gunicorn with two worker processes on its own PostgreSQL
database; see `benchmarks/helpdesk_baseline/README.md`.

Usage:
    python benchmarks/service_create.py [--connections 2,4,8,16,32] [--duration 20]
        [--baseline-venv /tmp/helpdesk-venv]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
BANKING = ROOT / "examples" / "banking"
RESULTS = ROOT / "benchmarks" / "results"
ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
PORT = 8765
BASELINE_PORT = 8766
INQUIRY_TYPES = ["card_delivery", "card_problems", "top_ups", "transfers", "fees"]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class RunResult:
    system: str
    connections: int
    duration_s: float
    requests: int
    created: int
    errors: int
    requests_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    rows_added: int
    lost: int
    wrk_cpu_s: float
    server_cpu_s: float
    postgres_cpu_s: float
    steal_s: float
    load_average: str


# -- machine --------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with psycopg.connect(ADMIN_DSN) as connection:
        server = connection.execute("SHOW server_version").fetchone()[0]
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory_gib": f"{memory:.0f}",
        "python": platform.python_version(),
        "postgresql": server,
        "wrk": subprocess.run(
            ["wrk", "--version"], capture_output=True, text=True, check=False
        ).stdout.splitlines()[0],
        "load_before": Path("/proc/loadavg").read_text(encoding="utf-8").strip(),
        "python_loop_ms_before": str(python_loop_ms()),
    }


def python_loop_ms() -> float:
    """Time a fixed loop of Python additions on one core.

    On a shared virtual machine the speed of a core changes with the other
    tenants' load. The same loop before and after the runs shows by how much.
    """
    started = time.perf_counter()
    total = 0
    for number in range(5_000_000):
        total += number
    return round((time.perf_counter() - started) * 1000)


def steal_seconds() -> float:
    """Return the CPU time the hypervisor gave to other machines, over all cores."""
    with open("/proc/stat", encoding="utf-8") as handle:
        fields = handle.readline().split()
    # The first line: cpu user nice system idle iowait irq softirq steal ...
    return int(fields[8]) / CLOCK_TICKS


# -- CPU accounting -------------------------------------------------------------


def _process_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    # utime and stime, the 14th and 15th fields of the whole line.
    return int(fields[11]) + int(fields[12])


def _pids_named(name: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm", encoding="utf-8") as handle:
                    if handle.read().strip() == name:
                        found.append(int(entry))
            except OSError:
                continue
    return found


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        children.setdefault(parent, []).append(int(entry))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def cpu_snapshot(server_root: int) -> dict[str, dict[int, int]]:
    return {
        "server": {pid: _process_ticks(pid) for pid in _descendants(server_root)},
        "postgres": {pid: _process_ticks(pid) for pid in _pids_named("postgres")},
    }


def cpu_seconds(before: dict[int, int], after: dict[int, int]) -> float:
    ticks = sum(value - before.get(pid, 0) for pid, value in after.items())
    return ticks / CLOCK_TICKS


# -- wrk ------------------------------------------------------------------------

LUA = r"""
local counter = 0
codes = {}
local threads = {}
local accounts = {%(accounts)s}
local types = {%(types)s}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(%(seed)d)
end

function request()
  counter = counter + 1
  local key = "%(run)s-" .. counter
  local body = string.format(%(template)s,
    counter, accounts[math.random(#accounts)], math.random(1000),
    types[math.random(#types)])
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["Authorization"] = "%(authorization)s"
  headers["Idempotency-Key"] = key
  return wrk.format("POST", "%(path)s", headers, body)
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    local seen = thread:get("codes")
    for status, count in pairs(seen) do
      io.write(string.format("status %%d %%d\n", status, count))
    end
  end
  for _, p in ipairs({50, 90, 99}) do
    io.write(string.format("percentile %%d %%.3f\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("completed %%d\n", summary.requests))
end
"""

TIERDESK_BODY = (
    '\'{"subject": "Card question %d", "body": "My card has not arrived yet, '
    'can you check the delivery?", "channel": "email", "account_id": "%s", '
    '"requester": {"email": "customer%d@example.com"}, "inquiry_type": "%s"}\''
)
HELPDESK_BODY = (
    '\'{"title": "Card question %d", "description": "My card has not arrived '
    'yet, can you check the delivery? Account %s", "queue": 1, '
    '"submitter_email": "customer%d@example.com", "priority": 3}\''
)
# Lua's string.format ignores the inquiry type that this template has no place
# for: django-helpdesk tickets have no inquiry type.


def lua_script(
    path: str, authorization: str, template: str, accounts: list[str], run: str
) -> str:
    return LUA % {
        "accounts": ", ".join(f'"{a}"' for a in accounts),
        "types": ", ".join(f'"{t}"' for t in INQUIRY_TYPES),
        "seed": random.randrange(1, 2**31),
        "run": run,
        "template": template,
        "authorization": authorization,
        "path": path,
    }


@dataclass
class WrkOutput:
    codes: dict[int, int]
    percentiles: dict[int, float]
    completed: int
    cpu_s: float
    text: str


def run_wrk(url: str, script: Path, connections: int, duration: int) -> WrkOutput:
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    text = process.stdout.read()
    _, _, usage = os.wait4(process.pid, 0)
    codes = {int(c): int(n) for c, n in re.findall(r"^status (\d+) (\d+)$", text, re.M)}
    percentiles = {
        int(p): float(v)
        for p, v in re.findall(r"^percentile (\d+) ([\d.]+)$", text, re.M)
    }
    completed = int(re.search(r"^completed (\d+)$", text, re.M).group(1))  # type: ignore[union-attr]
    return WrkOutput(
        codes, percentiles, completed, usage.ru_utime + usage.ru_stime, text
    )


# -- the systems under test ------------------------------------------------------


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not respond within {seconds} s")


@contextmanager
def database(prefix: str):  # type: ignore[no-untyped-def]
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(ADMIN_DSN, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def stop(process: subprocess.Popen) -> None:  # type: ignore[type-arg]
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def accounts() -> list[dict[str, str]]:
    with open(BANKING / "accounts.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def tierdesk_counts(dsn: str) -> int:
    with psycopg.connect(dsn) as connection:
        tickets, decisions, events = connection.execute(
            "SELECT (SELECT count(*) FROM tickets), (SELECT count(*) FROM decisions),"
            " (SELECT count(*) FROM events)"
        ).fetchone()
    # Every created ticket has its decision and its two first events.
    assert tickets == decisions, (tickets, decisions)
    assert events >= 2 * tickets, (events, tickets)
    return int(tickets)


@dataclass
class Target:
    """A running system under test and how to load it."""

    system: str
    url: str
    path: str
    authorization: str
    template: str
    server_pid: int
    count_rows: Callable[[], int]


@contextmanager
def tierdesk_target(pool_size: int, webhook: bool = False) -> Iterator[Target]:
    """Serve tierdesk with two processes on a fresh database, with 400 accounts.

    With `webhook`, a subscription to ticket.created and ticket.routed is
    active, so each ticket also stores two deliveries and their jobs. No
    worker runs, so nothing is sent.
    """
    with database("tierdesk_bench") as name:
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        dsn = f"postgresql://postgres@127.0.0.1:5432/{name}"
        env = {
            **os.environ,
            "TIERDESK_DATABASE_URL": url,
            "TIERDESK_POLICY_PATH": str(BANKING / "policy.yaml"),
            "TIERDESK_LOG_LEVEL": "WARNING",
            "TIERDESK_DB_POOL_SIZE": str(pool_size),
        }
        env.pop("TIERDESK_MODEL_PATH", None)
        subprocess.run(["tierdesk", "db", "upgrade"], env=env, check=True)
        admin = _token(env, "admin")
        token = _token(env, "integration")
        server = subprocess.Popen(
            ["tierdesk", "serve", "--port", str(PORT), "--workers", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{PORT}/api/v1"
            wait_for(f"{base}/health")
            for row in accounts():
                _put_account(base, admin, row)
            if webhook:
                _subscribe(base, admin)
            yield Target(
                "tierdesk",
                f"{base}/tickets",
                "/api/v1/tickets",
                f"Bearer {token}",
                TIERDESK_BODY,
                server.pid,
                lambda: tierdesk_counts(dsn),
            )
        finally:
            stop(server)


def _token(env: dict[str, str], role: str) -> str:
    done = subprocess.run(
        ["tierdesk", "token", "create", "--role", role],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _send_json(method: str, url: str, token: str, body: dict[str, object]) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method=method,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


def _subscribe(base: str, token: str) -> None:
    body = {
        "url": "http://127.0.0.1:9/hook",
        "events": ["ticket.created", "ticket.routed"],
    }
    _send_json("POST", f"{base}/webhooks", token, body)


def _put_account(base: str, token: str, row: dict[str, str]) -> None:
    attributes = {
        "plan": row["plan"],
        "balance": float(row["balance"]),
        "relationship_manager": row["relationship_manager"] == "yes",
        "country": row["country"],
    }
    url = f"{base}/accounts/{row['account_id']}"
    _send_json("PUT", url, token, {"attributes": attributes})


@contextmanager
def helpdesk_target(venv: Path) -> Iterator[Target]:
    """Serve django-helpdesk with gunicorn and two workers on a fresh database."""
    project = ROOT / "benchmarks" / "helpdesk_baseline"
    python = venv / "bin" / "python"
    with database("helpdesk_bench") as name:
        dsn = f"postgresql://postgres@127.0.0.1:5432/{name}"
        env = {
            **os.environ,
            "HELPDESK_BENCH_DB": name,
            "DJANGO_SETTINGS_MODULE": "bench_settings",
            "PYTHONPATH": str(project),
        }
        subprocess.run(
            [str(python), "-m", "django", "migrate", "--noinput", "-v0"],
            env=env,
            check=True,
        )
        token = subprocess.run(
            [str(python), str(project / "prepare.py")],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        server = subprocess.Popen(
            [
                str(venv / "bin" / "gunicorn"),
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{BASELINE_PORT}",
                "--log-level",
                "warning",
                "bench_wsgi:application",
            ],
            env=env,
            cwd=project,
        )

        def count_rows() -> int:
            with psycopg.connect(dsn) as connection:
                row = connection.execute("SELECT count(*) FROM helpdesk_ticket")
                return int(row.fetchone()[0])

        try:
            base = f"http://127.0.0.1:{BASELINE_PORT}"
            wait_for(f"{base}/health/")
            yield Target(
                "django-helpdesk",
                f"{base}/api/tickets/",
                "/api/tickets/",
                f"Token {token}",
                HELPDESK_BODY,
                server.pid,
                count_rows,
            )
        finally:
            stop(server)


def measure(
    target: Target,
    account_ids: list[str],
    connections: int,
    duration: int,
    folder: Path,
) -> RunResult:
    """Run wrk once against `target` and check the rows it created."""
    run = uuid.uuid4().hex[:8]
    script = folder / f"{target.system}-{run}.lua"
    script.write_text(
        lua_script(
            target.path, target.authorization, target.template, account_ids, run
        ),
        encoding="utf-8",
    )

    time.sleep(2)
    rows_before = target.count_rows()
    cpu_before = cpu_snapshot(target.server_pid)
    steal_before = steal_seconds()
    started = time.monotonic()
    output = run_wrk(target.url, script, connections, duration)
    elapsed = time.monotonic() - started
    cpu_after = cpu_snapshot(target.server_pid)
    steal = steal_seconds() - steal_before
    # Requests in flight when wrk stopped may still commit.
    time.sleep(2)
    rows_added = target.count_rows() - rows_before

    created = output.codes.get(201, 0)
    result = RunResult(
        system=target.system,
        connections=connections,
        duration_s=round(elapsed, 1),
        requests=output.completed,
        created=created,
        errors=output.completed - created,
        requests_per_s=round(created / duration, 1),
        p50_ms=output.percentiles[50],
        p90_ms=output.percentiles[90],
        p99_ms=output.percentiles[99],
        rows_added=rows_added,
        lost=max(0, created - rows_added),
        wrk_cpu_s=round(output.cpu_s, 2),
        server_cpu_s=round(cpu_seconds(cpu_before["server"], cpu_after["server"]), 2),
        postgres_cpu_s=round(
            cpu_seconds(cpu_before["postgres"], cpu_after["postgres"]), 2
        ),
        steal_s=round(steal, 2),
        load_average=Path("/proc/loadavg").read_text(encoding="utf-8").split()[0],
    )
    print(json.dumps(asdict(result)), flush=True)
    return result


def bench(
    targets: list[Target], connections: list[int], duration: int, warm_up: int
) -> list[RunResult]:
    """Warm every target up, then run each concurrency on each target in turn,
    so that a change in the machine's other load affects all targets alike."""
    ids = [row["account_id"] for row in accounts()]
    results = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for target in targets:
            measure(target, ids, 8, warm_up, folder)
        for count in connections:
            for target in targets:
                results.append(measure(target, ids, count, duration, folder))
    return results


def table(results: list[RunResult]) -> str:
    lines = [
        "| System | Connections | Creates/s | p50 ms | p90 ms | p99 ms | Errors "
        "| Rows added | Lost | wrk CPU s | Server CPU s | PostgreSQL CPU s "
        "| Steal s | Load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.system} | {r.connections} | {r.requests_per_s:,.0f} | "
            f"{r.p50_ms:.1f} | {r.p90_ms:.1f} | {r.p99_ms:.1f} | {r.errors} | "
            f"{r.rows_added:,} | {r.lost} | {r.wrk_cpu_s:.1f} | {r.server_cpu_s:.1f} "
            f"| {r.postgres_cpu_s:.1f} | {r.steal_s:.1f} | {r.load_average} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", default="2,4,8,16,32")
    parser.add_argument("--duration", type=int, default=20, help="Seconds per run.")
    parser.add_argument("--warm-up", type=int, default=5, help="Seconds of warm-up.")
    parser.add_argument(
        "--baseline-venv",
        type=Path,
        default=None,
        help="Virtualenv with django-helpdesk and gunicorn; omit to skip it.",
    )
    parser.add_argument(
        "--skip-tierdesk", action="store_true", help="Measure only the baseline."
    )
    parser.add_argument(
        "--pool-size",
        type=int,
        default=16,
        help="TIERDESK_DB_POOL_SIZE of each tierdesk server process.",
    )
    parser.add_argument(
        "--webhook",
        action="store_true",
        help="Keep a webhook subscription active, so each ticket stores its "
        "deliveries too.",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "service_create.json")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed; on Debian: apt-get install wrk")
    connections = [int(c) for c in options.connections.split(",")]

    info = machine()
    print(json.dumps(info), flush=True)
    print("command:", " ".join(sys.argv), flush=True)
    with ExitStack() as stack:
        targets = []
        if not options.skip_tierdesk:
            targets.append(
                stack.enter_context(tierdesk_target(options.pool_size, options.webhook))
            )
        if options.baseline_venv is not None:
            targets.append(stack.enter_context(helpdesk_target(options.baseline_venv)))
        results = bench(targets, connections, options.duration, options.warm_up)

    info["load_after"] = Path("/proc/loadavg").read_text(encoding="utf-8").strip()
    info["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    info["python_loop_ms_after"] = str(python_loop_ms())
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(
        json.dumps(
            {
                "machine": info,
                "command": sys.argv,
                "runs": [asdict(r) for r in results],
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    print(table(results))


if __name__ == "__main__":
    main()
