"""The fallback order of a notice's channel (server/notices/channels.py): pure."""

from __future__ import annotations

import pytest

from server.notices.channels import FALLBACK, choose

# (has a subscribe credit, official account configured, follows it) -> the channel
TABLE = [
    (True, True, True, "mp"),
    (True, True, False, "mp"),
    (True, False, False, "mp"),
    (False, True, True, "oa"),
    (False, True, False, None),
    (False, False, True, None),  # a follower, but this deployment has no official account
    (False, False, False, None),
]


def test_the_order_is_subscribe_message_then_official_account():
    assert FALLBACK == ("mp", "oa")


@pytest.mark.parametrize(("credit", "configured", "follows", "expected"), TABLE)
def test_fallback_table(credit, configured, follows, expected):
    asked: list[str] = []

    def probe(name: str, answer: bool):
        def ask() -> bool:
            asked.append(name)
            return answer

        return ask

    probes = {"mp": probe("mp", credit), "oa": probe("oa", follows) if configured else None}
    assert choose(probes) == expected
    # The credit is always asked first; the followers only when no credit is left (the hot
    # path with a credit costs nothing more), and never without an official account.
    assert asked[0] == "mp"
    assert ("oa" in asked) == (not credit and configured)
