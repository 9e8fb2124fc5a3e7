"""The `tierdesk train` job: read labelled history, train, evaluate, write the model."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tierdesk.accounts import convert_attribute
from tierdesk.classify.kinds import estimator_factory
from tierdesk.classify.modelfile import library_versions, save_model
from tierdesk.classify.train import (
    TrainingData,
    prepare_training_data,
    train_and_evaluate,
)
from tierdesk.digest import file_digest
from tierdesk.errors import InputError
from tierdesk.io.tables import Table, read_table, use_default_mode


@dataclass(frozen=True)
class TrainOptions:
    text_columns: tuple[str, ...]
    label_column: str
    one_touch_column: str | None = None
    kind: str = "linear"
    encoding: str = "utf-8"
    seed: int = 0
    test_size: float = 0.2


@dataclass
class TrainOutcome:
    metrics: dict[str, Any]
    warnings: list[str]


def _training_data(table: Table, options: TrainOptions) -> TrainingData:
    columns = [*options.text_columns, options.label_column]
    table.require(options.text_columns, "--text")
    table.require([options.label_column], "--label")
    one_touch = None
    if options.one_touch_column:
        columns.append(options.one_touch_column)
        table.require([options.one_touch_column], "--one-touch")
        one_touch = [
            None
            if not value.strip()
            else convert_attribute(
                value,
                "boolean",
                file=table.path,
                row=table.row_number(i),
                column=options.one_touch_column,
            )
            for i, value in enumerate(table.text(options.one_touch_column))
        ]
    parts = [table.text(c) for c in options.text_columns]
    texts = ["\n".join(p for p in row if p.strip()) for row in zip(*parts, strict=True)]
    labels = table.text(options.label_column)
    rows = [table.row_number(i) for i in range(len(table))]
    data = prepare_training_data(texts, labels, rows, one_touch)
    if not data.texts:
        raise InputError(
            "no usable rows: every row lacks text or a label", file=table.path
        )
    return data


def _skip_warnings(data: TrainingData, path: Path) -> list[str]:
    return [
        f"{path}: skipped {count} rows with {reason} (rows "
        f"{', '.join(map(str, data.skipped_rows[reason][:5]))}"
        f"{', ...' if count > 5 else ''})"
        for reason, count in data.skipped.items()
    ]


def run_training(
    history: Path,
    out_path: Path,
    options: TrainOptions,
    *,
    test_path: Path | None = None,
    report_path: Path | None = None,
) -> TrainOutcome:
    """Train on `history`, evaluate, and write the model (and report) atomically."""
    make_estimator = estimator_factory(options.kind, random_state=options.seed)
    data = _training_data(read_table(history, encoding=options.encoding), options)
    warnings = _skip_warnings(data, history)
    test = None
    if test_path is not None:
        test = _training_data(read_table(test_path, encoding=options.encoding), options)
        warnings += _skip_warnings(test, test_path)
    result = train_and_evaluate(
        data,
        make_estimator,
        test=test,
        test_size=options.test_size,
        seed=options.seed,
    )
    metrics = result.metrics
    training_data = {
        "file": history.name,
        "sha256": file_digest(history),
        "rows": len(data.texts),
        "text_columns": list(options.text_columns),
        "label_column": options.label_column,
        "one_touch_column": options.one_touch_column,
    }
    parameters = result.bundle.inquiry.get_params()
    # Training is deterministic for a given seed, so the same data, options and
    # library versions give the same model id; routing stores decisions per id.
    identity = {
        "training_data": training_data,
        "test_data": file_digest(test_path) if test_path else None,
        "options": asdict(options),
        "parameters": parameters,
        "versions": library_versions(),
    }
    model_id = hashlib.sha256(
        json.dumps(identity, sort_keys=True, default=str).encode()
    ).hexdigest()
    result.bundle.metadata = {
        "model_id": model_id,
        "kind": options.kind,
        "labels": result.bundle.labels,
        "training_data": training_data,
        "parameters": parameters,
        "metrics": {k: v for k, v in metrics.items() if k != "per_class"},
        "created_at": datetime.now(UTC).isoformat(),
    }
    save_model(result.bundle, out_path)
    if report_path is not None:
        write_json(report_path, metrics)
    return TrainOutcome(metrics, warnings + result.warnings)


def write_json(path: Path, value: Any) -> None:
    """Write JSON atomically: the file is complete or absent, never partial."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    use_default_mode(temporary)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(value, stream, indent=2, sort_keys=False)
            stream.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
