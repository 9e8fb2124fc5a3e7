"""Fixtures for the support service: a policy with escalation paths, a clock, a
database on each backend with that policy active, and a small trained model."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tierdesk.classify.linear import LinearInquiryClassifier
from tierdesk.classify.modelfile import ModelBundle, save_model
from tierdesk.service.actor import Actor, Role
from tierdesk.service.agents import AgentInput, create_agent
from tierdesk.service.context import ServiceConfig, ServiceContext
from tierdesk.service.policies import upload_policy
from tierdesk.store.db import make_engine, upgrade

from ..conftest import EXAMPLES

# A Wednesday, 11:00 in London: every calendar of the policy is open.
WEDNESDAY = datetime(2024, 5, 8, 10, 0, tzinfo=UTC)
# A Saturday, when the product team's office calendar is closed.
SATURDAY = datetime(2024, 5, 11, 10, 0, tzinfo=UTC)

ADMIN = Actor(name="admin-test", role=Role.ADMIN)

SERVICE_POLICY = """\
id: service-test
name: Service test policy
version: 1
account_attributes:
  plan: {type: string, values: [free, pro, enterprise]}
segments:
  - {id: enterprise, name: Enterprise, min_agent_level: 2}
  - {id: standard, name: Standard}
segment_rules:
  - {id: big, segment: enterprise, when: {plan: enterprise}}
  - {id: rest, segment: standard}
calendars:
  - id: office
    name: London office
    timezone: Europe/London
    hours: {mon: "09:00-17:00", tue: "09:00-17:00", wed: "09:00-17:00",
            thu: "09:00-17:00", fri: "09:00-17:00"}
inquiry_types:
  - {id: cards, name: Cards, complexity: simple,
     labels: [card_arrival, lost_or_stolen_card]}
  - {id: money, name: Money, complexity: simple, labels: [exchange_rate, top_up_failed]}
  - {id: identity, name: Identity, complexity: complex, labels: [verify_my_identity]}
  - {id: refunds, name: Refunds, complexity: complex, labels: [request_refund]}
tiers:
  - {id: frontline, name: Frontline, rank: 1}
  - {id: escalation, name: Escalation, rank: 2}
teams:
  - {id: vendor, name: Vendor frontline, tier: frontline, kind: vendor,
     timezone: UTC, cost_per_ticket: 4, assignment: {mode: round_robin}}
  - {id: specialists, name: Support specialists, tier: frontline, kind: in_house,
     timezone: Europe/London, cost_per_ticket: 20,
     assignment: {mode: least_loaded}}
  - {id: product, name: Product specialists, tier: escalation, kind: in_house,
     timezone: Europe/London, calendar: office, cost_per_ticket: 60,
     assignment: {mode: skills_first, skills_timeout: 30m,
                  fallback_team: specialists}}
  - {id: triage, name: Triage desk, tier: frontline, kind: vendor, timezone: UTC,
     cost_per_ticket: 3}
sla_policies:
  - id: standard
    name: Standard
    targets:
      - {segment: enterprise, first_response: 1h, resolution: 8h}
      - {segment: standard, first_response: 8h, resolution: 2d}
routing:
  min_confidence: 0.3
  triage_team: triage
  rules:
    - id: enterprise
      when: {segment: enterprise}
      then: {team: specialists, sla_policy: standard}
    - id: complex
      when: {complexity: complex}
      then: {team: product, sla_policy: standard}
    - id: default
      then: {team: vendor, sla_policy: standard}
escalation_paths:
  - {id: main, teams: [vendor, specialists, product]}
  - {id: triage, teams: [triage, specialists]}
escalation_rules:
  - {id: reopened-twice, trigger: reopened, min_reopens: 2}
  - {id: unhappy, trigger: csat, max_score: 2}
  - {id: at-risk, trigger: sla_at_risk}
"""

MODEL_LABELS = [
    "card_arrival",
    "lost_or_stolen_card",
    "exchange_rate",
    "top_up_failed",
    "verify_my_identity",
    "request_refund",
]


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(WEDNESDAY)


@pytest.fixture(scope="session")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A classifier trained on forty real BANKING77 questions of each of six intents."""
    texts: list[str] = []
    labels: list[str] = []
    counts = dict.fromkeys(MODEL_LABELS, 0)
    with open(EXAMPLES / "banking" / "history.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            label = row["category"]
            if label in counts and counts[label] < 40:
                counts[label] += 1
                texts.append(row["text"])
                labels.append(label)
    model = LinearInquiryClassifier(calibration_folds=2).fit(texts, labels)
    path = tmp_path_factory.mktemp("model") / "service.model"
    save_model(ModelBundle(model, None, {"model_id": "s" * 64}), path)
    return path


def make_context(database_url: str, model_path: Path | None = None) -> ServiceContext:
    engine = make_engine(database_url)
    upgrade(engine)
    context = ServiceContext(engine, ServiceConfig(model_path=model_path))
    upload_policy(context, ADMIN, SERVICE_POLICY, WEDNESDAY)
    return context


@pytest.fixture
def context(database_url: str) -> Iterator[ServiceContext]:
    """A fresh database on each backend with the service policy active."""
    context = make_context(database_url)
    yield context
    context.engine.dispose()


def add_agent(
    context: ServiceContext,
    agent_id: str,
    teams: list[str],
    *,
    capacity: int = 5,
    level: int = 1,
    skills: list[str] | None = None,
    presence: str = "online",
    now: datetime = WEDNESDAY,
) -> None:
    create_agent(
        context,
        ADMIN,
        AgentInput(
            id=agent_id,
            name=agent_id.title(),
            teams=teams,
            capacity=capacity,
            level=level,
            skills=skills or [],
            presence=presence,  # type: ignore[arg-type]
        ),
        now,
    )
