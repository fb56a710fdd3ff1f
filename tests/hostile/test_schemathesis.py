"""Issue 6, hostile input: requests generated from our own OpenAPI document, over real HTTP.

schemathesis reads /api/v1/openapi.json from the live app and generates requests for every
operation: valid ones (positive) and ones that break the documented schema (negative). Every
answer must be no 5xx, a documented status code, a body that matches the documented schema, and
JSON under /api/ with a Chinese message on errors.

Random ids and scenes mostly hit nothing (404, 422), so half of the valid cases are steered to
rows that exist: the citizen's own messages, the deputy's assigned ones, a real scene and
category, a real photo URL. The run is deterministic (derandomized) and bounded: a fixed number
of cases per operation and mode, about 2,400 in all.
"""

from __future__ import annotations

import io
import time
from collections import Counter
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from PIL import Image
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.helpers import NO_LIMITS, bind_deputy, post_message

# "No 5xx" is check_api_answer's, so that it can allow the one documented 501 below.
CHECKS = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# Cases per operation: valid requests find crashes deeper in the code, invalid ones in parsing.
EXAMPLES = {GenerationMode.POSITIVE: 100, GenerationMode.NEGATIVE: 60}
MINIMUM_CASES = 1000
# Routes that may answer a documented 501 (none today). Nothing else may answer 5xx.
NOT_IMPLEMENTED: set[str] = set()


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def check_api_answer(label: str, response: schemathesis.Response) -> None:
    """What the contract promises beyond the schema: no 5xx, JSON under /api/, errors in
    Chinese, photos never sniffed as anything but images."""
    allowed_5xx = {501} if label in NOT_IMPLEMENTED else set()
    assert response.status_code < 500 or response.status_code in allowed_5xx, response.text
    content_type = response.headers.get("content-type", [""])[0]
    if response.status_code == 200 and content_type.startswith("image/"):
        assert response.headers.get("x-content-type-options") == ["nosniff"]
        return
    assert content_type.startswith("application/json"), (response.status_code, content_type)
    if response.status_code >= 400:
        error = response.json()["error"]
        assert _has_chinese(error["message"]), error


@pytest.fixture
def actors(live, station) -> dict:
    """A citizen with three messages (one replied to), the deputy they were routed to, and a
    photo: what steered cases point at."""
    live.app.config.update(NO_LIMITS)
    world = {"invites": {"王建国": station["invite"]}}
    _, deputy_token = bind_deputy(live, world, "王建国")
    _, citizen_token = live.citizen()
    raw = io.BytesIO()
    Image.new("RGB", (40, 30), (90, 160, 60)).save(raw, format="PNG")
    upload = live.api(
        "POST", "/uploads", citizen_token, files={"file": ("a.png", raw.getvalue(), "image/png")}
    )
    assert upload.status_code == 201, upload.text
    photo_id = upload.json()["upload_id"]
    first = post_message(live, citizen_token, station["scene"], photos=[photo_id]).json()
    created = [first] + [
        post_message(live, citizen_token, station["scene"]).json() for _ in range(2)
    ]
    live.work()
    answer = live.api(
        "POST",
        f"/deputy/messages/{first['id']}/replies",
        deputy_token,
        json={"content": "已联系街道办，本周内修复。"},
    )
    assert answer.status_code == 201, answer.text
    photo_url = live.api("GET", f"/messages/{first['id']}", citizen_token).json()["photos"][0]
    return {
        "citizen": citizen_token,
        "deputy": deputy_token,
        "message_ids": [m["id"] for m in created],
        "scenes": [station["scene"], station["deputy_scene"]],
        "photo": (photo_id, parse_qs(urlparse(photo_url["url"]).query)["sig"][0]),
    }


def _token_for(operation: schemathesis.APIOperation, actors: dict) -> str | None:
    if not operation.definition.raw.get("security"):
        return None
    if operation.path.startswith("/api/v1/deputy/") and operation.path != "/api/v1/deputy/bind":
        return actors["deputy"]
    return actors["citizen"]


