"""Playing WeChat's message push: signatures, keys and event bodies."""

from __future__ import annotations

import base64
import hashlib
import os
import time

AES_KEY = base64.b64encode(os.urandom(32)).decode().rstrip("=")
while not AES_KEY.isalnum():  # the console only issues letters and digits
    AES_KEY = base64.b64encode(os.urandom(32)).decode().rstrip("=")


def sign(token: str, *parts: str) -> str:
    return hashlib.sha1("".join(sorted([token, *parts])).encode()).hexdigest()


def popup_xml(app, openid: str, template_id: str, status: str = "accept") -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_123]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
        f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]>"
        "</MsgType><Event><![CDATA[subscribe_msg_popup_event]]></Event><SubscribeMsgPopupEvent>"
        f"<List><TemplateId><![CDATA[{template_id}]]></TemplateId><SubscribeStatusString>"
        f"<![CDATA[{status}]]></SubscribeStatusString><PopupScene>0</PopupScene></List>"
        "</SubscribeMsgPopupEvent></xml>"
    )
