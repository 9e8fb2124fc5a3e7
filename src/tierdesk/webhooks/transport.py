"""One HTTP POST of a webhook body, with a timeout and no redirects followed."""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from urllib.parse import urlsplit

# Bytes of the response read before the connection is closed; the body is
# not kept, only the status code.
_MAX_RESPONSE_BYTES = 65_536


@dataclass(frozen=True)
class PostResult:
    status: int | None
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> PostResult:
    """POST `body` to `url`; a 2xx status is success, anything else a failure."""
    parts = urlsplit(url)
    connection_class = (
        http.client.HTTPSConnection
        if parts.scheme == "https"
        else http.client.HTTPConnection
    )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = connection_class(parts.hostname or "", parts.port, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(_MAX_RESPONSE_BYTES)
    except (OSError, http.client.HTTPException) as exc:
        return PostResult(None, f"{type(exc).__name__}: {exc}"[:500])
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return PostResult(response.status, None)
    return PostResult(
        response.status, f"HTTP {response.status} {response.reason}"[:500]
    )
