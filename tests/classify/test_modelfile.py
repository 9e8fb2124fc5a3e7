"""Model files: round trip, format and version checks, binding to a policy."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import pytest

from tierdesk.classify import parallel
from tierdesk.classify.linear import LinearInquiryClassifier
from tierdesk.classify.modelfile import ModelBundle, load_model, save_model
from tierdesk.classify.parallel import ProcessPredictor
from tierdesk.classify.predict import InquiryPredictor
from tierdesk.errors import ModelError
from tierdesk.policy import parse_policy

TEXTS = [
    "reset my password",
    "forgot password again",
    "invoice is wrong",
    "refund please",
    "ads not delivering",
    "campaign not spending",
]
LABELS = [
    "password_reset",
    "password_reset",
    "invoice",
    "refund",
    "ad_delivery",
    "ad_delivery",
]


@pytest.fixture(scope="module")
def bundle() -> ModelBundle:
    model = LinearInquiryClassifier(calibration_folds=2).fit(TEXTS, LABELS)
    return ModelBundle(model, None, {"model_id": "abc"})


def test_round_trip(tmp_path: Path, bundle: ModelBundle) -> None:
    path = tmp_path / "m.model"
    save_model(bundle, path)
    loaded = load_model(path)
    assert loaded.labels == bundle.labels
    assert loaded.metadata["model_id"] == "abc"
    assert "scikit-learn" in loaded.metadata["versions"]
    assert np.allclose(
        loaded.inquiry.predict_proba(TEXTS), bundle.inquiry.predict_proba(TEXTS)
    )


def test_save_leaves_no_temporary_files(tmp_path: Path, bundle: ModelBundle) -> None:
    save_model(bundle, tmp_path / "m.model")
    assert [p.name for p in tmp_path.iterdir()] == ["m.model"]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        load_model(tmp_path / "absent.model")


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "garbage.model"
    path.write_bytes(b"this is not a pickle")
    with pytest.raises(ModelError, match="not a readable tierdesk model"):
        load_model(path)


def test_foreign_pickle(tmp_path: Path) -> None:
    path = tmp_path / "other.model"
    joblib.dump({"weights": [1, 2]}, path)
    with pytest.raises(ModelError, match="not a tierdesk model file"):
        load_model(path)


def test_other_scikit_learn_version(tmp_path: Path, bundle: ModelBundle) -> None:
    path = tmp_path / "m.model"
    save_model(bundle, path)
    payload = joblib.load(path)
    payload["metadata"]["versions"]["scikit-learn"] = "0.24.2"
    joblib.dump(payload, path)
    with pytest.raises(ModelError, match="trained with scikit-learn 0.24.2"):
        load_model(path)


def test_other_format_version(tmp_path: Path, bundle: ModelBundle) -> None:
    path = tmp_path / "m.model"
    save_model(bundle, path)
    payload = joblib.load(path)
    payload["format_version"] = 99
    joblib.dump(payload, path)
    with pytest.raises(ModelError, match="format 99 is not supported"):
        load_model(path)


def test_predictor_sums_labels_into_types(
    bundle: ModelBundle, small_policy_text: str
) -> None:
    policy = parse_policy(small_policy_text, "p.yaml").policy
    predictor = InquiryPredictor(bundle, policy)
    prediction = predictor.predict(["my refund for the invoice"])[0]
    proba = dict(
        zip(
            bundle.labels,
            bundle.inquiry.predict_proba(["my refund for the invoice"])[0],
            strict=True,
        )
    )
    assert prediction.inquiry_type == "billing"
    assert prediction.confidence == pytest.approx(proba["invoice"] + proba["refund"])
    assert prediction.complexity is None
    assert predictor.missing_types == []


def test_predictor_rejects_other_labels(small_policy_text: str) -> None:
    model = LinearInquiryClassifier(calibration_folds=2).fit(
        TEXTS, [*LABELS[:5], "shopping"]
    )
    with pytest.raises(ModelError, match=r"1 of its 5 labels \(shopping\)"):
        InquiryPredictor(
            ModelBundle(model), parse_policy(small_policy_text, "p.yaml").policy
        )


def test_predictor_empty_batch(bundle: ModelBundle, small_policy_text: str) -> None:
    predictor = InquiryPredictor(
        bundle, parse_policy(small_policy_text, "p.yaml").policy
    )
    assert predictor.predict([]) == []


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_process_predictor_matches_serial(
    tmp_path: Path,
    bundle: ModelBundle,
    small_policy_text: str,
    monkeypatch: pytest.MonkeyPatch,
    start_method: str,
) -> None:
    monkeypatch.setattr(parallel, "START_METHOD", start_method)
    model_path = tmp_path / "m.model"
    policy_path = tmp_path / "p.yaml"
    save_model(bundle, model_path)
    policy_path.write_text(small_policy_text, encoding="utf-8")
    policy = parse_policy(small_policy_text, "p.yaml").policy
    predictor = InquiryPredictor(bundle, policy)
    chunks = [TEXTS[:2], TEXTS[2:5], TEXTS[5:]]
    with ProcessPredictor(predictor, model_path, policy_path, workers=2) as pool:
        in_workers = list(pool.predict_chunks(chunks))
    serial = list(predictor.predict_chunks(chunks))
    assert [len(chunk) for chunk in in_workers] == [2, 3, 1]
    assert in_workers == serial
