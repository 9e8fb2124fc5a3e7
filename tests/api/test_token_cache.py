"""A server process trusts a token it checked for a few seconds, no longer."""

from __future__ import annotations

from datetime import UTC, datetime

from tierdesk.service.actor import Actor, Role
from tierdesk.service.token_cache import TokenCache
from tierdesk.service.tokens import authenticate, revoke_token

from .conftest import Api

ANA = Actor(name="ana", role=Role.AGENT, teams=frozenset({"vendor"}), token_id=4)


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_kept_for_its_seconds() -> None:
    ticks = Ticks()
    cache = TokenCache(5, clock=ticks)
    assert cache.get("tdk_a") is None
    cache.put("tdk_a", ANA)
    ticks.now += 4.9
    assert cache.get("tdk_a") == ANA
    assert cache.get("tdk_b") is None
    ticks.now += 0.1
    assert cache.get("tdk_a") is None


def test_zero_seconds_keeps_nothing() -> None:
    cache = TokenCache(0)
    cache.put("tdk_a", ANA)
    assert cache.get("tdk_a") is None


def test_full_cache_drops_expired_entries_first() -> None:
    ticks = Ticks()
    cache = TokenCache(5, clock=ticks, max_entries=3)
    cache.put("old", ANA)
    ticks.now += 3
    cache.put("b", ANA)
    cache.put("c", ANA)
    ticks.now += 2.5
    cache.put("d", ANA)
    assert [cache.get(t) for t in ("old", "b", "c", "d")] == [None, ANA, ANA, ANA]
    cache.put("e", ANA)
    # Nothing had expired, so the cache started again.
    assert [cache.get(t) for t in ("b", "e")] == [None, ANA]


def test_revoked_token_works_until_checked_again(api: Api) -> None:
    ticks = Ticks()
    api.context.tokens = TokenCache(2, clock=ticks)
    token_id = authenticate(api.context.engine, api.tokens["ops_analyst"]).token_id
    assert token_id is not None
    assert api.request("GET", "/teams", role="ops_analyst").status_code == 200
    assert revoke_token(api.context.engine, token_id, datetime.now(UTC))
    assert api.request("GET", "/teams", role="ops_analyst").status_code == 200
    ticks.now += 2
    after_expiry = api.request("GET", "/teams", role="ops_analyst")
    assert after_expiry.status_code == 401
    assert after_expiry.json()["error"]["message"] == "this API token was revoked"


def test_unknown_tokens_are_not_kept(api: Api) -> None:
    api.context.tokens = TokenCache(60)
    headers = {"Authorization": "Bearer tdk_unknown"}
    for _ in range(2):
        response = api.client.get("/api/v1/teams", headers=headers)
        assert response.status_code == 401
    assert api.context.tokens.get("tdk_unknown") is None
