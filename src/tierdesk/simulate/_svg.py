"""Inline SVG line charts over time, with bands, axes and a legend, for the report."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

import numpy as np

WIDTH = 760
HEIGHT = 270
LEFT, RIGHT, TOP, BOTTOM = 56, 24, 44, 36
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


@dataclass(frozen=True)
class Series:
    """One line, with an optional band (low, high) around it; NaN breaks the line."""

    name: str
    x: np.ndarray
    y: np.ndarray
    low: np.ndarray | None = None
    high: np.ndarray | None = None


def line_chart(
    chart_id: str, title: str, series: Sequence[Series], *, share: bool = False
) -> str:
    """Return an <svg> with one path per series; x values are epoch seconds."""
    xs = np.concatenate([s.x for s in series]) if series else np.zeros(1)
    ys = [s.y for s in series] + [
        b for s in series for b in (s.low, s.high) if b is not None
    ]
    values = np.concatenate(ys) if ys else np.zeros(1)
    values = values[~np.isnan(values)]
    x_low, x_high = float(xs.min()), float(xs.max())
    if x_high <= x_low:
        x_high = x_low + 1
    y_low = 0.0
    y_high = 1.0
    if not share and len(values):
        y_high = float(values.max())
    if y_high <= y_low:
        y_high = y_low + 1
    y_high = max(y_high, _ticks(y_low, y_high)[-1])

    def px(x: np.ndarray) -> np.ndarray:
        return LEFT + (x - x_low) / (x_high - x_low) * (WIDTH - LEFT - RIGHT)

    def py(y: np.ndarray) -> np.ndarray:
        return (
            HEIGHT - BOTTOM - (y - y_low) / (y_high - y_low) * (HEIGHT - TOP - BOTTOM)
        )

    parts = [
        f'<svg id="{escape(chart_id)}" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}">',
        f'<text class="title" x="{LEFT}" y="16">{escape(title)}</text>',
    ]
    parts += _axes(x_low, x_high, y_high, share, px, py)
    for number, item in enumerate(series):
        colour = COLOURS[number % len(COLOURS)]
        if item.low is not None and item.high is not None:
            band = _band(px(item.x), py(item.low), py(item.high))
            if band:
                parts.append(
                    f'<path class="band" data-policy="{escape(item.name)}" d="{band}" '
                    f'fill="{colour}" fill-opacity="0.15" stroke="none"/>'
                )
        path = _path(px(item.x), py(item.y))
        parts.append(
            f'<path class="series" data-policy="{escape(item.name)}" d="{path}" '
            f'fill="none" stroke="{colour}" stroke-width="1.6"/>'
        )
        legend_x = LEFT + 150 * number
        parts.append(
            f'<rect x="{legend_x}" y="{TOP - 16}" width="14" height="3" '
            f'fill="{colour}"/><text class="legend" x="{legend_x + 20}" '
            f'y="{TOP - 11}">{escape(item.name)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _axes(x_low, x_high, y_high, share, px, py) -> list[str]:  # type: ignore[no-untyped-def]
    parts = [
        f'<line class="axis" x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" '
        f'y2="{HEIGHT - BOTTOM}" stroke="#444"/>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}" '
        'stroke="#444"/>',
    ]
    for value in _ticks(0.0, y_high):
        y = float(py(np.array(value)))
        label = f"{value:.0%}" if share else f"{value:,.0f}"
        parts.append(
            f'<line x1="{LEFT - 4}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="#ddd"/><text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" '
            f'text-anchor="end">{label}</text>'
        )
    for number, value in enumerate(np.linspace(x_low, x_high, 5)):
        x = float(px(np.array(value)))
        label = datetime.fromtimestamp(float(value), UTC).strftime("%Y-%m-%d")
        anchor = ("start", "middle", "middle", "middle", "end")[number]
        parts.append(
            f'<text class="tick" x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" '
            f'text-anchor="{anchor}">{label}</text>'
        )
    return parts


def _ticks(low: float, high: float) -> list[float]:
    span = high - low
    step = 10 ** math.floor(math.log10(span / 4)) if span > 0 else 1
    for factor in (1, 2, 5, 10):
        if span / (step * factor) <= 5:
            step *= factor
            break
    return [float(v) for v in np.arange(low, high + step * 0.5, step)]


def _path(x: np.ndarray, y: np.ndarray) -> str:
    commands = []
    pen_down = False
    for a, b in zip(x.tolist(), y.tolist(), strict=True):
        if math.isnan(b):
            pen_down = False
            continue
        commands.append(f"{'L' if pen_down else 'M'}{a:.1f},{b:.1f}")
        pen_down = True
    return " ".join(commands)


def _band(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> str:
    keep = ~(np.isnan(low) | np.isnan(high))
    if not keep.any():
        return ""
    x, low, high = x[keep], low[keep], high[keep]
    upper = " ".join(
        f"L{a:.1f},{b:.1f}" for a, b in zip(x.tolist(), high.tolist(), strict=True)
    )
    lower = " ".join(
        f"L{a:.1f},{b:.1f}"
        for a, b in zip(x[::-1].tolist(), low[::-1].tolist(), strict=True)
    )
    return f"M{x[0]:.1f},{high[0]:.1f} {upper} {lower} Z"
