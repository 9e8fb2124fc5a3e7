"""Erlang C: the M/M/c queue, for a first estimate of the agents a team needs.

The model assumes Poisson arrivals, exponential handling times and agents who
take the next ticket the moment they are free. Support queues break all three,
so the simulator refines the estimate.
"""

from __future__ import annotations

import math


def erlang_c(servers: int, load: float) -> float:
    """Return the probability that a ticket waits, for `load` Erlangs on `servers`.

    Computed through the Erlang B recursion, which stays stable for thousands
    of servers. A load at or above the servers means every ticket waits.
    """
    if servers <= 0 or load >= servers:
        return 1.0
    if load <= 0:
        return 0.0
    blocking = 1.0
    for count in range(1, servers + 1):
        blocking = load * blocking / (count + load * blocking)
    return servers * blocking / (servers - load * (1 - blocking))


def service_level(
    servers: int, load: float, handle_time: float, within: float
) -> float:
    """Return the share of tickets that wait at most `within` for an agent.

    `handle_time` and `within` are in the same unit, such as hours.
    """
    if servers <= load:
        return 0.0
    waits = erlang_c(servers, load)
    return 1.0 - waits * math.exp(-(servers - load) * within / handle_time)


def servers_needed(
    load: float, handle_time: float, within: float, share: float, limit: int = 100_000
) -> int:
    """Return the fewest servers whose service level reaches `share`."""
    if load <= 0:
        return 0
    servers = max(1, math.floor(load) + 1)
    while service_level(servers, load, handle_time, within) < share:
        servers += 1
        if servers > limit:
            raise ValueError(
                f"no number of servers up to {limit} reaches {share:.0%} within "
                f"{within} for a load of {load:.1f} Erlangs"
            )
    return servers
