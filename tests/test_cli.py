"""The command line end to end, on a slice of the bundled real sample."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, func, select

from tierdesk.store.schema import DecisionRow, TicketRow

from .conftest import EXAMPLES

BANKING = EXAMPLES / "banking"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tierdesk", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def _slice(
    source: Path,
    target: Path,
    rows: int,
    keep: set[str] | None = None,
    column: str = "category",
) -> Path:
    with open(source, encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        picked = [r for r in reader if keep is None or r[column] in keep][:rows]
    with open(target, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fields)
        writer.writeheader()
        writer.writerows(picked)
    return target


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="module")
def trained(workdir: Path) -> Path:
    """A model trained through the CLI on 2,000 real BANKING77 rows."""
    history = _slice(BANKING / "history.csv", workdir / "history.csv", 2000)
    model = workdir / "banking.model"
    result = run(
        "train",
        str(history),
        "--text",
        "text",
        "--label",
        "category",
        "--out",
        str(model),
        "--report",
        str(workdir / "metrics.json"),
    )
    assert result.returncode == 0, result.stderr
    return model


def test_train_writes_model_and_report(trained: Path, workdir: Path) -> None:
    report = json.loads((workdir / "metrics.json").read_text())
    assert trained.is_file()
    assert 0.5 < report["accuracy"] <= 1.0
    assert 0.0 < report["macro_f1"] <= 1.0
    assert report["test_rows"] == 400
    some = next(iter(report["per_class"].values()))
    assert set(some) == {"precision", "recall", "f1", "support"}


def test_route_end_to_end(trained: Path, workdir: Path) -> None:
    tickets = _slice(BANKING / "tickets.csv", workdir / "tickets.csv", 300)
    database = workdir / "route.db"
    out = workdir / "decisions.csv"
    arguments = [
        "route",
        str(tickets),
        "--policy",
        str(BANKING / "policy.yaml"),
        "--model",
        str(trained),
        "--accounts",
        str(BANKING / "accounts.csv"),
        "--text",
        "subject",
        "--out",
        str(out),
        "--db",
        f"sqlite:///{database}",
    ]
    first = run(*arguments)
    assert first.returncode == 0, first.stderr
    assert "routed 300 tickets under retail-bank-support@1" in first.stdout
    assert "routed to vendor teams" in first.stdout
    assert "300 new tickets" in first.stdout

    decisions = pd.read_csv(out)
    assert len(decisions) == 300
    assert set(decisions["team"]) <= {
        "vendor-cards",
        "vendor-payments",
        "triage",
        "support-specialists",
        "fraud-and-disputes",
        "kyc-specialists",
    }
    assert decisions["reason"].str.len().min() > 10
    assert decisions["confidence"].between(0, 1).all()
    lost = decisions[decisions["inquiry_type"] == "lost_or_compromised"]
    assert (lost["priority"] == "urgent").all()

    second = run(*arguments)
    assert second.returncode == 0, second.stderr
    assert "0 new tickets (300 in all), 0 new decisions (300 in all)" in second.stdout
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(TicketRow)) == 300
        assert connection.scalar(select(func.count()).select_from(DecisionRow)) == 300
    engine.dispose()


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_route_output_formats(trained: Path, workdir: Path, suffix: str) -> None:
    tickets = _slice(BANKING / "tickets.csv", workdir / "few.csv", 20)
    out = workdir / f"decisions{suffix}"
    result = run(
        "route",
        str(tickets),
        "--policy",
        str(BANKING / "policy.yaml"),
        "--model",
        str(trained),
        "--text",
        "subject",
        "--out",
        str(out),
        "--no-store",
    )
    assert result.returncode == 0, result.stderr
    frame = (
        pd.read_json(out, lines=True) if suffix == ".jsonl" else pd.read_parquet(out)
    )
    assert len(frame) == 20
    assert "rule" in frame.columns


def _route_error(
    trained: Path, tickets: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    result = run(
        "route",
        str(tickets),
        "--policy",
        str(BANKING / "policy.yaml"),
        "--model",
        str(trained),
        "--no-store",
        *extra,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    return result


def test_missing_column_lists_columns_found(trained: Path, workdir: Path) -> None:
    tickets = _slice(BANKING / "tickets.csv", workdir / "cols.csv", 5)
    result = _route_error(trained, tickets, "--text", "subjet")
    assert "missing column 'subjet'" in result.stderr
    assert "columns found: id, subject, channel" in result.stderr


def test_empty_file(trained: Path, workdir: Path) -> None:
    empty = workdir / "empty.csv"
    empty.write_text("")
    result = _route_error(trained, empty, "--text", "subject")
    assert "empty" in result.stderr


def test_header_only_file(trained: Path, workdir: Path) -> None:
    header = workdir / "header.csv"
    header.write_text("id,subject\n")
    result = _route_error(trained, header, "--text", "subject")
    assert "no records" in result.stderr


def test_not_utf8(trained: Path, workdir: Path) -> None:
    latin = workdir / "latin.csv"
    latin.write_bytes("id,subject\n1,caf\xe9 card lost\n".encode("latin-1"))
    result = _route_error(trained, latin, "--text", "subject")
    assert "not valid utf-8 at line 2" in result.stderr
    assert "--encoding" in result.stderr
    fixed = run(
        "route",
        str(latin),
        "--policy",
        str(BANKING / "policy.yaml"),
        "--model",
        str(trained),
        "--text",
        "subject",
        "--encoding",
        "cp1252",
        "--no-store",
    )
    assert fixed.returncode == 0, fixed.stderr


def test_rows_without_text_are_counted(trained: Path, workdir: Path) -> None:
    tickets = workdir / "gaps.csv"
    tickets.write_text(
        "id,subject\n1,my card is lost\n2,\n3,exchange rate please\n3,duplicate id\n,no id\n"
    )
    result = run(
        "route",
        str(tickets),
        "--policy",
        str(BANKING / "policy.yaml"),
        "--model",
        str(trained),
        "--text",
        "subject",
        "--no-store",
    )
    assert result.returncode == 0, result.stderr
    assert "routed 2 tickets" in result.stdout
    assert "rows skipped: 3" in result.stdout
    assert "no text: 1 (rows 3)" in result.stdout
    assert "duplicate ticket id: 1 (rows 5)" in result.stdout
    assert "no ticket id: 1 (rows 6)" in result.stdout


def test_jsonl_bad_line_names_row(trained: Path, workdir: Path) -> None:
    tickets = workdir / "bad.jsonl"
    tickets.write_text('{"id": "1", "subject": "card lost"}\n{"id": "2", "subject": \n')
    result = _route_error(trained, tickets, "--text", "subject")
    assert "row 2" in result.stderr
    assert "invalid JSON" in result.stderr


def test_unreadable_model(workdir: Path) -> None:
    broken = workdir / "broken.model"
    broken.write_bytes(b"\x00\x01 not a model")
    result = _route_error(broken, BANKING / "tickets.csv", "--text", "subject")
    assert "not a readable tierdesk model file" in result.stderr


def test_model_for_other_policy(trained: Path, workdir: Path) -> None:
    result = run(
        "route",
        str(BANKING / "tickets.csv"),
        "--policy",
        str(EXAMPLES / "policies" / "ads-partner-support.yaml"),
        "--model",
        str(trained),
        "--text",
        "subject",
        "--no-store",
    )
    assert result.returncode == 1
    assert "trained for other labels" in result.stderr


def test_failed_run_leaves_no_output(trained: Path, workdir: Path) -> None:
    out = workdir / "never.csv"
    result = _route_error(
        trained, workdir / "absent.csv", "--text", "subject", "--out", str(out)
    )
    assert "file not found" in result.stderr
    assert not out.exists()


def test_existing_output_kept_on_failure(trained: Path, workdir: Path) -> None:
    out = workdir / "kept.csv"
    out.write_text("previous complete output\n")
    _route_error(
        trained, workdir / "absent.csv", "--text", "subject", "--out", str(out)
    )
    assert out.read_text() == "previous complete output\n"


def test_unsupported_output_type(trained: Path) -> None:
    result = _route_error(
        trained, BANKING / "tickets.csv", "--text", "subject", "--out", "x.txt"
    )
    assert "unsupported output type '.txt'" in result.stderr


def test_bad_account_value_names_row(trained: Path, workdir: Path) -> None:
    accounts = workdir / "accounts.csv"
    accounts.write_text("account_id,balance\nA-1,100\nA-2,lots\n")
    result = _route_error(
        trained,
        BANKING / "tickets.csv",
        "--text",
        "subject",
        "--accounts",
        str(accounts),
    )
    assert "row 3" in result.stderr
    assert "column 'balance'" in result.stderr
    assert "expected a finite number" in result.stderr


def test_train_label_with_one_example_warns(workdir: Path) -> None:
    history = workdir / "tiny.csv"
    rows = (
        ["text,label"]
        + [f"card {i} lost,lost" for i in range(12)]
        + [f"rate {i} for euro,rate" for i in range(12)]
        + ["where is my pin,pin"]
    )
    history.write_text("\n".join(rows) + "\n")
    result = run(
        "train",
        str(history),
        "--text",
        "text",
        "--label",
        "label",
        "--out",
        str(workdir / "tiny.model"),
    )
    assert result.returncode == 0, result.stderr
    assert "1 labels have one example" in result.stdout


def test_train_missing_label_column(workdir: Path) -> None:
    result = run(
        "train",
        str(BANKING / "history.csv"),
        "--text",
        "text",
        "--label",
        "intent",
        "--out",
        str(workdir / "x.model"),
    )
    assert result.returncode == 1
    assert "missing column 'intent'; columns found: text, category" in result.stderr
    assert not (workdir / "x.model").exists()


def test_policy_check_reports_errors(tmp_path: Path, small_policy_text: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(small_policy_text.replace("team: product,", "team: nobody,"))
    result = run("policy", "check", str(bad))
    assert result.returncode == 1
    assert "routing.rules[1].then.team: unknown team 'nobody'" in result.stderr
    assert "Traceback" not in result.stderr


def test_policy_check_valid() -> None:
    result = run("policy", "check", str(BANKING / "policy.yaml"))
    assert result.returncode == 0
    assert "valid policy retail-bank-support@1" in result.stdout


def test_policy_explain_with_model(trained: Path) -> None:
    ticket = json.dumps(
        {
            "subject": "my card was stolen",
            "account": {"plan": "standard", "balance": 10},
        }
    )
    result = run(
        "policy",
        "explain",
        str(BANKING / "policy.yaml"),
        "--ticket",
        ticket,
        "--model",
        str(trained),
    )
    assert result.returncode == 0, result.stderr
    assert "rule          security" in result.stdout
    assert "high-balance: failed balance gte 100000 (value: 10)" in result.stdout


def test_policy_explain_without_model(tmp_path: Path) -> None:
    ticket = tmp_path / "t.json"
    ticket.write_text(
        json.dumps(
            {"inquiry_type": "fees", "confidence": 0.9, "account": {"plan": "premium"}}
        )
    )
    result = run(
        "policy", "explain", str(BANKING / "policy.yaml"), "--ticket", f"@{ticket}"
    )
    assert result.returncode == 0, result.stderr
    assert (
        "security: failed inquiry_type eq lost_or_compromised (value: 'fees')"
        in result.stdout
    )
    assert "payments-vendor: matched" in result.stdout


def test_policy_explain_bad_json() -> None:
    result = run(
        "policy", "explain", str(BANKING / "policy.yaml"), "--ticket", "{not json"
    )
    assert result.returncode == 1
    assert "invalid JSON" in result.stderr


def test_policy_explain_unknown_type() -> None:
    result = run(
        "policy",
        "explain",
        str(BANKING / "policy.yaml"),
        "--ticket",
        '{"inquiry_type": "crypto"}',
    )
    assert result.returncode == 1
    assert "unknown inquiry type 'crypto'" in result.stderr


def test_parallel_workers_give_same_decisions(trained: Path, workdir: Path) -> None:
    # Three times the sample, with new ids, so that the work spans several chunks.
    source = pd.read_csv(BANKING / "tickets.csv")
    copies = [source.assign(id=source["id"] + f"-{n}") for n in range(3)]
    tickets = workdir / "parallel.csv"
    pd.concat(copies).to_csv(tickets, index=False)
    outputs = []
    for workers in ("1", "2"):
        out = workdir / f"workers-{workers}.csv"
        result = run(
            "route", str(tickets), "--policy", str(BANKING / "policy.yaml"),
            "--model", str(trained), "--accounts", str(BANKING / "accounts.csv"),
            "--text", "subject", "--out", str(out), "--no-store", "--workers", workers,
        )
        assert result.returncode == 0, result.stderr
        outputs.append(out.read_text())
    assert outputs[0] == outputs[1]


def test_demo_runs_from_another_folder(workdir: Path) -> None:
    # The README's main command: the package must find the bundled sample by
    # itself, whatever the working directory.
    result = run("demo", "--db", f"sqlite:///{workdir / 'demo.db'}", cwd=workdir)
    assert result.returncode == 0, result.stderr
    decisions = pd.read_csv(workdir / "tierdesk-output" / "decisions.csv")
    assert len(decisions) == 3080
    assert decisions["team"].notna().all()
    assert (workdir / "demo.db").stat().st_size > 0


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TIERDESK_MAX_BODY_BYTES", "abc"),
        ("TIERDESK_DEBUG", "maybe"),
        ("TIERDESK_LOG_LEVEL", "LOUD"),
    ],
)
def test_invalid_setting_one_line(variable: str, value: str) -> None:
    command = ["policy", "check", str(BANKING / "policy.yaml")]
    result = subprocess.run(
        [sys.executable, "-m", "tierdesk", *command],
        capture_output=True,
        text=True,
        env={**os.environ, variable: value},
        check=False,
    )
    assert result.returncode == 1
    assert f"invalid environment variable {variable}={value!r}" in result.stderr
    assert "Traceback" not in result.stderr


def test_sigterm_stops_workers_cleanly(trained: Path, tmp_path: Path) -> None:
    source = pd.read_csv(BANKING / "tickets.csv")
    copies = [source.assign(id=source["id"] + f"-{n}") for n in range(80)]
    tickets = tmp_path / "sigterm-tickets.csv"
    pd.concat(copies).to_csv(tickets, index=False)
    out_dir = tmp_path / "out"
    process = subprocess.Popen(
        [
            sys.executable, "-m", "tierdesk", "route", str(tickets),
            "--policy", str(BANKING / "policy.yaml"), "--model", str(trained),
            "--text", "subject", "--no-store", "--workers", "2",
            "--out", str(out_dir / "decisions.csv"),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(4)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    assert "terminated" in stderr
    leftovers = list(out_dir.iterdir()) if out_dir.exists() else []
    assert leftovers == []
    # Forked workers carry the parent's command line, file name included.
    time.sleep(1)
    survivors = subprocess.run(
        ["pgrep", "-f", str(tickets)], capture_output=True, text=True, check=False
    )
    assert survivors.stdout == ""
