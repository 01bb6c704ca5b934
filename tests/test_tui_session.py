"""The live session screen through Pilot: every key, the palette, cues heard, a link drop shown
and recovered, and the session written to the store when it ends."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandList, CommandPalette

from hrcoach.config import Profile
from hrcoach.formats.files import load_recording
from hrcoach.models import HeartRateSample
from hrcoach.session import Session, SessionSetup
from hrcoach.sources.feeds import Feed, ReplayFeed
from hrcoach.store import db
from hrcoach.tui.app import HrcoachApp
from hrcoach.tui.bpm import BpmReadout
from hrcoach.tui.dialogs import ConfirmEndScreen, HelpScreen
from hrcoach.tui.panels import CueBanner, LinkStatus, WindowClocks
from hrcoach.tui.session_screen import SessionScreen
from hrcoach.tui.speaker import Bell, Both, Silent, Voice, make_speaker, speech_command
from hrcoach.tui.summary_screen import SessionResult, SummaryScreen
from tests.conftest import stream
from tests.tuifakes import Ears, HeldFeed
from tests.waiting import until

PROFILE = Profile(age=33)  # HRmax 185, as the fixtures assume
SETUP = SessionSetup.from_profile(PROFILE)


def app_for(feed: Feed, ears: Ears | None = None) -> HrcoachApp:
    return HrcoachApp(lambda app: app.start_session(feed, SETUP), profile=PROFILE, speaker=ears or Ears())


def held(name: str, hold_at: float) -> HeldFeed:
    return HeldFeed(load_recording(stream(name)).events, hold_at=hold_at)


async def settled(pilot: Any, feed: HeldFeed) -> SessionScreen:
    """Until `feed` is held and the screen shows its latest event, with the log's writer thread
    (outrun by the flat-out replay) caught up: the status line says nothing of it."""

    def shown() -> bool:
        screen = pilot.app.screen
        last = screen.last_tick if isinstance(screen, SessionScreen) else None
        return (
            feed.waiting and last is not None and last.t == feed.last_t and "behind" not in status(pilot.app)
        )

    def state() -> str:
        last = getattr(pilot.app.screen, "last_tick", None)
        return (
            f"the screen to show the held feed (played {feed.played}, waiting {feed.waiting}, feed at"
            f" {feed.last_t}, screen at {last.t if last else None}, status {status(pilot.app)!r})"
        )

    await until(pilot, shown, state)
    screen = pilot.app.screen
    assert isinstance(screen, SessionScreen)
    return screen


async def summary(pilot: Any) -> SummaryScreen:
    """Until the session has been saved and its summary is on screen."""
    await until(pilot, lambda: isinstance(pilot.app.screen, SummaryScreen), "the summary")
    screen = pilot.app.screen
    assert isinstance(screen, SummaryScreen)
    return screen


def status(app: HrcoachApp) -> str:
    return str(app.screen.query_one(LinkStatus).render())


def readout(app: HrcoachApp) -> str:
    return str(app.screen.query_one(BpmReadout).render())


def stored_sessions() -> list[tuple[int, str, str]]:
    conn = sqlite3.connect(db.db_path())
    return conn.execute("SELECT id, origin, status FROM sessions").fetchall()


async def test_a_recording_plays_to_the_end_is_saved_and_summarised() -> None:
    ears = Ears()
    rec = load_recording(stream("steady_35min"))
    app = app_for(ReplayFeed(rec, speed=0), ears)
    async with app.run_test(size=(80, 24)) as pilot:
        await summary(pilot)  # the save outlives the workers there were when it began: wait on it
        assert isinstance(app.screen, SummaryScreen)
        result = app.screen.result.summary
        assert result.bdnf_goal_met and result.samples_total == len(rec.samples)
        assert "Saved as session 1" in app.screen.result.where
        cues = [m for _, m in app.screen.result.cues]
    assert stored_sessions() == [(1, "replay", "complete")]
    assert ears.said and ears.said == cues  # every cue was heard, in order


async def test_the_screen_shows_the_session_as_it_goes() -> None:
    feed = held("steady_35min", hold_at=720)
    app = app_for(feed)
    async with app.run_test(size=(80, 24)) as pilot:
        while feed.played < 700:
            await pilot.pause(0.01)
        await pilot.pause(0.05)
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        tick = screen.last_tick
        assert tick is not None and tick.bpm is not None
        assert screen.query_one(BpmReadout).bpm == tick.bpm
        clocks = str(screen.query_one(WindowClocks).render())
        assert "BDNF 60–80 %" in clocks and "HRmax 185 bpm" in clocks
        assert "Polar H10 8C4F1E2A · connected" in status(app)
        assert screen.query_one(CueBanner).has_class("-in")  # steady in the window by 12 minutes


async def test_the_first_beat_is_on_screen_at_once_marked_checking() -> None:
    """#15: the spike filter holds a session's first beat until the next; the screen shows it
    at once as not yet confirmed, instead of `---` for a second."""
    rec = load_recording(stream("steady_35min"))
    first = next(e for e in rec.events if isinstance(e, HeartRateSample) and e.bpm)
    feed = HeldFeed([e for e in rec.events if e.t <= first.t], hold_at=first.t)
    app = app_for(feed)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(
            pilot,
            lambda: isinstance(app.screen, SessionScreen) and app.screen.last_tick is not None
            and app.screen.last_tick.t == first.t,
            "the first beat's tick",
        )  # fmt: skip
        await pilot.pause()
        shown = readout(app)
        assert app.screen.query_one(BpmReadout).bpm is None  # not accepted yet
        assert "CHECKING" in shown and "---" not in shown


async def test_q_asks_first_n_keeps_going_y_ends_and_saves() -> None:
    feed = held("walk_5min", hold_at=120)
    app = app_for(feed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot, feed)
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmEndScreen)
        await pilot.press("n")
        assert isinstance(app.screen, SessionScreen)
        await pilot.press("q", "enter")  # enter on the focused "keep going" button
        assert isinstance(app.screen, SessionScreen)
        await pilot.press("q", "y")
        done = await summary(pilot)
        await until(pilot, lambda: feed.closed, "the feed to be closed")
        assert 100 <= done.result.summary.duration_s <= 120
    assert stored_sessions() == [(1, "replay", "complete")]


async def test_space_pauses_and_resumes() -> None:
    feed = held("walk_5min", hold_at=60)
    app = app_for(feed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot, feed)
        await pilot.press("space")
        assert feed.paused and "PAUSED" in status(app)
        played, wakes = feed.played, feed.wakes
        feed.release(200)
        await until(pilot, lambda: feed.wakes > wakes and feed.waiting, "the feed to look again")
        assert feed.played == played  # held while paused
        await pilot.press("space")
        await until(pilot, lambda: feed.played > played, "the feed to play on")
        assert not feed.paused and "PAUSED" not in status(app)


async def test_lap_mute_and_help_keys(tmp_path: Path) -> None:
    ears = Ears()
    feed = held("steady_35min", hold_at=200)
    app = app_for(feed, ears)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot, feed)
        await pilot.press("l")
        assert "lap 2" in status(app)
        await pilot.press("m")
        assert "muted" in status(app)
        heard = len(ears.said)
        feed.release(900)  # the coach speaks in this stretch (e.g. "in the window")
        screen = await settled(pilot, feed)
        assert len(ears.said) == heard and len(screen.session.cues) > heard  # shown, not heard
        await pilot.press("m")
        assert "muted" not in status(app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, SessionScreen)
        await pilot.press("q", "y")
        done = await summary(pilot)
        laps = done.result.laps  # the summary shows the lap splits
        assert len(laps) == 2 and laps[1].start_s > 0
        assert sum(lap.duration_s for lap in laps) == pytest.approx(done.result.summary.span_s)
    conn = sqlite3.connect(db.db_path())
    assert conn.execute("SELECT count(*) FROM events WHERE kind = 'lap'").fetchone()[0] == 1


async def test_the_command_palette_runs_session_commands() -> None:
    feed = held("walk_5min", hold_at=60)
    app = app_for(feed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot, feed)
        await pilot.press("ctrl+p")
        await pilot.press(*"Lap")
        await until(pilot, lambda: "Mark a lap" in palette_text(app), "the palette to offer Lap")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SessionScreen), "the palette to close")
        assert "lap 2" in status(app)


def palette_text(app: HrcoachApp) -> str:
    if not isinstance(app.screen, CommandPalette):
        return ""
    return " ".join(str(o.prompt) for o in app.screen.query_one(CommandList).options)


async def test_a_link_drop_shows_on_screen_and_recovers() -> None:
    feed = held("dropout_reconnect", hold_at=425)  # the link drops at 421.0, back at 428.5
    app = app_for(feed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot, feed)
        assert "reconnecting" in status(app)
        assert app.screen.query_one(LinkStatus).has_class("-trouble")
        # no frozen number while the link is down: --- and the reason, no % HRmax, no arrow
        digits = readout(app).split("bpm")[0]
        assert (
            not digits.splitlines()[0].strip() and "█████" in digits
        )  # only --- (a dash's top row is blank)
        assert "-- % HRmax" in readout(app)
        assert "LINK LOST" in readout(app) and "▲" not in readout(app) and "▶" not in readout(app)
        feed.release(440)
        await settled(pilot, feed)
        assert "connected" in status(app) and "reconnecting" not in status(app)
        assert not app.screen.query_one(LinkStatus).has_class("-trouble")
        assert "LINK LOST" not in readout(app) and app.screen.query_one(BpmReadout).bpm is not None


async def test_no_contact_is_shown() -> None:
    feed = held("contact_lost", hold_at=420)  # contact lost 6:40-7:20
    app = app_for(feed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot, feed)
        assert "NO CONTACT" in status(app)
        assert app.screen.query_one(LinkStatus).has_class("-trouble-contact")
        assert "NO SKIN CONTACT" in readout(app) and "-- % HRmax" in readout(app)


def test_speakers(monkeypatch: pytest.MonkeyPatch) -> None:
    rings: list[int] = []
    speaker, note = make_speaker("bell", lambda: rings.append(1))
    speaker.say("Ease off")
    assert isinstance(speaker, Bell) and rings == [1] and note == ""
    assert isinstance(make_speaker("off", lambda: None)[0], Silent)
    found = {"espeak-ng": "/usr/bin/espeak-ng"}
    assert speech_command("Ease off", lambda name: found.get(name)) == [
        "/usr/bin/espeak-ng",
        "-p",
        "50",
        "-s",
        "165",
        "Ease off",
    ]
    assert speech_command("x", lambda _name: None) is None
    monkeypatch.setattr("hrcoach.tui.speaker.shutil.which", found.get)
    assert isinstance(make_speaker("both", lambda: None)[0], Both)
    assert isinstance(make_speaker("speech", lambda: None)[0], Voice)
    monkeypatch.setattr("hrcoach.tui.speaker.shutil.which", {}.get)
    speaker, note = make_speaker("speech", lambda: rings.append(2))
    assert isinstance(speaker, Bell) and "espeak-ng" in note  # falls back, and says so


def test_voice_runs_the_command_and_cuts_off_the_previous_one(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[list[str]] = []

    class Proc:
        def __init__(self, cmd: list[str], **_: object) -> None:
            started.append(cmd)
            self.terminated = False

        def poll(self) -> None:
            return None

        def terminate(self) -> None:
            self.terminated = True

    monkeypatch.setattr("hrcoach.tui.speaker.subprocess.Popen", Proc)
    voice = Voice({"espeak-ng": "/e"}.get)
    voice.say("one")
    first = voice._current
    voice.say("two")
    assert [c[-1] for c in started] == ["one", "two"] and first is not None and first.terminated  # type: ignore[attr-defined]


def summary_app(name: str) -> HrcoachApp:
    """The summary screen of a whole recording, built directly: the session computed as the
    live screen computes it (its trace from every tick's accepted readings, not the last held
    one's), without replaying it through the screen. The saved-to line is fixed text, so the
    picture does not depend on where a test's home is."""
    session = Session(SETUP)
    trace: list[tuple[float, float]] = []
    for ev in load_recording(stream(name)).events:
        trace += [(r.t, float(r.sample.bpm)) for r in session.ingest(ev).readings if r.accepted]
    session.finish()
    result = SessionResult(
        summary=session.summary(),
        cues=[(c.t - (session.t0 or 0.0), c.message) for c in session.cues],
        trace=trace,
        where=SAVED_TO,
        session_id=1,
    )
    return HrcoachApp(
        lambda app: SummaryScreen(result, window=SETUP.coach.window), profile=PROFILE, speaker=Ears()
    )


SAVED_TO = (
    "Saved as session 1 (`hrcoach show 1`, `hrcoach export 1`) in "
    "/tmp/hrcoach-snapshot-home/data/hrcoach.sqlite3"
)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_snapshot_session(snap_compare: object, size: tuple[int, int]) -> None:
    feed = held("steady_35min", hold_at=760)

    async def run_before(pilot: object) -> None:
        await settled(pilot, feed)
        await pilot.pause(0.1)  # type: ignore[attr-defined]

    assert snap_compare(app_for(feed), terminal_size=size, run_before=run_before)  # type: ignore[operator]


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_snapshot_summary(snap_compare: object, size: tuple[int, int]) -> None:
    assert snap_compare(summary_app("intervals_overshoot"), terminal_size=size)  # type: ignore[operator]


def test_snapshot_summary_cues_behind_c(snap_compare: object) -> None:
    app = summary_app("intervals_overshoot")
    assert snap_compare(app, terminal_size=(80, 24), press=["c"])  # type: ignore[operator]


async def test_the_summary_built_directly_is_the_one_a_replay_ends_on() -> None:
    """What the snapshots above rest on: the screen's own session gives the same result."""
    feed = HeldFeed(load_recording(stream("intervals_overshoot")).events)
    app = app_for(feed)
    async with app.run_test(size=(80, 24)) as pilot:
        await summary(pilot)
        assert isinstance(app.screen, SummaryScreen)
        live = app.screen.result
    direct = summary_app("intervals_overshoot")
    async with direct.run_test(size=(80, 24)):
        built = direct.screen
        assert isinstance(built, SummaryScreen)
        assert (built.result.summary, built.result.cues, built.result.trace) == (
            live.summary,
            live.cues,
            live.trace,
        )


async def test_from_a_summary_h_opens_the_history_and_escape_comes_back_then_leaves() -> None:
    from hrcoach.tui.history_screen import HistoryScreen

    app = summary_app("walk_5min")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        summary = app.screen
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is summary and app.is_running
        await pilot.press("escape")  # the first screen: escape leaves
        await pilot.pause()
        assert not app.is_running


@pytest.mark.parametrize("key", ["question_mark", "q"])
def test_snapshot_dialogs(snap_compare: object, key: str) -> None:
    feed = held("steady_35min", hold_at=400)

    async def run_before(pilot: object) -> None:
        await settled(pilot, feed)
        await pilot.press(key)  # type: ignore[attr-defined]
        await pilot.pause(0.1)  # type: ignore[attr-defined]

    assert snap_compare(app_for(feed), terminal_size=(80, 24), run_before=run_before)  # type: ignore[operator]


async def test_the_help_names_this_sessions_goal_and_gap_and_the_one_notice() -> None:
    from hrcoach.config import NOTICE

    setup = SessionSetup.from_profile(Profile(age=33, goal_min=20, max_gap_s=6))
    feed = held("walk_5min", hold_at=30)
    app = HrcoachApp(lambda app: app.start_session(feed, setup), profile=PROFILE, speaker=Ears())
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot, feed)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(app.screen.text.split())
        assert "hold it 20+ minutes" in text and "longer than 6 s is a gap" in text
        assert NOTICE in text and "30+" not in text
