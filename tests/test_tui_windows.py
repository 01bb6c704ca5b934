"""The windows' bounds and names on screen come only from `hrcoach.engine.zones`: with other
bounds there (set before the TUI is imported, in an interpreter of its own) the gauge's colours and
scale, the clocks, the help, the summary, the history's columns and the settings' choices all
follow, and not one of the old numbers is left. The widgets also take other windows directly."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

from textual.app import App, ComposeResult

from hrcoach.engine.zones import ANANDAMIDE, BDNF, WINDOWS, Window
from hrcoach.tui.dialogs import help_text
from hrcoach.tui.gauge import ZoneGauge, part, ticks
from hrcoach.tui.panels import WindowClocks
from tests.conftest import ROOT

SHIFTED_BDNF = Window("bdnf", 55, 75, "BDNF")
SHIFTED_ANANDAMIDE = Window("anandamide", 65, 75, "anandamide")
OLD = ("60–80", "70–80", "60-80", "70-80")

SCRIPT = """
import asyncio, json, sys
from hrcoach.engine import zones

zones.BDNF = zones.Window("bdnf", 55, 75, "BDNF")
zones.ANANDAMIDE = zones.Window("anandamide", 65, 75, "anandamide")
zones.WINDOWS = {w.name: w for w in (zones.BDNF, zones.ANANDAMIDE)}

from rich.console import Console
from textual.widgets import DataTable

from hrcoach.config import Profile
from hrcoach.session import Session, SessionSetup
from hrcoach.formats.files import load_recording
from hrcoach.tui.app import HrcoachApp
from hrcoach.tui.gauge import ZoneGauge
from hrcoach.tui.history_screen import HistoryScreen
from hrcoach.tui.panels import WindowClocks
from hrcoach.tui.profile_form import CHOICE_TEXT
from hrcoach.tui.summary_screen import numbers
from tests.conftest import stream
from tests.tuifakes import Ears, HeldFeed

SETUP = SessionSetup.from_profile(Profile(age=33))
out = {"choices": list(CHOICE_TEXT["target"].values())}


async def main() -> None:
    feed = HeldFeed(load_recording(stream("steady_35min")).events, hold_at=400)
    app = HrcoachApp(lambda app: app.start_session(feed, SETUP), profile=Profile(age=33), speaker=Ears())
    async with app.run_test(size=(100, 30)) as pilot:
        while feed.played < 390:
            await pilot.pause(0.01)
        await pilot.pause()
        gauge = app.screen.query_one(ZoneGauge)
        out["gauge"] = str(gauge.render()).splitlines()
        out["gauge_width"] = gauge.size.width
        out["clocks"] = str(app.screen.query_one(WindowClocks).render())
        await pilot.press("question_mark")
        await pilot.pause()
        out["help"] = str(app.screen.query_one("#help-text").render())
    history = HrcoachApp(lambda app: HistoryScreen(), profile=Profile(age=33), speaker=Ears())
    async with history.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        columns = []
        for table in history.screen.query(DataTable):
            columns += [str(c.label) for c in table.columns.values()]
        out["columns"] = columns
    session = Session(SETUP)
    for ev in load_recording(stream("walk_5min")).events:
        session.ingest(ev)
    console = Console(width=120, record=True, file=open("/dev/null", "w"))
    console.print(numbers(session.summary()))
    out["summary"] = console.export_text()


asyncio.run(main())
json.dump(out, sys.stdout)
"""


def test_other_bounds_in_engine_zones_are_the_ones_on_screen(tmp_path: Path) -> None:
    env = {**os.environ, "HRCOACH_HOME": str(tmp_path)}
    ran = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr
    out = json.loads(ran.stdout)
    texts = {k: "\n".join(v) if isinstance(v, list) else v for k, v in out.items() if k != "gauge_width"}
    for name, text in texts.items():
        for old in OLD:
            assert old not in text, f"{name} still says {old}:\n{text}"
    assert "BDNF 55–75 %" in out["clocks"] and "Anandamide 65–75 %" in out["clocks"]
    assert "55–75 % of HRmax   BDNF" in out["help"] and "65–75 % of HRmax   anandamide" in out["help"]
    assert "BDNF 55–75 %" in out["summary"] and "Anandamide 65–75 %" in out["summary"]
    assert out["columns"].count("55–75 %") == 2 and "65–75 %" in out["columns"]
    assert out["choices"] == ["BDNF 55-75 %", "anandamide 65-75 %"]
    _marker, bar, scale = out["gauge"]
    width = out["gauge_width"]  # cell i is at 50 + 50·i/(width - 1) %
    assert bar.index("█") == math.ceil((width - 1) * 5 / 50)  # the BDNF colour starts at 55 %, not 60 %
    assert scale.split() == ["50", "55", "60", "65", "70", "75", "80", "90", "100"]


def test_the_widgets_draw_the_windows_they_are_given() -> None:
    shifted = (SHIFTED_BDNF, SHIFTED_ANANDAMIDE)
    assert part(57, shifted) == "zone-gauge--bdnf" and part(57, (BDNF, ANANDAMIDE)) == "zone-gauge--easy"
    assert (
        part(67, shifted) == "zone-gauge--anandamide" and part(67, (BDNF, ANANDAMIDE)) == "zone-gauge--bdnf"
    )
    assert (
        part(78, shifted) == "zone-gauge--hard" and part(78, (BDNF, ANANDAMIDE)) == "zone-gauge--anandamide"
    )
    assert ticks((BDNF, ANANDAMIDE)) == [50, 60, 70, 80, 90, 100]  # the scale as it always was
    assert ticks(shifted) == [50, 55, 60, 65, 70, 75, 80, 90, 100]
    assert ZoneGauge().windows == tuple(WINDOWS.values())
    text = help_text(SHIFTED_BDNF, SHIFTED_ANANDAMIDE)
    assert "55–75 % of HRmax   BDNF" in text and not any(old in text for old in OLD)


async def test_the_clocks_name_the_windows_they_are_given() -> None:
    class Clocks(App[None]):
        def compose(self) -> ComposeResult:
            yield WindowClocks(1800, bdnf=SHIFTED_BDNF, anandamide=SHIFTED_ANANDAMIDE)
            yield WindowClocks(1800, id="usual")

    app = Clocks()
    async with app.run_test(size=(60, 20)):
        shifted, usual = (str(w.render()) for w in app.query(WindowClocks))
        assert "BDNF 55–75 %" in shifted and "Anandamide 65–75 %" in shifted
        assert not any(old in shifted for old in OLD)
        assert "BDNF 60–80 %" in usual and "Anandamide 70–80 %" in usual
