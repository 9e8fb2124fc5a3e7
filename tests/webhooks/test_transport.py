"""The webhook transport's check of the address it connects to."""

from __future__ import annotations

import ipaddress

import pytest

from tierdesk.webhooks.transport import is_link_local


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("169.254.169.254", True),
        ("fe80::1", True),
        ("::ffff:169.254.169.254", True),
        ("64:ff9b::a9fe:a9fe", True),
        ("::169.254.169.254", True),
        ("127.0.0.1", False),
        ("::1", False),
        ("10.0.0.1", False),
        ("64:ff9b::a00:1", False),
        ("2001:db8::1", False),
    ],
)
def test_link_local_spellings(address: str, expected: bool) -> None:
    assert is_link_local(ipaddress.ip_address(address)) is expected
