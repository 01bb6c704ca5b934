"""The connect screen through Pilot with a fake scan: the first-run question, scanning, the list
(strongest first, the strap used last marked and highlighted), --device choosing by itself, the
nothing-found advice, Bluetooth unavailable said in one line, and r scanning again; and its looks."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from hrcoach import paths
from hrcoach.config import Profile, load_profile
from hrcoach.logbook import Logbook
from hrcoach.sources.ble import BluetoothUnavailable, FoundStrap
from hrcoach.sources.remembered import last_device
from hrcoach.tui.app import HrcoachApp
from hrcoach.tui.connect_screen import ConnectScreen, Scan
from tests.tuifakes import Ears

POLAR = FoundStrap("Polar H10 8C4F1E2A", "C4:7D:12:8C:4F:1E", -71)
GARMIN = FoundStrap("HRM-Pro:123456", "E2:11:90:AB:CD:01", -58)
TICKR = FoundStrap("TICKR 4E21", "D0:4E:21:00:11:22", -88)
STRAPS = [POLAR, TICKR, GARMIN]  # as a scan might give them: not sorted
AGED = Profile(age=42)
OFF = BluetoothUnavailable("Bluetooth unavailable: Bluetooth is turned off: turn it on and try again")


class FakeScan:
    """Answers each scan with the next of `results` (the last one over and over); an exception is raised."""

    def __init__(self, *results: Sequence[FoundStrap] | BaseException) -> None:
        self.results = list(results)
        self.calls: list[float] = []

    async def __call__(self, timeout: float) -> list[FoundStrap]:
        self.calls.append(timeout)
        await asyncio.sleep(0)
        result = self.results.pop(0) if len(self.results) > 1 else self.results[0]
        if isinstance(result, BaseException):
            raise result
        return list(result)


class Runner:
    """Stands in for the app's `start`."""

    def __init__(self) -> None:
        self.started: list[FoundStrap] = []

    def __call__(self, strap: FoundStrap) -> None:
        self.started.append(strap)


def connect_app(
    scan: Scan,
    start: Runner,
    profile: Profile = AGED,
    device: str | None = None,
    last: str | None = None,
    logbook: Logbook | None = None,
) -> HrcoachApp:
    def first(app: HrcoachApp) -> ConnectScreen:
        return ConnectScreen(
            scan, start, profile=app.profile, save=app.save_profile, device=device, last=last
        )

    return HrcoachApp(first, profile=profile, speaker=Ears(), logbook=logbook)


