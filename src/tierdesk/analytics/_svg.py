"""Inline SVG charts for the HTML report, drawn without any script or library.

Each function returns one `<svg>` element. Drawn data elements carry a class
(`bar`, `line`, `point`, `type-point`, `boundary`, `flow`, `spark`) so a test
can count them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#718096")
ACTION_COLOURS = {
    "move_down": "#38a169",
    "move_up": "#e53e3e",
    "keep": "#4a5568",
    "n/a": "#a0aec0",
}


def _text(x: float, y: float, content: str, **attributes: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attributes.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(content)}</text>'


def empty_chart(message: str, width: int = 640, height: int = 60) -> str:
    return (
        f'<svg class="chart empty" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">'
        + _text(10, 35, message, class_="note")
        + "</svg>"
    )


def bar_chart(
    items: Sequence[tuple[str, float, str]], *, title: str, width: int = 640
) -> str:
    """Draw horizontal bars; items are (label, share 0-1, tooltip)."""
    if not items:
        return empty_chart(f"{title}: no data")
    row, left, top = 22, 170, 28
    height = top + row * len(items) + 10
    span = width - left - 70
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        _text(4, 16, title, class_="title"),
    ]
    for i, (name, share, tooltip) in enumerate(items):
        y = top + i * row
        length = max(1.0, span * max(0.0, min(1.0, share)))
        parts.append(_text(left - 6, y + 14, _clip(name, 26), text_anchor="end"))
        parts.append(
            f'<rect class="bar" x="{left}" y="{y + 3}" width="{length:.1f}" '
            f'height="{row - 6}" fill="{PALETTE[0]}"><title>{escape(tooltip)}</title>'
            "</rect>"
        )
        parts.append(_text(left + length + 4, y + 14, f"{share * 100:.1f}%"))
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Series:
    """One line: a name and (period index, share or None, n) points."""

    name: str
    points: Sequence[tuple[int, float | None, int]]


def line_chart(
    periods: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    min_n: int,
    width: int = 640,
    height: int = 240,
) -> str:
    """Draw shares over periods; points below min_n are hollow, n/a points left out."""
    if not periods or not series:
        return empty_chart(f"{title}: no data")
    left, right, top, bottom = 44, 130, 28, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(periods) - 1)

    def x(index: int) -> float:
        return left + index * step if len(periods) > 1 else left + plot_w / 2

    def y(share: float) -> float:
        return top + plot_h * (1 - share)

    parts = [
        f'<svg class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        _text(4, 16, title, class_="title"),
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(
            f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" '
            f'y2="{y(tick):.1f}"/>'
        )
        parts.append(
            _text(left - 4, y(tick) + 4, f"{tick * 100:.0f}%", text_anchor="end")
        )
    every = max(1, math.ceil(len(periods) / 8))
    for index, period in enumerate(periods):
        if index % every == 0:
            parts.append(
                _text(x(index), height - bottom + 16, period, text_anchor="middle")
            )
    for number, line in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        drawn = [(i, s, n) for i, s, n in line.points if s is not None]
        if len(drawn) > 1:
            path = " ".join(
                f"{'M' if k == 0 else 'L'}{x(i):.1f},{y(s):.1f}"
                for k, (i, s, _) in enumerate(drawn)
            )
            parts.append(
                f'<path class="line" d="{path}" fill="none" stroke="{colour}" '
                'stroke-width="2"/>'
            )
        for i, share, n in drawn:
            fill = colour if n >= min_n else "white"
            parts.append(
                f'<circle class="point" cx="{x(i):.1f}" cy="{y(share):.1f}" r="3.5" '
                f'fill="{fill}" stroke="{colour}"><title>{escape(line.name)} '
                f"{escape(periods[i])}: {share * 100:.1f}% of {n}</title></circle>"
            )
        parts.append(
            f'<rect x="{width - right + 10}" y="{top + number * 18}" width="10" '
            f'height="10" fill="{colour}"/>'
        )
        parts.append(
            _text(width - right + 24, top + number * 18 + 9, _clip(line.name, 16))
        )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class TypePoint:
    """One inquiry type in the one-touch chart."""

    name: str
    escalated: float
    one_touch: float
    tickets: int
    complexity: str | None
    action: str


@dataclass(frozen=True)
class Boundaries:
    """Thresholds drawn in the one-touch chart; None leaves a line out."""

    move_down_min_one_touch: float
    stay_min_one_touch: float
    move_down_max_escalation: float | None
    move_up_min_escalation: float | None


def one_touch_chart(
    points: Sequence[TypePoint],
    boundaries: Boundaries,
    *,
    width: int = 640,
    height: int = 380,
) -> str:
    """Scatter one-touch share against escalation share, with the decision lines.

    Escalation share stands for observed complexity on the x axis; circles are
    types of simple complexity and squares complex ones, coloured by decision.
    """
    title = "One-touch share against escalation share, by inquiry type"
    if not points:
        return empty_chart(f"{title}: no inquiry type of the policy in the data")
    left, right, top, bottom = 50, 150, 28, 44
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(share: float) -> float:
        return left + plot_w * share

    def y(share: float) -> float:
        return top + plot_h * (1 - share)

    parts = [
        f'<svg class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        _text(4, 16, title, class_="title"),
        f'<rect class="frame" x="{left}" y="{top}" width="{plot_w}" '
        f'height="{plot_h}" fill="none"/>',
    ]
    down = boundaries.move_down_min_one_touch
    limit = boundaries.move_down_max_escalation
    zone_w = x(limit if limit is not None else 1.0) - left
    parts.append(
        f'<rect class="zone" x="{left}" y="{y(1.0):.1f}" width="{zone_w:.1f}" '
        f'height="{y(down) - y(1.0):.1f}" fill="#c6f6d5" fill-opacity="0.5">'
        "<title>move down: in-house types of a listed complexity</title></rect>"
    )
    stay = boundaries.stay_min_one_touch
    needed = boundaries.move_up_min_escalation or 0.0
    parts.append(
        f'<rect class="zone" x="{x(needed):.1f}" y="{y(stay):.1f}" '
        f'width="{x(1.0) - x(needed):.1f}" height="{y(0.0) - y(stay):.1f}" '
        'fill="#fed7d7" fill-opacity="0.5"><title>move up: vendor types</title></rect>'
    )
    lines = [
        (f"move down at {down * 100:.0f}%", None, down),
        (f"stay above {stay * 100:.0f}%", None, stay),
    ]
    if limit is not None:
        lines.append((f"escalated at most {limit * 100:.0f}%", limit, None))
    if boundaries.move_up_min_escalation is not None:
        lines.append((f"move up from {needed * 100:.0f}% escalated", needed, None))
    for name, vertical, horizontal in lines:
        if horizontal is not None:
            parts.append(
                f'<line class="boundary" x1="{left}" x2="{left + plot_w}" '
                f'y1="{y(horizontal):.1f}" y2="{y(horizontal):.1f}">'
                f"<title>{escape(name)}</title></line>"
            )
            parts.append(_text(left + plot_w + 4, y(horizontal) + 4, name))
        else:
            parts.append(
                f'<line class="boundary" x1="{x(vertical):.1f}" x2="{x(vertical):.1f}" '
                f'y1="{top}" y2="{top + plot_h}"><title>{escape(name)}</title></line>'
            )
    for tick in (0.0, 0.5, 1.0):
        parts.append(
            _text(left - 4, y(tick) + 4, f"{tick * 100:.0f}%", text_anchor="end")
        )
        parts.append(
            _text(
                x(tick), top + plot_h + 16, f"{tick * 100:.0f}%", text_anchor="middle"
            )
        )
    parts.append(
        _text(left + plot_w / 2, height - 6, "escalated share", text_anchor="middle")
    )
    largest = max(point.tickets for point in points) or 1
    for point in points:
        size = 3 + 7 * math.sqrt(point.tickets / largest)
        colour = ACTION_COLOURS.get(point.action, "#4a5568")
        tooltip = (
            f"{point.name}: one-touch {point.one_touch * 100:.1f}%, escalated "
            f"{point.escalated * 100:.1f}%, {point.tickets} tickets, "
            f"{point.complexity or 'unknown complexity'}, {point.action}"
        )
        cx, cy = x(point.escalated), y(point.one_touch)
        if point.complexity == "complex":
            shape = (
                f'<rect class="type-point" x="{cx - size:.1f}" y="{cy - size:.1f}" '
                f'width="{2 * size:.1f}" height="{2 * size:.1f}" fill="{colour}" '
                'fill-opacity="0.75">'
            )
            parts.append(f"{shape}<title>{escape(tooltip)}</title></rect>")
        else:
            parts.append(
                f'<circle class="type-point" cx="{cx:.1f}" cy="{cy:.1f}" '
                f'r="{size:.1f}" fill="{colour}" fill-opacity="0.75">'
                f"<title>{escape(tooltip)}</title></circle>"
            )
    parts.append("</svg>")
    return "".join(parts)


def flow_chart(
    tiers: Sequence[str],
    moves: Sequence[tuple[str, str, int]],
    entered: dict[str, int],
    ended: dict[str, int],
    *,
    width: int = 640,
    height: int = 300,
) -> str:
    """Draw tiers left to right by rank with arcs for moves between them.

    Moves up the tiers arc above the axis and moves down arc below it; an
    arc's width is proportional to its ticket count.
    """
    title = "Flow of tickets between tiers"
    if not tiers:
        return empty_chart(f"{title}: no event names a tier")
    left, right = 60, 60
    axis = height / 2
    step = (width - left - right) / max(1, len(tiers) - 1)
    position = {
        tier: (left + i * step if len(tiers) > 1 else width / 2)
        for i, tier in enumerate(tiers)
    }
    largest = max([count for *_, count in moves] + [1])
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{title}">',
        _text(4, 16, title, class_="title"),
    ]
    order = {tier: i for i, tier in enumerate(tiers)}
    for source, target, count in moves:
        if source not in position or target not in position:
            continue
        x1, x2 = position[source], position[target]
        upward = order[target] > order[source]
        lift = (abs(x2 - x1) / 2) * (-1 if upward else 1)
        stroke = 1.5 + 14 * count / largest
        colour = "#dd6b20" if upward else "#2b6cb0"
        parts.append(
            f'<path class="flow" d="M{x1:.1f},{axis:.1f} Q{(x1 + x2) / 2:.1f},'
            f'{axis + lift:.1f} {x2:.1f},{axis:.1f}" fill="none" stroke="{colour}" '
            f'stroke-opacity="0.6" stroke-width="{stroke:.1f}"><title>'
            f"{escape(source)} to {escape(target)}: {count:,} moves</title></path>"
        )
    for tier in tiers:
        cx = position[tier]
        parts.append(
            f'<circle class="node" cx="{cx:.1f}" cy="{axis:.1f}" r="9" fill="#2d3748"/>'
        )
        parts.append(_text(cx, axis + 28, tier, text_anchor="middle", class_="strong"))
        parts.append(
            _text(
                cx,
                axis + 44,
                f"in {entered.get(tier, 0):,} / last {ended.get(tier, 0):,}",
                text_anchor="middle",
            )
        )
    parts.append(
        _text(
            4, height - 8, "orange: moves up a tier (above); blue: moves down (below)"
        )
    )
    parts.append("</svg>")
    return "".join(parts)


def sparkline(values: Sequence[int], *, rising: bool, width: int = 120) -> str:
    """Draw a small line of weekly counts."""
    height = 24
    if not values:
        return ""
    top = max(values) or 1
    step = width / max(1, len(values) - 1)
    coordinates = " ".join(
        f"{i * step:.1f},{height - 2 - (height - 4) * v / top:.1f}"
        for i, v in enumerate(values)
    )
    colour = "#e53e3e" if rising else "#4a5568"
    return (
        f'<svg class="spark-chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><polyline class="spark" '
        f'points="{coordinates}" '
        f'fill="none" stroke="{colour}" stroke-width="1.5"/></svg>'
    )


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
