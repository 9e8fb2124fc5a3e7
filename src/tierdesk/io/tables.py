"""Read CSV, XLSX and JSON Lines tables; write CSV, JSON Lines and Parquet atomically.

Row numbers in messages are the ones a spreadsheet shows: for CSV
and XLSX the header is row 1 and the first record row 2; for JSON Lines they
are line numbers.
"""

from __future__ import annotations

import csv
import io
import json
import operator
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tierdesk.errors import InputError

READABLE = (".csv", ".xlsx", ".jsonl", ".ndjson")
WRITABLE = (".csv", ".jsonl", ".parquet")


@dataclass
class Table:
    """Records read from a file, with the column names and each record's row number."""

    path: str
    columns: list[str]
    frame: pd.DataFrame
    first_row: int  # row number of the first record

    def row_number(self, position: int) -> int:
        return self.first_row + position

    def __len__(self) -> int:
        return len(self.frame)

    def require(self, columns: Iterable[str], option: str | None = None) -> None:
        """Raise InputError naming the first missing column and the columns found."""
        for name in columns:
            if name not in self.frame.columns:
                hint = f"; choose another with {option}" if option else ""
                raise InputError(
                    f"missing column {name!r}; columns found: "
                    f"{', '.join(map(str, self.columns)) or '(none)'}{hint}",
                    file=self.path,
                )

    def text(self, column: str) -> list[str]:
        """Return a column as text, with missing values as empty strings."""
        return [_as_text(v) for v in self.frame[column].tolist()]


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN
        return ""
    return str(value)


def read_table(path: str | Path, *, encoding: str = "utf-8") -> Table:
    """Read a CSV, XLSX or JSON Lines file into a Table of text and JSON values."""
    source = Path(path)
    suffix = source.suffix.lower()
    if suffix not in READABLE:
        raise InputError(
            f"unsupported file type {suffix or '(none)'!r}; expected one of "
            f"{', '.join(READABLE)}",
            file=source,
        )
    if not source.is_file():
        raise InputError("file not found", file=source)
    if source.stat().st_size == 0:
        raise InputError(
            "the file is empty; expected a header row and records", file=source
        )
    if suffix == ".xlsx":
        return _read_xlsx(source)
    text = _decode(source, encoding)
    if suffix == ".csv":
        return _read_csv(source, text)
    return _read_jsonl(source, text)


def _decode(source: Path, encoding: str) -> str:
    raw = source.read_bytes()
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not valid {encoding} at line {line} (byte {exc.start}); re-save the "
            "file as UTF-8, or name its encoding with --encoding (e.g. cp1252)",
            file=source,
        ) from None
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}", file=source) from None
    return text.removeprefix("\ufeff")


def _read_csv(source: Path, text: str) -> Table:
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
        )
    except pd.errors.EmptyDataError:
        raise InputError(
            "the file is empty; expected a header row and records", file=source
        ) from None
    except (pd.errors.ParserError, csv.Error) as exc:
        raise InputError(f"invalid CSV: {exc}", file=source) from None
    return _checked(source, frame, first_row=2)


def _read_xlsx(source: Path) -> Table:
    try:
        frame = pd.read_excel(source, dtype=str, engine="openpyxl")
    except ValueError as exc:
        raise InputError(f"cannot read spreadsheet: {exc}", file=source) from None
    except Exception as exc:
        raise InputError(
            f"not a readable XLSX file ({type(exc).__name__})", file=source
        ) from None
    frame = frame.fillna("")
    return _checked(source, frame, first_row=2)


def _read_jsonl(source: Path, text: str) -> Table:
    records: list[dict[str, Any]] = []
    line_numbers: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"invalid JSON: {exc.msg}", file=source, row=number
            ) from None
        if not isinstance(value, dict):
            raise InputError(
                f"expected a JSON object per line, got {type(value).__name__}",
                file=source,
                row=number,
            )
        records.append(value)
        line_numbers.append(number)
    if not records:
        raise InputError("the file has no records", file=source)
    frame = pd.DataFrame.from_records(records)
    table = _checked(source, frame, first_row=1)
    table.frame["__line__"] = line_numbers
    return _JsonlTable(table.path, table.columns, table.frame, 1)


class _JsonlTable(Table):
    def row_number(self, position: int) -> int:
        return int(self.frame["__line__"].iat[position])


def _checked(source: Path, frame: pd.DataFrame, first_row: int) -> Table:
    if frame.empty:
        raise InputError("the file has a header but no records", file=source)
    frame.columns = [str(c).strip() for c in frame.columns]
    return Table(str(source), list(frame.columns), frame, first_row)


def use_default_mode(path: str | Path) -> None:
    """Give a file from `tempfile.mkstemp` the mode a new file would get.

    mkstemp creates files readable by their owner only (0600), so an output
    renamed into place would stay private whatever the user's umask is.
    """
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def check_writable(path: str | Path) -> str:
    """Return the output format for `path`, or raise InputError before any work."""
    suffix = Path(path).suffix.lower()
    if suffix not in WRITABLE:
        raise InputError(
            f"unsupported output type {suffix or '(none)'!r}; expected one of "
            f"{', '.join(WRITABLE)}",
            file=path,
        )
    return suffix


def write_records(
    records: Sequence[Mapping[str, Any]],
    path: str | Path,
    columns: Sequence[str],
    *,
    plain: bool = False,
) -> None:
    """Write records to CSV, JSON Lines or Parquet by the file's extension.

    `plain` promises that every value is a str, int, bool, None or a float
    that is not NaN, so CSV can be written without pandas, faster.

    The file appears complete or not at all: it is written beside the target
    and renamed over it only once finished.
    """
    suffix = check_writable(path)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=".tmp-", suffix=suffix, dir=target.parent
    )
    os.close(handle)
    use_default_mode(temporary)
    try:
        if suffix == ".csv" and plain:
            _write_csv(records, temporary, columns)
            os.replace(temporary, target)
            return
        frame = pd.DataFrame.from_records(list(records), columns=list(columns))
        if suffix == ".csv":
            frame.to_csv(temporary, index=False)
        elif suffix == ".jsonl":
            frame.to_json(temporary, orient="records", lines=True, force_ascii=False)
        else:
            frame.to_parquet(temporary, index=False)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_csv(
    records: Sequence[Mapping[str, Any]], path: str, columns: Sequence[str]
) -> None:
    """Write plain records as CSV the way pandas' to_csv would, without a DataFrame.

    None becomes an empty field and other values their str(), as in pandas.
    Building the DataFrame first took most of the time for large batches.
    """
    row_of = operator.itemgetter(*columns)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        if len(columns) == 1:
            writer.writerows((row_of(record),) for record in records)
        else:
            writer.writerows(map(row_of, records))
