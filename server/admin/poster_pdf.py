"""The posters as vector PDF (reportlab): text stays text (selectable, searchable, crisp at any
size) in an embedded, subset Chinese font; the plain QR code is drawn as vector squares from the
qrcode library's matrix; the mini-program code is WeChat's image, placed at print resolution.

Three sizes: an A4 wall poster and an A5 table tent for a station or a deputy, and a business
card (90 × 54 mm) for one deputy. The lower third of the A4 and A5 carries the three steps
「扫码 — 留言 — 收到答复」 and the station's coming reception days (its date strip).

Pure drawing, like poster_render.py: the caller gathers the words and the codes.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass, field
from pathlib import Path

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas

from server.admin.fonts import FontMissing, fontconfig_all, split_configured

CARD = (90 * mm, 54 * mm)
SIZES = {"a4": A4, "a5": A5, "card": CARD}
SIZE_LABELS = {"a4": "A4 海报", "a5": "A5 桌牌", "card": "名片"}
RED = (178 / 255, 34 / 255, 34 / 255)
INK = (34 / 255, 34 / 255, 34 / 255)
GREY = (0.4, 0.4, 0.4)
LIGHT = (0.97, 0.93, 0.93)
STEPS = ("扫码", "留言", "收到答复")

# TrueType-outline CJK fonts PDF can embed: Noto Sans CJK (what the PNG uses) has CFF outlines,
# which reportlab refuses, so the PDF takes one of these (scripts/setup installs the first).
TRUETYPE = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("C:/Windows/Fonts/msyh.ttc", 0),
    ("C:/Windows/Fonts/simhei.ttf", 0),
)
PDF_FONT_MISSING = (
    "找不到可嵌入 PDF 的中文字体（TrueType），无法生成 PDF 海报。请运行 scripts/setup 安装"
    "字体（fonts-wqy-microhei），或用 POSTER_FONT 指定 TrueType 字体文件"
)
FONT = "PosterCJK"


@dataclass
class PrintPoster:
    """What a printed poster says; the codes as the plain QR's text and the mini-program's PNG."""

    banner: str
    title: str
    subtitle: str
    code_png: bytes  # the mini-program code (WeChat's image)
    plain_url: str  # what the plain QR encodes: https://<host>/q/<scene>
    call: str
    sections: list[tuple[str, str]] = field(default_factory=list)
    days: list[tuple[str, str]] = field(default_factory=list)  # (「12月6日 周六」, topic)
    footer: str = ""


@functools.lru_cache(maxsize=4)
def register_font(configured: str | None) -> str:
    """Register the first TrueType CJK font reportlab can embed; FontMissing in Chinese if none."""
    candidates = []
    if configured:
        candidates.append(split_configured(configured))
    candidates += [c for c in TRUETYPE if Path(c[0]).is_file()]
    candidates += fontconfig_all()
    for path, index in candidates:
        try:
            pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=index))
            return FONT
        except (TTFError, OSError, ValueError):
            continue  # CFF outlines, a broken file: try the next one
    raise FontMissing(PDF_FONT_MISSING)


def wrap(text: str, size: float, width: float) -> list[str]:
    """Break Chinese text by characters (and at newlines) to fit `width` points."""
    lines = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for char in paragraph:
            if line and pdfmetrics.stringWidth(line + char, FONT, size) > width:
                lines.append(line)
                line = char.lstrip()
            else:
                line += char
        lines.append(line)
    return lines


def _text(c: Canvas, x: float, y: float, text: str, size: float, colour, bold=False, anchor="l"):
    c.setFillColorRGB(*colour)
    c.setStrokeColorRGB(*colour)
    t = c.beginText()
    # The one embeddable font has no bold face: a thin outline over the fill thickens it.
    t.setTextRenderMode(2 if bold else 0)
    c.setLineWidth(size / 30 if bold else 0)
    t.setFont(FONT, size)
    width = pdfmetrics.stringWidth(text, FONT, size)
    left = {"l": x, "c": x - width / 2, "r": x - width}[anchor]
    t.setTextOrigin(left, y)
    t.textOut(text)
    c.drawText(t)


def _centred(c: Canvas, y: float, text: str, size: float, colour, width: float, bold=False):
    """Centred lines from `y` down; returns the y under the last line."""
    for line in wrap(text, size, width * 0.86):
        y -= size
        _text(c, width / 2, y, line, size, colour, bold, "c")
        y -= size * 0.3
    return y


def plain_qr(c: Canvas, url: str, x: float, y: float, side: float) -> None:
    """The plain QR as vector squares (one path), quiet zone included, bottom-left at (x, y)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()  # border included
    cell = side / len(matrix)
    c.setFillColorRGB(1, 1, 1)
    c.rect(x, y, side, side, stroke=0, fill=1)
    path = c.beginPath()
    for row, cells in enumerate(matrix):
        for col, dark in enumerate(cells):
            if dark:
                path.rect(x + col * cell, y + side - (row + 1) * cell, cell, cell)
    c.setFillColorRGB(0, 0, 0)
    c.drawPath(path, stroke=0, fill=1)


