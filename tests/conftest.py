"""Shared fixtures: example paths, a small valid policy, and database engines."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SHARED_DATA = Path(
    os.environ.get("TIERDESK_SHARED_DATA", ROOT.parent / "shared" / "data")
)
POSTGRES_ADMIN_URL = os.environ.get(
    "TIERDESK_TEST_POSTGRES_URL",
    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
)
# CI sets this so that an unreachable PostgreSQL fails the run instead of
# skipping the storage tests.
REQUIRE_POSTGRES = os.environ.get("TIERDESK_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    engine = sqlalchemy.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
    except sqlalchemy.exc.OperationalError as exc:
        engine.dispose()
        if REQUIRE_POSTGRES:
            pytest.fail(
                f"PostgreSQL at {POSTGRES_ADMIN_URL} is unreachable: {exc.orig}"
            )
        pytest.skip(f"PostgreSQL at {POSTGRES_ADMIN_URL} is unreachable")
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_url(postgres_admin: Engine) -> Iterator[str]:
    """Create an empty database for one test and drop it afterwards."""
    name = f"tierdesk_test_{uuid.uuid4().hex[:12]}"
    with postgres_admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = postgres_admin.url.set(database=name)
    yield url.render_as_string(hide_password=False)
    with postgres_admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tierdesk.db'}"
    return request.getfixturevalue("postgres_url")


SMALL_POLICY = """\
id: small
name: Small test policy
version: 3
account_attributes:
  spend: {type: number}
  managed: {type: boolean}
  country: {type: string}
segments:
  - {id: enterprise, name: Enterprise}
  - {id: smb, name: SMB}
segment_rules:
  - id: big
    segment: enterprise
    when: {spend: {gte: 100000}}
  - id: managed
    segment: enterprise
    when: {managed: true}
  - id: rest
    segment: smb
inquiry_types:
  - {id: password_reset, name: Password reset, complexity: simple}
  - {id: billing, name: Billing, complexity: simple, labels: [invoice, refund]}
  - {id: ad_delivery, name: Ad delivery, complexity: complex}
tiers:
  - {id: frontline, name: Frontline, rank: 1}
  - {id: escalation, name: Escalation, rank: 2}
teams:
  - {id: vendor, name: Vendor, tier: frontline, kind: vendor, timezone: Europe/Lisbon,
     cost_per_ticket: 5}
  - {id: specialists, name: Specialists, tier: frontline, kind: in_house,
     timezone: Europe/Dublin, cost_per_ticket: 25}
  - {id: product, name: Product specialists, tier: escalation, kind: in_house,
     timezone: America/New_York, cost_per_ticket: 60}
  - {id: triage, name: Triage, tier: frontline, kind: vendor, timezone: UTC,
     cost_per_ticket: 3}
sla_policies:
  - id: standard
    name: Standard
    targets:
      - {segment: enterprise, priority: urgent, first_response: 30m, resolution: 4h}
      - {segment: enterprise, first_response: 2h, resolution: 8h}
      - {segment: smb, first_response: 8h, resolution: 2d}
routing:
  min_confidence: 0.5
  triage_team: triage
  rules:
    - id: enterprise
      when: {segment: enterprise}
      then: {team: specialists, sla_policy: standard, tags: [vip]}
    - id: complex
      when: {complexity: complex}
      then: {team: product, sla_policy: standard}
    - id: unsure-billing
      when: {inquiry_type: billing, confidence: {lt: 0.8}}
      then: {team: specialists, sla_policy: standard}
    - id: simple
      when: {complexity: simple, account.country: {ne: US}}
      then: {team: vendor, sla_policy: standard, priority: low}
    - id: default
      then: {team: specialists, sla_policy: standard}
"""


@pytest.fixture
def small_policy_text() -> str:
    return SMALL_POLICY
