"""The synthetic support system that benchmarks/simulate_large.py replays.

It has three teams (a 24x7 vendor frontline, in-house specialists and product
specialists), 500 agents and 20 inquiry types. Stints are drawn from fixed
distributions instead of a log, so the benchmark needs no data, and both
simulators draw from exactly the same stints.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from tierdesk.policy import parse_policy
from tierdesk.policy.model import Policy
from tierdesk.simulate.behaviour import BehaviourModel
from tierdesk.simulate.history import HistoryInput
from tierdesk.simulate.routes import ReplayTicket
from tierdesk.simulate.staffing import StaffingPlan, parse_staffing
from tierdesk.simulate.stints import (
    CLOSED,
    MOVED,
    ON_HOLD,
    PENDING,
    SOLVED,
    WORK,
    StintArrays,
)

TYPES = [f"type-{number:02d}" for number in range(20)]
HOUR = 3600.0


def policy_text(hours: str) -> str:
    """Return the benchmark policy; `hours` "calendars" or "24x7" for every team."""
    if hours == "24x7":
        specialists = product = ""
    else:
        specialists = "    calendar: long-days\n"
        product = "    calendar: office\n"
    types = "\n".join(
        f"  - {{id: {t}, name: {t}, complexity: {'simple' if i < 12 else 'complex'}}}"
        for i, t in enumerate(TYPES)
    )
    return f"""\
id: bench
name: Benchmark support
version: 1
calendars:
  - id: long-days
    name: Specialists, every day 06:00-24:00
    timezone: Europe/Dublin
    hours: {{mon: "06:00-24:00", tue: "06:00-24:00", wed: "06:00-24:00",
            thu: "06:00-24:00", fri: "06:00-24:00", sat: "06:00-24:00",
            sun: "06:00-24:00"}}
  - id: office
    name: Product specialists, weekdays 09:00-17:00
    timezone: Europe/Dublin
    hours: {{mon: "09:00-17:00", tue: "09:00-17:00", wed: "09:00-17:00",
            thu: "09:00-17:00", fri: "09:00-17:00"}}
    holiday_feeds: [{{country: IE}}]
segments:
  - {{id: enterprise, name: Enterprise}}
  - {{id: smb, name: SMB}}
segment_rules:
  - {{id: big, segment: enterprise, when: {{plan: enterprise}}}}
  - {{id: rest, segment: smb}}
account_attributes:
  plan: {{type: string, values: [enterprise, standard]}}
inquiry_types:
{types}
tiers:
  - {{id: frontline, name: Frontline, rank: 1}}
  - {{id: escalation, name: Escalation, rank: 2}}
teams:
  - {{id: vendor, name: Vendor, tier: frontline, kind: vendor, timezone: UTC,
     cost_per_ticket: 4}}
  - id: specialists
    name: Support specialists
    tier: frontline
    kind: in_house
    timezone: Europe/Dublin
{specialists}    cost_per_ticket: 20
  - id: product
    name: Product specialists
    tier: escalation
    kind: in_house
    timezone: Europe/Dublin
{product}    cost_per_ticket: 60
sla_policies:
  - id: standard
    name: Standard
    targets:
      - {{segment: enterprise, first_response: 30m, resolution: 4h}}
      - {{segment: smb, first_response: 2h, resolution: 1d}}
escalation_paths:
  - {{id: main, teams: [vendor, product]}}
routing:
  rules:
    - id: enterprise
      when: {{segment: enterprise}}
      then: {{team: specialists, sla_policy: standard}}
    - id: complex
      when: {{complexity: complex}}
      then: {{team: specialists, sla_policy: standard}}
    - id: default
      then: {{team: vendor, sla_policy: standard}}
"""


STAFFING = """\
id: bench
teams:
  vendor: {agents: 220, capacity: 1}
  specialists: {agents: 230, capacity: 2}
  product: {agents: 50, capacity: 7}
