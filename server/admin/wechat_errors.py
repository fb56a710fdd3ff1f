"""What a notice's outcome means, in words a clerk can act on.

WeChat answers a failed subscribe message with an errcode and an English errmsg carrying a
request id ("user refuse to accept the msg rid: …"). The clerk sees the explanation below,
keyed by errcode; the raw text stays available (as a tooltip) for whoever reports it upstream.
Errcodes are those of subscribeMessage.send and the access-token calls (docs/wechat.md).
"""

from __future__ import annotations

import re

ERRCODES = {
    -1: "微信系统繁忙，系统会自动重试",
    40001: "微信调用凭证失效，系统会自动重新获取后再发",
    40003: "接收人的微信身份无效（不是本小程序的用户），请核对后重新发送",
    40013: "小程序 AppID 无效，请管理员检查 WECHAT_APPID 设置",
    40037: "订阅消息模板 ID 不正确，请管理员检查 WECHAT_TEMPLATE_* 设置",
    41030: "通知要打开的小程序页面不存在或尚未发布，请管理员检查小程序版本",
    43101: "对方没有允许接收这类通知（或允许的次数已用完），可在小程序“我的反映”里看到答复",
    45009: "今天的通知已达微信调用上限，系统会稍后重试",
    45011: "发送太频繁，系统会稍后重试",
    47003: "通知内容不符合模板要求（如字数过长），请管理员检查模板字段设置",
}
STATUS_TEXT = {
    "no_recipient": "该代表还没有用邀请码绑定微信，无法发送；绑定后可重新发送",
    "no_consent": "对方没有允许接收这类通知（或允许的次数已用完），可在小程序里查看",
    "retry": "暂时没有发出，系统会自动重试",
    "failed": "发送失败，可稍后重新发送",
}
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def explain(status: str, errcode: int | None, errmsg: str | None = None) -> str:
    """The reason a notice did not go out, in Chinese; empty when there is nothing to say."""
    if errcode is not None and errcode in ERRCODES:
        return ERRCODES[errcode]
    if errmsg and _CHINESE.search(errmsg):
        return errmsg  # our own words (a timeout, no credit left)
    if errcode is not None:
        return f"微信返回错误（错误码 {errcode}），请管理员查看详情"
    if errmsg:
        return "连接微信服务器失败（网络中断或超时）"
    return STATUS_TEXT.get(status, "")


def raw(errcode: int | None, errmsg: str | None) -> str:
    """WeChat's own answer, for a tooltip."""
    parts = [f"错误码 {errcode}" if errcode is not None else "", errmsg or ""]
    return "微信原始信息：" + "；".join(p for p in parts if p) if any(parts) else ""
