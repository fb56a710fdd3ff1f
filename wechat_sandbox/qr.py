"""Mini-program codes: the sandbox draws a plain QR code whose text says where it leads."""

from __future__ import annotations

import io
from urllib.parse import quote

import qrcode
from PIL import Image

from wechat_sandbox import defaults

CODE_URL = "https://mp.weixin.qq.com/a/sandbox"


def sandbox_code_text(page: str | None, scene: str) -> str:
    """The text inside the sandbox's code for `page` (None: the home page) and `scene`."""
    page = page or defaults.DEFAULT_CODE_PAGE
    return f"{CODE_URL}?page={page}&scene={quote(scene, safe='')}"


def _rgb(line_color: dict | None) -> tuple[int, int, int]:
    color = line_color or {}
    return tuple(int(color.get(channel, 0)) for channel in ("r", "g", "b"))


def render_code_png(
    text: str,
    width: int,
    line_color: dict | None = None,
    is_hyaline: bool = False,
) -> bytes:
    """A `width` x `width` PNG of a QR code holding `text`."""
    code = qrcode.QRCode(border=4, box_size=10, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    background = (255, 255, 255, 0) if is_hyaline else "white"
    image = code.make_image(fill_color=_rgb(line_color), back_color=background).get_image()
    image = image.convert("RGBA" if is_hyaline else "RGB")
    # NEAREST keeps module edges sharp, so the code stays readable at any size.
    image = image.resize((width, width), Image.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
