"""Train and evaluate an inquiry classifier on labelled history."""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, precision_recall_fscore_support
from sklearn.model_selection import train_test_split

from tierdesk.classify.modelfile import ModelBundle
from tierdesk.errors import InputError

EstimatorFactory = Callable[[], Any]


@dataclass
class TrainingData:
    """Texts and labels with their source row numbers, after dropping unusable rows."""

    texts: list[str]
    labels: list[str]
    rows: list[int]
    one_touch: list[bool] | None = None
    skipped: Counter[str] = field(default_factory=Counter)
    skipped_rows: dict[str, list[int]] = field(default_factory=dict)


def prepare_training_data(
    texts: Sequence[str],
    labels: Sequence[str],
    rows: Sequence[int],
    one_touch: Sequence[bool | None] | None = None,
) -> TrainingData:
    """Drop rows with no text or no label (and no one-touch value when asked), counting why."""
    data = TrainingData([], [], [], [] if one_touch is not None else None)
    for i, (text, label, row) in enumerate(zip(texts, labels, rows, strict=True)):
        reason = None
        if not text.strip():
            reason = "no text"
        elif not str(label).strip():
            reason = "no label"
        elif one_touch is not None and one_touch[i] is None:
            reason = "no one-touch value"
        if reason:
            data.skipped[reason] += 1
            data.skipped_rows.setdefault(reason, []).append(row)
            continue
        data.texts.append(text)
        data.labels.append(str(label).strip())
        data.rows.append(row)
        if data.one_touch is not None and one_touch is not None:
            data.one_touch.append(bool(one_touch[i]))
    return data


@dataclass
class Split:
    train: np.ndarray
    test: np.ndarray
    stratified: bool
    singletons: list[str]


def split_for_evaluation(labels: Sequence[str], test_size: float, seed: int) -> Split:
    """Hold out `test_size` of the rows, stratified by label where possible.

    Labels with a single example cannot be both trained on and tested, so they
    stay in training and are listed in `singletons`.
    """
    counts = Counter(labels)
    singletons = sorted(label for label, n in counts.items() if n < 2)
    index = np.arange(len(labels))
    single = np.array([counts[label] < 2 for label in labels])
    pool = index[~single]
    pool_labels = [labels[i] for i in pool]
    n_classes = len(set(pool_labels))
    n_test = math.ceil(test_size * len(pool))
    stratified = (
        n_classes > 0 and n_test >= n_classes and len(pool) - n_test >= n_classes
    )
    if len(pool) < 2:
        raise InputError(
            "too few labelled rows to hold out a test set; label more tickets or "
            "pass --test FILE"
        )
    train, test = train_test_split(
        pool,
        test_size=test_size,
        random_state=seed,
        stratify=pool_labels if stratified else None,
    )
    return Split(np.concatenate([train, index[single]]), test, stratified, singletons)


def evaluate(
    truth: Sequence[str], predicted: Sequence[str], confidence: np.ndarray
) -> dict[str, Any]:
    """Return accuracy, macro-F1, per-class figures and calibration error."""
    labels = sorted(set(truth))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    correct = np.asarray(truth, dtype=object) == np.asarray(predicted, dtype=object)
    return {
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro_f1": float(np.mean(f1)) if len(f1) else 0.0,
        "expected_calibration_error": expected_calibration_error(confidence, correct),
        "mean_confidence": float(np.mean(confidence)) if len(confidence) else 0.0,
        "test_rows": len(truth),
        "per_class": {
            label: {
                "precision": float(p),
                "recall": float(r),
                "f1": float(f),
                "support": int(s),
            }
            for label, p, r, f, s in zip(
                labels, precision, recall, f1, support, strict=True
            )
        },
    }


def expected_calibration_error(
    confidence: np.ndarray, correct: np.ndarray, bins: int = 10
) -> float:
    """Return the gap between confidence and accuracy, averaged over confidence bins."""
    if len(confidence) == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            gap = abs(confidence[members].mean() - correct[members].mean())
            error += members.mean() * gap
    return float(error)


