"""The inquiry classifier of the live service, loaded once per process."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from tierdesk.classify.modelfile import ModelBundle, load_model
from tierdesk.classify.predict import InquiryPredictor
from tierdesk.digest import file_digest
from tierdesk.policy.model import Policy

logger = logging.getLogger(__name__)


class ModelCache:
    """The model at `path`, and one predictor per policy revision.

    The model is read on first use; replacing the file needs a restart.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._bundle: ModelBundle | None = None
        self._digest = ""
        self._predictors: dict[int, InquiryPredictor] = {}
        self._lock = threading.Lock()

    @property
    def configured(self) -> bool:
        return self.path is not None

    def _load(self) -> ModelBundle:
        if self._bundle is None:
            assert self.path is not None
            bundle = load_model(self.path)
            self._digest = bundle.metadata.get("model_id") or file_digest(self.path)
            self._bundle = bundle
            logger.info("loaded model %s", self._digest[:12])
        return self._bundle

    @property
    def digest(self) -> str:
        """Identity of the model, as batch routing records it; empty without one."""
        if self.path is None:
            return ""
        with self._lock:
            self._load()
        return self._digest

    def predictor(self, revision: int, policy: Policy) -> InquiryPredictor:
        """Return the model bound to a policy; raise ModelError if labels differ."""
        with self._lock:
            predictor = self._predictors.get(revision)
            if predictor is None:
                predictor = InquiryPredictor(self._load(), policy)
                self._predictors[revision] = predictor
            return predictor

    def check(self, policy: Policy) -> None:
        """Raise ModelError unless the model's labels map onto the policy's types."""
        if self.path is None:
            return
        with self._lock:
            InquiryPredictor(self._load(), policy)
