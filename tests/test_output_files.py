"""Output files: written whole, with the mode the user's umask gives new files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tierdesk.io.tables import write_records


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_output_mode_follows_umask(
    tmp_path: Path, umask_022: None, suffix: str
) -> None:
    target = tmp_path / f"decisions{suffix}"
    write_records([{"a": 1, "b": "x"}], target, ["a", "b"], plain=suffix == ".csv")
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_plain_csv_matches_pandas(tmp_path: Path) -> None:
    records = [
        {
            "id": "T-1",
            "text": 'says "hi", then, leaves',
            "n": 1.5,
            "ok": True,
            "x": None,
        },
        {"id": "T-2", "text": "two\nlines", "n": 60.0, "ok": False, "x": "y"},
    ]
    columns = ["id", "text", "n", "ok", "x"]
    fast, slow = tmp_path / "fast.csv", tmp_path / "slow.csv"
    write_records(records, fast, columns, plain=True)
    write_records(records, slow, columns)
    assert fast.read_bytes() == slow.read_bytes()