@dataclass
class TrainingResult:
    bundle: ModelBundle
    metrics: dict[str, Any]
    warnings: list[str]


def train_and_evaluate(
    data: TrainingData,
    make_estimator: EstimatorFactory,
    *,
    test: TrainingData | None = None,
    test_size: float = 0.2,
    seed: int = 0,
) -> TrainingResult:
    """Fit on the training part, evaluate on the held-out part, return the model."""
    warnings: list[str] = []
    if len(set(data.labels)) < 2:
        raise InputError(
            f"need at least two distinct labels to train, found {len(set(data.labels))}"
        )
    if test is None:
        split = split_for_evaluation(data.labels, test_size, seed)
        train_index, test_index = split.train, split.test
        if split.singletons:
            shown = ", ".join(split.singletons[:10])
            more = " ..." if len(split.singletons) > 10 else ""
            warnings.append(
                f"{len(split.singletons)} labels have one example and are trained on "
                f"but not evaluated: {shown}{more}"
            )
        if not split.stratified:
            warnings.append(
                "too few rows per label for a stratified split; the test set is a "
                "plain random sample"
            )
        train_texts = [data.texts[i] for i in train_index]
        train_labels = [data.labels[i] for i in train_index]
        test_texts = [data.texts[i] for i in test_index]
        test_labels = [data.labels[i] for i in test_index]
    else:
        train_index = np.arange(len(data.texts))
        test_index = np.arange(0)
        train_texts, train_labels = data.texts, data.labels
        test_texts, test_labels = test.texts, test.labels
        unseen = sorted(set(test_labels) - set(train_labels))
        if unseen:
            warnings.append(
                f"{len(unseen)} test labels never occur in training and count as "
                f"errors: {', '.join(unseen[:10])}"
            )

    started = time.perf_counter()
    estimator = make_estimator().fit(train_texts, train_labels)
    fit_seconds = time.perf_counter() - started
    proba = estimator.predict_proba(test_texts) if test_texts else np.zeros((0, 1))
    predicted = estimator.classes_[proba.argmax(axis=1)] if test_texts else []
    metrics = evaluate(
        test_labels, list(predicted), proba.max(axis=1) if test_texts else proba[:, 0]
    )
    metrics["train_rows"] = len(train_texts)
    metrics["labels"] = len(estimator.classes_)
    metrics["fit_seconds"] = round(fit_seconds, 2)

    complexity = None
    if data.one_touch is not None:
        complexity, complexity_metrics = _train_complexity(
            data, test, train_index, test_index, make_estimator
        )
        metrics["complexity"] = complexity_metrics
    return TrainingResult(ModelBundle(estimator, complexity), metrics, warnings)


def _train_complexity(
    data: TrainingData,
    test: TrainingData | None,
    train_index: np.ndarray,
    test_index: np.ndarray,
    make_estimator: EstimatorFactory,
) -> tuple[Any | None, dict[str, Any]]:
    """Learn simple (one-touch) against complex (not one-touch) from history."""
    assert data.one_touch is not None

    def as_label(flag: bool) -> str:
        return "simple" if flag else "complex"

    train_texts = [data.texts[i] for i in train_index]
    train_labels = [as_label(data.one_touch[i]) for i in train_index]
    if test is not None and test.one_touch is not None:
        test_texts, test_labels = test.texts, [as_label(f) for f in test.one_touch]
    else:
        test_texts = [data.texts[i] for i in test_index]
        test_labels = [as_label(data.one_touch[i]) for i in test_index]
    if len(set(train_labels)) < 2:
        return None, {
            "skipped": "history has only one-touch or only multi-touch tickets"
        }
    estimator = make_estimator().fit(train_texts, train_labels)
    if not test_texts:
        return estimator, {"test_rows": 0}
    proba = estimator.predict_proba(test_texts)
    predicted = estimator.classes_[proba.argmax(axis=1)]
    result = evaluate(test_labels, list(predicted), proba.max(axis=1))
    result.pop("per_class")
    return estimator, result
