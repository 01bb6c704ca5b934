"""A Bluetooth name is chosen by whoever advertises nearby, a file's device field by whoever wrote
the file: cleaned where it enters (no control characters, capped), escaped where it is shown.
Hostile names through the simulated adapter on every screen and output."""

from __future__ import annotations

import argparse
import asyncio
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from hrcoach import paths
from hrcoach.cli import live, main
from hrcoach.config import Profile, profile_toml
from hrcoach.paths import profile_path
from hrcoach.sources import ble, remembered
from hrcoach.sources.ble import StrapSource
from hrcoach.text import NAME_MAX, clean, clean_device
from hrcoach.tui.app import HrcoachApp
from hrcoach.tui.connect_screen import ConnectScreen
from hrcoach.tui.panels import LinkStatus
from hrcoach.tui.session_screen import SessionScreen
from tests.conftest import stream
from tests.fakeble import SimulatedAdapter, SimulatedStrap, script_from_capture
from tests.test_cli_run import ScriptedStrapSource
from tests.tuifakes import Ears

OSC52 = "\x1b]52;c;aGVsbG8=\x07"  # writes the user's clipboard
OSC8 = "\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\"
HOSTILE = [
    "Coospo [H6M]",
    "Bell\x07 Back\x08space",
    "[/]",
    "[link=https://evil.example]Polar[/link]",
    "[@click=app.quit]Quit[/]",
    f"H10 {OSC52}",
    f"TICKR {OSC8}",
    "Wipe\x1b[2J\x1b[H",
    "Bidi \u202egnp.exe",
    "x" * 300,
]
CONTROL = {chr(c) for c in range(32)} | {"\x7f", "\u202e"}


def safe(text: str) -> bool:
    return not (set(text) & CONTROL - {"\n"})


def test_clean_strips_controls_keeps_brackets_and_caps_length() -> None:
    assert clean("Coospo [H6M]") == "Coospo [H6M]"
    assert clean("Bell\x07 Back\x08space") == "Bell Backspace"
    assert clean(f"H10 {OSC52}") == "H10 ]52;c;aGVsbG8="
    assert clean("Wipe\x1b[2J\x1b[H") == "Wipe[2J[H"
    assert clean("a\tb\n\nc") == "a b c" and clean("  Polar  H10 ") == "Polar H10"
    assert clean("Bidi \u202egnp.exe") == "Bidi gnp.exe"
    long = clean("x" * 300)
    assert len(long) == NAME_MAX and long.endswith("…")
    assert all(safe(clean(n)) for n in HOSTILE)
    assert clean_device({"name": "A\x1b[2JB", "address": 7, "nested": {"x": 1}, "ok": True}) == {
        "name": "A[2JB",
        "address": 7,
    }


def hostile_adapter(speed: float = 0) -> SimulatedAdapter:
    straps = [SimulatedStrap(n, f"AA:BB:CC:00:00:{i:02X}", -50 - i) for i, n in enumerate(HOSTILE)]
    return SimulatedAdapter(straps, speed=speed)


def test_scan_cleans_every_advertised_name() -> None:
    adapter = hostile_adapter()
    found = asyncio.run(ble.scan(0.05, scanner_backend=adapter.scanner_backend()))
    assert len(found) == len(HOSTILE)
    assert [s.name for s in found] == [clean(n) for n in HOSTILE]


def test_scan_command_prints_no_escape_sequence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    adapter = hostile_adapter()
    real = ble.scan
    monkeypatch.setattr(ble, "scan", lambda timeout: real(0.05, scanner_backend=adapter.scanner_backend()))
    assert main(["scan"]) == 0
    out = capsys.readouterr().out
    assert safe(out) and "Coospo [H6M]" in out and "[@click=app.quit]Quit[/]" in out
    assert main(["scan", "--json"]) == 0
    names = [s["name"] for s in json.loads(capsys.readouterr().out)]
    assert names == [clean(n) for n in HOSTILE]


async def test_the_connect_screen_lists_hostile_names_as_text() -> None:
    adapter = hostile_adapter()
    started: list[object] = []

    async def scan(timeout: float) -> list[ble.FoundStrap]:
        return await ble.scan(0.05, scanner_backend=adapter.scanner_backend())

    app = HrcoachApp(
        lambda app: ConnectScreen(scan, started.append, profile=app.profile, save=app.save_profile),
        profile=Profile(age=40),
        speaker=Ears(),
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConnectScreen) and screen.state == "found"
        prompts = [str(o.prompt) for o in screen.query_one("#straps").options]  # type: ignore[attr-defined]
        assert any("Coospo [H6M]" in p for p in prompts) and any("[@click=app.quit]" in p for p in prompts)
        assert all(safe(p) for p in prompts)
        await pilot.click("#straps")  # a name is never a button
        assert app.is_running


@pytest.mark.parametrize("name", ["[/]", "[link=https://evil.example]x[/link]", "[@click=app.quit]Q[/]"])
async def test_the_session_screen_shows_a_hostile_strap_name_as_text(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = [(t, p) for t, p in script_from_capture(stream("steady_35min")) if t < 900]
    sim = SimulatedAdapter(SimulatedStrap(name, "C4:7C:8D:6A:1E:2A"), script, speed=5)

    def make_source(args: argparse.Namespace, **hooks: Any) -> StrapSource:
        return ScriptedStrapSource(sim, device=args.device, last_device=remembered.last_device(), **hooks)

    monkeypatch.setattr(live, "make_source", make_source)
    paths.write_private(profile_path(), profile_toml(Profile(age=40)))
    remembered.remember_device(name, "C4:7C:8D:6A:1E:2A")
    app = live.run_app(live_args())
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, SessionScreen)
        for _ in range(300):
            await pilot.pause(0.02)
            if "· connected" in str(app.screen.query_one(LinkStatus).render()):
                break
        assert f"{name} · connected" in str(app.screen.query_one(LinkStatus).render())
        await pilot.click("#status")
        assert app.is_running and isinstance(app.screen, SessionScreen)


def live_args() -> argparse.Namespace:
    from hrcoach.cli import build_parser

    return build_parser().parse_args(["run"])


def hostile_capture(tmp_path: Path) -> Path:
    lines = stream("steady_35min").read_text().splitlines()[:200]
    header = json.loads(lines[0])
    header["device"] = {"name": f"Evil\x07{OSC52}[/]\x1b[2J", "address": "AA:BB\x1b]8;;x\x07"}
    path = tmp_path / "hostile.hrcap.jsonl"
    path.write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n")
    return path


def test_logbook_commands_and_tcx_export_are_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths.write_private(profile_path(), profile_toml(Profile(age=40)))
    assert main(["import", str(hostile_capture(tmp_path))]) == 0
    for argv in (
        ["sessions"],
        ["show", "1"],
        ["sessions", "--json"],
        ["analyze", str(tmp_path / "hostile.hrcap.jsonl")],
    ):
        capsys.readouterr()
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert safe(out) and "\\u001b" not in out and "\\u0007" not in out, argv
    out_file = tmp_path / "s.tcx"
    assert main(["export", "1", "--format", "tcx", "-o", str(out_file)]) == 0
    root = ET.parse(out_file).getroot()  # well-formed XML
    notes = [e.text or "" for e in root.iter() if e.tag.endswith("Notes")]
    assert len(notes) == 1 and notes[0].endswith("(Evil]52;c;aGVsbG8=[/][2J)")
