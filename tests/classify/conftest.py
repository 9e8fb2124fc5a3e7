"""A small slice of the bundled BANKING77 history, for fast classifier tests."""

from __future__ import annotations

import csv

import pytest

from ..conftest import EXAMPLES

CLASSES = [
    "card_arrival",
    "lost_or_stolen_card",
    "exchange_rate",
    "top_up_failed",
    "verify_my_identity",
    "request_refund",
]


@pytest.fixture(scope="session")
def banking_slice() -> tuple[list[str], list[str]]:
    """Forty real examples of each of six BANKING77 intents."""
    texts: list[str] = []
    labels: list[str] = []
    counts = dict.fromkeys(CLASSES, 0)
    with open(EXAMPLES / "banking" / "history.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            label = row["category"]
            if label in counts and counts[label] < 40:
                counts[label] += 1
                texts.append(row["text"])
                labels.append(label)
    return texts, labels
