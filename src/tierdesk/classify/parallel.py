"""Classify large batches in worker processes, in order, while the caller routes.

Feature extraction is pure Python and holds the GIL, so threads would not help.
On Linux the workers are forked and inherit the parent's loaded model, which
saves each of them about a second of imports and loading. The workers only
classify, so they take no lock that another thread of the parent could hold
at the fork, such as the console's of a progress bar. Elsewhere, or when
torch is loaded, they are spawned and load the model and policy themselves. They return compact arrays,
from which the caller rebuilds `Prediction`s, and the caller routes one chunk
while the workers classify the next.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from tierdesk.classify.modelfile import load_model
from tierdesk.classify.predict import InquiryPredictor, Prediction
from tierdesk.policy import load_policy

# Start method of the worker processes: "fork" inherits the loaded model and
# "spawn" loads it again. None picks fork on Linux, unless torch is loaded,
# because torch's thread pools are not safe to fork.
START_METHOD: str | None = None


def _start_method() -> str:
    if START_METHOD is not None:
        return START_METHOD
    if sys.platform == "linux" and "torch" not in sys.modules:
        return "fork"
    return "spawn"


_worker_predictor: InquiryPredictor | None = None


def _start_worker(model_path: str, policy_path: str) -> None:
    global _worker_predictor
    policy = load_policy(policy_path).policy
    _worker_predictor = InquiryPredictor(load_model(model_path), policy)


def _adopt_predictor(predictor: InquiryPredictor) -> None:
    global _worker_predictor
    _worker_predictor = predictor


def _predict_chunk(texts: Sequence[str]) -> tuple[Any, ...]:
    assert _worker_predictor is not None
    predictions = _worker_predictor.predict(texts)
    index = {t: i for i, t in enumerate(_worker_predictor.inquiry_types)}
    return (
        np.array([index[p.inquiry_type] for p in predictions], dtype=np.int32),
        np.array([p.confidence for p in predictions], dtype=np.float64),
        [p.complexity for p in predictions],
        [p.complexity_confidence for p in predictions],
    )


class ProcessPredictor:
    """A pool of classifying processes; use as a context manager.

    A worker that fails to start (for example, a model file that vanished)
    breaks the pool, and `predict_chunks` raises instead of waiting forever.
    """

    def __init__(
        self, predictor: InquiryPredictor, model_path: Path, policy_path: Path, workers: int
    ) -> None:
        self.inquiry_types = predictor.inquiry_types
        self._predictor = predictor
        self._arguments = (str(model_path), str(policy_path))
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> ProcessPredictor:
        if _start_method() == "fork":
            # A forked worker receives the predictor itself, not a pickled copy.
            self._pool = ProcessPoolExecutor(
                self._workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_adopt_predictor,
                initargs=(self._predictor,),
            )
        else:
            self._pool = ProcessPoolExecutor(
                self._workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=self._arguments,
            )
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._pool is not None
        self._pool.shutdown(wait=True, cancel_futures=True)

    def predict_chunks(self, chunks: Iterable[Sequence[str]]) -> Iterator[list[Prediction]]:
        """Yield each chunk's predictions, in the order the chunks were given."""
        assert self._pool is not None
        for types, confidence, complexity, complexity_confidence in self._pool.map(
            _predict_chunk, chunks
        ):
            yield [
                Prediction(self.inquiry_types[t], float(c), x, xc)
                for t, c, x, xc in zip(
                    types.tolist(),
                    confidence.tolist(),
                    complexity,
                    complexity_confidence,
                    strict=True,
                )
            ]
