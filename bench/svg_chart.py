"""A small line chart as standalone SVG (no plotting library): x on a log2 scale, y in [0, 1].

Used by the benches whose results read better as a picture than as a table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

WIDTH, LEFT, RIGHT, TOP = 720, 70, 24, 48
PLOT_HEIGHT = 280
COLOURS = ("#1f6fb2", "#d9791a", "#2e8b57", "#8e44ad")


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[tuple[float, float]]  # (x > 0, y in [0, 1])
    colour: int = -1  # an index into COLOURS (-1: the series' own position)
    dashed: bool = False


def _ticks(low: float, high: float) -> list[float]:
    """Round numbers doubling from a power of ten, covering [low, high]."""
    base = 10.0 ** math.floor(math.log10(low))
    first = math.floor(math.log2(low / base))
    last = math.ceil(math.log2(high / base))
    return [base * 2.0**e for e in range(first, last + 1)]


def _label(x: float) -> str:
    return f"{x / 1000:g}k" if x >= 1000 else f"{x:g}"


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    x_label: str,
    y_label: str,
    target: float | None = None,
    y_range: tuple[float, float] = (0.3, 1.0),
) -> str:
    """The SVG text of ``series`` drawn as lines with markers, and a dashed ``target`` line."""
    xs = [x for s in series for x, _ in s.points]
    if not xs or min(xs) <= 0:
        raise ValueError("a log-scale chart needs positive x values")
    ticks = _ticks(min(xs), max(xs))
    lo, hi = math.log2(ticks[0]), math.log2(ticks[-1])
    y0, y1 = y_range
    plot_w, plot_h = WIDTH - LEFT - RIGHT, PLOT_HEIGHT
    height = TOP + plot_h + 60 + 18 * len(series)

    def px(x: float) -> float:
        return LEFT + (math.log2(x) - lo) / ((hi - lo) or 1.0) * plot_w

    def py(y: float) -> float:
        return TOP + (1 - (min(max(y, y0), y1) - y0) / (y1 - y0)) * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="24" text-anchor="middle" font-size="15">{escape(title)}</text>',
    ]
    steps = round((y1 - y0) / 0.1)
    for i in range(steps + 1):
        y = y0 + i * (y1 - y0) / steps
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{py(y):.1f}" y2="{py(y):.1f}" '
            f'stroke="#e4e4e4"/><text x="{LEFT - 8}" y="{py(y) + 4:.1f}" '
            f'text-anchor="end">{y:.1f}</text>'
        )
    for t in ticks:
        out.append(
            f'<line x1="{px(t):.1f}" x2="{px(t):.1f}" y1="{TOP}" y2="{TOP + plot_h}" '
            f'stroke="#f0f0f0"/><text x="{px(t):.1f}" y="{TOP + plot_h + 18}" '
            f'text-anchor="middle">{_label(t)}</text>'
        )
    out.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#888"/>'
    )
    if target is not None:
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{py(target):.1f}" y2="{py(target):.1f}" '
            f'stroke="#c0392b" stroke-dasharray="6 4"/><text x="{WIDTH - RIGHT - 4}" '
            f'y="{py(target) - 6:.1f}" text-anchor="end" fill="#c0392b">target {target:.2f}</text>'
        )
    for i, s in enumerate(series):
        colour = COLOURS[(i if s.colour < 0 else s.colour) % len(COLOURS)]
        dash = ' stroke-dasharray="5 4"' if s.dashed else ""
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in sorted(s.points))
        out.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        for x, y in s.points:
            out.append(
                f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(s.name)}: {_label(x)} texts, {y:.3f}</title></circle>"
            )
        ly = TOP + plot_h + 64 + 18 * i
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + 28}" y1="{ly - 4}" y2="{ly - 4}" stroke="{colour}" '
            f'stroke-width="2"{dash}/><text x="{LEFT + 34}" y="{ly}">{escape(s.name)}</text>'
        )
    out.append(
        f'<text x="{LEFT + plot_w / 2}" y="{TOP + plot_h + 38}" '
        f'text-anchor="middle">{escape(x_label)}</text>'
    )
    out.append(
        f'<text transform="translate(18 {TOP + plot_h / 2}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_label)}</text>'
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"
