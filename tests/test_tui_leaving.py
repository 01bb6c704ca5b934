"""Every way out of a live session asks first, saves it and shows its summary (ctrl+q and the
palette's Quit ended it with no question and no summary, and the next command called it
recovered, as after a crash); and the summary names the goal in force, not always 30 minutes."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from hrcoach.formats.files import load_recording
from hrcoach.session import Session, SessionSetup
from hrcoach.tui.app import HrcoachApp
from hrcoach.tui.dialogs import ConfirmEndScreen
from hrcoach.tui.session_screen import SessionScreen
from hrcoach.tui.summary_screen import SessionResult, SummaryScreen
from tests.conftest import stream
from tests.test_tui_session import PROFILE, app_for, held, palette_text, settled, stored_sessions, summary
from tests.tuifakes import Ears
from tests.waiting import until


async def test_ctrl_q_asks_then_saves_and_shows_the_summary() -> None:
    feed = held("walk_5min", hold_at=120)
    app = app_for(feed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot, feed)
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, ConfirmEndScreen)
        await pilot.press("n")
        assert isinstance(app.screen, SessionScreen) and app.is_running
        await pilot.press("ctrl+q", "y")
        await summary(pilot)
        await until(pilot, lambda: feed.closed, "the feed to be closed")
    assert stored_sessions() == [(1, "replay", "complete")]


async def test_the_palettes_quit_asks_too() -> None:
    feed = held("walk_5min", hold_at=60)
    app = app_for(feed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot, feed)
        await pilot.press("ctrl+p", *"Quit")
        await until(pilot, lambda: "Quit the application" in palette_text(app), "the palette to offer Quit")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmEndScreen), "the question")
        await pilot.press("y")
        await summary(pilot)
        await pilot.press("ctrl+q")  # from the summary, out at once
        await until(pilot, lambda: not app.is_running, "the app to exit")
    assert stored_sessions() == [(1, "replay", "complete")]


async def composed(pilot: object, app: HrcoachApp, selector: str) -> SummaryScreen:
    """The summary screen once `selector` is on it (switched to is not yet composed)."""
    await until(
        pilot, lambda: isinstance(app.screen, SummaryScreen) and bool(app.screen.query(selector)), selector
    )
    assert isinstance(app.screen, SummaryScreen)
    return app.screen


def _summary_app(goal_min: int, name: str) -> HrcoachApp:
    setup = SessionSetup.from_profile(PROFILE.model_copy(update={"goal_min": goal_min}))
    session = Session(setup)
    for ev in load_recording(stream(name)).events:
        session.ingest(ev)
    session.finish()
    result = SessionResult(summary=session.summary(), cues=[], trace=[], where="", session_id=1)
    return HrcoachApp(
        lambda app: SummaryScreen(result, window=setup.coach.window), profile=PROFILE, speaker=Ears()
    )


@pytest.mark.parametrize(
    ("goal", "name", "title"),
    [
        (5, "steady_35min", "Goal met: 5+ minutes in the BDNF window"),
        (20, "walk_5min", "Goal not met this time (20+ minutes in the BDNF window)"),
    ],
)
async def test_the_summary_names_the_goal_in_force(goal: int, name: str, title: str) -> None:
    app = _summary_app(goal, name)
    async with app.run_test(size=(120, 30)) as pilot:
        done = await composed(pilot, app, "#summary-title")
        assert title in str(done.query_one("#summary-title", Static).render())


async def test_not_saving_leads_the_status_line_at_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """At 80 columns "muted · lap 2" pushed NOT SAVING off the status line."""
    from hrcoach.tui.panels import LinkStatus

    feed = held("walk_5min", hold_at=90)
    app = app_for(feed)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot, feed)
        await pilot.press("m", "l")
        monkeypatch.setattr(screen.store_log, "error", "database is locked")  # the feed is held: no commit
        screen._show_status()
        await pilot.pause()
        status = screen.query_one(LinkStatus)
        text = str(status.render())
        assert "muted" in text and "lap 2" in text
        at = text.index("NOT SAVING")
        assert at + len("NOT SAVING: 0 rows in memory") <= status.size.width, (text, status.size.width)


async def test_a_plan_session_s_summary_names_today_s_target_and_the_next() -> None:
    from dataclasses import replace

    from hrcoach.sources.feeds import ReplayFeed
    from tests.test_tui_session import SETUP

    setup = replace(SETUP, coach=replace(SETUP.coach, goal_s=300.0))  # the plan's 5 minutes today
    feed = ReplayFeed(load_recording(stream("steady_35min")), speed=0)
    nxt = "Next session: 6 min in the window (up to 6 min: the last 3 sessions met 5 min)"
    app = HrcoachApp(
        lambda app: app.start_session(feed, setup, plan=lambda: nxt), profile=PROFILE, speaker=Ears()
    )
    async with app.run_test(size=(120, 40)) as pilot:
        done = await composed(pilot, app, "#where")
        title = str(done.query_one("#summary-title", Static).render())
        assert "Today's target met: 5+ minutes in the BDNF window" in title
        assert str(done.query_one("#where", Static).render()).startswith(nxt)


@pytest.mark.parametrize("width", [80, 100])
async def test_the_hrmax_fix_is_never_clipped_off_the_summary(width: int) -> None:
    """At 80 and 100 columns "set yours with `hrcoach profile set age N`" was cut off the
    summary (the row was laid out wider than the screen); the live screen's HRmax line too."""
    from textual.geometry import Region

    from hrcoach.config import Profile
    from hrcoach.engine.zones import Formula, estimate_hrmax

    hint = "a default: set yours with `hrcoach profile set age N`"
    setup = SessionSetup.from_profile(
        Profile(),
        hrmax=estimate_hrmax(33, Formula("tanaka")),
        hrmax_source=f"estimated with Tanaka from age 33; {hint}",
    )
    session = Session(setup)
    for ev in load_recording(stream("walk_5min")).events:
        session.ingest(ev)
    session.finish()
    result = SessionResult(summary=session.summary(), cues=[], trace=[], where="", session_id=1)
    app = HrcoachApp(
        lambda app: SummaryScreen(result, window=setup.coach.window), profile=PROFILE, speaker=Ears()
    )
    async with app.run_test(size=(width, 24)) as pilot:
        pane = (await composed(pilot, app, "#numbers")).query_one("#numbers")
        shown = [s.text for s in pane.render_lines(Region(0, 0, pane.region.width, pane.region.height))]
        assert any(hint in line for line in shown), "\n".join(shown)
        assert pane.region.right <= width
