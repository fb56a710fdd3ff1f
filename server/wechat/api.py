"""The WeChat calls the product makes, each a small function over the shared client."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from flask import current_app

from server.wechat.client import WeChatError, call, get_client, get_official_client


@dataclass
class Session:
    openid: str
    unionid: str | None


def code_to_session(code: str) -> Session:
    """wx.login() code -> the caller's openid (code2session)."""
    client = get_client()
    result = call(client.wxa.code_to_session, code)
    return Session(openid=result["openid"], unionid=result.get("unionid"))


def check_text(openid: str, content: str) -> tuple[str, int | None]:
    """msg_sec_check v2 -> ("pass" | "review" | "risky", label). Raises WeChatError."""
    client = get_client()
    result = call(
        client.wxa._post,
        "wxa/msg_sec_check",
        data={"version": 2, "openid": openid, "scene": 2, "content": content[:2500]},
    )
    verdict = result.get("result") or {}
    return verdict.get("suggest", "pass"), verdict.get("label")


def send_subscribe(openid: str, template_id: str, data: dict, page: str | None) -> str:
    """Send one subscribe message; returns WeChat's msgid. Raises WeChatError."""
    client = get_client()
    body = {
        "touser": openid,
        "template_id": template_id,
        "data": {key: {"value": value} for key, value in data.items()},
        "miniprogram_state": current_app.config["WECHAT_MINIPROGRAM_STATE"],
        "lang": "zh_CN",
    }
    if page:
        body["page"] = page
    result = call(client.post, "message/subscribe/send", data=body)
    return str(result.get("msgid", ""))


def send_template(oa_openid: str, template_id: str, data: dict, page: str | None) -> str:
    """Send one official-account template message (keywords only: first/remark are gone since
    2023); a tap opens `page` in the mini-program. Returns WeChat's msgid. Raises WeChatError."""
    client = get_official_client()
    body = {
        "touser": oa_openid,
        "template_id": template_id,
        "data": {key: {"value": value} for key, value in data.items()},
    }
    if page:
        body["miniprogram"] = {"appid": current_app.config["WECHAT_APPID"], "pagepath": page}
    result = call(client.post, "message/template/send", data=body)
    return str(result.get("msgid", ""))


@dataclass
class Follower:
    oa_openid: str
    follows: bool
    unionid: str | None


def official_user(oa_openid: str) -> Follower:
    """`/cgi-bin/user/info`: whether someone follows the official account, and their unionid."""
    client = get_official_client()
    result = call(client.get, "user/info", params={"openid": oa_openid, "lang": "zh_CN"})
    return Follower(oa_openid, result.get("subscribe") == 1, result.get("unionid"))


def wxacode_unlimited(scene: str, page: str, width: int = 430) -> bytes:
    """A mini-program code (getwxacodeunlimit) as PNG bytes. Raises WeChatError."""
    client = get_client()
    result = call(
        client.wxa._post,
        "wxa/getwxacodeunlimit",
        data={
            "scene": scene,
            "page": page,
            "width": width,
            "check_path": current_app.config["WECHAT_CODE_ENV"] == "release",
            "env_version": current_app.config["WECHAT_CODE_ENV"],
        },
    )
    if isinstance(result, requests.Response):
        return result.content
    raise WeChatError(result.get("errcode"), str(result.get("errmsg")))
