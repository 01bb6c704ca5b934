"""The history screen through Pilot: the weekly table, bars and streak agree with `weekly()`, the
demo toggle, a session's summary opened from the log and closed again, an empty or unreadable
log, the profile in force recomputing stale summaries, and how it looks at 80×24 and 160×48."""

from __future__ import annotations

import contextlib
import io
import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, cast

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import WorkerFailed

from hrcoach import paths
from hrcoach.config import Profile
from hrcoach.engine.batch import SampleArrays, classify
from hrcoach.formats.files import load_recording
from hrcoach.logbook import Logbook
from hrcoach.models import HeartRateSample
from hrcoach.session import SessionSetup
from hrcoach.store import db
from hrcoach.store.history import History, weekly
from hrcoach.store.records import StoredSetup
from hrcoach.store.sessions import get_session, list_sessions, save_session
from hrcoach.tui.app import HrcoachApp
from hrcoach.tui.history_screen import EMPTY, ONLY_DEMO, HistoryScreen
from hrcoach.tui.summary_screen import SummaryScreen
from hrcoach.tui.weekly_bars import WeeklyBars
from tests.conftest import stream
from tests.tuifakes import Ears
from tests.waiting import until

PROFILE = Profile(age=33)  # HRmax 185, as the fixtures assume
TODAY = date(2026, 11, 19)  # a Thursday of 2026-W47
MONDAY = date(2026, 11, 16)

# (weeks before this one, day of the week, hour UTC, fixture, origin)
PLAN = [
    (3, 0, 18, "soak_3h", "import"),  # 175 min in one session: over the line, goal not met
    *((2, d, 7, "steady_35min", "live") for d in (0, 2, 4, 5, 6)),  # 5 × 32 min: met
    *((1, d, 7, "tempo_45min", "live") for d in (0, 2, 4, 6)),  # 4 × 35 min ...
    (1, 1, 12, "dropout_reconnect", "import"),  # ... + 16 min: 158 over 5 sessions, met
    (0, 0, 7, "steady_35min", "live"),  # this week so far
    (0, 1, 19, "walk_5min", "demo"),  # practice: listed, not counted
]


@cache
def samples(name: str) -> list[HeartRateSample]:
    return load_recording(stream(name)).samples


@cache
def device(name: str) -> dict[str, str]:
    return dict(load_recording(stream(name)).device)


def stored_setup(profile: Profile = PROFILE) -> StoredSetup:
    s = SessionSetup.from_profile(profile)
    return StoredSetup.of(s.params, s.hrmax_source)


def seed(path: Path | None = None, monday: date = MONDAY) -> list[int]:
    """The log of PLAN around the week starting `monday`; one cue on the first session of this week."""
    conn = db.connect(path)
    ids = []
    for weeks_back, day, hour, name, origin in PLAN:
        when = datetime.combine(monday - timedelta(weeks=weeks_back, days=-day), datetime.min.time())
        sid = save_session(
            conn,
            origin=origin,
            started_at=when.replace(hour=hour, tzinfo=UTC),
            samples=samples(name),
            setup=stored_setup(),
            device=device(name),
            notes=["imported from soak.fit"] if origin == "import" else (),
        )
        ids.append(sid)
    this_week = ids[-2]
    t0 = samples("steady_35min")[0].t
    conn.execute(
        "INSERT INTO cues VALUES (?, ?, 'in_window', 'In the window: hold this')", (this_week, t0 + 300)
    )
    conn.close()
    return ids


