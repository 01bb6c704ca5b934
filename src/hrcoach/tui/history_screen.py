"""`HistoryScreen`: the weekly dose (the table of `hrcoach history` and a bar chart of it), the
streak, and every logged session; enter opens a session's summary.

The screen reads nothing itself: it asks the app (`ReadRequested`, on mount and on `r`) and is
shown what the app's logbook read (`show_read`): the log made consistent with the profile, every
finished session, and the weeks with and without demos and replays (practice, not counted in
the dose), so the d toggle only chooses between what was read. Enter asks the app to open the
session (`SessionChosen`); x asks to delete it, after a confirmation (`DeleteChosen`). The table
holds the newest PAGE sessions (a table of thousands takes seconds to lay out); m adds more.
"""

from __future__ import annotations

import math
from datetime import date
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from hrcoach.engine.summary import clock
from hrcoach.engine.zones import ANANDAMIDE, BDNF
from hrcoach.logbook import WEEKLY_MIN, WEEKLY_SESSIONS, History, HistoryRead, SessionRow, streak_line
from hrcoach.tui.weekly_bars import WeeklyBars

PAGE = 100  # sessions the table holds at first
EMPTY = "No sessions yet.\nAdd some with `hrcoach demo`, `hrcoach run` or `hrcoach import FILE`."
ONLY_DEMO = (
    "Only demo and replay sessions so far: d shows them.\n"
    "Your own come from `hrcoach run` or `hrcoach import FILE`."
)


def streak_text(h: History) -> str:
    return streak_line(h)


def this_week_text(h: History) -> str:
    if not h.weeks:
        return ""
    w = h.weeks[-1]
    if w.met:
        return f"This week: {w.bdnf_min:.0f} min over {_count(w.sessions, 'session')}, goal met ✓"
    short = [f"{math.ceil(WEEKLY_MIN - w.bdnf_min)} min"] if w.bdnf_min < WEEKLY_MIN else []
    if w.sessions < WEEKLY_SESSIONS:
        short.append(_count(WEEKLY_SESSIONS - w.sessions, "session"))
    done = f"{w.bdnf_min:.0f} of {WEEKLY_MIN} min, {_count(w.sessions, 'session')}"
    return f"This week: {done}; to go: {' and '.join(short)}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _right(value: object, style: str = "") -> Text:
    return Text(str(value), style=style, justify="right")


