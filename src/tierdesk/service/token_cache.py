"""Tokens a server process checked recently, trusted for a few seconds.

Every request names a token, and checking it costs a database round trip.
A process that keeps the actor of each token it checked for a few seconds
saves that read on most requests. The price is that a revoked token keeps
working for up to that long in a process that used it just before. Only
accepted tokens are kept, so unknown tokens cannot fill the cache.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable

from tierdesk.service.actor import Actor


class TokenCache:
    """Actors by token digest, each kept for `seconds`; 0 keeps none."""

    def __init__(
        self,
        seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = 10_000,
    ) -> None:
        self._seconds = seconds
        self._clock = clock
        self._max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[Actor, float]] = {}

    def get(self, token: str) -> Actor | None:
        """Return the actor of `token` if it was checked less than `seconds` ago."""
        if self._seconds <= 0:
            return None
        key = _key(token)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[1] <= self._clock():
                del self._entries[key]
                return None
            return entry[0]

    def put(self, token: str, actor: Actor) -> None:
        """Keep the actor that a database check of `token` returned."""
        if self._seconds <= 0:
            return
        now = self._clock()
        with self._lock:
            if len(self._entries) >= self._max_entries:
                self._entries = {
                    key: entry for key, entry in self._entries.items() if entry[1] > now
                }
                if len(self._entries) >= self._max_entries:
                    self._entries.clear()
            self._entries[_key(token)] = (actor, now + self._seconds)


def _key(token: str) -> str:
    # The digest, so that a dump of the process's memory contains no usable token.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
