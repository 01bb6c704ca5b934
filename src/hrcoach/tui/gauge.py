"""`ZoneGauge`: 50–100 % HRmax left to right, both windows drawn, a marker where the runner is."""

from __future__ import annotations

from typing import ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

LO, HI = 50.0, 100.0
TICKS = (50, 60, 70, 80, 90, 100)


def column(pct: float, width: int) -> int:
    """The cell of `pct` on a gauge `width` cells wide (clamped to the ends)."""
    frac = (min(HI, max(LO, pct)) - LO) / (HI - LO)
    return min(width - 1, round(frac * (width - 1)))


class ZoneGauge(Widget):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "zone-gauge--easy",
        "zone-gauge--bdnf",
        "zone-gauge--anandamide",
        "zone-gauge--hard",
        "zone-gauge--marker",
        "zone-gauge--scale",
    }
    pct: reactive[float | None] = reactive(None)

    def render(self) -> RenderableType:
        width = max(12, self.size.width)
        style = self.get_component_rich_style
        marker = Text(" " * width)
        if self.pct is not None:
            at = column(self.pct, width)
            label = f"▼ {self.pct:.0f} %"
            if at + len(label) <= width:
                marker = Text(" " * at + label)
            else:  # near the right end the label goes to the left of the marker
                label = f"{self.pct:.0f} % ▼"
                marker = Text(" " * (at - len(label) + 1) + label)
            marker.stylize(style("zone-gauge--marker"))
        bar = Text()
        for cell in range(width):
            pct = LO + (HI - LO) * cell / max(1, width - 1)
            if pct < 60:
                part = "zone-gauge--easy"
            elif pct < 70:
                part = "zone-gauge--bdnf"
            elif pct <= 80:
                part = "zone-gauge--anandamide"
            else:
                part = "zone-gauge--hard"
            bar.append("█" if part != "zone-gauge--easy" else "▁", style(part))
        scale = [" "] * width
        for tick in TICKS:
            text = str(tick)
            at = column(tick, width)
            at = min(at, width - len(text))
            scale[at : at + len(text)] = list(text)
        legend = Text("".join(scale), style("zone-gauge--scale"))
        return Text("\n").join([marker, bar, legend])
