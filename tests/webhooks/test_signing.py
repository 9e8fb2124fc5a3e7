"""Webhook signatures: what a receiver computes to accept or reject a request."""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest

from tierdesk.webhooks.signing import (
    InvalidSignature,
    signature_header,
    verify_signature,
)

from ..conftest import ROOT

SECRET = "whsec_test"
BODY = b'{"id":"d-1","type":"ticket.created"}'
NOW = 1_715_162_400


def test_header_is_hmac_of_timestamp_and_body() -> None:
    expected = hmac.new(
        SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256
    ).hexdigest()
    assert signature_header(SECRET, NOW, BODY) == f"t={NOW},v1={expected}"


def test_valid_signature_accepted() -> None:
    header = signature_header(SECRET, NOW, BODY)
    assert verify_signature(SECRET, header, BODY, NOW + 10) == NOW


def test_changed_body_rejected() -> None:
    header = signature_header(SECRET, NOW, BODY)
    with pytest.raises(InvalidSignature, match="does not match"):
        verify_signature(SECRET, header, BODY + b" ", NOW)


def test_other_secret_rejected() -> None:
    header = signature_header("whsec_other", NOW, BODY)
    with pytest.raises(InvalidSignature, match="does not match"):
        verify_signature(SECRET, header, BODY, NOW)


def test_old_timestamp_rejected_as_replay() -> None:
    header = signature_header(SECRET, NOW, BODY)
    with pytest.raises(InvalidSignature, match="replay"):
        verify_signature(SECRET, header, BODY, NOW + 301)


def test_malformed_header_rejected() -> None:
    with pytest.raises(InvalidSignature, match="expected a header"):
        verify_signature(SECRET, "sha256=abc", BODY, NOW)


def test_docs_receiver_example_runs() -> None:
    docs = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    start = docs.index("```python\nimport time")
    code = docs[start + len("```python\n") : docs.index("```\n", start + 10)]
    namespace: dict = {}
    exec(code, namespace)
    accept = namespace["accept"]
    now = int(time.time())
    header = signature_header(SECRET, now, BODY)
    assert accept(SECRET, {"Tierdesk-Signature": header}, BODY) is True
    assert accept(SECRET, {"Tierdesk-Signature": header}, BODY + b"x") is False
    assert accept(SECRET, {}, BODY) is False
