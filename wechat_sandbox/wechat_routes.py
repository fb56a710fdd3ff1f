"""The WeChat paths, answering like api.weixin.qq.com (HTTP 200, errcode in the body)."""

from __future__ import annotations

import re
import time

from flask import Blueprint, Response, jsonify, request

from wechat_sandbox.datatypes import check_data
from wechat_sandbox.errors import WeChatError, new_rid
from wechat_sandbox.qr import render_code_png, sandbox_code_text
from wechat_sandbox.seccheck import detail, judge
from wechat_sandbox.state import SandboxState, get_state

bp = Blueprint("wechat", __name__)

# Paths that authenticate with appid + secret instead of an access token. jscode2session does
# not need a token; wechatpy sends one anyway and WeChat ignores it, so do we.
_NO_TOKEN = frozenset({"/cgi-bin/token", "/cgi-bin/stable_token", "/sns/jscode2session"})

MINIPROGRAM_STATES = ("developer", "trial", "formal")
LANGS = ("zh_CN", "en_US", "zh_HK", "zh_TW")
ENV_VERSIONS = ("release", "trial", "develop")
# The official account's paths: they take its own access token, not the mini-program's.
_OFFICIAL = frozenset({"/cgi-bin/message/template/send", "/cgi-bin/user/info"})
_SCENE = re.compile(r"[0-9A-Za-z!#$&'()*+,/:;=?@._~-]{1,32}")


def _ok(**fields) -> Response:
    return jsonify({"errcode": 0, "errmsg": "ok", **fields})


def _json_body() -> dict:
    # wechatpy posts UTF-8 JSON without a Content-Type header.
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise WeChatError(47001)
    return body


@bp.before_request
def _count_fault_and_authenticate() -> None:
    state = get_state()
    outcome = state.count_call(request.path)
    if outcome.delay:
        time.sleep(outcome.delay)  # outside the lock: other calls go on meanwhile
    if outcome.errcode is not None:
        raise WeChatError(outcome.errcode)
    if request.path not in _NO_TOKEN:
        state.check_token(request.args.get("access_token"), request.path in _OFFICIAL)


@bp.get("/cgi-bin/token")
def token() -> Response:
    args = request.args
    answer = get_state().issue_token(args.get("grant_type"), args.get("appid"), args.get("secret"))
    return jsonify(answer)


@bp.post("/cgi-bin/stable_token")
def stable_token() -> Response:
    body = _json_body()
    answer = get_state().issue_stable_token(
        body.get("grant_type"), body.get("appid"), body.get("secret"), body.get("force_refresh")
    )
    return jsonify(answer)


@bp.get("/sns/jscode2session")
def jscode2session() -> Response:
    args = request.args
    if args.get("grant_type") != "authorization_code":
        raise WeChatError(40002)
    answer = get_state().code_to_session(args.get("appid"), args.get("secret"), args.get("js_code"))
    return jsonify(answer)


# -- subscribe messages ----------------------------------------------------------------------


def _check_message_page(page: object, pages: tuple) -> None:
    if page is None or page == "":
        return  # no page: the notice opens nothing
    if not isinstance(page, str):
        raise WeChatError(47001)
    if page.startswith("/") or page.split("?", 1)[0] not in pages:
        raise WeChatError(41030)


def _choice(body: dict, name: str, allowed: tuple, default: str) -> str:
    value = body.get(name, default)
    if value not in allowed:
        raise WeChatError(47001, f"data format error hint: [{name} invalid]")
    return value


@bp.post("/cgi-bin/message/subscribe/send")
def subscribe_send() -> Response:
    state = get_state()
    body = _json_body()
    touser, template_id = body.get("touser"), body.get("template_id")
    state.require_user(touser)
    template = state.template(template_id)
    if template is None:
        raise WeChatError(40037)
    miniprogram_state = _choice(body, "miniprogram_state", MINIPROGRAM_STATES, "formal")
    lang = _choice(body, "lang", LANGS, "zh_CN")
    problem = check_data(template["fields"], body.get("data"))
    if problem:
        raise WeChatError(47003, problem)
    _check_message_page(body.get("page"), state.config.pages)
    record = {
        "openid": touser,
        "template_id": template_id,
        "data": body["data"],
        "page": body.get("page") or None,
        "miniprogram_state": miniprogram_state,
        "lang": lang,
    }
    return _ok(msgid=state.spend_consent(touser, template_id, record))


# -- the official account ----------------------------------------------------------------------

# Since 2023-05-04 WeChat ignores these two: a template message is its keywords only.
_RETIRED_KEYS = ("first", "remark")
OA_VALUE_LIMIT = 20
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]")


