"""`TrendChart`: heart rate over time as a block-column chart, with the target window as a band."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from itertools import groupby
from typing import ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual.widget import Widget

EIGHTHS = " ▁▂▃▄▅▆▇█"
LABEL_W = 5


def columns(points: Iterable[tuple[float, float]], t0: float, t1: float, width: int) -> list[float | None]:
    """Mean bpm of the points falling in each of `width` equal time buckets over [t0, t1]."""
    sums = [0.0] * width
    counts = [0] * width
    span = max(t1 - t0, 1e-9)
    for t, bpm in points:
        if t0 <= t <= t1:
            i = min(width - 1, int((t - t0) / span * width))
            sums[i] += bpm
            counts[i] += 1
    return [s / c if c else None for s, c in zip(sums, counts, strict=True)]


def _cell(v: float | None, row_bottom: float, row_top: float, step: float) -> str:
    if v is None or v <= row_bottom:
        return " "
    if v >= row_top:
        return "█"
    return EIGHTHS[max(1, round((v - row_bottom) / step * 8))]


class TrendChart(Widget):
    """The last `span_s` seconds (None: the whole session) of accepted bpm, and the band lo..hi bpm."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"trend-chart--band", "trend-chart--bar", "trend-chart--axis"}

    def __init__(
        self, *, span_s: float | None = 600.0, name: str | None = None, id: str | None = None
    ) -> None:
        super().__init__(name=name, id=id)
        self.span_s = span_s
        self.points: deque[tuple[float, float]] = deque()
        self.band: tuple[float, float] = (0.0, 0.0)

    def set_band(self, lo_bpm: float, hi_bpm: float) -> None:
        self.band = (lo_bpm, hi_bpm)
        self.refresh()

    def add(self, t: float, bpm: float) -> None:
        self.points.append((t, bpm))
        if self.span_s is not None:
            while self.points and self.points[0][0] < t - self.span_s:
                self.points.popleft()
        self.refresh()

    def extend(self, points: Iterable[tuple[float, float]]) -> None:
        for t, bpm in points:
            self.add(t, bpm)

    def render(self) -> RenderableType:
        width = max(8, self.size.width - LABEL_W)
        height = max(2, self.size.height - 1)
        style = self.get_component_rich_style
        lo, hi = self.band
        if not self.points:
            return Text("waiting for the first heart beat…", style("trend-chart--axis"), justify="center")
        t1 = self.points[-1][0]
        t0 = t1 - self.span_s if self.span_s is not None else self.points[0][0]
        cols = columns(self.points, t0, t1, width)
        values = [v for v in cols if v is not None] + ([lo, hi] if hi > 0 else [])
        bottom = min(values) - 5
        top = max(values) + 5
        step = (top - bottom) / height
        bar, band, axis_style = (
            style("trend-chart--bar"),
            style("trend-chart--band"),
            style("trend-chart--axis"),
        )
        band_bar = band + bar
        rows: list[Text] = []
        for r in range(height):
            row_top = top - r * step
            row_bottom = row_top - step
            in_band = hi > 0 and lo <= (row_top + row_bottom) / 2 <= hi
            chars = "".join(_cell(v, row_bottom, row_top, step) for v in cols)
            # one span per run of bars or of blanks, not a style per cell (most of a frame's cost)
            line = Text()
            for filled, run in groupby(chars, key=lambda ch: ch != " "):
                text = "".join(run)
                line.append(text, (band_bar if filled else band) if in_band else (bar if filled else None))
            label = ""
            if hi > 0 and row_bottom <= hi < row_top:
                label = f"{hi:.0f}"
            elif hi > 0 and row_bottom <= lo < row_top:
                label = f"{lo:.0f}"
            line.append(f" {label:>{LABEL_W - 1}}", axis_style)
            rows.append(line)
        minutes = (t1 - t0) / 60
        axis = f"{'-' + format(minutes, '.0f') + ' min' if self.span_s else '0'}"
        end = "now" if self.span_s else f"{minutes:.0f} min"
        rows.append(Text(f"{axis}{end:>{width - len(axis)}}", axis_style))
        return Text("\n").join(rows)
