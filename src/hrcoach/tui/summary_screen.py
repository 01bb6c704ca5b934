"""`SummaryScreen`: what a session came to: the numbers `analyze` prints, the goal, a chart of the
whole session with the target window, the cues, and where it was saved."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.events import Resize
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static

from hrcoach.engine.summary import Summary, clock
from hrcoach.engine.zones import ANANDAMIDE, BDNF, Window
from hrcoach.logbook import LapSplit
from hrcoach.logbook import SessionResult as SessionResult
from hrcoach.tui.chart import TrendChart

LAPS_SHOWN = 5  # more would push the chart off an 80x24 screen; `hrcoach show ID` lists all


def numbers(s: Summary, laps: Sequence[LapSplit] = ()) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    goal = "met ✓" if s.bdnf_goal_met else f"not met: {clock(s.bdnf_goal_s - s.bdnf_s)} short"
    mean = f"{s.mean_bpm:.0f}" if s.mean_bpm is not None else "-"
    peak = f"{s.max_bpm}" if s.max_bpm is not None else "-"
    rejected = ", ".join(f"{k} {v}" for k, v in s.rejected.items()) or "none"
    rows = [
        ("Duration", clock(s.duration_s) + (f"   ({s.span_note})" if s.span_note else "")),
        (BDNF.heading, f"{clock(s.bdnf_s)}   longest hold {clock(s.bdnf_longest_hold_s)}"),
        (f"Goal {clock(s.bdnf_goal_s)}", goal),
        (
            ANANDAMIDE.heading,
            f"{clock(s.anandamide_s)}   longest hold {clock(s.anandamide_longest_hold_s)}",
        ),
        ("Zones", "  ".join(f"Z{i} {clock(v)}" for i, v in enumerate(s.zones_s, start=1))),
        ("Heart rate", f"mean {mean} bpm, max {peak} bpm"),
        ("Gaps", f"{s.gaps} ({clock(s.gap_s)} not credited)"),
        ("Samples", f"{s.samples_total}, accepted {s.samples_accepted} (rejected: {rejected})"),
    ]
    source, *hints = s.hrmax_source.split("; ")  # a hint ("a default: set yours with ...") on its own
    rows.append(("HRmax", f"{s.hrmax} bpm ({source})"))
    rows += [("", hint) for hint in hints]  # line, so a narrow screen wraps rather than cuts it
    for lap in laps[:LAPS_SHOWN]:
        mean = f"{lap.mean_bpm:.0f}" if lap.mean_bpm is not None else "-"
        rows.append(
            (f"Lap {lap.number}", f"{clock(lap.duration_s)}   mean {mean} bpm   BDNF {clock(lap.bdnf_s)}")
        )
    if len(laps) > LAPS_SHOWN:
        rows.append(("", f"… {len(laps) - LAPS_SHOWN} more laps: `hrcoach show ID` lists them"))
    for k, v in rows:
        table.add_row(k, v)
    return table


def cue_table(cues: list[tuple[float, str]]) -> Table | str:
    if not cues:
        return "No cues: nothing needed saying."
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", no_wrap=True, style="bold")
    table.add_column()
    for t, message in cues:
        table.add_row(clock(t), message)
    return table


class CuesScreen(ModalScreen[None]):
    """Every cue of the session, for terminals too narrow to show them beside the numbers."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,c,q", "close", "Close", key_display="esc")]

    def __init__(self, cues: list[tuple[float, str]]) -> None:
        super().__init__()
        self.cues = cues

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            yield Static(f"[b]Cues[/b] ({len(self.cues)})")
            yield Static(cue_table(self.cues))

    def action_close(self) -> None:
        self.dismiss(None)


class SummaryScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "app.quit", "Quit"),
        Binding("escape", "app.leave", "Back"),
        Binding("h", "app.history", "History"),
        Binding("c", "cues", "Cues"),
    ]

    def __init__(self, result: SessionResult, *, window: Window) -> None:
        super().__init__()
        self.result = result
        self.window = window

    def compose(self) -> ComposeResult:
        s = self.result.summary
        target = self.result.target_s if self.result.target_s is not None else s.bdnf_goal_s
        met = s.bdnf_s >= target if self.result.target_s is not None else s.bdnf_goal_met
        goal = f"{round(target / 60)}+ minutes in the BDNF window"
        what = "Today's target" if self.result.target_s is not None else "Goal"
        verdict = f"{what} met: {goal}" if met else f"{what} not met this time ({goal})"
        yield Static(
            f"{self.result.title}  ·  {verdict}",
            id="summary-title",
            classes="-met" if met else "",
            markup=False,  # the title may name a file
        )
        with Horizontal(id="summary-body"):
            yield Static(numbers(s, self.result.laps), id="numbers")
            with VerticalScroll(id="cue-list"):
                yield Static(cue_table(self.result.cues))
        yield TrendChart(span_s=None, id="session-chart")
        notes = "".join(f"\nNote: {n}" for n in self.result.notes)
        plan = f"{self.result.plan}\n" if self.result.plan else ""
        yield Static(plan + self.result.where + notes, id="where", markup=False)
        yield Footer()

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width < 110, "-narrow")  # the cue list moves behind `c`

    def action_cues(self) -> None:
        self.app.push_screen(CuesScreen(self.result.cues))

    def on_mount(self) -> None:
        s = self.result.summary
        chart = self.query_one(TrendChart)
        chart.set_band(s.hrmax * self.window.lo / 100, s.hrmax * self.window.hi / 100)
        chart.extend(self.result.trace)
