"""`BpmReadout`: the heart rate in digits big enough to read from a treadmill, and %HRmax.

The digits grow with the space they get: 3 rows (Textual's `Digits` style), 5 rows of blocks,
or those blocks doubled (10 rows) on a large terminal.
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

SMALL = {
    "0": ("┏━┓", "┃ ┃", "┗━┛"),
    "1": (" ┓ ", " ┃ ", "╺┻╸"),
    "2": ("╺━┓", "┏━┛", "┗━╸"),
    "3": ("╺━┓", " ━┫", "╺━┛"),
    "4": ("╻ ╻", "┗━┫", "  ╹"),
    "5": ("┏━╸", "┗━┓", "╺━┛"),
    "6": ("┏━╸", "┣━┓", "┗━┛"),
    "7": ("╺━┓", "  ┃", "  ╹"),
    "8": ("┏━┓", "┣━┫", "┗━┛"),
    "9": ("┏━┓", "┗━┫", "╺━┛"),
    "-": ("   ", "╺━╸", "   "),
}
LARGE = {
    "0": ("█████", "█   █", "█   █", "█   █", "█████"),
    "1": ("  ██ ", "   █ ", "   █ ", "   █ ", "  ███"),
    "2": ("█████", "    █", "█████", "█    ", "█████"),
    "3": ("█████", "    █", " ████", "    █", "█████"),
    "4": ("█   █", "█   █", "█████", "    █", "    █"),
    "5": ("█████", "█    ", "█████", "    █", "█████"),
    "6": ("█████", "█    ", "█████", "█   █", "█████"),
    "7": ("█████", "    █", "   █ ", "  █  ", "  █  "),
    "8": ("█████", "█   █", "█████", "█   █", "█████"),
    "9": ("█████", "█   █", "█████", "    █", "█████"),
    "-": ("     ", "     ", "█████", "     ", "     "),
}


def big_text(value: str, rows: int, width: int) -> list[str]:
    """`value` drawn in the largest font that fits `rows` x `width` cells."""
    for font, scale in ((LARGE, 2), (LARGE, 1), (SMALL, 1)):
        height = len(font["0"]) * scale
        glyph_w = len(font["0"][0]) * scale
        if height <= rows and len(value) * (glyph_w + scale) - scale <= width:
            lines = []
            for r in range(len(font["0"])):
                parts = ["".join(ch * scale for ch in font.get(c, font["-"])[r]) for c in value]
                line = (" " * scale).join(parts)
                lines += [line] * scale
            return lines
    return [value]


class BpmReadout(Widget):
    """The rate (latest accepted bpm), its %HRmax and where it is heading; `---` and why when
    there is no current value (link lost, stale, no skin contact), never a frozen number. With no
    current value, a beat not yet confirmed (`provisional`: the first of a session waits a second
    for the next) is shown at once, marked "checking", and goes if the filter rejects it."""

    bpm: reactive[int | None] = reactive(None)
    pct: reactive[float | None] = reactive(None)
    trend: reactive[str] = reactive("")
    band: reactive[str] = reactive("")
    no_signal: reactive[str] = reactive("")
    provisional: reactive[int | None] = reactive(None)

    def watch_band(self, old: str, new: str) -> None:
        self.remove_class(f"-{old}" if old else "-none")
        self.add_class(f"-{new}" if new else "-none")

    def render(self) -> RenderableType:
        current = self.bpm is not None and not self.no_signal
        checking = not current and self.provisional is not None
        value = str(self.bpm) if current else str(self.provisional) if checking else "---"
        room = max(1, self.size.height - 1)
        lines = big_text(value, room, self.size.width)
        pct = f"{self.pct:.0f}" if current and self.pct is not None else "--"
        caption = f"bpm   {pct} % HRmax"
        if checking:
            caption += "   CHECKING"
        elif self.no_signal:
            caption += f"   {self.no_signal.upper()}"
        elif self.trend:
            caption += f"   {self.trend}"
        text = Text("\n".join(lines), style="bold", justify="center")
        text.append("\n" + caption, style="not bold")
        return text