"""


def load_system(hours: str) -> tuple[Policy, StaffingPlan]:
    policy = parse_policy(policy_text(hours), "bench.yaml").policy
    return policy, parse_staffing(STAFFING, "bench-staffing.yaml")


WORK_MEDIAN = {"vendor": 0.2 * HOUR, "specialists": 0.6 * HOUR, "product": 1 * HOUR}
# Share of stints that end by moving the ticket to another team.
MOVES = {"vendor": 0.08, "specialists": 0.10, "product": 0.05}
FIELDS = (
    "team",
    "entry",
    "latency",
    "reply",
    "outcome",
    "destination",
    "reopen_delay",
    "reopen_team",
    "first",
    "count",
)


def behaviour(policy: Policy, stints_per_pool: int, seed: int) -> BehaviourModel:
    """Draw stints per (type, team, phase) from fixed distributions."""
    generator = np.random.default_rng(seed)
    rows: dict[str, list] = {name: [] for name in FIELDS}
    kinds: list[int] = []
    seconds: list[float] = []
    keys: list[str] = []
    for key in TYPES:
        for team in ("vendor", "specialists", "product"):
            for entry in (True, False):
                for _ in range(stints_per_pool):
                    row = _stint(generator, team, entry, kinds, seconds)
                    for name in FIELDS:
                        rows[name].append(row[name])
                    keys.append(key)

    count = len(keys)
    stints = StintArrays(
        ticket=np.zeros(count, dtype=np.int64),
        team=rows["team"],
        entry=np.array(rows["entry"]),
        start_at=np.zeros(count),
        pickup_at=np.zeros(count),
        end_at=np.zeros(count),
        latency=np.array(rows["latency"]),
        reply_offset=np.array(rows["reply"]),
        outcome=np.array(rows["outcome"], dtype=np.int8),
        destination=rows["destination"],
        reopen_delay=np.array(rows["reopen_delay"]),
        reopen_team=rows["reopen_team"],
        segment_first=np.array(rows["first"], dtype=np.int64),
        segment_count=np.array(rows["count"], dtype=np.int64),
        segment_kind=np.array(kinds, dtype=np.int8),
        segment_seconds=np.array(seconds),
    )
    codes = {key: code for code, key in enumerate(TYPES)}
    return BehaviourModel(
        stints=stints,
        keys=list(TYPES),
        stint_key=np.array([codes[k] for k in keys], dtype=np.int64),
        team_tier={t.id: t.tier for t in policy.teams},
        team_rank={t.id: policy.tiers_by_id[t.tier].rank for t in policy.teams},
        min_samples=1,
        censored=0,
        tickets_without_team=0,
        unknown_teams=Counter(),
    )


def _stint(
    generator: np.random.Generator,
    team: str,
    entry: bool,
    kinds: list[int],
    seconds: list[float],
) -> dict[str, object]:
    """Draw one stint; its pieces go to `kinds` and `seconds`."""
    row: dict[str, object] = {
        "team": team,
        "entry": entry,
        "latency": 0.0 if entry else float(generator.exponential(0.25 * HOUR)),
        "reply": float(generator.exponential(60.0)) if entry else np.nan,
        "first": len(kinds),
    }
    kinds.append(WORK)
    seconds.append(float(generator.lognormal(np.log(WORK_MEDIAN[team]), 0.8)))
    row["count"] = 1
    if generator.random() < 0.2:
        kinds.append(PENDING if generator.random() < 0.7 else ON_HOLD)
        seconds.append(float(generator.exponential(3 * HOUR)))
        kinds.append(WORK)
        seconds.append(float(generator.lognormal(np.log(WORK_MEDIAN[team] / 2), 0.6)))
        row["count"] = 3

    draw = generator.random()
    if draw < MOVES[team]:
        row["outcome"] = MOVED
        row["destination"] = "product" if team != "product" else "specialists"
    else:
        row["outcome"] = CLOSED if draw > 0.97 else SOLVED
        row["destination"] = None
    reopened = generator.random() < 0.04
    row["reopen_delay"] = (
        float(generator.exponential(24 * HOUR)) if reopened else np.nan
    )
    row["reopen_team"] = team if reopened else None
    return row


def history(policy: Policy, tickets: int, days: float, seed: int) -> HistoryInput:
    """Return `tickets` arrivals spread over `days`, busier on weekdays and by day."""
    generator = np.random.default_rng(seed)
    start = 1_704_067_200.0  # 2024-01-01 00:00 UTC, a Monday
    # Thinning of a uniform stream: weekdays at full rate, weekends at 40%, and
    # a day curve peaking mid-afternoon UTC.
    candidates = start + np.sort(generator.random(int(tickets * 2.2))) * days * 86_400
    day = ((candidates - start) // 86_400) % 7
    hour = (candidates % 86_400) / 3600
    weight = np.where(day < 5, 1.0, 0.4) * (
        0.55 + 0.45 * np.sin((hour - 8) / 24 * 2 * np.pi)
    )
    kept = candidates[generator.random(len(candidates)) < weight / weight.max()]
    created = np.sort(generator.choice(kept, size=tickets, replace=False))
    model = behaviour(policy, 40, seed)
    keys = generator.integers(0, len(TYPES), size=tickets)
    enterprise = generator.random(tickets) < 0.15
    tickets_list = [
        ReplayTicket(
            ticket_id=f"B{index}",
            created=float(moment),
            inquiry_type=TYPES[key],
            segment=None,
            priority=None,
            channel=None,
            language=None,
            attributes={"plan": "enterprise" if big else "standard"},
        )
        for index, (moment, key, big) in enumerate(
            zip(created.tolist(), keys.tolist(), enterprise.tolist(), strict=True)
        )
    ]
    return HistoryInput(
        tickets=tickets_list,
        created=created,
        behaviour=model,
        ticket_keys=keys.astype(np.int64),
    )