def _template_data(fields: tuple, data: object) -> dict:
    """The keyword values WeChat keeps, or 47003 with its hint."""
    if not isinstance(data, dict):
        raise WeChatError(47003, "argument invalid! data is empty")
    kept = {}
    for key, entry in data.items():
        if key in _RETIRED_KEYS or key not in fields:
            continue  # dropped silently, as WeChat does
        value = entry.get("value") if isinstance(entry, dict) else None
        if not isinstance(value, str):
            raise WeChatError(47003, f"argument invalid! data.{key}.value invalid")
        if len(value) > OA_VALUE_LIMIT:
            raise WeChatError(47003, f"argument invalid! data.{key}.value exceeds limit")
        if _LINE_BREAK.search(value):
            raise WeChatError(47003, f"argument invalid! data.{key}.value invalid")
        kept[key] = value
    if not kept:
        raise WeChatError(47003, "argument invalid! data is empty")
    return kept


def _template_miniprogram(body: dict, state: SandboxState) -> dict | None:
    target = body.get("miniprogram")
    if target is None:
        return None
    if not isinstance(target, dict) or target.get("appid") != state.config.appid:
        raise WeChatError(40013)  # only a mini-program bound to the account may be opened
    _check_message_page(target.get("pagepath"), state.config.pages)
    return {"appid": target["appid"], "pagepath": target.get("pagepath")}


@bp.post("/cgi-bin/message/template/send")
def template_send() -> Response:
    state = get_state()
    body = _json_body()
    touser, template_id = body.get("touser"), body.get("template_id")
    template = state.oa_template(template_id)
    if template is None:
        raise WeChatError(40037)
    record = {
        "template_id": template_id,
        "data": _template_data(template["fields"], body.get("data")),
        "url": body.get("url") or None,
        "miniprogram": _template_miniprogram(body, state),
    }
    return _ok(msgid=state.send_template(touser, template_id, record))


@bp.get("/cgi-bin/user/info")
def user_info() -> Response:
    return jsonify(get_state().oa_user_info(request.args.get("openid")))


# -- mini-program codes ----------------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _code_page(body: dict, state: SandboxState) -> str:
    check_path = body.get("check_path", True)
    env_version = body.get("env_version", "release")
    if not isinstance(check_path, bool) or env_version not in ENV_VERSIONS:
        raise WeChatError(40097)
    page = body.get("page")
    if page is None or page == "":
        return state.config.default_code_page  # the home page, published by definition
    if not isinstance(page, str) or page.startswith("/") or "?" in page:
        raise WeChatError(40097)
    # Only a release code is checked against the published pages.
    if check_path and env_version == "release" and page not in state.config.pages:
        raise WeChatError(41030)
    return page


def _line_color(body: dict) -> dict | None:
    if not body.get("auto_color") and isinstance(body.get("line_color"), dict):
        try:
            color = {c: int(body["line_color"].get(c, 0)) for c in ("r", "g", "b")}
        except (TypeError, ValueError):
            raise WeChatError(40097) from None
        if all(0 <= v <= 255 for v in color.values()):
            return color
        raise WeChatError(40097)
    return None


@bp.post("/wxa/getwxacodeunlimit")
def wxacode_unlimit() -> Response:
    state = get_state()
    body = _json_body()
    scene = body.get("scene")
    if not isinstance(scene, str) or not _SCENE.fullmatch(scene):
        raise WeChatError(40097)
    width = body.get("width", 430)
    if not _is_int(width) or not 280 <= width <= 1280:
        raise WeChatError(40097)
    page = _code_page(body, state)
    png = render_code_png(
        sandbox_code_text(page, scene),
        width,
        line_color=_line_color(body),
        is_hyaline=bool(body.get("is_hyaline")),
    )
    return Response(png, mimetype="image/png")


# -- content check and phone number ----------------------------------------------------------


def _sec_check_texts(body: dict) -> list[str]:
    if body.get("version") != 2 or not _is_int(body.get("scene")):
        raise WeChatError(40097)
    if not 1 <= body["scene"] <= 4:
        raise WeChatError(40097)
    content = body.get("content")
    if not isinstance(content, str) or not content or len(content) > 2500:
        raise WeChatError(40097)
    extras = [body.get(name) for name in ("title", "nickname", "signature")]
    return [content] + [text for text in extras if isinstance(text, str)]


@bp.post("/wxa/msg_sec_check")
def msg_sec_check() -> Response:
    state = get_state()
    body = _json_body()
    texts = _sec_check_texts(body)
    state.require_active(body.get("openid"))
    verdict = judge(texts, state.config.risky_words, state.config.review_words)
    return _ok(
        result={"suggest": verdict.suggest, "label": verdict.label},
        detail=detail(verdict),
        trace_id=new_rid(),
    )


@bp.post("/wxa/business/getuserphonenumber")
def get_user_phone_number() -> Response:
    body = _json_body()
    return _ok(phone_info=get_state().phone_number(body.get("code")))
