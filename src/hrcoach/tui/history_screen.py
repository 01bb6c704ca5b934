"""`HistoryScreen`: the weekly dose (the table of `hrcoach history` and a bar chart of it), the
streak, and every logged session; enter opens a session's summary.

The log is read by a thread worker: first made consistent with the profile (summaries computed
against another HRmax are recomputed), then every finished session is listed once; the demo
toggle only filters what was read.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker, WorkerState

from hrcoach import paths
from hrcoach.config import ProfileError, load_profile
from hrcoach.engine.batch import classify
from hrcoach.engine.summary import clock
from hrcoach.engine.zones import BDNF, WINDOWS
from hrcoach.store import db
from hrcoach.store.history import WEEKLY_MIN, WEEKLY_SESSIONS, History, local_today, weekly
from hrcoach.store.maintain import recompute
from hrcoach.store.records import StoredSetup, load_arrays
from hrcoach.store.sessions import SessionInfo, get_session, list_sessions, session_cues
from hrcoach.tui.summary_screen import SessionResult, SummaryScreen
from hrcoach.tui.weekly_bars import WeeklyBars

EMPTY = "No sessions yet.\nAdd some with `hrcoach demo`, `hrcoach run` or `hrcoach import FILE`."
ONLY_DEMO = (
    "Only demo sessions so far: d shows them.\nYour own come from `hrcoach run` or `hrcoach import FILE`."
)


def profile_setup() -> StoredSetup | None:
    """The setup the profile file puts in force, or None when it has no HRmax yet.

    Raises ProfileError when the profile cannot be read."""
    return StoredSetup.in_force(load_profile(paths.profile_path()))


@dataclass
class Loaded:
    """What one read of the log found: every finished session (oldest first), or why not."""

    sessions: list[SessionInfo] = field(default_factory=list)
    error: str | None = None
    notes: list[str] = field(default_factory=list)


def read_log(path: Path) -> Loaded:
    """Make the log consistent with the profile, then list it. Never raises for a bad log."""
    try:
        conn = db.connect(path)
    except db.StoreError as exc:
        return Loaded(error=str(exc))
    notes = []
    try:
        try:
            setup = profile_setup()
        except ProfileError as exc:
            setup = None
            notes.append(f"{exc}; summaries were not checked against it")
        if setup is not None and (n := recompute(conn, setup)):  # recomputes only the stale ones
            notes.append(
                f"Recomputed {n} session summaries for HRmax {setup.hrmax} bpm ({setup.hrmax_source})"
            )
        return Loaded(list_sessions(conn, include_demo=True), notes=notes)
    except sqlite3.Error as exc:
        return Loaded(error=db.explain(exc, path))
    finally:
        conn.close()


def session_result(conn: sqlite3.Connection, info: SessionInfo, path: Path) -> SessionResult:
    """A stored session as the summary screen shows it; `info.summary` must be set."""
    assert info.summary is not None
    arrays = load_arrays(conn, info.id, rr=False)
    verdicts = classify(arrays, info.setup.params())
    t = arrays.ms / 1000.0
    trace = [(float(t[i]), float(arrays.bpm[i])) for i, v in enumerate(verdicts) if v is None]
    t0 = float(t[0]) if len(t) else 0.0
    start = info.started_at.astimezone().strftime("%a %d %b %H:%M")
    return SessionResult(
        summary=info.summary,
        cues=[(c.t - t0, c.message) for c in session_cues(conn, info.id)],
        trace=trace,
        where=f"Session {info.id} in {path}",
        session_id=info.id,
        title=f"Session {info.id}, {start}",
        notes=list(info.notes),
    )


def streak_text(h: History) -> str:
    weeks = "week" if h.streak == 1 else "weeks"
    return f"Streak: {h.streak} {weeks} meeting the goal ({WEEKLY_MIN} min over {WEEKLY_SESSIONS}+ sessions)"


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
        Binding("escape", "back", "Back"),
        Binding("d", "toggle_demo", "Demo"),
        Binding("r", "refresh", "Refresh"),
        Binding("s", "settings", "Settings"),
    ]

    def __init__(self, *, db_path: Path | None = None, weeks: int = 12, today: date | None = None) -> None:
        super().__init__()
        self._db_path = db_path
        self.weeks = weeks
        self.today = today
        self.show_demo = False
        self.loaded: Loaded | None = None
        self.history: History | None = None
        self.shown: list[SessionInfo] = []  # the sessions table's rows, newest first
        self._shown_once = False

    @property
    def db_path(self) -> Path:
        app_path: Path | None = getattr(self.app, "db_path", None)
        return self._db_path or app_path or db.db_path()

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
            ("60–80 %", "bdnf"),
            ("70–80 %", "anandamide"),
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
        sessions.add_column(_right("60–80 %"), key="bdnf")
        sessions.add_column("status", key="status")
        sessions.add_column("device", key="device")
        self.query_one("#history-body").display = False
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_demo":  # nothing to toggle while the log cannot be read
            return self.loaded is not None and self.loaded.error is None
        return True

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width >= 120 and event.size.height >= 40, "-large")

    def load(self) -> None:
        """(Re)read the log in a thread; `_show` follows when it is read."""
        self._read(self.db_path)

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def _read(self, path: Path) -> Loaded:
        return read_log(path)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "history":
            return
        if event.state == WorkerState.SUCCESS and isinstance(worker.result, Loaded):
            self.loaded = worker.result
            for note in self.loaded.notes:
                self.notify(note, timeout=8, markup=False)
        elif event.state == WorkerState.ERROR:  # read_log turns store errors into lines; not this
            first = str(worker.error).splitlines()[0] if str(worker.error) else type(worker.error).__name__
            self.loaded = Loaded(error=f"{self.db_path}: cannot read the session log ({first})")
        else:
            return
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
        demos = sum(1 for s in loaded.sessions if s.origin == "demo")
        visible = [s for s in loaded.sessions if self.show_demo or s.origin != "demo"]
        today = self.today or local_today()
        self.history = h = weekly(visible, today=today, weeks=self.weeks)
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
            demo = "demo sessions shown (d hides them)"
        else:
            demo = f"{_count(demos, 'demo session')} hidden (d shows {'it' if demos == 1 else 'them'})"
        self.query_one("#history-sessions-label", Static).update(f"Sessions, newest first  ·  {demo}")

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

    def _fill_sessions(self, visible: list[SessionInfo]) -> None:
        table = self.query_one("#history-sessions", DataTable)
        selected = self._selected_id()
        table.clear()
        self.shown = sorted(visible, key=lambda s: (s.started_at, s.id), reverse=True)
        for s in self.shown:
            bdnf = clock(s.summary.bdnf_s) if s.summary else "-"
            device = s.device.get("name") or s.device.get("product") or ""
            dim = "dim italic" if s.origin == "demo" else ""  # not the runner's own
            table.add_row(
                _right(s.id, dim),
                Text(s.started_at.astimezone().strftime("%Y-%m-%d %H:%M"), dim),
                Text(s.origin, dim),
                _right(clock(s.duration_s), dim),
                _right(bdnf, dim),
                Text(s.status, dim),
                Text(str(device), dim),
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
            self.open_session(int(event.row_key.value))

    def open_session(self, session_id: int) -> None:
        path = self.db_path
        try:
            conn = db.connect(path)
        except db.StoreError as exc:
            self.notify(str(exc), severity="error", timeout=10, markup=False)
            return
        try:
            info = get_session(conn, session_id)
            if info is None or info.summary is None:
                self.notify(f"Session {session_id} is no longer in the log; r refreshes", severity="warning")
                return
            result = session_result(conn, info, path)
        except sqlite3.Error as exc:
            self.notify(db.explain(exc, path), severity="error", timeout=10, markup=False)
            return
        finally:
            conn.close()
        self.app.push_screen(SummaryScreen(result, window=WINDOWS.get(info.setup.target, BDNF)))

    def action_toggle_demo(self) -> None:
        self.show_demo = not self.show_demo
        self._show()

    def action_refresh(self) -> None:
        self.load()

    def action_settings(self) -> None:
        """Edit the profile; a saved change (say a new HRmax) recomputes what is shown."""
        from hrcoach.tui.settings_screen import SettingsScreen

        def saved(profile: object) -> None:
            if profile is not None:
                self.load()

        self.app.push_screen(SettingsScreen(), saved)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.app.exit()
