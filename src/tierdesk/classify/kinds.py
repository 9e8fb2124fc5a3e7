"""The classifier kinds `tierdesk train --kind` offers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tierdesk.classify.embeddings import EmbeddingInquiryClassifier
from tierdesk.classify.linear import LinearInquiryClassifier
from tierdesk.errors import TierdeskError

KINDS: dict[str, Callable[..., Any]] = {
    "linear": LinearInquiryClassifier,
    "embeddings": EmbeddingInquiryClassifier,
}


def estimator_factory(kind: str, **options: Any) -> Callable[[], Any]:
    """Return a function that makes a fresh, unfitted estimator of `kind`."""
    try:
        cls = KINDS[kind]
    except KeyError:
        raise TierdeskError(
            f"unknown classifier kind {kind!r}; expected one of: {', '.join(KINDS)}"
        ) from None
    return lambda: cls(**options)
