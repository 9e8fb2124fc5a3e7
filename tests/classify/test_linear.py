"""LinearInquiryClassifier: estimator contract, probabilities and calibration."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone

from tierdesk.classify.linear import LinearInquiryClassifier
from tierdesk.classify.train import expected_calibration_error


@pytest.fixture(scope="module")
def fitted(banking_slice: tuple[list[str], list[str]]) -> LinearInquiryClassifier:
    texts, labels = banking_slice
    train = [i for i in range(len(texts)) if i % 4]
    return LinearInquiryClassifier().fit(
        [texts[i] for i in train], [labels[i] for i in train]
    )


def test_learned_attributes(fitted: LinearInquiryClassifier) -> None:
    assert len(fitted.classes_) == 6
    assert fitted.temperature_ > 0


def test_probabilities_sum_to_one(
    fitted: LinearInquiryClassifier, banking_slice: tuple[list[str], list[str]]
) -> None:
    texts, _ = banking_slice
    proba = fitted.predict_proba(texts[::4])
    assert proba.shape == (len(texts[::4]), 6)
    assert np.allclose(proba.sum(axis=1), 1.0)


def test_predict_agrees_with_proba(
    fitted: LinearInquiryClassifier, banking_slice: tuple[list[str], list[str]]
) -> None:
    texts, _ = banking_slice
    proba = fitted.predict_proba(texts[::4])
    assert list(fitted.predict(texts[::4])) == list(
        fitted.classes_[proba.argmax(axis=1)]
    )


def test_held_out_accuracy_and_calibration(
    fitted: LinearInquiryClassifier, banking_slice: tuple[list[str], list[str]]
) -> None:
    texts, labels = banking_slice
    held_out = texts[::4]
    truth = np.array(labels[::4], dtype=object)
    proba = fitted.predict_proba(held_out)
    predicted = fitted.classes_[proba.argmax(axis=1)]
    correct = predicted == truth
    assert correct.mean() > 0.8
    assert expected_calibration_error(proba.max(axis=1), correct) < 0.2


def test_params_and_clone() -> None:
    model = LinearInquiryClassifier(C=2.0, normalize=False)
    copy = clone(model)
    assert copy.get_params()["C"] == 2.0
    assert copy.get_params()["normalize"] is False
    assert not hasattr(copy, "classes_")


def test_pickle_round_trip(fitted: LinearInquiryClassifier) -> None:
    restored = pickle.loads(pickle.dumps(fitted))
    text = ["my card never arrived"]
    assert np.allclose(restored.predict_proba(text), fitted.predict_proba(text))


def test_two_label_problem(banking_slice: tuple[list[str], list[str]]) -> None:
    texts, labels = banking_slice
    pairs = [
        (t, label)
        for t, label in zip(texts, labels, strict=True)
        if label in ("card_arrival", "exchange_rate")
    ]
    model = LinearInquiryClassifier().fit([p[0] for p in pairs], [p[1] for p in pairs])
    proba = model.predict_proba(["what is the exchange rate today"])
    assert proba.shape == (1, 2)
    assert model.predict(["what is the exchange rate today"])[0] == "exchange_rate"


def test_single_label_is_rejected() -> None:
    with pytest.raises(ValueError, match="at least two labels"):
        LinearInquiryClassifier().fit(["a b", "c d"], ["x", "x"])


def test_one_by_one_scores_equal_batch_scores(
    fitted: LinearInquiryClassifier, banking_slice: tuple[list[str], list[str]]
) -> None:
    texts, _ = banking_slice
    batch = fitted.decision_function(texts[:40])
    single = np.vstack([fitted.decision_function([t]) for t in texts[:40]])
    assert np.allclose(batch, single, atol=1e-5)