def _steer(case: schemathesis.Case, choice: int, actors: dict) -> schemathesis.Case:
    """Point a valid case at real rows (choice picks which); the rest of it stays generated."""
    path = case.operation.path
    if "{message_id}" in path:
        ids = actors["message_ids"]
        case.path_parameters = {**case.path_parameters, "message_id": ids[choice % len(ids)]}
    elif path == "/api/v1/scan/{scene}":
        scenes = actors["scenes"]
        case.path_parameters = {**case.path_parameters, "scene": scenes[choice % len(scenes)]}
    elif path == "/api/v1/uploads/{upload_id}":
        photo_id, sig = actors["photo"]
        case.path_parameters = {**case.path_parameters, "upload_id": photo_id}
        case.query = {**(case.query or {}), "sig": sig}
    elif path == "/api/v1/messages" and case.method.upper() == "POST":
        if isinstance(case.body, dict):
            scenes = actors["scenes"]
            case.body = {
                **case.body,
                "scene": scenes[choice % len(scenes)],
                "category": ["城乡建设", "教育", "其他"][choice % 3],
            }
    return case


def _strategy(
    operation: schemathesis.APIOperation, mode: GenerationMode, headers: dict, actors: dict
) -> st.SearchStrategy:
    # The token is part of the generated case (a fixed header), so negative generation knows
    # it is there and never counts a request we completed with it as "invalid but accepted".
    cases = operation.as_strategy(generation_mode=mode, headers=headers or None)
    if mode is not GenerationMode.POSITIVE:
        return cases  # a steered negative case might no longer be invalid
    return st.tuples(cases, st.booleans(), st.integers(0, 5)).map(
        lambda drawn: _steer(drawn[0], drawn[2], actors) if drawn[1] else drawn[0]
    )


def _fuzz(
    operation: schemathesis.APIOperation,
    mode: GenerationMode,
    headers: dict,
    actors: dict,
    run: dict,
) -> None:
    """Up to EXAMPLES[mode] generated requests to one operation; raises on the first failure
    (after hypothesis shrank it to the smallest request that fails)."""

    @settings(
        max_examples=EXAMPLES[mode],
        derandomize=True,  # the same cases on every run and in CI
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    @given(case=_strategy(operation, mode, headers, actors))
    def probe(case):
        run["counts"][operation.label] += 1
        response = case.call(base_url=run["url"], session=run["session"])
        run["statuses"][response.status_code] += 1
        case.validate_response(response, checks=CHECKS)
        check_api_answer(operation.label, response)

    probe()


def test_generated_requests_get_documented_answers(live, actors):
    schema = schemathesis.openapi.from_url(f"{live.url}/api/v1/openapi.json")
    run = {
        "url": live.url,
        "session": requests.Session(),
        "counts": Counter(),
        "statuses": Counter(),
    }
    failures: list[str] = []
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        token = _token_for(operation, actors)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for mode in EXAMPLES:
            try:
                _fuzz(operation, mode, headers, actors, run)
            except Unsatisfiable:
                # Nothing to negate: e.g. a path parameter that is any string (scan/{scene}).
                assert mode is GenerationMode.NEGATIVE, operation.label
            # FailureGroup is a BaseExceptionGroup: catch it too, collect all, then fail.
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001
                failures.append(f"{operation.label} ({mode.value}):\n{exc}")
    elapsed = time.monotonic() - started
    total = sum(run["counts"].values())
    print(f"\nschemathesis: {total} cases in {elapsed:.1f}s, statuses {dict(run['statuses'])}")
    assert not failures, "\n\n".join(failures)
    assert total >= MINIMUM_CASES, run["counts"]
    assert run["statuses"][200] and run["statuses"][201], "steering never reached a real row"
