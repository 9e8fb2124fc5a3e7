"""Group commit: requests that arrive together are written in one transaction.

Each request thread hands its item to `GroupCommit.submit` and waits. The first
thread to arrive while no batch is being written becomes the leader. The leader
writes every item waiting at that moment, its own first, in one call. It hands
each waiting thread its outcome and makes the oldest item still waiting the
next leader. Under light load a batch contains one item and costs nothing
extra. Under heavy load the batches grow by themselves, so the transactions,
commits and round trips per item fall. Nothing waits on a timer.

When a batch of several items fails, each item is written again alone, so one
bad item fails only its own request and the others are still stored. Errors
that no item causes alone, such as a database that is unreachable, fail the
whole batch at once when `retry_alone` returns False for them.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


class _Slot(Generic[Item, Outcome]):
    __slots__ = ("done", "error", "item", "outcome", "ready", "written")

    def __init__(self, item: Item) -> None:
        self.item = item
        self.ready = threading.Event()
        self.outcome: Outcome | None = None
        self.error: BaseException | None = None
        self.done = False
        self.written = False

    def result(self) -> Outcome:
        if self.error is not None:
            raise self.error
        return self.outcome  # type: ignore[return-value]


class GroupCommit(Generic[Item, Outcome]):
    """Batches items from concurrent threads into calls of `write`.

    `write` takes a list of items and returns their outcomes in the same
    order, writing all of them in one transaction or none. It runs in the
    thread of one of the callers, never in two threads at once.
    """

    def __init__(
        self,
        write: Callable[[Sequence[Item]], Sequence[Outcome]],
        *,
        max_batch: int = 64,
        retry_alone: Callable[[Exception], bool] = lambda exc: True,
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._write = write
        self._retry_alone = retry_alone
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._waiting: deque[_Slot[Item, Outcome]] = deque()
        self._writing = False

    def submit(self, item: Item) -> Outcome:
        """Write `item` with whatever else is waiting; return its outcome or raise."""
        slot: _Slot[Item, Outcome] = _Slot(item)
        with self._lock:
            self._waiting.append(slot)
            lead = not self._writing
            self._writing = True
        if not lead:
            # Woken either with the outcome or to lead the next batch.
            slot.ready.wait()
            if slot.done:
                return slot.result()
        self._lead()
        return slot.result()

    def _lead(self) -> None:
        with self._lock:
            count = min(len(self._waiting), self._max_batch)
            batch = [self._waiting.popleft() for _ in range(count)]
        try:
            self._write_batch(batch)
        finally:
            for slot in batch:
                if not slot.written and slot.error is None:
                    slot.error = RuntimeError("the batch was interrupted")
                slot.done = True
                slot.ready.set()
            with self._lock:
                if self._waiting:
                    # The oldest waiting thread leads next; it is still blocked
                    # in submit and wakes up without an outcome.
                    self._waiting[0].ready.set()
                else:
                    self._writing = False

    def _write_batch(self, batch: list[_Slot[Item, Outcome]]) -> None:
        try:
            outcomes = self._write([slot.item for slot in batch])
        except Exception as exc:
            if len(batch) == 1 or not self._retry_alone(exc):
                for slot in batch:
                    slot.error = exc
                return
            # Find the item that failed: each is written alone. The exception's
            # class only: its message may quote values from the request.
            logger.info(
                "a batch of %d failed with %s; writing its items one at a time",
                len(batch),
                type(exc).__name__,
            )
            for slot in batch:
                self._write_batch([slot])
            return
        for slot, outcome in zip(batch, outcomes, strict=True):
            slot.outcome = outcome
            slot.written = True