class SessionsTable(DataTable[object]):
    """The logged sessions, one a row keyed by id; enter (select) opens one."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select_cursor", "Summary")]


class HistoryScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "app.quit", "Quit"),
        Binding("escape", "app.leave", "Back"),
        Binding("d", "toggle_demo", "Demo"),
        Binding("r", "refresh", "Refresh"),
        Binding("x,delete", "delete_session", "Delete", key_display="x"),
        Binding("m", "more", "More"),
        Binding("s", "app.settings", "Settings"),
    ]

    class ReadRequested(Message):
        """The screen wants the log (re)read: the app answers with `show_read`."""

        def __init__(self, history: HistoryScreen) -> None:
            super().__init__()
            self.history = history

    class SessionChosen(Message):
        """Enter on a session: the app opens its summary."""

        def __init__(self, history: HistoryScreen, session_id: int) -> None:
            super().__init__()
            self.history = history
            self.session_id = session_id

    class DeleteChosen(Message):
        """x on a session: the app asks first, then deletes it and reads the log again."""

        def __init__(self, history: HistoryScreen, session_id: int, what: str) -> None:
            super().__init__()
            self.history = history
            self.session_id = session_id
            self.what = what  # the session as the question names it

    def __init__(self, *, weeks: int = 12, today: date | None = None) -> None:
        super().__init__()
        self.weeks = weeks
        self.today = today  # None: the local date when read
        self.show_demo = False
        self.loaded: HistoryRead | None = None
        self.history: History | None = None
        self.shown: list[SessionRow] = []  # the sessions table's rows, newest first
        self.limit = PAGE  # how many of the newest sessions the table holds (m: more)
        self.total = 0  # how many it could hold
        self._shown_once = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="history-top"):
            yield Static("Reading the session log…", id="history-streak", markup=False)
            yield Static("", id="history-week", markup=False)
        yield Static("", id="history-message", markup=False)
        with Vertical(id="history-body"):
            with Container(id="history-weeks-row"):
                yield WeeklyBars(id="history-bars")
                yield DataTable(id="history-weeks", cursor_type="none", zebra_stripes=True)
            yield Static("", id="history-sessions-label", markup=False)
            yield SessionsTable(id="history-sessions", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        weeks = self.query_one("#history-weeks", DataTable)
        weeks.add_column("week", key="week")
        weeks.add_column("Monday", key="monday")
        for label, key in (
            ("sessions", "sessions"),
            ("total", "total"),
            (BDNF.span, "bdnf"),
            (ANANDAMIDE.span, "anandamide"),
            ("30+ min", "goal_sessions"),
            ("dose", "dose"),
        ):
            weeks.add_column(_right(label), key=key)
        weeks.add_column("goal", key="met")
        sessions = self.query_one("#history-sessions", DataTable)
        sessions.add_column(_right("id"), key="id")
        sessions.add_column("start", key="start")
        sessions.add_column("origin", key="origin")
        sessions.add_column(_right("length"), key="length")
        sessions.add_column(_right(BDNF.span), key="bdnf")
        sessions.add_column("status", key="status")
        sessions.add_column("device", key="device")
        self.query_one("#history-body").display = False
        self.post_message(self.ReadRequested(self))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_demo":  # nothing to toggle while the log cannot be read
            return self.loaded is not None and self.loaded.error is None
        if action == "delete_session":
            return bool(self.shown)
        if action == "more":
            return self.total > len(self.shown)
        return True

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width >= 120 and event.size.height >= 40, "-large")

    def show_read(self, read: HistoryRead) -> None:
        """Show what a read of the log found (the app calls this)."""
        self.loaded = read
        for note in read.notes:
            self.notify(note, timeout=8, markup=False)
        self._show()

    def _show(self) -> None:
        loaded = self.loaded
        if loaded is None:
            return
        self.refresh_bindings()
        body = self.query_one("#history-body")
        message = self.query_one("#history-message", Static)
        streak = self.query_one("#history-streak", Static)
        week_line = self.query_one("#history-week", Static)
        if loaded.error is not None:
            streak.update("Session history")
            week_line.update("")
            message.update(loaded.error)
            message.add_class("-error")
            message.display, body.display = True, False
            return
        message.remove_class("-error")
        demos = sum(1 for s in loaded.sessions if s.practice)
        visible = [s for s in loaded.sessions if self.show_demo or not s.practice]
        self.history = h = loaded.weeks(practice=self.show_demo)
        streak.update(streak_text(h) if visible else "Session history")
        streak.set_class(h.streak > 0, "-met")
        week_line.update(this_week_text(h) if visible else "")
        if not visible:
            message.update(ONLY_DEMO if demos else EMPTY)
            message.display, body.display = True, False
            self.shown = []
            return
        message.display, body.display = False, True
        self.query_one(WeeklyBars).show(h.weeks)
        self._fill_weeks(h)
        self._fill_sessions(visible)
        if not self._shown_once:  # the sessions are what enter opens
            self._shown_once = True
            self.query_one("#history-sessions", DataTable).focus()
        if self.show_demo:
            demo = "demos and replays shown and counted (d hides them)"
        else:
            what = "demo or replay" if demos == 1 else "demos or replays"
            demo = f"{demos} {what} hidden (d shows {'it' if demos == 1 else 'them'})"
        more = (
            f" (the newest {len(self.shown):,} of {self.total:,}: m shows more)"
            if self.total > len(self.shown)
            else ""
        )
        self.query_one("#history-sessions-label", Static).update(f"Sessions, newest first{more}  ·  {demo}")

    def _fill_weeks(self, h: History) -> None:
        table = self.query_one("#history-weeks", DataTable)
        table.clear()
        for w in reversed(h.weeks):  # newest first, as the sessions below
            dim = "" if w.sessions else "dim"  # an empty week stays readable but steps back
            table.add_row(
                Text(f"{w.year}-W{w.week:02d}", dim),
                Text(w.monday.strftime("%d %b"), dim),
                _right(w.sessions, dim),
                _right(f"{w.total_min:.0f}", dim),
                _right(f"{w.bdnf_min:.0f}", dim),
                _right(f"{w.anandamide_min:.0f}", dim),
                _right(w.goal_sessions, dim),
                _right(f"{w.dose_pct:.0f} %", dim),
                Text("met ✓", "bold") if w.met else "",
                key=w.monday.isoformat(),
            )

    def _fill_sessions(self, visible: list[SessionRow]) -> None:
        table = self.query_one("#history-sessions", DataTable)
        selected = self._selected_id()
        table.clear()
        self.total = len(visible)
        # a table of thousands of rows takes seconds to lay out: the newest first, more on `m`
        self.shown = sorted(visible, key=lambda s: (s.started_at, s.id), reverse=True)[: self.limit]
        for s in self.shown:
            dim = "dim italic" if s.practice or not s.dated else ""  # not in the dose
            start = s.started_at.astimezone().strftime("%Y-%m-%d %H:%M") if s.dated else "undated"
            table.add_row(
                _right(s.id, dim),
                Text(start, dim),
                Text(s.origin, dim),
                _right(clock(s.duration_s) + ("*" if s.long_span else ""), dim),
                _right(clock(s.bdnf_s) if s.bdnf_s is not None else "-", dim),
                Text(s.status, dim),
                Text(s.device, dim),
                key=str(s.id),
            )
        ids = [s.id for s in self.shown]
        if selected in ids:
            table.move_cursor(row=ids.index(selected))

    def _selected_id(self) -> int | None:
        table = self.query_one("#history-sessions", DataTable)
        if not self.shown or table.row_count == 0:
            return None
        row = table.cursor_row
        return self.shown[row].id if 0 <= row < len(self.shown) else None

    # Keys

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "history-sessions" and event.row_key.value is not None:
            event.stop()
            self.post_message(self.SessionChosen(self, int(event.row_key.value)))

    def action_toggle_demo(self) -> None:
        self.show_demo = not self.show_demo
        self._show()

    def action_delete_session(self) -> None:
        sid = self._selected_id()
        row = next((s for s in self.shown if s.id == sid), None)
        if row is None:
            return
        start = row.started_at.astimezone().strftime("%Y-%m-%d %H:%M")
        what = f"session {row.id} ({start}, {row.origin}, {clock(row.duration_s)})"
        self.post_message(self.DeleteChosen(self, row.id, what))

    def action_more(self) -> None:
        self.limit += PAGE * 5
        self._show()

    def action_refresh(self) -> None:
        self.post_message(self.ReadRequested(self))