def _codes(c: Canvas, poster: PrintPoster, top: float, width: float, side: float, label: float):
    """Both codes side by side under `top`, each with what reads it; returns the y below."""
    gap = side * 0.25
    left = (width - 2 * side - gap) / 2
    bottom = top - side
    c.drawImage(ImageReader(io.BytesIO(poster.code_png)), left, bottom, side, side)
    plain_qr(c, poster.plain_url, left + side + gap, bottom, side)
    y = bottom - label * 1.2
    _text(c, left + side / 2, y, "微信扫一扫", label, INK, True, "c")
    _text(c, left + side * 1.5 + gap, y, "手机相机扫一扫", label, INK, True, "c")
    y -= label * 1.2
    _text(c, left + side / 2, y, "小程序码", label * 0.8, GREY, False, "c")
    _text(
        c, left + side * 1.5 + gap, y, "二维码（不用微信也能留言）", label * 0.8, GREY, False, "c"
    )
    return y - label * 0.6


def _steps(c: Canvas, y: float, width: float, unit: float) -> float:
    """「扫码 — 留言 — 收到答复」: three numbered circles joined by arrows."""
    r = unit * 1.1
    xs = [width * f for f in (0.22, 0.5, 0.78)]
    cy = y - r
    for i, (x, step) in enumerate(zip(xs, STEPS, strict=True)):
        c.setFillColorRGB(*RED)
        c.circle(x, cy, r, stroke=0, fill=1)
        _text(c, x, cy - unit * 0.4, str(i + 1), unit * 1.2, (1, 1, 1), True, "c")
        _text(c, x, cy - r - unit * 1.3, step, unit, INK, True, "c")
        if i < 2:
            c.setStrokeColorRGB(*GREY)
            c.setLineWidth(unit / 8)
            a, b = x + r * 1.4, xs[i + 1] - r * 1.4
            c.line(a, cy, b, cy)
            c.line(b, cy, b - unit * 0.4, cy + unit * 0.3)
            c.line(b, cy, b - unit * 0.4, cy - unit * 0.3)
    return cy - r - unit * 2


def _date_strip(c: Canvas, poster: PrintPoster, y: float, width: float, unit: float) -> float:
    """The coming reception days as boxes in a row (at most four)."""
    margin = width * 0.08
    _text(c, margin, y - unit, "近期接待日", unit, RED, True)
    y -= unit * 1.6
    days = poster.days[:4]
    if not days:
        _text(c, margin, y - unit * 0.9, "接待日以联络站公告为准，扫码可随时留言", unit * 0.8, GREY)
        return y - unit * 1.6
    gap = unit * 0.5
    box = (width - 2 * margin - gap * (len(days) - 1)) / len(days)
    height = unit * 3
    for i, (day, topic) in enumerate(days):
        x = margin + i * (box + gap)
        c.setFillColorRGB(*LIGHT)
        c.setStrokeColorRGB(*RED)
        c.setLineWidth(unit / 12)
        c.roundRect(x, y - height, box, height, unit * 0.3, stroke=1, fill=1)
        _text(c, x + box / 2, y - unit * 1.2, day, unit * 0.85, RED, True, "c")
        line = wrap(topic, unit * 0.7, box * 0.9)[0]
        _text(c, x + box / 2, y - unit * 2.3, line, unit * 0.7, INK, False, "c")
    return y - height - unit * 0.6


