"""HMAC-SHA256 signatures of webhook bodies, for senders and receivers.

The header is `Tierdesk-Signature: t=TIMESTAMP,v1=HEX`. TIMESTAMP is the Unix
time of sending in whole seconds, and HEX is the HMAC-SHA256, keyed with the
subscription's secret, of the bytes `TIMESTAMP`, `.` and the raw request body.
A receiver recomputes it, compares in constant time, and rejects a timestamp
further than its tolerance from its own clock, so a captured request cannot be
replayed later.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "Tierdesk-Signature"
# Receivers reject a signature older or newer than this, in seconds.
DEFAULT_TOLERANCE = 300


class InvalidSignature(ValueError):
    """The signature header is malformed, does not match, or is out of date."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Return the hex HMAC-SHA256 of `TIMESTAMP.BODY` under `secret`."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """Return the value of the `Tierdesk-Signature` header for one request."""
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify_signature(
    secret: str,
    header: str,
    body: bytes,
    now: int,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
) -> int:
    """Check a `Tierdesk-Signature` header against the body; return its timestamp.

    `now` is the receiver's Unix time in seconds. Raises InvalidSignature when
    the header cannot be parsed, no `v1` signature matches, or the timestamp is
    more than `tolerance` seconds away from `now`.
    """
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise InvalidSignature(
            f"expected a header of the form t=TIMESTAMP,v1=SIGNATURE, got {header!r}"
        )
    expected = signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, value) for value in candidates):
        raise InvalidSignature("the signature does not match the body and secret")
    if abs(now - timestamp) > tolerance:
        raise InvalidSignature(
            f"the timestamp {timestamp} is more than {tolerance} s away from {now}; "
            "the request may be a replay"
        )
    return timestamp
