"""Build the bundled banking sample from the BANKING77 data set.

The ticket texts and intent labels are real: BANKING77 by PolyAI (Casanueva et
al. 2020, "Efficient Intent Detection with Dual Sentence Encoders"), licensed
CC BY 4.0 (see LICENSE-BANKING77). The accounts, and each ticket's account,
channel, priority and creation time, are illustrative values drawn here with a
fixed seed; they are not part of BANKING77.

Usage: python examples/banking/make_sample.py PATH/TO/banking77
"""

from __future__ import annotations

import csv
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).parent
SEED = 77
ACCOUNTS = 400
COUNTRIES = ["GB", "IE", "FR", "DE", "ES", "IT", "NL", "PT", "PL", "SE"]
PLANS = [("standard", 0.62), ("plus", 0.2), ("premium", 0.13), ("metal", 0.05)]
CHANNELS = [("chat", 0.5), ("email", 0.25), ("form", 0.2), ("api", 0.05)]
PRIORITIES = [("normal", 0.8), ("high", 0.15), ("low", 0.05)]


def pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def write_accounts(rng: random.Random) -> list[str]:
    ids = [f"ACC-{n:04d}" for n in range(1, ACCOUNTS + 1)]
    with open(HERE / "accounts.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["account_id", "plan", "balance", "relationship_manager", "country"])
        for account_id in ids:
            plan = pick(rng, PLANS)
            balance = round(rng.lognormvariate(8.5, 1.6), 2)
            managed = plan == "metal" and rng.random() < 0.5
            writer.writerow(
                [account_id, plan, balance, "yes" if managed else "no", rng.choice(COUNTRIES)]
            )
    return ids


def write_tickets(rng: random.Random, source: Path, accounts: list[str]) -> None:
    start = datetime(2024, 10, 1, tzinfo=UTC)
    with open(source, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with open(HERE / "tickets.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["id", "subject", "channel", "language", "priority", "account_id",
             "created_at", "category"]
        )
        for n, row in enumerate(rows, start=1):
            created = start + timedelta(seconds=rng.randrange(0, 61 * 86400))
            writer.writerow(
                [
                    f"BNK-{n:05d}",
                    row["text"],
                    pick(rng, CHANNELS),
                    "en",
                    pick(rng, PRIORITIES),
                    rng.choice(accounts),
                    created.isoformat(timespec="seconds"),
                    row["category"],
                ]
            )


def main() -> None:
    source = Path(sys.argv[1])
    rng = random.Random(SEED)
    accounts = write_accounts(rng)
    write_tickets(rng, source / "test.csv", accounts)
    (HERE / "history.csv").write_bytes((source / "train.csv").read_bytes())
    (HERE / "LICENSE-BANKING77").write_bytes((source / "LICENSE").read_bytes())


if __name__ == "__main__":
    main()
