"""Issue 12, item 10: /deputy/bind had a limit per WeChat identity only, so one address could
try invite codes without end by signing in as a new identity for every guess."""

from __future__ import annotations

from tests.support.helpers import assert_error


def test_invite_guesses_from_one_address_are_limited(live, world):
    live.app.config["RATE_LIMIT_BIND_IP"] = "5/minute"
    answers = []
    for index in range(7):
        _, token = live.citizen(f"猜码的人{index}")  # a fresh identity per guess
        answers.append(
            live.api("POST", "/deputy/bind", token, json={"invite_code": f"GUESS{index:03d}"})
        )
    assert [a.status_code for a in answers] == [404] * 5 + [429] * 2
    refused = assert_error(answers[-1], 429, "too_many_requests")
    assert refused["message"]
    assert int(answers[-1].headers["Retry-After"]) > 0


def test_the_default_lets_a_room_of_deputies_bind(live, world):
    assert live.app.config["RATE_LIMIT_BIND_IP"] == "20/minute;200/day"
    for name in ("王建国", "李秀兰", "陈志强"):
        _, token = live.citizen(name)
        answer = live.api(
            "POST", "/deputy/bind", token, json={"invite_code": world["invites"][name]}
        )
        assert answer.status_code == 200, answer.text
