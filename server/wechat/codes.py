"""The codes citizens scan: mini-program codes (getwxacodeunlimit) and plain QR codes.

Scenes are `s.<station code>` and `d.<deputy code>`: short, random, within WeChat's 32
characters. A plain QR code points at https://<PUBLIC_URL>/q/<scene>; WeChat opens the
mini-program for it when the URL prefix is registered (扫普通链接二维码打开小程序), any other
scanner shows the landing page.
"""

from __future__ import annotations

import io
import os
import re

import qrcode
from flask import current_app
from qrcode.constants import ERROR_CORRECT_M

from server.models import Deputy, Station
from server.wechat.api import wxacode_unlimited


def landing_url(scene: str) -> str:
    return f"{current_app.config['PUBLIC_URL']}/q/{scene}"


def plain_qr_png(scene: str, box_size: int = 12) -> bytes:
    image = qrcode.make(landing_url(scene), error_correction=ERROR_CORRECT_M, box_size=box_size)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def plain_qr_svg(scene: str) -> str:
    """The plain QR as one SVG path: scales to any size without blur."""
    from qrcode.image.svg import SvgPathImage

    image = qrcode.make(
        landing_url(scene), error_correction=ERROR_CORRECT_M, image_factory=SvgPathImage
    )
    return image.to_string(encoding="unicode")


def miniprogram_code_png(scene: str, width: int = 430) -> bytes:
    return wxacode_unlimited(scene, current_app.config["WECHAT_ENTRY_PAGE"], width)


def _safe(name: str) -> str:
    """File names a Windows PC accepts."""
    return re.sub(r'[\\/:*?"<>|\s]+', "_", name).strip("_") or "未命名"


def export_all(directory: str, stations: list[Station], deputies: list[Deputy]) -> list[str]:
    """Write both codes for every station and deputy; returns the paths written."""
    os.makedirs(directory, exist_ok=True)
    written = []
    targets = [("联络站", s.name, s.scene) for s in stations]
    targets += [("代表", d.name, d.scene) for d in deputies]
    for kind, name, scene in targets:
        base = os.path.join(directory, f"{kind}-{_safe(name)}-{scene}")
        for suffix, render in (("小程序码", miniprogram_code_png), ("二维码", plain_qr_png)):
            path = f"{base}-{suffix}.png"
            with open(path, "wb") as fh:
                fh.write(render(scene))
            written.append(path)
    return written
