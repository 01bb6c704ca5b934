"""`ZoneGauge`: 50–100 % HRmax left to right, both windows drawn, a marker where the runner is.
The windows' bounds and the scale's ticks (the zones' floors and the windows' edges) come from
`hrcoach.engine.zones`."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual.reactive import reactive
from textual.strip import Strip
from textual.visual import Visual, visualize
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
        self._strips: tuple[Hashable, list[Strip]] | None = None  # a full render's lines
        self._marker_strip: tuple[Hashable, Strip] | None = None

    def _marker(self, width: int) -> tuple[int, str] | None:
        """What the marker line shows: the cell and the rounded %HRmax."""
        return None if self.pct is None else (column(self.pct, width), f"{self.pct:.0f}")

    def watch_pct(self) -> None:
        width = max(12, self.size.width)
        if self._shown != (width, self._marker(width)):
            self.refresh()

    def _styles_key(self, width: int) -> Hashable:
        style = self.get_component_rich_style
        return (width, self.windows, tuple(style(name) for name in sorted(self.COMPONENT_CLASSES)))

    def _bar_and_legend(self, width: int) -> tuple[Text, Text]:
        """The coloured bar and the scale under it: the same until the width or the styles change."""
        style = self.get_component_rich_style
        key = self._styles_key(width)
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

    def _marker_text(self, width: int) -> Text:
        marker = Text(" " * width)
        if self.pct is not None:
            at = column(self.pct, width)
            label = f"▼ {self.pct:.0f} %"
            if at + len(label) <= width:
                marker = Text(" " * at + label)
            else:  # near the right end the label goes to the left of the marker
                label = f"{self.pct:.0f} % ▼"
                marker = Text(" " * (at - len(label) + 1) + label)
            marker.stylize(self.get_component_rich_style("zone-gauge--marker"))
        return marker

    def render(self) -> RenderableType:
        width = max(12, self.size.width)
        self._shown = (width, self._marker(width))
        bar, legend = self._bar_and_legend(width)
        return Text("\n").join([self._marker_text(width), bar, legend])

    def render_line(self, y: int) -> Strip:
        """The marker's line alone is drawn again when it moves; the bar and the scale are lines
        kept from a full render (converting their cell-by-cell colours was most of a frame's cost)."""
        width, height = self.size
        if width < 12 or self.BLANK:  # lines wider than the gauge wrap: a full render each time
            return super().render_line(y)
        base = self.visual_style
        key = (self.size, self._styles_key(width), base)
        if self._strips is None or self._strips[0] != key:
            self._strips = (key, Visual.to_strips(self, visualize(self, self.render()), width, height, base))
        if y == 0:
            marker = self._marker(width)
            self._shown = (width, marker)
            if self._marker_strip is None or self._marker_strip[0] != (key, marker):
                line = visualize(self, self._marker_text(width))
                self._marker_strip = ((key, marker), Visual.to_strips(self, line, width, 1, base)[0])
            return self._marker_strip[1]
        strips = self._strips[1]
        return strips[y] if y < len(strips) else Strip.blank(width, base.rich_style)
