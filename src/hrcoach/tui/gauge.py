"""`ZoneGauge`: 50–100 % HRmax left to right, both windows drawn, a marker where the runner is.
The windows' bounds and the scale's ticks (the zones' floors and the windows' edges) come from
`hrcoach.engine.zones`."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from hrcoach.engine.zones import WINDOWS, ZONE_FLOORS, Window

LO, HI = float(ZONE_FLOORS[0]), 100.0


def column(pct: float, width: int) -> int:
    """The cell of `pct` on a gauge `width` cells wide (clamped to the ends)."""
    frac = (min(HI, max(LO, pct)) - LO) / (HI - LO)
    return min(width - 1, round(frac * (width - 1)))


def ticks(windows: Sequence[Window]) -> list[int]:
    """The numbers under the gauge: where each zone starts, each window's edges, and 100."""
    edges = {edge for w in windows for edge in (w.lo, w.hi)}
    return sorted(t for t in {*ZONE_FLOORS, *edges, int(HI)} if LO <= t <= HI)


def part(pct: float, windows: Sequence[Window]) -> str:
    """The gauge's colour at `pct`: the narrowest window holding it, else below or above them."""
    inside = [w for w in windows if w.lo <= pct <= w.hi]
    if inside:
        return f"zone-gauge--{min(inside, key=lambda w: w.hi - w.lo).name}"
    return "zone-gauge--easy" if pct < min(w.lo for w in windows) else "zone-gauge--hard"


class ZoneGauge(Widget):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "zone-gauge--easy",
        *(f"zone-gauge--{name}" for name in WINDOWS),  # bdnf, anandamide
        "zone-gauge--hard",
        "zone-gauge--marker",
        "zone-gauge--scale",
    }
    pct: reactive[float | None] = reactive(None, repaint=False)  # repainted when the marker moves

    def __init__(
        self,
        windows: Sequence[Window] = tuple(WINDOWS.values()),
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.windows = tuple(windows)
        self._shown: tuple[int, tuple[int, str] | None] | None = None  # (width, marker) last drawn
        self._scale: tuple[Hashable, Text, Text] | None = None  # (what it depends on, bar, legend)

    def _marker(self, width: int) -> tuple[int, str] | None:
        """What the marker line shows: the cell and the rounded %HRmax."""
        return None if self.pct is None else (column(self.pct, width), f"{self.pct:.0f}")

    def watch_pct(self) -> None:
        width = max(12, self.size.width)
        if self._shown != (width, self._marker(width)):
            self.refresh()

    def _bar_and_legend(self, width: int) -> tuple[Text, Text]:
        """The coloured bar and the scale under it: the same until the width or the styles change."""
        style = self.get_component_rich_style
        key = (width, self.windows, tuple(style(name) for name in sorted(self.COMPONENT_CLASSES)))
        if self._scale is None or self._scale[0] != key:
            bar = Text()
            for cell in range(width):
                colour = part(LO + (HI - LO) * cell / max(1, width - 1), self.windows)
                bar.append("█" if colour != "zone-gauge--easy" else "▁", style(colour))
            scale = [" "] * width
            for tick in ticks(self.windows):
                text = str(tick)
                at = column(tick, width)
                at = min(at, width - len(text))
                scale[at : at + len(text)] = list(text)
            self._scale = (key, bar, Text("".join(scale), style("zone-gauge--scale")))
        return self._scale[1], self._scale[2]

    def render(self) -> RenderableType:
        width = max(12, self.size.width)
        style = self.get_component_rich_style
        marker = Text(" " * width)
        self._shown = (width, self._marker(width))
        if self.pct is not None:
            at = column(self.pct, width)
            label = f"▼ {self.pct:.0f} %"
            if at + len(label) <= width:
                marker = Text(" " * at + label)
            else:  # near the right end the label goes to the left of the marker
                label = f"{self.pct:.0f} % ▼"
                marker = Text(" " * (at - len(label) + 1) + label)
            marker.stylize(style("zone-gauge--marker"))
        bar, legend = self._bar_and_legend(width)
        return Text("\n").join([marker, bar, legend])
