"""The group commit: concurrent items share batches, and a bad item fails alone."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import pytest

from tierdesk.service.group_commit import GroupCommit


class Recorder:
    """A write function that records its batches and can be held or fail."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.release = threading.Event()
        self.release.set()
        self.entered = threading.Event()

    def __call__(self, items: Sequence[int]) -> list[int]:
        self.entered.set()
        self.release.wait(timeout=10)
        if any(item < 0 for item in items):
            raise ValueError(f"negative item in {list(items)}")
        self.batches.append(list(items))
        return [item * 10 for item in items]


def submit_all(group: GroupCommit[int, int], items: list[int]) -> dict[int, object]:
    outcomes: dict[int, object] = {}

    def run(item: int) -> None:
        try:
            outcomes[item] = group.submit(item)
        except ValueError as exc:
            outcomes[item] = exc

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    return outcomes


def test_single_item_is_written_alone() -> None:
    recorder = Recorder()
    group = GroupCommit(recorder)
    assert group.submit(4) == 40
    assert recorder.batches == [[4]]


def submit_during_first_write(
    items: list[int], **options: Any
) -> tuple[Recorder, dict[int, object]]:
    """Submit item 1, then `items` while item 1 is being written; return all."""
    recorder = Recorder()
    group: GroupCommit[int, int] = GroupCommit(recorder, **options)
    recorder.release.clear()
    first = threading.Thread(target=group.submit, args=(1,))
    first.start()
    assert recorder.entered.wait(timeout=10)
    outcomes: dict[int, object] = {}
    waiting = threading.Thread(target=lambda: outcomes.update(submit_all(group, items)))
    waiting.start()
    while len(group._waiting) < len(items):
        threading.Event().wait(0.01)
    recorder.release.set()
    first.join(timeout=10)
    waiting.join(timeout=10)
    return recorder, outcomes


def test_late_items_share_the_next_batch() -> None:
    recorder, outcomes = submit_during_first_write(list(range(2, 10)))
    assert recorder.batches[0] == [1]
    assert sorted(recorder.batches[1]) == list(range(2, 10))
    assert len(recorder.batches) == 2
    assert outcomes == {item: item * 10 for item in range(2, 10)}


def test_every_thread_gets_its_own_outcome() -> None:
    recorder = Recorder()
    group = GroupCommit(recorder, max_batch=5)
    outcomes = submit_all(group, list(range(1, 41)))
    assert outcomes == {item: item * 10 for item in range(1, 41)}
    assert all(len(batch) <= 5 for batch in recorder.batches)
    assert sorted(item for batch in recorder.batches for item in batch) == list(
        range(1, 41)
    )


def test_bad_item_fails_alone(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="tierdesk.service.group_commit")
    recorder, result = submit_during_first_write([2, -3, 4])
    assert "a batch of 3 failed with ValueError" in caplog.text
    assert result[2] == 20
    assert result[4] == 40
    assert isinstance(result[-3], ValueError)
    # The failed batch was written again item by item.
    written = [item for batch in recorder.batches for item in batch]
    assert sorted(written) == [1, 2, 4]


def test_shared_failure_fails_whole_batch() -> None:
    recorder, result = submit_during_first_write(
        [2, -3, 4], retry_alone=lambda exc: False
    )
    for item in (2, -3, 4):
        assert isinstance(result[item], ValueError)
    # Written once as a batch, never item by item.
    assert recorder.batches == [[1]]


def test_max_batch_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_batch"):
        GroupCommit(Recorder(), max_batch=0)
