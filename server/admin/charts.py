"""Charts drawn on the server as SVG: no chart library to ship, nothing to load from outside."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str
    tick: str  # axis text under the bar, "" for most bars to keep the axis readable


def nice_max(value: int) -> int:
    """A round top for the axis: 5, 10, 20, 50, 100 ..."""
    for step in (5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000):
        if value <= step:
            return step
    return value


def day_bars(
    series: list[tuple[date, int]], width: int = 640, height: int = 240, pad: int = 34
) -> dict:
    """Column chart geometry for items per day; every 5th day and the last one are labelled."""
    top = nice_max(max((v for _, v in series), default=0))
    plot_w, plot_h = width - 2 * pad, height - 2 * pad
    step = plot_w / max(1, len(series))
    bars = []
    for i, (day, value) in enumerate(series):
        h = plot_h * value / top if top else 0
        last = i == len(series) - 1
        bars.append(
            Bar(
                x=round(pad + i * step + step * 0.15, 1),
                y=round(pad + plot_h - h, 1),
                width=round(step * 0.7, 1),
                height=round(h, 1),
                value=value,
                label=f"{day.month}月{day.day}日：{value} 件",
                tick=f"{day.month}/{day.day}" if (len(series) - 1 - i) % 5 == 0 or last else "",
            )
        )
    return {
        "width": width,
        "height": height,
        "pad": pad,
        "top": top,
        "base": pad + plot_h,
        "bars": bars,
        "total": sum(v for _, v in series),
    }
