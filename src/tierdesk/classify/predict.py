"""Turn a model's label probabilities into the policy's inquiry types."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from tierdesk.classify.modelfile import ModelBundle
from tierdesk.errors import ModelError
from tierdesk.policy.model import Policy


@dataclass(frozen=True)
class Prediction:
    """Predicted inquiry type with its confidence, and the predicted complexity.

    `complexity` is None when the model has no complexity classifier; routing
    then uses the inquiry type's default from the policy.
    """

    inquiry_type: str
    confidence: float
    complexity: str | None = None
    complexity_confidence: float | None = None


class InquiryPredictor:
    """A model bound to a policy: its labels mapped onto the policy's inquiry types."""

    def __init__(self, bundle: ModelBundle, policy: Policy) -> None:
        mapping = policy.label_to_inquiry_type
        unknown = [label for label in bundle.labels if label not in mapping]
        if unknown:
            shown = ", ".join(unknown[:8]) + (" ..." if len(unknown) > 8 else "")
            raise ModelError(
                f"the model was trained for other labels: {len(unknown)} of its "
                f"{len(bundle.labels)} labels ({shown}) are not inquiry types or "
                f"labels in policy {policy.version_label}; map them with "
                "inquiry_types[].labels or retrain on this policy's labels"
            )
        self.bundle = bundle
        self.inquiry_types = [t.id for t in policy.inquiry_types]
        column = {type_id: i for i, type_id in enumerate(self.inquiry_types)}
        # labels x inquiry types: sums label probabilities into type probabilities.
        self._label_to_type = np.zeros((len(bundle.labels), len(column)))
        for row, label in enumerate(bundle.labels):
            self._label_to_type[row, column[mapping[label]]] = 1.0
        covered = {mapping[label] for label in bundle.labels}
        self.missing_types = [t for t in self.inquiry_types if t not in covered]

    def predict_chunks(self, chunks: Iterable[Sequence[str]]) -> Iterator[list[Prediction]]:
        """Yield each chunk's predictions in order; `ProcessPredictor` does the same in parallel."""
        return map(self.predict, chunks)

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        if not texts:
            return []
        type_probabilities = (
            self.bundle.inquiry.predict_proba(texts) @ self._label_to_type
        )
        best = type_probabilities.argmax(axis=1)
        confidence = type_probabilities[np.arange(len(best)), best]
        complexity: list[str | None] = [None] * len(texts)
        complexity_confidence: list[float | None] = [None] * len(texts)
        if self.bundle.complexity is not None:
            classes = list(self.bundle.complexity.classes_)
            proba = self.bundle.complexity.predict_proba(texts)
            picked = proba.argmax(axis=1)
            complexity = [str(classes[i]) for i in picked]
            complexity_confidence = [
                float(p) for p in proba[np.arange(len(picked)), picked]
            ]
        return [
            Prediction(
                self.inquiry_types[b],
                float(c),
                complexity[i],
                complexity_confidence[i],
            )
            for i, (b, c) in enumerate(zip(best, confidence, strict=True))
        ]