def text(app: HrcoachApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def shown(app: HrcoachApp) -> str:
    screen = app.screen
    assert isinstance(screen, ConnectScreen)
    return screen.state


async def settle(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def options(app: HrcoachApp) -> OptionList:
    return app.screen.query_one("#straps", OptionList)


async def test_first_run_asks_for_age_saves_it_then_scans_and_enter_starts_the_strap() -> None:
    scan, start = FakeScan(STRAPS), Runner()
    app = connect_app(scan, start, profile=Profile())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert shown(app) == "first-run" and scan.calls == []
        assert "not a medical device: stop and seek advice if you feel unwell." in text(app, ".coach-notice")
        assert app.focused is app.screen.query_one("#f-age")
        await pilot.press("4", "2")
        assert text(app, "#first-run-hrmax") == "HRmax in force: 179 bpm, estimated with Tanaka from age 42"
        await pilot.press("enter")
        await settle(pilot)
        assert load_profile(paths.profile_path()) == Profile(age=42)
        assert app.profile == Profile(age=42)
        assert scan.calls == [5.0]
        assert shown(app) == "found"
        listed = options(app)
        assert listed.option_count == 3
        assert [str(listed.get_option_at_index(i).prompt).split()[0] for i in range(3)] == [
            "HRM-Pro:123456",
            "Polar",
            "TICKR",
        ]
        assert listed.highlighted == 0 and app.focused is listed  # the strongest, with no strap remembered
        await pilot.press("down", "enter")
        await pilot.pause()
        assert start.started == [POLAR]
        assert last_device() is None  # remembering it is the app's (`start`'s) business


async def test_first_run_takes_a_measured_hrmax_instead() -> None:
    scan, start = FakeScan(STRAPS), Runner()
    app = connect_app(scan, start, profile=Profile())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one("#f-hrmax", Input).focus()
        await pilot.press("1", "8", "6")
        await pilot.click("#first-run-save")
        await settle(pilot)
        assert load_profile(paths.profile_path()) == Profile(hrmax=186)
        assert text(app, "#connect-hrmax") == "HRmax in force: 186 bpm, measured"
        assert shown(app) == "found"


async def test_first_run_refuses_a_bad_age_and_an_empty_form() -> None:
    scan, start = FakeScan(STRAPS), Runner()
    app = connect_app(scan, start, profile=Profile())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert text(app, "#err-age") == "Enter your age or a measured HRmax (either will do)."
        await pilot.press("5", "enter")
        await pilot.pause()
        assert text(app, "#err-age") == "Must be from 10 to 100."
        assert shown(app) == "first-run" and scan.calls == []
        assert not paths.profile_path().exists()


async def test_first_run_answers_that_cannot_be_saved_are_said_and_nothing_is_scanned(
    tmp_path: Path,
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    scan, start = FakeScan(STRAPS), Runner()
    app = connect_app(scan, start, profile=Profile(), logbook=Logbook(profile_path=blocked / "profile.toml"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4", "2", "enter")
        await settle(pilot)
        assert shown(app) == "first-run" and scan.calls == []
        assert app.profile == Profile()
        [note] = app._notifications
        assert note.message.startswith(f"Not saved: {blocked / 'profile.toml'}: ")


@pytest.mark.parametrize("last", [POLAR.address, POLAR.name.lower()])
async def test_the_strap_used_last_is_marked_and_highlighted(last: str) -> None:
    scan, start = FakeScan(STRAPS), Runner()
    app = connect_app(scan, start, last=last)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        listed = options(app)
        assert listed.highlighted == 1
        assert "used last" in str(listed.get_option_at_index(1).prompt)
        assert "used last" not in str(listed.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await pilot.pause()
        assert start.started == [POLAR]


@pytest.mark.parametrize("device", ["polar h10 8c4f1e2a", "d0:4e:21:00:11:22"])
async def test_device_given_is_chosen_by_itself(device: str) -> None:
    scan, start = FakeScan(STRAPS), Runner()
    app = connect_app(scan, start, device=device)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        wanted = POLAR if "polar" in device else TICKR
        assert start.started == [wanted]


async def test_device_not_found_says_so_over_the_list() -> None:
    scan, start = FakeScan(STRAPS), Runner()
    app = connect_app(scan, start, device="Wahoo TRACKR")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert start.started == []
        assert text(app, "#found-text").startswith("--device Wahoo TRACKR was not found.")
        assert options(app).option_count == 3


async def test_nothing_found_says_what_to_do_and_r_scans_again() -> None:
    scan, start = FakeScan([], STRAPS), Runner()
    app = connect_app(scan, start)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert shown(app) == "none-found"
        assert text(app, "#none-found-text") == "No heart-rate strap answered in 5 s. Try this:"
        tips = text(app, "#none-found-tips")
        for tip in ("Wear it", "wet the electrodes", "phone", "watch", "Move closer", "r to scan again"):
            assert tip in tips
        await pilot.press("r")
        await settle(pilot)
        assert len(scan.calls) == 2
        assert shown(app) == "found" and options(app).option_count == 3


async def test_bluetooth_unavailable_is_one_line_r_retries_and_q_quits() -> None:
    scan, start = FakeScan(OFF, OFF, []), Runner()
    app = connect_app(scan, start)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert shown(app) == "unavailable"
        assert text(app, "#unavailable-message") == str(OFF)
        await pilot.press("r")
        await settle(pilot)
        assert len(scan.calls) == 2 and shown(app) == "unavailable"
        await pilot.press("r")
        await settle(pilot)
        assert len(scan.calls) == 3 and shown(app) == "none-found"
        assert app.return_code is None
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0
    assert start.started == []


async def test_any_other_scan_failure_is_shown_without_a_traceback() -> None:
    scan, start = FakeScan(RuntimeError("adapter reset")), Runner()
    app = connect_app(scan, start)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert text(app, "#unavailable-message") == "Scan failed: adapter reset"
        assert app.is_running


async def test_a_message_with_brackets_is_shown_as_it_is() -> None:
    raw = BluetoothUnavailable("Bluetooth unavailable: [org.bluez.Error.NotReady] Resource Not Ready")
    app = connect_app(FakeScan(raw), Runner(), device="[b]strap")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert text(app, "#unavailable-message") == str(raw)


async def test_scanning_shows_what_it_is_doing_and_r_waits_for_it() -> None:
    gate = asyncio.Event()

    async def slow_scan(timeout: float) -> list[FoundStrap]:
        await gate.wait()
        return [POLAR]

    start = Runner()
    app = connect_app(slow_scan, start)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert shown(app) == "scanning"
        assert "Looking for heart-rate straps… (wear the strap: wet electrodes wake it)" in text(
            app, "#scanning-text"
        )
        assert not app.screen.check_action("rescan", ())
        gate.set()
        await settle(pilot)
        assert shown(app) == "found"


# Looks


async def run_scan(pilot: Pilot[None]) -> None:
    await settle(pilot)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_snapshot_first_run(snap_compare: object, size: tuple[int, int]) -> None:
    app = connect_app(FakeScan(STRAPS), Runner(), profile=Profile())
    assert snap_compare(app, terminal_size=size, run_before=run_scan)  # type: ignore[operator]


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_snapshot_found(snap_compare: object, size: tuple[int, int]) -> None:
    app = connect_app(FakeScan(STRAPS), Runner(), last=POLAR.address)
    assert snap_compare(app, terminal_size=size, run_before=run_scan)  # type: ignore[operator]


def test_snapshot_nothing_found(snap_compare: object) -> None:
    app = connect_app(FakeScan([]), Runner())
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_scan)  # type: ignore[operator]


def test_snapshot_bluetooth_unavailable(snap_compare: object) -> None:
    app = connect_app(FakeScan(OFF), Runner())
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_scan)  # type: ignore[operator]
