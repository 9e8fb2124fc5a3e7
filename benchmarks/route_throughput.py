"""Batch routing throughput, per-ticket latency and peak memory, against a baseline.

Baseline: a straightforward scikit-learn pipeline (the same word and char_wb
TF-IDF features, LinearSVC calibrated by CalibratedClassifierCV) with pandas
reading and writing, and the policy's segment and routing rules applied row by
row with DataFrame.apply. Both sides read the same CSV of tickets, route under
examples/banking/policy.yaml, and write a CSV of decisions.

Tickets are BANKING77 test questions (CC BY 4.0) drawn with replacement, with
accounts from examples/banking/accounts.csv. Each variant runs in its own
process so that its peak resident memory can be read.

Usage: python benchmarks/route_throughput.py [--tickets 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
BANKING = ROOT / "examples" / "banking"
WORK = ROOT / "benchmarks" / "results"
LATENCY_TICKETS = 3000
WARM_UP = 300


def prepare(tickets: int) -> None:
    """Train both models once and write the ticket file."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.svm import LinearSVC

    from tierdesk.training import TrainOptions, run_training

    WORK.mkdir(parents=True, exist_ok=True)
    history = pd.read_csv(BANKING / "history.csv")
    model = WORK / "banking.model"
    if not model.exists():
        run_training(BANKING / "history.csv", model, TrainOptions(("text",), "category"))
    baseline = WORK / "baseline.joblib"
    if not baseline.exists():
        import joblib

        pipeline = make_pipeline(
            make_union(
                TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
            ),
            CalibratedClassifierCV(LinearSVC(C=0.5), cv=3),
        )
        pipeline.fit(history["text"], history["category"])
        joblib.dump(pipeline, baseline)

    rng = np.random.default_rng(0)
    source = pd.read_csv(BANKING / "tickets.csv")
    accounts = pd.read_csv(BANKING / "accounts.csv")["account_id"]
    pick = rng.integers(0, len(source), tickets)
    frame = pd.DataFrame(
        {
            "id": [f"B-{n:07d}" for n in range(tickets)],
            "subject": source["subject"].to_numpy()[pick],
            "channel": source["channel"].to_numpy()[pick],
            "priority": source["priority"].to_numpy()[pick],
            "account_id": accounts.to_numpy()[rng.integers(0, len(accounts), tickets)],
        }
    )
    frame.to_csv(WORK / f"tickets-{tickets}.csv", index=False)


def run_tierdesk(tickets: int, store: bool) -> dict[str, float]:
    from tierdesk.routing_job import RouteOptions, run_routing

    database = WORK / "bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    options = RouteOptions(
        text_columns=("subject",),
        database_url=f"sqlite:///{database}" if store else None,
    )
    started = time.perf_counter()
    outcome = run_routing(
        WORK / f"tickets-{tickets}.csv",
        BANKING / "policy.yaml",
        WORK / "banking.model",
        BANKING / "accounts.csv",
        WORK / "decisions-tierdesk.csv",
        options,
        now=datetime.now(UTC),
    )
    seconds = time.perf_counter() - started
    assert outcome.summary.tickets == tickets
    return {"seconds": seconds, "tickets_per_second": tickets / seconds}


def _baseline_router():
    """Rules evaluated the straightforward way: loop over rules and conditions."""
    from tierdesk.policy import load_policy

    policy = load_policy(BANKING / "policy.yaml").policy
    label_to_type = policy.label_to_inquiry_type
    types = policy.inquiry_types_by_id

    def decide(row: pd.Series) -> pd.Series:
        attributes = row["attributes"]
        segment = next(
            r.segment
            for r in policy.segment_rules
            if all(c.matches(attributes.get(c.field)) for c in r.conditions)
        )
        inquiry_type = label_to_type[row["label"]]
        context = {
            "segment": segment,
            "inquiry_type": inquiry_type,
            "complexity": types[inquiry_type].complexity,
            "confidence": row["confidence"],
            "priority": row["priority"] if row["priority"] in policy.priorities else "normal",
            "channel": row["channel"],
        }
        for name, value in attributes.items():
            context[f"account.{name}"] = value
        if row["confidence"] < policy.routing.min_confidence:
            team, rule = policy.routing.triage_team, "triage"
        else:
            matched = next(
                r
                for r in policy.routing.rules
                if all(c.matches(context.get(c.field)) for c in r.conditions)
            )
            team, rule = matched.then.team, matched.id
        return pd.Series({"segment": segment, "inquiry_type": inquiry_type, "team": team, "rule": rule})

    return decide


def _baseline_accounts() -> dict[str, dict[str, object]]:
    accounts = pd.read_csv(BANKING / "accounts.csv")
    accounts["relationship_manager"] = accounts["relationship_manager"] == "yes"
    return {
        row.pop("account_id"): row for row in accounts.to_dict(orient="records")
    }


def run_baseline(tickets: int) -> dict[str, float]:
    import joblib

    pipeline = joblib.load(WORK / "baseline.joblib")
    decide = _baseline_router()
    started = time.perf_counter()
    accounts = _baseline_accounts()
    frame = pd.read_csv(WORK / f"tickets-{tickets}.csv")
    proba = pipeline.predict_proba(frame["subject"])
    classes = pipeline.classes_
    frame["label"] = classes[proba.argmax(axis=1)]
    frame["confidence"] = proba.max(axis=1)
    frame["attributes"] = frame["account_id"].map(lambda a: accounts.get(a, {}))
    decisions = frame.apply(decide, axis=1)
    pd.concat([frame[["id"]], decisions], axis=1).to_csv(WORK / "decisions-baseline.csv", index=False)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "tickets_per_second": tickets / seconds}


