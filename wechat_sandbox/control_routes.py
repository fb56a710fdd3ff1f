"""The sandbox's own routes: what a person with a phone (and a test) does to WeChat's side.

Answers are JSON with HTTP 200; mistakes are 4xx with `{"error": "<中文说明>"}`.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, jsonify, request

from wechat_sandbox.errors import ControlError
from wechat_sandbox.page import render_page
from wechat_sandbox.push import parse_push_config
from wechat_sandbox.state import Faults, get_state

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")

DEFAULT_NICKNAME = "微信用户"  # what WeChat shows for a user who shared no profile
_PHONE = re.compile(r"(?:\+?86)?(1[0-9]{10})|([0-9]{5,20})")
_FAULT_KEYS = {"error_rate", "errcode", "latency_ms", "paths", "times"}
_MAX_LATENCY_MS = 60_000


def _body() -> dict:
    body = request.get_json(force=True, silent=True)
    if body is None and not request.get_data():
        return {}
    if not isinstance(body, dict):
        raise ControlError(400, "请求体必须是 JSON 对象")
    return body


@bp.get("/")
def page() -> Response:
    return Response(render_page(get_state()), mimetype="text/html")


@bp.post("/users")
def create_user() -> Response:
    nickname = _body().get("nickname") or DEFAULT_NICKNAME
    if not isinstance(nickname, str) or len(nickname) > 64:
        raise ControlError(400, "nickname 必须是不超过 64 个字符的文字")
    return jsonify({"openid": get_state().create_user(nickname).openid})


@bp.get("/users")
def list_users() -> Response:
    return jsonify({"users": get_state().snapshot_users()})


@bp.post("/login_code")
def login_code() -> Response:
    return jsonify({"code": get_state().issue_login_code(_body().get("openid"))})


@bp.post("/phone_code")
def phone_code() -> Response:
    body = _body()
    phone = body.get("phone")
    match = (
        _PHONE.fullmatch(phone.replace(" ", "").replace("-", ""))
        if isinstance(phone, str)
        else None
    )
    if not match:
        raise ControlError(400, "phone 必须是手机号，例如 13800138000")
    return jsonify({"code": get_state().issue_phone_code(body.get("openid"), match[1] or match[2])})


@bp.post("/consent")
def consent() -> Response:
    body = _body()
    decision = body.get("decision")
    if decision not in ("accept", "reject"):
        raise ControlError(400, "decision 只能是 accept 或 reject")
    answer = get_state().record_consent(body.get("openid"), body.get("template_id"), decision)
    return jsonify(answer)


@bp.get("/sent")
def sent() -> Response:
    return jsonify({"sent": get_state().sent_messages(request.args.get("openid") or None)})


@bp.post("/oa/follow")
def oa_follow() -> Response:
    body = _body()
    follow = body.get("follow", True)
    if not isinstance(follow, bool):
        raise ControlError(400, "follow 只能是 true 或 false")
    return jsonify(get_state().follow(body.get("openid"), follow))


@bp.get("/oa/sent")
def oa_sent() -> Response:
    return jsonify({"sent": get_state().oa_sent_messages(request.args.get("oa_openid") or None)})


# -- faults ----------------------------------------------------------------------------------


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _fault_number(body: dict, name: str, low: float, high: float, default: float) -> float:
    value = body.get(name, default)
    if not _is_number(value) or not low <= value <= high:
        raise ControlError(400, f"{name} 必须是 {low} 到 {high} 之间的数")
    return value


def _fault_paths(body: dict) -> tuple[str, ...] | None:
    paths = body.get("paths")
    if paths is None:
        return None
    if not isinstance(paths, list) or not paths:
        raise ControlError(400, "paths 必须是非空的路径前缀列表")
    if not all(isinstance(p, str) and p.startswith("/") for p in paths):
        raise ControlError(400, "paths 里的每一项都必须是以 / 开头的路径前缀")
    return tuple(paths)


def _fault_times(body: dict) -> int | None:
    times = body.get("times")
    if times is None:
        return None
    if not isinstance(times, int) or isinstance(times, bool) or times < 1:
        raise ControlError(400, "times 必须是正整数")
    return times


def parse_faults(body: dict) -> Faults:
    """Faults from the control API's body. `{}` means none; naming an errcode or a number of
    times without an error_rate means every matching call fails."""
    unknown = set(body) - _FAULT_KEYS
    if unknown:
        raise ControlError(400, f"不认识的字段：{', '.join(sorted(unknown))}")
    default_rate = 1.0 if ("errcode" in body or "times" in body) else 0.0
    errcode = body.get("errcode", -1)
    if not isinstance(errcode, int) or isinstance(errcode, bool) or errcode == 0:
        raise ControlError(400, "errcode 必须是非 0 的整数")
    times = _fault_times(body)
    return Faults(
        error_rate=float(_fault_number(body, "error_rate", 0, 1, default_rate)),
        errcode=errcode,
        latency_ms=float(_fault_number(body, "latency_ms", 0, _MAX_LATENCY_MS, 0)),
        paths=_fault_paths(body),
        times=times,
        times_left=times,
    )


@bp.post("/faults")
def set_faults() -> Response:
    state = get_state()
    state.set_faults(parse_faults(_body()))
    return jsonify(state.faults_view())


@bp.get("/faults")
def get_faults() -> Response:
    return jsonify(get_state().faults_view())


# -- tokens, reset, stats, push --------------------------------------------------------------


@bp.post("/expire_tokens")
def expire_tokens() -> Response:
    return jsonify({"expired": get_state().expire_tokens()})


@bp.post("/reset")
def reset() -> Response:
    get_state().reset()
    return jsonify({"ok": True})


@bp.get("/stats")
def stats() -> Response:
    return jsonify(get_state().stats())


@bp.post("/push")
def set_push() -> Response:
    body = _body()
    state = get_state()
    if not body:
        state.set_push(None)
        return jsonify({"push": None})
    try:
        config = parse_push_config(body)
    except ValueError as exc:
        raise ControlError(400, str(exc)) from None
    state.set_push(config)
    return jsonify({"push": config.to_dict()})


@bp.get("/push")
def get_push() -> Response:
    config = get_state().push_config
    return jsonify({"push": config.to_dict() if config else None})
