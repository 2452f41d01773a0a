"""Chart geometry for server-rendered SVG: plain numbers that the templates draw.

No JavaScript and no inline styles (the CSP allows neither): bars are ``<rect>`` elements with
their size in attributes, colours come from CSS classes. Every chart also has a table beside
it, so screen readers and printouts get the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

# The trend chart's drawing area, in SVG user units (the SVG scales to its container).
TREND_WIDTH = 720
TREND_HEIGHT = 240
TREND_LEFT = 52
TREND_RIGHT = 56
TREND_TOP = 16
TREND_BOTTOM = 36
HEAT_BUCKETS = 5


AXIS_STEPS = 4


def nice_step(value: float, steps: int = AXIS_STEPS) -> int:
    """A whole, round grid step (1, 2, 2.5 or 5 × 10^n) so that ``steps`` of them reach
    ``value``."""
    if value <= 0:
        return 1
    raw = value / steps
    magnitude = 10 ** max(0, math.floor(math.log10(raw))) if raw >= 1 else 1
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if step >= raw and step == int(step):
            return int(step)
    return int(10 * magnitude)


def nice_ceiling(value: float) -> int:
    """The axis end: ``AXIS_STEPS`` round steps at or above ``value`` (at least 1)."""
    if value <= 0:
        return 1
    return nice_step(value) * AXIS_STEPS


@dataclass(frozen=True)
class Tick:
    """A grid line of the value axis."""

    y: float
    value: int


@dataclass(frozen=True)
class Bar:
    """One bar: where it is drawn and what it says."""

    x: float
    y: float
    width: float
    height: float
    value: int
    label: str
    css_class: str


@dataclass(frozen=True)
class LinePoint:
    """A point of the line drawn over the bars."""

    x: float
    y: float
    value: int
    label: str


@dataclass
class TrendChart:
    """Stacked bars (one or more series) and a line (on its own scale) over months; ``legend``
    names each bar series, then the line."""

    width: int
    height: int
    left: int
    top: int
    plot_width: float
    plot_height: float
    ticks: list[Tick]
    line_ticks: list[Tick]
    bars: list[Bar]
    points: list[LinePoint]
    labels: list[tuple[float, str]]
    baseline: float
    line_path: str = ""
    is_empty: bool = False
    legend: list[tuple[str, str]] = field(default_factory=list)


def _ticks(
    top_value: int, plot_top: float, plot_height: float, count: int = AXIS_STEPS
) -> list[Tick]:
    return [
        Tick(
            y=round(plot_top + plot_height - plot_height * i / count, 1),
            value=top_value * i // count,
        )
        for i in range(count + 1)
    ]


def trend_chart(
    months: list[str],
    stacks: list[tuple[int, ...]],
    line: list[int],
    series: list[tuple[str, str]],
    line_label: str,
) -> TrendChart:
    """Events per month as bars, one segment per series (``series`` gives each its CSS class and
    label, bottom first), people reached per month as a line on its own scale."""
    plot_width = TREND_WIDTH - TREND_LEFT - TREND_RIGHT
    plot_height = TREND_HEIGHT - TREND_TOP - TREND_BOTTOM
    top_bar = nice_ceiling(max((sum(stack) for stack in stacks), default=0))
    top_line = nice_ceiling(max(line, default=0))
    count = max(1, len(months))
    slot = plot_width / count
    bar_width = max(4.0, slot * 0.6)
    baseline = TREND_TOP + plot_height
    chart_bars, points, labels = [], [], []
    every = 1 if count <= 12 else math.ceil(count / 12)
    for index, (month, stack, reached) in enumerate(zip(months, stacks, line, strict=True)):
        centre = TREND_LEFT + slot * index + slot / 2
        below = 0
        for value, (css_class, label) in zip(stack, series, strict=True):
            if value:
                bottom = baseline - plot_height * below / top_bar
                top = baseline - plot_height * (below + value) / top_bar
                chart_bars.append(
                    Bar(
                        x=round(centre - bar_width / 2, 1),
                        y=round(top, 1),
                        width=round(bar_width, 1),
                        height=round(bottom - top, 1),
                        value=value,
                        label=f"{month} {label}",
                        css_class=css_class,
                    )
                )
            below += value
        points.append(
            LinePoint(
                x=round(centre, 1),
                y=round(baseline - plot_height * reached / top_line, 1),
                value=reached,
                label=month,
            )
        )
        if index % every == 0:
            labels.append((round(centre, 1), month))
    path = " ".join(f"{'M' if i == 0 else 'L'}{p.x},{p.y}" for i, p in enumerate(points))
    return TrendChart(
        width=TREND_WIDTH,
        height=TREND_HEIGHT,
        left=TREND_LEFT,
        top=TREND_TOP,
        plot_width=plot_width,
        plot_height=plot_height,
        ticks=_ticks(top_bar, TREND_TOP, plot_height),
        line_ticks=_ticks(top_line, TREND_TOP, plot_height),
        bars=chart_bars,
        points=points,
        labels=labels,
        baseline=baseline,
        line_path=path,
        is_empty=not any(any(stack) for stack in stacks) and not any(line),
        legend=[*series, ("line-reached", line_label)],
    )


@dataclass(frozen=True)
class HBar:
    """One row of a horizontal bar chart: up to two values side by side."""

    label: str
    values: tuple[int, ...]
    widths: tuple[float, ...]


@dataclass
class HBarChart:
    """Horizontal bars with a shared scale; ``series`` names each value's CSS class and label."""

    rows: list[HBar]
    series: list[tuple[str, str]]
    scale: int
    width: int = 100


def hbar_chart(
    rows: list[tuple[str, tuple[int, ...]]], series: list[tuple[str, str]], width: int = 100
) -> HBarChart:
    """Bars scaled to the largest value over all rows and series (``width`` units long)."""
    scale = max((v for _, values in rows for v in values), default=0) or 1
    return HBarChart(
        rows=[
            HBar(
                label=label,
                values=values,
                widths=tuple(round(width * v / scale, 1) for v in values),
            )
            for label, values in rows
        ],
        series=series,
        scale=scale,
        width=width,
    )


def heat_bucket(value: int, top: int) -> int:
    """0 for nothing, else 1…HEAT_BUCKETS by the share of the grid's largest value."""
    if value <= 0 or top <= 0:
        return 0
    return min(HEAT_BUCKETS, 1 + int((HEAT_BUCKETS - 1) * value / top + 0.5))