def run_latency(tickets: int) -> dict[str, float]:
    """Per-ticket decision latency in process: classify one ticket, then route it."""
    import joblib

    from tierdesk.classify.modelfile import load_model
    from tierdesk.classify.predict import InquiryPredictor
    from tierdesk.policy import load_policy
    from tierdesk.route.router import Router
    from tierdesk.ticket import Ticket

    policy = load_policy(BANKING / "policy.yaml").policy
    predictor = InquiryPredictor(load_model(WORK / "banking.model"), policy)
    router = Router(policy)
    accounts = _baseline_accounts()
    frame = pd.read_csv(WORK / f"tickets-{tickets}.csv").head(LATENCY_TICKETS)
    rows = frame.to_dict(orient="records")

    timings = []
    for row in rows:
        started = time.perf_counter()
        ticket = Ticket(id=row["id"], subject=row["subject"], channel=row["channel"], priority=row["priority"], account_id=row["account_id"])
        prediction = predictor.predict([ticket.text])[0]
        router.decide(ticket, accounts.get(row["account_id"]), prediction)
        timings.append(time.perf_counter() - started)
    tierdesk_ms = np.array(timings[WARM_UP:]) * 1000

    pipeline = joblib.load(WORK / "baseline.joblib")
    decide = _baseline_router()
    classes = pipeline.classes_
    timings = []
    for row in rows:
        started = time.perf_counter()
        proba = pipeline.predict_proba([row["subject"]])[0]
        series = pd.Series(
            {**row, "label": classes[proba.argmax()], "confidence": proba.max(),
             "attributes": accounts.get(row["account_id"], {})}
        )
        decide(series)
        timings.append(time.perf_counter() - started)
    baseline_ms = np.array(timings[WARM_UP:]) * 1000
    return {
        "tierdesk_p50_ms": float(np.percentile(tierdesk_ms, 50)),
        "tierdesk_p99_ms": float(np.percentile(tierdesk_ms, 99)),
        "baseline_p50_ms": float(np.percentile(baseline_ms, 50)),
        "baseline_p99_ms": float(np.percentile(baseline_ms, 99)),
    }


VARIANTS = {
    "tierdesk": lambda n: run_tierdesk(n, store=False),
    "tierdesk-sqlite": lambda n: run_tierdesk(n, store=True),
    "baseline": run_baseline,
    "latency": run_latency,
}


def child(variant: str, tickets: int) -> None:
    result = VARIANTS[variant](tickets)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Largest of the classifying worker processes, once they have exited.
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result["worker_peak_rss_mb"] = children
    print(json.dumps(result))


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--variant", choices=sorted(VARIANTS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        child(args.variant, args.tickets)
        return
    prepare(args.tickets)
    load_before = os.getloadavg()
    results = {}
    for variant in VARIANTS:
        output = subprocess.run(
            [sys.executable, __file__, "--tickets", str(args.tickets), "--variant", variant],
            capture_output=True, text=True, check=True,
        ).stdout
        results[variant] = json.loads(output.strip().splitlines()[-1])
    t, s, b, lat = results["tierdesk"], results["tierdesk-sqlite"], results["baseline"], results["latency"]
    print(f"machine: {machine()}")
    print(f"command: python benchmarks/route_throughput.py --tickets {args.tickets}")
    print(f"date: {datetime.now(UTC).date()}")
    load_after = os.getloadavg()
    print(f"load average before: {load_before[0]:.2f}, after: {load_after[0]:.2f}")
    print()
    print("| variant | seconds | tickets/s | peak RSS (MB) | worker peak RSS (MB) |")
    print("|---|---|---|---|---|")
    rows = (
        ("tierdesk route, decisions to CSV", t),
        ("tierdesk route, CSV and SQLite store", s),
        ("baseline: sklearn pipeline + pandas row rules", b),
    )
    for name, row in rows:
        workers = row["worker_peak_rss_mb"]
        shown = f"{workers:.0f}" if workers else "none"
        print(
            f"| {name} | {row['seconds']:.2f} | {row['tickets_per_second']:,.0f} "
            f"| {row['peak_rss_mb']:.0f} | {shown} |"
        )
    print()
    print(f"throughput ratio tierdesk / baseline: {t['tickets_per_second'] / b['tickets_per_second']:.1f}x")
    print()
    print(f"per-ticket latency, {LATENCY_TICKETS - WARM_UP} tickets after {WARM_UP} warm-up:")
    print(f"  tierdesk p50 {lat['tierdesk_p50_ms']:.3f} ms, p99 {lat['tierdesk_p99_ms']:.3f} ms")
    print(f"  baseline p50 {lat['baseline_p50_ms']:.3f} ms, p99 {lat['baseline_p99_ms']:.3f} ms")
    print(f"  p99 ratio baseline / tierdesk: {lat['baseline_p99_ms'] / lat['tierdesk_p99_ms']:.1f}x")


if __name__ == "__main__":
    main()
