"""Finding a Chinese font for the posters: the one scripts/setup installs (Noto Sans CJK SC), or
another CJK font fontconfig knows, or POSTER_FONT / POSTER_FONT_BOLD ("path" or "path:index")."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

# Preferred families, best first; a .ttc holds several, so the index matters.
FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
)
KNOWN = {
    False: (
        ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
        ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
        ("C:/Windows/Fonts/msyh.ttc", 0),
    ),
    True: (
        ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
        ("C:/Windows/Fonts/msyhbd.ttc", 0),
    ),
}
MISSING = (
    "找不到中文字体，无法生成海报。请运行 scripts/setup 安装字体（fonts-noto-cjk），"
    "或用 POSTER_FONT 指定字体文件"
)


class FontMissing(RuntimeError):
    pass


def split_configured(value: str) -> tuple[str, int]:
    """POSTER_FONT's "path" or "path:index"."""
    path, _, index = value.rpartition(":")
    if path and index.isdigit():
        return path, int(index)
    return value, 0


def fontconfig_all() -> list[tuple[str, int]]:
    """Every CJK font fontconfig knows, as (path, index): the PDF tries them in turn."""
    try:
        listing = subprocess.run(
            ["fc-list", "-f", "%{file}|%{index}\n", ":lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for line in listing.splitlines():
        path, _, index = line.partition("|")
        if index.isdigit() and (path, int(index)) not in found:
            found.append((path, int(index)))
    return found


def _fontconfig(bold: bool) -> tuple[str, int] | None:
    try:
        listing = subprocess.run(
            ["fc-list", "-f", "%{file}|%{index}|%{family}|%{style}\n", ":lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    fonts = []
    for line in listing.splitlines():
        parts = line.split("|")
        if len(parts) == 4 and parts[1].isdigit():
            fonts.append((parts[0], int(parts[1]), parts[2], parts[3]))
    for family in FAMILIES:
        matches = [f for f in fonts if family in f[2].split(",") and "Mono" not in f[2]]
        if bold:
            matches = [f for f in matches if "Bold" in f[3]] or matches
        else:
            matches = [f for f in matches if "Regular" in f[3] or "Book" in f[3]] or matches
        if matches:
            return matches[0][0], matches[0][1]
    return None


@functools.lru_cache(maxsize=8)
def find_font(configured: str | None, bold: bool = False) -> tuple[str, int]:
    """(path, index) of a CJK font; FontMissing with the fix in Chinese if there is none."""
    if configured:
        path, index = split_configured(configured)
        if Path(path).is_file():
            return path, index
        raise FontMissing(f"POSTER_FONT 指定的字体文件不存在：{path}")
    for path, index in KNOWN[bold]:
        if Path(path).is_file():
            return path, index
    found = _fontconfig(bold)
    if found:
        return found
    if bold:
        return find_font(None, False)  # a regular weight beats no poster at all
    raise FontMissing(MISSING)
