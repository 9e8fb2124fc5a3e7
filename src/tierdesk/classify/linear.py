"""The default inquiry classifier: sparse text features and a linear model.

Scores from the linear SVM are turned into probabilities by temperature scaling
(Guo et al. 2017, "On Calibration of Modern Neural Networks"): one temperature,
fitted on cross-validated scores of the training data, divides the scores
before a softmax. It keeps the ranking, so accuracy is unchanged, and makes a
confidence of 0.8 mean right about 80% of the time on data like the training
data.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import KFold
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from tierdesk.classify.features import WordCharTfidf
from tierdesk.classify.normalize import prepare_texts

# Score for a class that a cross-validation fold never saw; it makes that
# class's probability vanish after the softmax.
_UNSEEN_SCORE = -50.0
# Batches up to this size are scored text by text, which skips the fixed cost of
# building sparse matrices. A service that scores one ticket at a time needs this.
_ONE_BY_ONE = 4


class LinearInquiryClassifier(ClassifierMixin, BaseEstimator):
    """Predict an inquiry label from ticket text, with calibrated probabilities.

    Parameters
    ----------
    C : float
        Inverse regularisation strength of the linear SVM.
    word_ngram_range, char_ngram_range : tuple of int
        n-gram ranges of the word and within-word character features.
    calibration_folds : int
        Folds of the cross-validation that fits the temperature (2 or more).
    normalize : bool
        Clean text (Excel escapes, mojibake, headers, signatures) before use.
    random_state : int
        Seed for the fold split.
    """

    def __init__(
        self,
        C: float = 0.5,
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] = (2, 5),
        calibration_folds: int = 3,
        normalize: bool = True,
        random_state: int = 0,
    ) -> None:
        self.C = C
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.calibration_folds = calibration_folds
        self.normalize = normalize
        self.random_state = random_state

    def _prepare(self, texts: Sequence[str]) -> list[str]:
        return prepare_texts(texts, self.normalize)

    def _new_model(self) -> tuple[WordCharTfidf, LinearSVC]:
        features = WordCharTfidf(self.word_ngram_range, self.char_ngram_range)
        return features, LinearSVC(C=self.C, random_state=self.random_state)

    def fit(self, texts: Sequence[str], y: Sequence[str]) -> LinearInquiryClassifier:
        docs = self._prepare(texts)
        labels = np.asarray(y, dtype=object)
        self.classes_ = np.unique(labels)
        if len(self.classes_) < 2:
            raise ValueError(
                f"need at least two labels to train, got {len(self.classes_)}"
            )
        self.temperature_ = self._fit_temperature(docs, labels)
        self.features_, self.svm_ = self._new_model()
        matrix = self.features_.fit_transform(docs)
        self.svm_.fit(matrix, labels)
        self.n_features_in_ = 1
        return self

    def _scores(self, svm: LinearSVC, matrix: object) -> np.ndarray:
        scores = svm.decision_function(matrix)
        if scores.ndim == 1:
            # Binary LinearSVC returns one score for the second class.
            scores = np.column_stack([-scores, scores])
        return scores

    def _fit_temperature(self, docs: list[str], labels: np.ndarray) -> float:
        n_folds = max(2, min(self.calibration_folds, len(docs)))
        folds = KFold(n_folds, shuffle=True, random_state=self.random_state)
        scores = np.full((len(docs), len(self.classes_)), _UNSEEN_SCORE)
        column = {label: i for i, label in enumerate(self.classes_)}
        for train_index, test_index in folds.split(docs):
            train_labels = labels[train_index]
            fold_classes = np.unique(train_labels)
            if len(fold_classes) < 2:
                continue
            features, svm = self._new_model()
            matrix = features.fit_transform([docs[i] for i in train_index])
            svm.fit(matrix, train_labels)
            fold_scores = self._scores(
                svm, features.transform([docs[i] for i in test_index])
            )
            columns = [column[c] for c in svm.classes_]
            scores[np.ix_(test_index, columns)] = fold_scores
        truth = np.array([column[label] for label in labels])

        def negative_log_likelihood(log_temperature: float) -> float:
            scaled = scores / np.exp(log_temperature)
            return float(
                -log_softmax(scaled, axis=1)[np.arange(len(truth)), truth].mean()
            )

        result = minimize_scalar(
            negative_log_likelihood,
            bounds=(np.log(1e-3), np.log(1e2)),
            method="bounded",
        )
        return float(np.exp(result.x))

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        check_is_fitted(self, "svm_")
        docs = self._prepare(texts)
        if len(docs) <= _ONE_BY_ONE:
            return np.vstack([self._score_one(doc) for doc in docs])
        word_part, char_part = self.features_.transform_parts(docs)
        word_weights, char_weights = self._weight_blocks()
        scores = word_part @ word_weights + char_part @ char_weights
        scores += self.svm_.intercept_.astype(np.float32)
        if scores.shape[1] == 1:
            scores = np.column_stack([-scores[:, 0], scores[:, 0]])
        return np.asarray(scores, dtype=np.float64)

    def _weight_blocks(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the SVM weights split into word and char blocks, transposed, float32."""
        blocks = getattr(self, "_blocks", None)
        if blocks is None:
            split = len(self.features_.word_.vocabulary_)
            coef = self.svm_.coef_.astype(np.float32)
            blocks = self._blocks = (
                np.ascontiguousarray(coef[:, :split].T),
                np.ascontiguousarray(coef[:, split:].T),
            )
        return blocks

    def __getstate__(self) -> dict[str, object]:
        state = super().__getstate__()
        state.pop("_blocks", None)
        return state

    def _score_one(self, doc: str) -> np.ndarray:
        indices, values = self.features_.transform_one(doc)
        coef = self.svm_.coef_
        scores = coef[:, indices] @ values + self.svm_.intercept_
        if coef.shape[0] == 1:
            return np.array([-scores[0], scores[0]])
        return scores

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return softmax(self.decision_function(texts) / self.temperature_, axis=1)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return self.classes_[np.argmax(self.decision_function(texts), axis=1)]
