"""The small read-outs of the session screen: `CueBanner`, `WindowClocks`, `LinkStatus`."""

from __future__ import annotations

from typing import ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from hrcoach.engine.summary import clock
from hrcoach.engine.zones import ANANDAMIDE, BDNF, Window
from hrcoach.session import Tick

BANDS = ("below", "in", "above", "none")


class PlainLine(Static):
    """Plain text (never markup: it may quote a device or a path), repainted only when it changes
    and without a layout: these widgets have their height set in CSS and their container's width,
    whatever they say (a layout after each update was most of the live screen's cost)."""

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(Content(text), id=id)
        self.shown = text

    def show_text(self, text: str) -> None:
        if text != self.shown:
            self.shown = text
            self.update(Content(text), layout=False)


class CueBanner(PlainLine):
    """The current cue, coloured by where the runner is: below, in or above the target window."""

    def show(self, message: str, band: str | None) -> None:
        self.show_text(message)
        for b in BANDS:
            self.set_class(b == (band or "none"), f"-{b}")


class WindowClocks(Widget):
    """Time in the BDNF window toward the goal, in the anandamide window, the hold, and elapsed."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "window-clocks--done",
        "window-clocks--todo",
        "window-clocks--label",
    }
    tick: reactive[Tick | None] = reactive(None, layout=False)

    def __init__(
        self,
        goal_s: float,
        hrmax_line: str = "",
        *,
        bdnf: Window = BDNF,
        anandamide: Window = ANANDAMIDE,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.goal_s = goal_s
        self.hrmax_line = hrmax_line
        self.bdnf = bdnf
        self.anandamide = anandamide

    def render(self) -> RenderableType:
        t = self.tick
        style = self.get_component_rich_style
        label = style("window-clocks--label")
        bdnf = t.bdnf_s if t else 0.0
        width = max(10, self.size.width)
        filled = min(width, round(width * bdnf / self.goal_s)) if self.goal_s else 0
        met = bdnf >= self.goal_s
        bar = Text("█" * filled, style("window-clocks--done")) + Text(
            "░" * (width - filled), style("window-clocks--todo")
        )
        goal = "  goal met ✓" if met else f"  to go {clock(self.goal_s - bdnf)}"
        lines = [
            Text.assemble((f"{self.bdnf.heading}  ", label), f"{clock(bdnf)} / {clock(self.goal_s)}", goal),
            bar,
            Text.assemble((f"{self.anandamide.heading}  ", label), clock(t.anandamide_s if t else 0.0)),
            Text.assemble(
                ("Hold  ", label),
                f"{clock(t.hold_s if t else 0.0)}   longest {clock(t.longest_hold_s if t else 0.0)}",
            ),
            Text.assemble(("Elapsed  ", label), clock(t.elapsed_s if t else 0.0)),
        ]
        if self.hrmax_line:
            lines.append(
                Text(self.hrmax_line, style("window-clocks--todo"), overflow="ellipsis", no_wrap=True)
            )
        return Text("\n").join(lines)


class LinkStatus(PlainLine):
    """Device, link state, skin contact, battery, and session flags (paused, muted, lap)."""

    def show(self, *, device: str, tick: Tick | None, extra: str = "", alert: str = "") -> None:
        """`alert` (the log not saving, or behind) leads the line: a narrow screen cuts the
        end of the line, never it."""
        link = tick.link.value if tick else "searching"
        contact = {"detected": "contact ok", "not_detected": "NO CONTACT", "not_supported": ""}.get(
            tick.contact.value if tick else "not_supported", ""
        )
        parts = [alert] if alert else []
        parts += [device or "strap", link]
        if contact:
            parts.append(contact)
        if tick and tick.battery is not None:
            parts.append(f"battery {tick.battery} %")
        if extra:
            parts.append(extra)
        self.show_text(" · ".join(parts))  # the name is whatever the strap advertises
        self.set_class(link not in ("connected",), "-trouble")
        self.set_class(contact == "NO CONTACT", "-trouble-contact")
