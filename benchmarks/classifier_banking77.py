"""Train and test three inquiry classifiers on BANKING77 in one run.

The models are (1) a plain baseline written here, word n-gram TF-IDF and
logistic regression, (2) tierdesk's `linear` kind and (3) tierdesk's `embeddings`
kind. The last needs ``pip install 'tierdesk[embeddings]'`` and is reported as
skipped without it. Each model is trained on train.csv and tested on test.csv
in its own spawned process, so that the peak memory (RSS) printed is that
model's own. Run from the repository root:

    python benchmarks/classifier_banking77.py
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import multiprocessing
import os
import platform
import resource
import shlex
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = (
    Path(os.environ.get("TIERDESK_SHARED_DATA", ROOT.parent / "shared" / "data"))
    / "banking77"
)
MODELS = ("baseline", "linear", "embeddings")
# Texts scored one at a time to measure the latency of a single ticket.
SINGLE_TEXTS = 200
# Accuracy on the BANKING77 test set with the full training set, as published by
# Casanueva et al. 2020, "Efficient Intent Detection with Dual Sentence
# Encoders" (not rerun here).
PUBLISHED = (
    ("BERT-large, fine-tuned (Casanueva et al. 2020)", 0.9366),
    ("USE+ConveRT (Casanueva et al. 2020)", 0.9336),
)
PACKAGES = ("scikit-learn", "numpy", "scipy", "torch", "transformers")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="folder with BANKING77's train.csv and test.csv (columns text, category)",
    )
    parser.add_argument(
        "--model",
        action="append",
        choices=MODELS,
        help="model to run; repeat for several (default: all three)",
    )
    args = parser.parse_args()
    models = args.model or list(MODELS)
    for name in ("train.csv", "test.csv"):
        if not (args.data / name).is_file():
            parser.error(f"{args.data / name} not found; pass --data FOLDER")

    print(f"command: python {shlex.join(sys.argv)}")
    print_machine()
    load_before = os.getloadavg()
    results = {}
    for model in models:
        results[model] = run_in_own_process(model, args.data)
    load_after = os.getloadavg()
    print(
        "load average (1, 5, 15 min) before: "
        + ", ".join(f"{x:.2f}" for x in load_before)
        + "; after: "
        + ", ".join(f"{x:.2f}" for x in load_after)
    )
    print()
    print_table(results)


def print_machine() -> None:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(f"machine: {cpu}, {len(os.sched_getaffinity(0))} cores, {memory_gib:.0f} GiB")
    print(f"python {platform.python_version()} on {platform.platform()}")
    installed = []
    for package in PACKAGES:
        try:
            installed.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            installed.append(f"{package} not installed")
    print("packages: " + ", ".join(installed))


def run_in_own_process(model: str, data: Path) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(measure, model, str(data)).result()


def measure(model: str, data: str) -> dict[str, Any]:
    """Train, test and time one model, in the fresh process that runs it."""
    from tierdesk.classify.modelfile import ModelBundle, save_model
    from tierdesk.classify.train import evaluate
    from tierdesk.errors import TierdeskError

    train_texts, train_labels = read_rows(Path(data, "train.csv"))
    test_texts, test_labels = read_rows(Path(data, "test.csv"))
    try:
        estimator = make_estimator(model)
        started = time.perf_counter()
        started_cpu = time.process_time()
        estimator.fit(train_texts, train_labels)
        fit_seconds = time.perf_counter() - started
        fit_cpu_seconds = time.process_time() - started_cpu
    except TierdeskError as error:
        return {"skipped": str(error)}

    started = time.perf_counter()
    proba = estimator.predict_proba(test_texts)
    batch_seconds = time.perf_counter() - started
    single_seconds = []
    for text in test_texts[:SINGLE_TEXTS]:
        started = time.perf_counter()
        estimator.predict_proba([text])
        single_seconds.append(time.perf_counter() - started)

    predicted = estimator.classes_[proba.argmax(axis=1)]
    metrics = evaluate(test_labels, list(predicted), proba.max(axis=1))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "model")
        save_model(ModelBundle(estimator), path)
        model_megabytes = path.stat().st_size / 1e6
    return {
        "accuracy": metrics["accuracy"],
        "macro_f1": metrics["macro_f1"],
        "ece": metrics["expected_calibration_error"],
        "fit_seconds": fit_seconds,
        "fit_cpu_seconds": fit_cpu_seconds,
        "texts_per_second": len(test_texts) / batch_seconds,
        "single_ms": 1000 * float(np.median(single_seconds)),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "model_mb": model_megabytes,
        "train_rows": len(train_texts),
        "test_rows": len(test_texts),
    }


def make_estimator(model: str) -> Any:
    from tierdesk.classify.kinds import estimator_factory

    if model == "baseline":
        return baseline()
    return estimator_factory(model)()


def baseline() -> Any:
    """Return a plain word TF-IDF and logistic-regression pipeline, no tuning."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(C=10.0, max_iter=1000),
    )


def read_rows(path: Path) -> tuple[list[str], list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [row["text"] for row in rows], [row["category"] for row in rows]


def print_table(results: dict[str, dict[str, Any]]) -> None:
    columns: list[tuple[str, str, Callable[[dict[str, Any]], str]]] = [
        ("accuracy", "{:.2%}", lambda r: r["accuracy"]),
        ("macro-F1", "{:.2%}", lambda r: r["macro_f1"]),
        ("ECE", "{:.3f}", lambda r: r["ece"]),
        ("train s", "{:.0f}", lambda r: r["fit_seconds"]),
        ("train CPU s", "{:.0f}", lambda r: r["fit_cpu_seconds"]),
        ("texts/s", "{:,.0f}", lambda r: r["texts_per_second"]),
        ("1 text ms", "{:.1f}", lambda r: r["single_ms"]),
        ("peak RSS MB", "{:,.0f}", lambda r: r["peak_rss_mb"]),
        ("model MB", "{:.1f}", lambda r: r["model_mb"]),
    ]
    header = ["model"] + [name for name, _, _ in columns]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for model, result in results.items():
        if "skipped" in result:
            print(f"| {model} | skipped: {result['skipped']} |")
            continue
        cells = [fmt.format(value(result)) for _, fmt, value in columns]
        print(f"| {model} | " + " | ".join(cells) + " |")
    for name, accuracy in PUBLISHED:
        blanks = " |" * (len(header) - 3)
        print(f"| {name} | {accuracy:.2%} | published |{blanks}")
    first = next((r for r in results.values() if "train_rows" in r), None)
    if first is not None:
        print()
        print(
            f"train rows {first['train_rows']}, test rows {first['test_rows']}; "
            "ECE: expected calibration error over 10 confidence bins; train s: "
            "wall-clock seconds of fit; train CPU s: CPU seconds of fit summed "
            "over its threads; texts/s: predict_proba on the whole test set in "
            f"one call; 1 text ms: median over {SINGLE_TEXTS} single-text calls; "
            "peak RSS includes imports."
        )


if __name__ == "__main__":
    main()
