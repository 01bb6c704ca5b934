"""`hrcoach run` in the Textual coach, on the simulated adapter: connect screen on first run, then
a live session with a link drop shown and recovered, ended by the user and saved."""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, OptionList

from hrcoach.cli import build_parser, live
from hrcoach.config import Profile, load_profile
from hrcoach.logbook import Logbook
from hrcoach.paths import profile_path
from hrcoach.sources import ble, remembered
from hrcoach.sources.ble import FoundStrap, StrapSource
from hrcoach.store import db
from hrcoach.tui.connect_screen import ConnectScreen
from hrcoach.tui.panels import LinkStatus
from hrcoach.tui.session_screen import SessionScreen
from hrcoach.tui.summary_screen import SummaryScreen
from tests.conftest import stream
from tests.fakeble import SimulatedAdapter, SimulatedStrap, script_from_capture
from tests.test_cli_run import ScriptedStrapSource
from tests.waiting import until

STRAP = SimulatedStrap("Polar H10 8C4F1E2A", "C4:7C:8D:6A:1E:2A")


@pytest.fixture
def adapter(monkeypatch: pytest.MonkeyPatch) -> SimulatedAdapter:
    # 900 s of strap in 22.5 s at most (tests end theirs sooner): the session must not run out
    # of strap before a loaded machine has shown the drop and the return
    script = [(t, p) for t, p in script_from_capture(stream("steady_35min")) if t < 900]
    sim = SimulatedAdapter(STRAP, script, speed=40)

    def make_source(args: argparse.Namespace, **hooks: Any) -> StrapSource:
        return ScriptedStrapSource(sim, device=args.device, last_device=remembered.last_device(), **hooks)

    real_scan = ble.scan

    async def fake_scan(timeout: float, **backend: Any) -> list[FoundStrap]:
        if backend:  # the source's own searches go through the simulated adapter
            return await real_scan(timeout, **backend)
        return [
            FoundStrap(STRAP.name, STRAP.address, -55),
            FoundStrap("TICKR 1234", "AA:BB:CC:00:11:22", -80),
        ]

    monkeypatch.setattr(live, "make_source", make_source)
    monkeypatch.setattr("hrcoach.sources.ble.scan", fake_scan)
    return sim


def status(screen: object) -> str:
    return str(screen.query_one(LinkStatus).render())  # type: ignore[attr-defined]


async def test_first_run_asks_age_scans_picks_then_coaches_through_a_dropout(
    adapter: SimulatedAdapter, tmp_path: Path
) -> None:
    record = tmp_path / "live.hrcap.jsonl"
    kept = tmp_path / "log.sqlite3"
    app = live.run_app(build_parser().parse_args(["run", "--record", str(record)]), Logbook(db_path=kept))
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, ConnectScreen)
        await until(
            pilot, lambda: isinstance(app.focused, Input) and app.focused.id == "f-age", "the age field"
        )
        await pilot.press("3", "3", "enter")
        await until(pilot, profile_path().exists, "the profile to be saved")
        assert load_profile(profile_path()).age == 33
        straps = app.screen.query_one("#straps", OptionList)
        await until(pilot, lambda: straps.highlighted is not None, "the scan's straps")
        assert straps.highlighted == 0  # the strongest strap
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SessionScreen), "the session screen")
        screen = app.screen
        seen: list[str] = []

        def shown(state: str) -> bool:
            # what the status line says, as a runner glancing at it would see it
            now = next(
                (s for s in ("reconnecting", "disconnected", "connected") if f"· {s}" in status(screen)), ""
            )
            if now and (not seen or seen[-1] != now):
                seen.append(now)
            return now == state

        await until(pilot, lambda: shown("connected"), "the strap to connect")
        # the drop is timed from the connection the screen shows, not from the adapter's start
        # (a loaded machine may take minutes of simulated time to get there)
        adapter.schedule_drop(adapter.clock.now() + 5, down_for=40)  # a second of wall time
        await until(pilot, lambda: not shown("connected"), "the drop to be shown")
        await until(
            pilot, lambda: shown("connected") and adapter.stats.connects >= 2, "the strap to come back"
        )
        assert seen[:2] == ["connected", "reconnecting"] or seen[:2] == ["connected", "disconnected"], seen
        await pilot.press("q", "y")
        await until(pilot, lambda: isinstance(app.screen, SummaryScreen), "the summary")
        assert isinstance(app.screen, SummaryScreen)
        assert app.screen.result.summary.gaps >= 1  # the 40-s drop is not credited
    assert remembered.last_device() == STRAP.address
    rows = sqlite3.connect(kept).execute("SELECT origin, status, device FROM sessions").fetchall()
    assert rows[0][:2] == ("live", "complete") and STRAP.name in rows[0][2]
    assert not db.db_path().exists()  # the session went to the app's logbook
    assert record.exists() and STRAP.name in record.read_text().splitlines()[0]


async def test_a_known_strap_and_profile_go_straight_to_the_session(adapter: SimulatedAdapter) -> None:
    from hrcoach import paths
    from hrcoach.config import profile_toml

    paths.write_private(profile_path(), profile_toml(Profile(age=40)))
    remembered.remember_device(STRAP.name, STRAP.address)
    app = live.run_app(build_parser().parse_args(["run"]))
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, SessionScreen)
        await until(pilot, lambda: "· connected" in status(app.screen), "the strap to connect")
        assert "Polar H10 8C4F1E2A · connected" in status(app.screen)
        assert app.screen.setup.params.hrmax == 180


async def test_no_bluetooth_is_said_on_the_session_screen_and_q_leaves_with_2(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hrcoach import paths
    from hrcoach.config import profile_toml
    from hrcoach.tui.panels import CueBanner
    from tests.test_cli_run import NoDBusScanner

    paths.write_private(profile_path(), profile_toml(Profile(age=40)))
    remembered.remember_device(STRAP.name, STRAP.address)
    monkeypatch.setattr(
        live, "make_source", lambda args, **hooks: StrapSource(scanner_backend=NoDBusScanner, **hooks)
    )
    app = live.run_app(build_parser().parse_args(["run"]))
    async with app.run_test(size=(80, 24)) as pilot:

        def banner() -> str:
            return str(app.screen.query_one(CueBanner).render())

        await until(pilot, lambda: "Bluetooth unavailable" in banner(), "the banner to say why")
        assert "q quits" in banner()
        await pilot.press("q")
        await until(pilot, lambda: app.return_code is not None, "the app to exit")
    assert app.return_code == 2
    assert not db.db_path().exists()  # nothing measured, nothing logged


async def test_the_strap_chosen_is_remembered_before_it_connects(monkeypatch: pytest.MonkeyPatch) -> None:
    from hrcoach import paths
    from hrcoach.config import profile_toml
    from tests.test_cli_run import NoDBusScanner

    paths.write_private(profile_path(), profile_toml(Profile(age=40)))

    real_scan = ble.scan

    async def one_strap(timeout: float, **backend: Any) -> list[FoundStrap]:
        if backend:  # the source's own search: no Bluetooth there
            return await real_scan(timeout, **backend)
        return [FoundStrap(STRAP.name, STRAP.address, -55)]

    monkeypatch.setattr("hrcoach.sources.ble.scan", one_strap)
    monkeypatch.setattr(
        live, "make_source", lambda args, **hooks: StrapSource(scanner_backend=NoDBusScanner, **hooks)
    )
    app = live.run_app(build_parser().parse_args(["run"]))
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, ConnectScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, SessionScreen)  # which never gets to connect
        assert remembered.last_device() == STRAP.address
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 2
