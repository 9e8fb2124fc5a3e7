"""Training and evaluation: splits, skipped rows, metrics and learned complexity."""

from __future__ import annotations

import numpy as np
import pytest

from tierdesk.classify.linear import LinearInquiryClassifier
from tierdesk.classify.train import (
    evaluate,
    expected_calibration_error,
    prepare_training_data,
    split_for_evaluation,
    train_and_evaluate,
)
from tierdesk.errors import InputError


def test_prepare_counts_skipped_rows() -> None:
    data = prepare_training_data(["a", "", "c", "d"], ["x", "y", "", "z"], [2, 3, 4, 5])
    assert data.texts == ["a", "d"]
    assert data.skipped["no text"] == 1
    assert data.skipped["no label"] == 1
    assert data.skipped_rows["no text"] == [3]
    assert data.skipped_rows["no label"] == [4]


def test_split_keeps_singletons_in_training() -> None:
    labels = ["a"] * 10 + ["b"] * 10 + ["solo"]
    split = split_for_evaluation(labels, 0.2, seed=0)
    assert split.singletons == ["solo"]
    assert 20 in split.train
    assert 20 not in split.test
    assert split.stratified
    assert sorted([*split.train, *split.test]) == list(range(21))


def test_split_too_small_to_stratify() -> None:
    labels = [str(i // 2) for i in range(20)]
    split = split_for_evaluation(labels, 0.2, seed=0)
    assert not split.stratified


def test_split_needs_two_rows() -> None:
    with pytest.raises(InputError, match="too few labelled rows"):
        split_for_evaluation(["a", "b"], 0.2, seed=0)


def test_evaluate_figures() -> None:
    metrics = evaluate(
        ["a", "a", "b", "b"], ["a", "b", "b", "b"], np.array([0.9, 0.6, 0.8, 0.7])
    )
    assert metrics["accuracy"] == 0.75
    assert metrics["per_class"]["a"]["recall"] == 0.5
    assert metrics["per_class"]["b"]["precision"] == pytest.approx(2 / 3)
    assert metrics["per_class"]["b"]["support"] == 2
    assert metrics["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2)


def test_calibration_error_of_perfect_confidence() -> None:
    assert (
        expected_calibration_error(np.array([1.0, 1.0]), np.array([True, True])) == 0.0
    )
    assert (
        expected_calibration_error(np.array([1.0, 1.0]), np.array([False, False]))
        == 1.0
    )


def test_train_and_evaluate_with_one_touch(
    banking_slice: tuple[list[str], list[str]],
) -> None:
    texts, labels = banking_slice
    # Tickets about lost cards and refunds were never one-touch here.
    one_touch = [
        label not in ("lost_or_stolen_card", "request_refund") for label in labels
    ]
    data = prepare_training_data(
        texts, labels, list(range(2, len(texts) + 2)), one_touch
    )
    result = train_and_evaluate(data, LinearInquiryClassifier, test_size=0.25, seed=1)
    assert result.metrics["accuracy"] > 0.8
    assert result.metrics["test_rows"] == 60
    assert result.bundle.complexity is not None
    assert result.metrics["complexity"]["accuracy"] > 0.8
    predicted = result.bundle.complexity.predict(["I lost my card yesterday"])
    assert predicted[0] == "complex"


def test_single_label_history_is_rejected() -> None:
    data = prepare_training_data(["a", "b", "c"], ["x", "x", "x"], [2, 3, 4])
    with pytest.raises(InputError, match="at least two distinct labels"):
        train_and_evaluate(data, LinearInquiryClassifier)
