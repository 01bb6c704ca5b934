"""`TrendChart`: heart rate over time as a block-column chart, with the target window as a band."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Iterable
from typing import ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual.content import Content, Span
from textual.style import Style
from textual.widget import Widget

EIGHTHS = " ▁▂▃▄▅▆▇█"
LABEL_W = 5
RUNS = re.compile(r" +|[^ ]+")  # runs of blanks and of bars


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


def grid(cols: list[float | None], tops: list[float], bottoms: list[float], step: float) -> list[str]:
    """The chart's rows of cells, top row first: what `_cell` gives for each column and row, worked
    out a column at a time. Rows get lower down the list (`tops` and `bottoms` fall), so a column is
    blank above its value, full below it, and only the rows in between need `_cell`."""
    height = len(tops)
    neg_tops = [-x for x in tops]  # rising, for bisect
    neg_bottoms = [-x for x in bottoms]
    blank = " " * height
    strings = []
    for v in cols:
        if v is None:
            strings.append(blank)
            continue
        above = bisect_right(neg_bottoms, -v)  # rows with v <= row_bottom: blank
        full = max(above, bisect_left(neg_tops, -v))  # from here on v >= row_top: full
        edge = "".join(_cell(v, bottoms[r], tops[r], step) for r in range(above, full))
        strings.append(" " * above + edge + "█" * (height - full))
    return ["".join(row) for row in zip(*strings, strict=True)] if strings else [""] * height


class Frame:
    """Text and its styled spans, added a piece at a time, as Textual Content."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.spans: list[Span] = []
        self.length = 0

    def add(self, text: str, style: Style | None) -> None:
        self.parts.append(text)
        if style is not None:
            self.spans.append(Span(self.length, self.length + len(text), style))
        self.length += len(text)

    def content(self) -> Content:
        return Content("".join(self.parts), self.spans)


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

    def render(self) -> RenderableType | Content:
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
        tops = [top - r * step for r in range(height)]
        bottoms = [row_top - step for row_top in tops]
        theme = self.app.ansi_theme
        bar, band, axis_style = (
            style("trend-chart--bar"),
            style("trend-chart--band"),
            style("trend-chart--axis"),
        )
        # Textual's styles, converted once a frame: the frame is built as Textual Content (what a
        # Rich Text returned would be converted to, span for span), not a Rich Text to convert
        bar_s, band_s, band_bar_s, axis_s = (
            Style.from_rich_style(s, theme) if s else None for s in (bar, band, band + bar, axis_style)
        )
        frame = Frame()
        for r, chars in enumerate(grid(cols, tops, bottoms, step)):
            row_top, row_bottom = tops[r], bottoms[r]
            in_band = hi > 0 and lo <= (row_top + row_bottom) / 2 <= hi
            # one span per run of bars or of blanks, not a style per cell (most of a frame's cost)
            for run in RUNS.finditer(chars):
                text = run.group()
                filled = text[0] != " "
                run_style = (band_bar_s if filled else band_s) if in_band else (bar_s if filled else None)
                frame.add(text, run_style)
            label = ""
            if hi > 0 and row_bottom <= hi < row_top:
                label = f"{hi:.0f}"
            elif hi > 0 and row_bottom <= lo < row_top:
                label = f"{lo:.0f}"
            frame.add(f" {label:>{LABEL_W - 1}}", axis_s)
            frame.add("\n", None)
        minutes = (t1 - t0) / 60
        axis = f"{'-' + format(minutes, '.0f') + ' min' if self.span_s else '0'}"
        end = "now" if self.span_s else f"{minutes:.0f} min"
        frame.add(f"{axis}{end:>{width - len(axis)}}", axis_s)
        return frame.content()
