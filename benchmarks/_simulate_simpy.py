"""A straightforward SimPy model of the benchmark system, the baseline of
benchmarks/simulate_large.py.

One process per ticket; each team is a `simpy.PriorityResource` with one slot
per agent and open ticket; stints come from the same pools as tierdesk's. Teams
are open 24x7 here, so business time equals calendar time and the model needs
no calendar code. The SLA clocks are computed directly from each ticket's times.
"""

from __future__ import annotations

import math

import numpy as np
import simpy

from tierdesk.simulate.behaviour import ENTRY, LATER
from tierdesk.simulate.moves import destination_team, translate_team
from tierdesk.simulate.setup import PolicySetup
from tierdesk.simulate.stints import MOVED, SOLVED, WORK


def run_simpy(
    setup: PolicySetup, arrival_at: np.ndarray, source: np.ndarray, seed: int
) -> dict[str, float]:
    """Replay the arrivals and return the same headline figures as tierdesk."""
    policy = setup.policy
    behaviour = setup.behaviour
    stints = behaviour.stints
    latency = stints.latency.tolist()
    reply_offset = stints.reply_offset.tolist()
    entry_stint = stints.entry.tolist()
    first = stints.segment_first.tolist()
    count = stints.segment_count.tolist()
    kinds = stints.segment_kind.tolist()
    seconds = stints.segment_seconds.tolist()
    outcome = stints.outcome.tolist()
    reopen_delay = stints.reopen_delay.tolist()
    generator = np.random.default_rng(seed)
    environment = simpy.Environment()
    places = {}
    for team in policy.teams:
        staffing = setup.staffing.teams[team.id]
        group = staffing.agent_groups()[0]
        places[team.id] = simpy.PriorityResource(
            environment, capacity=(group.agents or 0) * (group.capacity or 1)
        )
    pools: dict[tuple[int, str, bool], list[int]] = {}
    routed = setup.routed
    targets = [routed.target[s] for s in source.tolist()]
    tickets = len(arrival_at)
    first_response = np.full(tickets, np.nan)
    first_response_clock = np.full(tickets, np.nan)
    resolution = np.full(tickets, np.nan)
    resolution_clock = np.full(tickets, np.nan)

    def pool(key: int, team: str, entry: bool) -> list[int]:
        found = pools.get((key, team, entry))
        if found is None:
            stints_found, _ = behaviour.pool(
                behaviour.keys[key],
                team,
                policy.teams_by_id[team].tier,
                ENTRY if entry else LATER,
            )
            found = pools.setdefault((key, team, entry), stints_found.tolist())
        return found

    def ticket(number: int, origin: int):  # type: ignore[no-untyped-def]
        created = environment.now
        team = routed.team[origin]
        key = int(setup.ticket_keys[origin])
        priority = -routed.priority_rank[origin]
        entry = True
        # Paused and resolved time stop the SLA clocks.
        paused = 0.0
        while True:
            choices = pool(key, team, entry)
            stint = choices[int(generator.random() * len(choices))]
            yield environment.timeout(latency[stint])
            with places[team].request(priority=priority) as request:
                yield request
                reply = reply_offset[stint]
                if math.isnan(first_response[number]):
                    if reply != reply and not entry_stint[stint]:
                        reply = 0.0
                else:
                    reply = math.nan
                elapsed = 0.0
                for segment in range(first[stint], first[stint] + count[stint]):
                    length = seconds[segment]
                    if kinds[segment] == WORK:
                        if reply == reply and reply <= length:
                            moment = environment.now + elapsed + reply - created
                            first_response[number] = moment
                            first_response_clock[number] = moment - paused
                            reply = math.nan
                        elif reply == reply:
                            reply -= length
                    else:
                        if reply == reply and reply == 0:
                            moment = environment.now + elapsed - created
                            first_response[number] = moment
                            first_response_clock[number] = moment - paused
                            reply = math.nan
                        paused += length
                    elapsed += length
                if reply == reply:
                    moment = environment.now + elapsed - created
                    first_response[number] = moment
                    first_response_clock[number] = moment - paused
                yield environment.timeout(elapsed)
            if outcome[stint] == MOVED:
                team = destination_team(policy, behaviour, team, stint)
                entry = False
                continue
            delay = reopen_delay[stint]
            if delay == delay:
                yield environment.timeout(delay)
                paused += delay
                team = (
                    translate_team(policy, behaviour, stints.reopen_team[stint]) or team
                )
                entry = False
                continue
            resolution_clock[number] = environment.now - created - paused
            if outcome[stint] == SOLVED:
                resolution[number] = environment.now - created
            break

    def source_process():  # type: ignore[no-untyped-def]
        for number, (moment, origin) in enumerate(
            zip(arrival_at.tolist(), source.tolist(), strict=True)
        ):
            yield environment.timeout(moment - environment.now)
            environment.process(ticket(number, origin))

    environment.process(source_process())
    environment.run()
    first_target = np.array([t.first_response.total_seconds() for t in targets])
    resolution_target = np.array([t.resolution.total_seconds() for t in targets])
    decided = ~np.isnan(first_response_clock)
    closed = ~np.isnan(resolution_clock)
    return {
        "first_response_within_target": float(
            np.mean(first_response_clock[decided] <= first_target[decided])
        ),
        "resolved_within_target": float(
            np.mean(resolution_clock[closed] <= resolution_target[closed])
        ),
        "first_response_calendar_median_h": float(np.nanmedian(first_response) / 3600),
        "first_response_calendar_p90_h": float(
            np.nanpercentile(first_response, 90) / 3600
        ),
        "resolution_calendar_median_h": float(np.nanmedian(resolution) / 3600),
        "resolution_calendar_p90_h": float(np.nanpercentile(resolution, 90) / 3600),
    }
