"""Geometry for the dashboard's sales chart, drawn as server-side SVG (no script needed).

Revenue per day is a bar on the left axis, units per day a line on the right axis. The
template only places what is computed here, so the arithmetic is testable without HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 78, 50, 16, 40


def nice_step(value: float) -> int:
    """The smallest whole 1, 2, 2.5 or 5 × 10ⁿ at or above ``value`` (at least 1).

    Axis ticks at multiples of such a step read naturally: 0, 25,000, 50,000, …
    """
    if value <= 1:
        return 1
    magnitude = 1
    while magnitude * 10 < value:
        magnitude *= 10
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * magnitude
        if candidate >= value and candidate == int(candidate):
            return int(candidate)
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    revenue: int
    units: int
    orders: int
    point_x: float
    point_y: float


@dataclass(frozen=True)
class Tick:
    y: float
    revenue: int
    units: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    bars: list[Bar]
    ticks: list[Tick]
    line: str

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def baseline(self) -> int:
        return self.height - self.bottom


def sales_chart(points, *, ticks: int = 4,
                day_label: Callable[[date], str] = lambda day: day.isoformat()[5:]) -> Chart:
    """Lay out ``points`` (objects with day, revenue, units, orders), oldest first; each bar
    is labelled with ``day_label(day)`` (the page passes the language's short date)."""
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    revenue_step = nice_step(max((p.revenue for p in points), default=0) / ticks)
    units_step = nice_step(max((p.units for p in points), default=0) / ticks)
    revenue_top, units_top = revenue_step * ticks, units_step * ticks
    slot = plot_w / max(len(points), 1)
    bars = []
    for i, p in enumerate(points):
        height = plot_h * p.revenue / revenue_top
        center = LEFT + slot * i + slot / 2
        bars.append(Bar(
            x=round(LEFT + slot * i + slot * 0.15, 1), y=round(TOP + plot_h - height, 1),
            width=round(slot * 0.7, 1), height=round(height, 1),
            label=day_label(p.day), revenue=p.revenue, units=p.units, orders=p.orders,
            point_x=round(center, 1), point_y=round(TOP + plot_h - plot_h * p.units / units_top, 1),
        ))
    tick_rows = [Tick(y=round(TOP + plot_h - plot_h * k / ticks, 1),
                      revenue=revenue_step * k, units=units_step * k)
                 for k in range(ticks + 1)]
    line = " ".join(f"{b.point_x},{b.point_y}" for b in bars)
    return Chart(WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM, bars, tick_rows, line)