def _sections(c: Canvas, poster: PrintPoster, y: float, floor: float, width: float, unit: float):
    margin = width * 0.08
    for title, text in poster.sections:
        if not text or y < floor + unit * 2:
            continue
        _text(c, margin, y - unit, title, unit, RED, True)
        y -= unit * 1.5
        for line in wrap(text, unit * 0.85, width - 2 * margin):
            if y - unit < floor:
                break  # never into the lower third: long notes are cut, not overlapped
            _text(c, margin, y - unit * 0.85, line, unit * 0.85, INK)
            y -= unit * 1.2
        y -= unit * 0.4
    return y


def _page(c: Canvas, poster: PrintPoster, width: float, height: float) -> None:
    unit = width / 40  # 14.9 pt on A4, 10.5 on A5
    band = height * 0.085
    c.setFillColorRGB(*RED)
    c.rect(0, height - band, width, band, stroke=0, fill=1)
    _text(c, width / 2, height - band * 0.62, poster.banner, unit * 1.7, (1, 1, 1), True, "c")
    y = height - band - unit
    y = _centred(c, y, poster.title, unit * 2.2, INK, width, True)
    if poster.subtitle:
        y = _centred(c, y, poster.subtitle, unit * 0.95, GREY, width)
    y = _codes(c, poster, y - unit * 0.8, width, width * 0.34, unit * 0.95)
    y = _centred(c, y, poster.call, unit * 1.15, RED, width, True)
    lower = height / 3
    _sections(c, poster, y - unit * 0.3, lower + unit * 0.5, width, unit)
    # The lower third: the three steps, then the date strip.
    c.setStrokeColorRGB(0.86, 0.86, 0.86)
    c.setLineWidth(0.8)
    c.line(width * 0.08, lower, width * 0.92, lower)
    y = _steps(c, lower - unit * 0.8, width, unit)
    _date_strip(c, poster, y, width, unit)
    c.setStrokeColorRGB(0.86, 0.86, 0.86)
    c.line(width * 0.08, unit * 2.6, width * 0.92, unit * 2.6)
    _text(c, width / 2, unit * 1.3, poster.footer, unit * 0.7, GREY, False, "c")


def _card(c: Canvas, poster: PrintPoster, width: float, height: float) -> None:
    """A business card: name and title on the left, both codes on the right."""
    pad = 4 * mm
    side = (width - 3 * pad) * 0.3
    c.setFillColorRGB(*RED)
    c.rect(0, height - 9 * mm, width, 9 * mm, stroke=0, fill=1)
    _text(c, pad, height - 6 * mm, poster.banner, 9, (1, 1, 1), True)
    _text(c, pad, height - 17 * mm, poster.title, 15, INK, True)
    y = height - 22 * mm
    for line in wrap(poster.subtitle, 6.5, width - 2 * side - 3 * pad)[:2]:
        _text(c, pad, y, line, 6.5, GREY)
        y -= 8
    _text(c, pad, y - 3, "扫码 — 留言 — 收到答复", 7, RED, True)
    y -= 14
    right = width - pad - side
    column = right - side - pad * 2.5  # the left column ends before the first code
    for day, topic in poster.days[:2]:
        _text(c, pad, y, wrap(f"{day} {topic}", 6, column)[0], 6, INK)
        y -= 8
    bottom = pad + 7
    plain_qr(c, poster.plain_url, right, bottom, side)
    c.drawImage(
        ImageReader(io.BytesIO(poster.code_png)), right - side - pad / 2, bottom, side, side
    )
    _text(c, right - pad / 2 - side / 2, pad, "微信扫一扫", 5.5, INK, False, "c")
    _text(c, right + side / 2, pad, "相机扫一扫", 5.5, INK, False, "c")


def pdf(poster: PrintPoster, size: str, font: str | None) -> bytes:
    """The poster as a one-page vector PDF of `size` (a4, a5, card)."""
    register_font(font)
    width, height = SIZES[size]
    out = io.BytesIO()
    c = Canvas(out, pagesize=(width, height), pageCompression=1)
    c.setTitle(f"{poster.title} · {SIZE_LABELS[size]}")
    c.setAuthor("码上联络站")
    (_card if size == "card" else _page)(c, poster, width, height)
    c.showPage()
    c.save()
    return out.getvalue()
