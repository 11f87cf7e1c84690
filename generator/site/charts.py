"""Bar charts as plain geometry, drawn by the templates as inline SVG (no script needed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    """What the bar counts, e.g. ``September 2022: 12 statements``."""
    count: int
    href: str | None


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    maximum: int
    axis: tuple[tuple[float, str], ...]
    """``(x, text)`` labels under the bars (years, or month initials)."""
    title: str

    @property
    def empty(self) -> bool:
        return not self.bars


def bars(
    values: Sequence[tuple[str, int, str | None]],
    *,
    title: str,
    axis: Sequence[tuple[int, str]] = (),
    width: int = 720,
    height: int = 120,
    gap: float = 1.0,
) -> Chart:
    """A chart of ``(label, count, link)`` values, left to right.

    ``axis`` holds ``(index of a value, text)`` pairs to print under the bars.
    Heights are scaled to the largest count; a bar with a count is at least
    one unit tall, so that a single statement stays visible.
    """
    n = len(values)
    maximum = max((count for _, count, _ in values), default=0)
    if n == 0:
        return Chart(width, height, (), 0, (), title)
    step = width / n
    plot = height - 16  # room for the axis labels
    drawn = []
    for i, (label, count, href) in enumerate(values):
        h = 0.0 if maximum == 0 else max(1.0, plot * count / maximum) if count else 0.0
        drawn.append(Bar(round(i * step, 2), round(plot - h, 2), round(max(step - gap, 0.5), 2),
                         round(h, 2), label, count, href))
    labels = tuple((round(index * step, 2), text) for index, text in axis)
    return Chart(width, height, tuple(drawn), maximum, labels, title)