@pytest.fixture
def utc_clock() -> Iterator[None]:
    """Local time is UTC for the test, so times on screen do not depend on the machine."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


def app_for(logbook: Logbook | None = None, today: date = TODAY) -> HrcoachApp:
    return HrcoachApp(
        lambda app: HistoryScreen(today=today), profile=PROFILE, speaker=Ears(), logbook=logbook
    )


async def settle(pilot: Pilot[None]) -> None:
    """Until what the screen asked of the app (a read, a session opened) has been done and shown:
    the request reaches the app as a message, the work runs in a thread worker."""
    await pilot.pause()
    with contextlib.suppress(WorkerFailed):  # a failed read is shown on screen: tests look there
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def loaded(pilot: Pilot[None]) -> HistoryScreen:
    """The history screen once its read of the log has finished and been shown."""
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, HistoryScreen)
    assert screen.loaded is not None
    return screen


def cells(table: DataTable[object]) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def expected(include_demo: bool) -> History:
    conn = db.connect()
    try:
        return weekly(list_sessions(conn, counted_only=not include_demo), today=TODAY, weeks=12, tz=UTC)
    finally:
        conn.close()


def text(screen: HistoryScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_weeks_bars_and_streak_agree_with_the_weekly_history(utc_clock: None) -> None:
    seed()
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        h = expected(include_demo=False)
        assert h.streak == 4 and [w.met for w in h.weeks[-4:]] == [False, True, True, False]
        assert screen.history == h
        rows = cells(screen.query_one("#history-weeks", DataTable))
        assert len(rows) == 12
        for row, w in zip(rows, reversed(h.weeks), strict=True):  # newest first
            assert row == [
                f"{w.year}-W{w.week:02d}",
                w.monday.strftime("%d %b"),
                str(w.sessions),
                f"{w.total_min:.0f}",
                f"{w.bdnf_min:.0f}",
                f"{w.anandamide_min:.0f}",
                str(w.goal_sessions),
                f"{w.dose_pct:.0f} %",
                "met ✓" if w.met else "",
            ]
        assert rows[0][:3] == ["2026-W47", "16 Nov", "1"]
        assert screen.query_one(WeeklyBars).weeks == h.weeks
        assert text(screen, "#history-streak") == "Streak: 4 weeks with a session (never miss twice)"
        assert screen.query_one("#history-streak").has_class("-met")
        assert text(screen, "#history-week") == (
            "This week: 32 of 150 min, 1 session; to go: 118 min and 2 sessions"
        )
        assert not screen.query_one("#history-week").display  # no room at 80×24
        await pilot.resize_terminal(160, 48)
        await pilot.pause()
        assert screen.has_class("-large") and screen.query_one("#history-week").display


async def test_d_shows_and_hides_demo_sessions(utc_clock: None) -> None:
    ids = seed()
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        table = screen.query_one("#history-sessions", DataTable)
        newest_first = [s.id for s in reversed(list_sessions(db.connect()))]
        assert [int(r[0]) for r in cells(table)] == [i for i in newest_first if i != ids[-1]]  # no demo
        assert "1 demo or replay hidden (d shows it)" in text(screen, "#history-sessions-label")
        await pilot.press("d")
        assert [int(r[0]) for r in cells(table)] == newest_first
        assert cells(table)[0][2:] == ["demo", "4:58", "0:00", "complete", "H6M 42017"]
        assert "demos and replays shown and counted (d hides them)" in text(screen, "#history-sessions-label")
        assert screen.history == expected(include_demo=True)
        assert screen.history.weeks[-1].sessions == 2
        await pilot.press("d")
        assert len(cells(table)) == len(ids) - 1
        assert screen.history == expected(include_demo=False)


async def test_enter_opens_the_session_summary_and_escape_comes_back(utc_clock: None) -> None:
    ids = seed()
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        table = screen.query_one("#history-sessions", DataTable)
        assert table.has_focus and table.cursor_row == 0  # the newest: this week's steady run
        await pilot.press("enter")
        await settle(pilot)
        summary_screen = app.screen
        assert isinstance(summary_screen, SummaryScreen)
        result = summary_screen.result
        info = get_session(db.connect(), ids[-2])
        assert info is not None and result.summary == info.summary
        assert result.session_id == ids[-2]
        assert result.where == f"Session {ids[-2]} in {db.db_path()}"
        assert result.title == f"Session {ids[-2]}, Mon 16 Nov 07:00"
        assert result.cues == [(300.0, "In the window: hold this")]
        steady = samples("steady_35min")
        verdicts = classify(SampleArrays.from_samples(steady), stored_setup().params())
        accepted = [(round(s.t, 3), float(s.bpm)) for s, v in zip(steady, verdicts, strict=True) if v is None]
        assert [(round(t, 3), bpm) for t, bpm in result.trace] == accepted
        assert len(result.trace) == info.summary.samples_accepted
        assert summary_screen.window.name == "bdnf"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and app.is_running
        # the import's notes come along; the chosen row stays chosen after a refresh
        await pilot.press(*["down"] * table.row_count)
        assert table.cursor_row == table.row_count - 1
        await pilot.press("r")
        await loaded(pilot)
        assert table.cursor_row == table.row_count - 1
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SummaryScreen)
        assert app.screen.result.session_id == ids[0]
        assert app.screen.result.notes == ["imported from soak.fit"]
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")  # history is the first screen: escape leaves
        await pilot.pause()
        assert not app.is_running


async def test_a_session_gone_from_the_log_is_said_and_the_history_stays(utc_clock: None) -> None:
    ids = seed()
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        conn = db.connect()
        conn.execute("DELETE FROM sessions WHERE id = ?", (ids[-2],))  # the newest shown, under the cursor
        conn.commit()
        conn.close()
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        [note] = app._notifications
        assert note.message == f"Session {ids[-2]} is no longer in the log; r refreshes"
        assert note.severity == "warning"


async def test_an_empty_log_says_how_to_add_sessions() -> None:
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        assert text(screen, "#history-message") == EMPTY
        assert "hrcoach demo" in EMPTY and "hrcoach run" in EMPTY and "hrcoach import FILE" in EMPTY
        assert not screen.query_one("#history-body").display
        assert text(screen, "#history-streak") == "Session history"


async def test_a_log_of_demo_sessions_only_says_d_shows_them(utc_clock: None) -> None:
    conn = db.connect()
    save_session(
        conn,
        origin="demo",
        started_at=datetime(2026, 11, 17, 7, tzinfo=UTC),
        samples=samples("steady_35min"),
        setup=stored_setup(),
    )
    conn.close()
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        assert text(screen, "#history-message") == ONLY_DEMO
        await pilot.press("d")
        assert screen.query_one("#history-body").display
        assert screen.query_one("#history-sessions", DataTable).row_count == 1


async def test_an_unreadable_log_is_one_line_on_screen(tmp_path: Path) -> None:
    bad = tmp_path / "log.sqlite3"
    bad.write_bytes(b"this is not sqlite at all" * 100)
    app = app_for(Logbook(db_path=bad))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        message = text(screen, "#history-message")
        assert "damaged" in message and str(bad) in message and "\n" not in message
        assert screen.query_one("#history-message").has_class("-error")
        assert not screen.query_one("#history-body").display
        assert screen.check_action("toggle_demo", ()) is False  # and the footer leaves d out
        await pilot.press("q")
        assert not app.is_running


async def test_a_damaged_row_is_said_on_screen_too(utc_clock: None) -> None:
    seed()
    conn = db.connect()
    conn.execute("UPDATE sessions SET setup = 'not json' WHERE id = 3")
    conn.close()
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)  # the others are shown; the damaged one is said, once
        assert screen.loaded is not None
        notes = [n for n in screen.loaded.notes if "damaged" in n]
        assert len(notes) == 1 and notes[0].startswith("session 3 in the log is damaged (")
        assert notes[0].endswith("; it is skipped") and "\n" not in notes[0]
        assert app.is_running and screen.query_one("#history-body").display
        table = screen.query_one("#history-sessions", DataTable)
        assert table.row_count == len(PLAN) - 2 and 3 not in [s.id for s in screen.shown]


async def test_the_app_s_log_is_the_one_read(tmp_path: Path, utc_clock: None) -> None:
    path = tmp_path / "elsewhere.sqlite3"
    seed(path)
    app = app_for(Logbook(db_path=path))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        assert screen.query_one("#history-sessions", DataTable).row_count == len(PLAN) - 1
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SummaryScreen)
        assert app.screen.result.where.endswith(f" in {path}")
        assert not db.db_path().exists()


async def test_summaries_follow_the_hrmax_of_the_profile(utc_clock: None) -> None:
    seed()
    paths.ensure_private_dir(paths.profile_path().parent)
    paths.profile_path().write_text("hrmax = 170\n")
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        conn = db.connect()
        stored = list_sessions(conn)
        assert {s.setup.hrmax for s in stored} == {170}
        assert {s.summary.hrmax for s in stored if s.summary} == {170}
        assert screen.history == expected(include_demo=False)
        assert screen.loaded is not None
        assert screen.loaded.notes[0].startswith("Recomputed 13 session summaries for HRmax 170 bpm")
        conn.close()


async def test_a_bad_profile_is_said_and_the_history_still_shown(utc_clock: None) -> None:
    seed()
    paths.ensure_private_dir(paths.profile_path().parent)
    paths.profile_path().write_text("age = [\n")
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        assert screen.query_one("#history-sessions", DataTable).row_count == len(PLAN) - 1
        assert screen.loaded is not None and "not valid TOML" in screen.loaded.notes[0]


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_snapshot(size: tuple[int, int], snap_compare: object, utc_clock: None) -> None:
    seed()

    async def settle(pilot: Pilot[None]) -> None:
        await loaded(pilot)

    assert snap_compare(app_for(), terminal_size=size, run_before=settle)  # type: ignore[operator]


def test_snapshot_with_demo_sessions(snap_compare: object, utc_clock: None) -> None:
    seed()

    async def settle(pilot: Pilot[None]) -> None:
        await loaded(pilot)
        await pilot.press("d")

    assert snap_compare(app_for(), terminal_size=(80, 24), run_before=settle)  # type: ignore[operator]


def test_snapshot_of_an_empty_log(snap_compare: object) -> None:
    async def settle(pilot: Pilot[None]) -> None:
        await loaded(pilot)

    assert snap_compare(app_for(), terminal_size=(80, 24), run_before=settle)  # type: ignore[operator]


async def test_s_opens_settings_and_a_saved_hrmax_recomputes_the_history(utc_clock: None) -> None:
    from textual.widgets import Input

    from hrcoach.tui.settings_screen import SettingsScreen

    ids = seed()
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        hrmax = app.screen.query_one("#f-hrmax", Input)
        hrmax.value = "170"
        await pilot.press("ctrl+s")
        screen = await loaded(pilot)
        assert app.screen is cast(Screen[Any], screen) and app.profile.hrmax == 170
        info = get_session(db.connect(), ids[-2])
        assert info is not None and info.summary is not None and info.summary.hrmax == 170
        # the summary opened from history goes back to it with h, not to a second history
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SummaryScreen)
        await pilot.press("h")
        await pilot.pause()
        assert app.screen is cast(Screen[Any], screen) and len(app.screen_stack) == 2


async def test_x_asks_then_deletes_the_chosen_session(utc_clock: None) -> None:
    from hrcoach.tui.dialogs import ConfirmScreen

    ids = seed()
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await loaded(pilot)
        table = screen.query_one("#history-sessions", DataTable)
        rows = table.row_count
        assert screen.shown[table.cursor_row].id == ids[-2]  # the newest own session
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question.startswith(f"Delete session {ids[-2]} (2026-11-16 07:00, live, ")
        await pilot.press("n")  # no: nothing happens
        await settle(pilot)
        assert app.screen is cast(Screen[Any], screen) and get_session(db.connect(), ids[-2]) is not None
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await until(pilot, lambda: table.row_count == rows - 1, "the table read again without it")
        assert get_session(db.connect(), ids[-2]) is None
        assert table.row_count == rows - 1 and ids[-2] not in [s.id for s in screen.shown]
        assert screen.history == expected(include_demo=False)


async def test_a_session_s_laps_are_on_its_summary(utc_clock: None) -> None:
    ids = seed()
    t0 = samples("steady_35min")[0].t
    conn = db.connect()
    conn.executemany(
        "INSERT INTO events VALUES (?, ?, 'lap', '')", [(ids[-2], t0 + 900.0), (ids[-2], t0 + 1500.0)]
    )
    conn.close()
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("enter")
        await settle(pilot)
        summary_screen = app.screen
        assert isinstance(summary_screen, SummaryScreen)
        laps = summary_screen.result.laps
        assert [round(lap.start_s) for lap in laps] == [0, 900, 1500]
        from rich.console import Console

        console = Console(width=120, record=True, file=io.StringIO())
        console.print(summary_screen.query_one("#numbers", Static).content)
        shown = console.export_text()
        assert "Lap 1" in shown and "Lap 3" in shown


async def test_a_long_log_lists_the_newest_sessions_and_m_shows_more(utc_clock: None) -> None:
    """#15: a table of thousands of rows took seconds to lay out; it holds the newest PAGE and
    says how many more there are; m adds them."""
    from hrcoach.tui.history_screen import PAGE

    conn = db.connect(None)
    few = [HeartRateSample(float(i), 125) for i in range(60)]
    for k in range(PAGE + 7):
        when = datetime(2026, 11, 18, 7, tzinfo=UTC) - timedelta(days=k)
        save_session(conn, origin="import", started_at=when, samples=few, setup=stored_setup())
    conn.close()
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await loaded(pilot)
        table = screen.query_one("#history-sessions", DataTable)
        assert table.row_count == PAGE and screen.shown[0].started_at.date() == date(2026, 11, 18)
        label = text(screen, "#history-sessions-label")
        assert f"the newest {PAGE} of {PAGE + 7}: m shows more" in label
        await pilot.press("m")
        await until(pilot, lambda: table.row_count == PAGE + 7, "every session listed")
        assert "m shows more" not in text(screen, "#history-sessions-label")
