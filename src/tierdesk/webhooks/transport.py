"""One HTTP POST of a webhook body, with a timeout and no redirects followed."""

from __future__ import annotations

import http.client
import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

# Bytes of the response read before the connection is closed; the body is
# not kept, only the status code.
_MAX_RESPONSE_BYTES = 65_536
# IPv6 prefix of NAT64 (RFC 6052), whose last 32 bits are an IPv4 address.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def is_link_local(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Return whether `address` reaches a link-local host, such as cloud metadata.

    Besides 169.254.0.0/16 and fe80::/10 this covers IPv6 spellings of a
    link-local IPv4 address: IPv4-mapped, IPv4-compatible and NAT64.
    """
    if address.is_link_local:
        return True
    if isinstance(address, ipaddress.IPv4Address):
        return False
    embedded = address.ipv4_mapped
    if embedded is None and (address in _NAT64 or int(address) < 2**32):
        embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return embedded is not None and embedded.is_link_local


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
        connection.connect()
        # The URL was checked when it was stored, but a host name can resolve
        # to any address, so the address actually connected to is checked too.
        peer = ipaddress.ip_address(connection.sock.getpeername()[0].split("%")[0])
        if is_link_local(peer):
            return PostResult(
                None, f"refused: {parts.hostname} resolved to link-local {peer}"
            )
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
