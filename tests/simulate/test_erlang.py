"""Erlang C against published table values and the direct formula."""

from __future__ import annotations

import math

import pytest

from tierdesk.simulate.erlang import erlang_c, servers_needed, service_level


def _direct(servers: int, load: float) -> float:
    """The textbook formula with factorials, for small cases."""
    waiting = load**servers / math.factorial(servers) * servers / (servers - load)
    below = sum(load**k / math.factorial(k) for k in range(servers))
    return waiting / (below + waiting)


@pytest.mark.parametrize(
    ("servers", "expected"), [(11, 0.6821), (12, 0.4494), (13, 0.2853), (14, 0.1741)]
)
def test_erlang_c_table_values_for_ten_erlangs(servers: int, expected: float) -> None:
    assert erlang_c(servers, 10.0) == pytest.approx(expected, abs=5e-5)


@pytest.mark.parametrize(("servers", "load"), [(1, 0.5), (5, 3.2), (30, 27.5)])
def test_erlang_c_matches_direct_formula(servers: int, load: float) -> None:
    assert erlang_c(servers, load) == pytest.approx(_direct(servers, load))


def test_overloaded_queue_always_waits() -> None:
    assert erlang_c(10, 10.0) == 1.0
    assert service_level(10, 12.0, 3.0, 1.0) == 0.0


def test_eighty_in_twenty_seconds_needs_fourteen() -> None:
    # 100 calls per half hour of 180 s each is 10 Erlangs; 13 agents answer
    # 79.6% within 20 s, 14 agents 88.8%.
    assert service_level(13, 10.0, 180, 20) == pytest.approx(0.7956, abs=1e-4)
    assert service_level(14, 10.0, 180, 20) == pytest.approx(0.8884, abs=1e-4)
    assert servers_needed(10.0, 180, 20, 0.8) == 14


def test_large_team_stays_finite() -> None:
    assert 0 < erlang_c(2000, 1950.0) < 1


def test_no_load_needs_no_servers() -> None:
    assert servers_needed(0.0, 1.0, 1.0, 0.8) == 0
