"""`WeeklyBars`: minutes in the BDNF window per week as bars, with the weekly goal drawn across."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar

from rich.console import RenderableType
from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from hrcoach.logbook import WEEKLY_MIN, Week

EIGHTHS = " ▁▂▃▄▅▆▇█"
LABEL_W = 5  # the axis on the right: " 150"


def scale(peak: float, rows: int, goal: float = WEEKLY_MIN) -> float:
    """Minutes per row: the goal line sits in the middle of a row, as high as leaves the tallest
    bar a free row above it for its number."""
    if rows < 2:
        return max(peak, goal) / max(rows, 1)
    below = rows - 2  # rows under the goal line's row: at most all but the top two
    if peak > 0:
        below = min(below, math.floor(goal * (rows - 1) / peak - 0.5))
    step = goal / (max(below, 0) + 0.5)
    return max(step, peak / (rows - 1))


def bar_cell(value: float, row: int, step: float) -> str:
    """The glyph of a bar `value` high in row `row` (0 at the bottom) of rows `step` tall."""
    bottom = row * step
    if value >= bottom + step:
        return "█"
    if value <= bottom:
        return " "
    return EIGHTHS[max(1, round((value - bottom) / step * 8))]


class WeeklyBars(Widget):
    """One bar a week (oldest on the left), met weeks in their own colour, the goal as a line."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "weekly-bars--bar",
        "weekly-bars--met",
        "weekly-bars--goal",
        "weekly-bars--axis",
        "weekly-bars--value",
        "weekly-bars--current",
    }

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self.weeks: list[Week] = []

    def show(self, weeks: Sequence[Week]) -> None:
        self.weeks = list(weeks)
        self.refresh()

    def render(self) -> RenderableType:
        style = self.get_component_rich_style
        axis = style("weekly-bars--axis")
        if not self.weeks:
            return Text("no weeks to show", axis, justify="center")
        n = len(self.weeks)
        col = max(1, (self.size.width - LABEL_W) // n)
        bar_w = col - 2 if col >= 4 else max(1, col - 1)
        left = (col - bar_w) // 2
        rows = max(1, self.size.height - 1)
        values = [w.bdnf_min for w in self.weeks]
        step = scale(max(values), rows)
        goal_row = min(rows - 1, math.floor(WEEKLY_MIN / step))
        tops = [self._top(v, w.sessions, step) for v, w in zip(values, self.weeks, strict=True)]
        lines: list[Text] = []
        for r in range(rows - 1, -1, -1):
            line = Text()
            for v, w, top in zip(values, self.weeks, tops, strict=True):
                cells: list[tuple[str, Style | None]] = []
                for x in range(col):
                    ch = bar_cell(v, r, step) if left <= x < left + bar_w else " "
                    if ch != " ":
                        cells.append((ch, style("weekly-bars--met" if w.met else "weekly-bars--bar")))
                    elif r == goal_row:
                        cells.append(("─", style("weekly-bars--goal")))
                    else:
                        cells.append((" ", None))
                if r == top:
                    number = f"{v:.0f}"
                    if len(number) <= col:
                        at = max(0, left + (bar_w - len(number) + 1) // 2)
                        at = min(at, col - len(number))
                        for i, c in enumerate(number):
                            cells[at + i] = (c, style("weekly-bars--value"))
                for ch, st in cells:
                    line.append(ch, st)
            label = f"{WEEKLY_MIN}" if r == goal_row else "min" if r == rows - 1 else ""
            line.append(f" {label:>{LABEL_W - 1}}", axis)
            lines.append(line)
        lines.append(self._labels(col, left, bar_w))
        return Text("\n").join(lines)

    @staticmethod
    def _top(value: float, sessions: int, step: float) -> int | None:
        """The row holding the week's number: the one above its bar (None: nothing to number)."""
        if not sessions:
            return None
        return 0 if value <= 0 else math.ceil(value / step - 1e-9)

    def _labels(self, col: int, left: int, bar_w: int) -> Text:
        style = self.get_component_rich_style
        line = Text()
        every = max(1, math.ceil(4 / col))  # "W47" and a space
        last = len(self.weeks) - 1
        for i, w in enumerate(self.weeks):
            text = f"W{w.week:02d}"
            if (last - i) % every or len(text) > col:
                line.append(" " * col)
                continue
            at = min(max(0, left + (bar_w - len(text) + 1) // 2), col - len(text))
            cell = " " * at + text
            current = style("weekly-bars--current") if i == last else style("weekly-bars--axis")
            line.append(cell.ljust(col), current)
        return line
