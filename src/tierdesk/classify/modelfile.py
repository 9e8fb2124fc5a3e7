"""Model files: a trained classifier with the metadata needed to trust it.

A model file is a joblib pickle of a dict with a format marker, metadata
(labels, training-data hash, library versions, metrics) and the estimators.
Loading a pickle runs code from the file, so load only model files you made or
trust, as with any scikit-learn model.
"""

from __future__ import annotations

import os
import platform
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn

import tierdesk
from tierdesk.errors import ModelError
from tierdesk.io.tables import use_default_mode

FORMAT = "tierdesk-model"
FORMAT_VERSION = 1


@dataclass
class ModelBundle:
    """A trained inquiry classifier, an optional complexity classifier and metadata."""

    inquiry: Any
    complexity: Any | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        return [str(label) for label in self.inquiry.classes_]


def library_versions() -> dict[str, str]:
    return {
        "tierdesk": tierdesk.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def save_model(bundle: ModelBundle, path: str | Path) -> None:
    """Write the bundle to `path` atomically: a crash leaves the old file intact."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "metadata": {**bundle.metadata, "versions": library_versions()},
        "inquiry": bundle.inquiry,
        "complexity": bundle.complexity,
    }
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
    os.close(handle)
    use_default_mode(temporary)
    try:
        joblib.dump(payload, temporary, compress=3)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_model(path: str | Path) -> ModelBundle:
    """Load a model file, checking its format and the scikit-learn version."""
    source = Path(path)
    if not source.is_file():
        raise ModelError(
            f"{source}: model file not found; train one with 'tierdesk train'"
        )
    try:
        payload = joblib.load(source)
    except Exception as exc:
        raise ModelError(
            f"{source}: not a readable tierdesk model file ({type(exc).__name__}); "
            "retrain it with 'tierdesk train'"
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelError(
            f"{source}: not a tierdesk model file; train one with 'tierdesk train'"
        )
    if payload.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"{source}: model file format {payload.get('format_version')} is not "
            f"supported (expected {FORMAT_VERSION}); retrain with 'tierdesk train'"
        )
    metadata = payload.get("metadata", {})
    trained_with = metadata.get("versions", {}).get("scikit-learn", "unknown")
    if _minor(trained_with) != _minor(sklearn.__version__):
        raise ModelError(
            f"{source}: trained with scikit-learn {trained_with}, but "
            f"{sklearn.__version__} is installed; retrain with 'tierdesk train'"
        )
    return ModelBundle(payload["inquiry"], payload.get("complexity"), metadata)


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])
