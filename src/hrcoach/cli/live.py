"""`hrcoach scan` and `hrcoach run`: a live strap (plain terminal read-out until the TUI lands)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hrcoach.cli import UsageError, common
from hrcoach.cli.readout import read_out
from hrcoach.drive import Driver
from hrcoach.session import Session
from hrcoach.sources.remembered import last_device, remember_device
from hrcoach.store.log import SessionLog

if TYPE_CHECKING:
    from hrcoach.config import Profile
    from hrcoach.formats.capture import CaptureWriter
    from hrcoach.logbook import Logbook
    from hrcoach.sources.ble import StrapSource
    from hrcoach.tui.app import HrcoachApp
    from hrcoach.tui.connect_screen import ConnectScreen
    from hrcoach.tui.session_screen import SessionScreen


def scan(args: argparse.Namespace) -> int:
    from hrcoach.sources.ble import BluetoothUnavailable
    from hrcoach.sources.ble import scan as ble_scan

    try:
        straps = asyncio.run(ble_scan(args.timeout))
    except BluetoothUnavailable as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps([{"name": s.name, "address": s.address, "rssi": s.rssi} for s in straps]))
        return 0
    if not straps:
        print(
            f"No heart-rate strap found in {args.timeout:g} s. Wear the strap (moist electrodes wake it), "
            "make sure no phone or watch holds it connected, then scan again."
        )
        return 0
    print(f"{'name':<28} {'address':<40} {'RSSI':>5}")
    for s in straps:
        print(f"{s.name:<28} {s.address:<40} {s.rssi:>5}")
    return 0


def make_source(args: argparse.Namespace, **hooks: Any) -> StrapSource:
    """The live source for `hrcoach run` (tests replace this to plug in a simulated adapter)."""
    from hrcoach.sources.ble import StrapSource

    return StrapSource(device=args.device, last_device=last_device(), **hooks)


def _open_recorder(path: str | None) -> CaptureWriter | None:
    from hrcoach.formats.capture import CaptureWriter

    if not path:
        return None
    try:
        return CaptureWriter(Path(path), started_at=datetime.now(UTC))
    except OSError as exc:
        if Path(path).is_symlink():  # O_EXCL says EEXIST for a link, O_NOFOLLOW ELOOP
            raise UsageError(f"{path}: is a symbolic link; hrcoach does not write through one") from None
        if isinstance(exc, FileExistsError):
            raise UsageError(f"{path}: already exists; a recording is never replaced: name another") from None
        raise UsageError(f"{path}: cannot write the recording ({exc.strerror or exc})") from None


def _strap_driver(
    args: argparse.Namespace, session: Session, writer: CaptureWriter | None, log: SessionLog
) -> Driver:
    from hrcoach.sources.feeds import StrapFeed

    feed = StrapFeed(
        lambda **hooks: make_source(args, **hooks), recorder=writer, on_connected=remember_device
    )
    return Driver(feed, session, log)


async def _run_live(driver: Driver) -> None:
    try:
        await read_out(driver)
    finally:
        await driver.close()


def runs_on(args: argparse.Namespace, prof: Profile) -> str:
    """Where this live run is, as FIT's sub_sport names it ("" for anywhere): `run --on`, else
    the profile's `runs_on`."""
    where = getattr(args, "on", None) or prof.runs_on
    return "" if where == "any" else where


def run_tui(args: argparse.Namespace) -> int:
    app = run_app(args)
    app.run()
    return app.return_code or 0


def run_app(args: argparse.Namespace, logbook: Logbook | None = None) -> HrcoachApp:
    """The Textual coach: the connect screen when there is no HRmax or no strap known yet, else
    straight to the session screen (which shows the search). The strap chosen there is
    remembered at once, before it connects."""
    from hrcoach.logbook import Logbook
    from hrcoach.sources import ble
    from hrcoach.sources.feeds import StrapFeed
    from hrcoach.tui.app import HrcoachApp
    from hrcoach.tui.connect_screen import ConnectScreen

    prof = common.profile()
    if args.age is not None:  # an HRmax for this run is not a first run
        prof = prof.model_copy(update={"age": args.age})
    writer = _open_recorder(args.record)

    def start_with(app: HrcoachApp, device: str | None) -> SessionScreen:
        setup, today = common.with_plan(common.setup_from_args(args, app.profile))
        feed = StrapFeed(
            lambda **hooks: make_source(argparse.Namespace(**{**vars(args), "device": device}), **hooks),
            recorder=writer,
            on_connected=remember_device,
        )
        plan = common.next_in_plan if today else None
        return app.start_session(feed, setup, sub_sport=runs_on(args, app.profile), plan=plan)

    def first(app: HrcoachApp) -> SessionScreen | ConnectScreen:
        last = last_device()
        known = args.device or last
        has_hrmax = args.hrmax is not None or prof.age is not None or prof.hrmax is not None
        if known and has_hrmax:
            return start_with(app, args.device)

        def chosen(strap: ble.FoundStrap) -> None:
            with contextlib.suppress(OSError):  # not remembering it is no reason not to run
                remember_device(strap.name, strap.address)
            app.switch_screen(start_with(app, strap.address))

        return ConnectScreen(
            ble.scan, chosen, profile=app.profile, save=app.save_profile, device=args.device, last=last
        )

    return HrcoachApp(first, profile=prof, logbook=logbook or Logbook())


def run(args: argparse.Namespace) -> int:
    from hrcoach.cli import render
    from hrcoach.engine.summary import clock
    from hrcoach.sources.feeds import FeedError

    if common.use_tui(args):
        return run_tui(args)
    setup, today = common.with_plan(common.setup_from_args(args, common.profile()))
    session = Session(setup)
    writer = _open_recorder(args.record)
    log = SessionLog.for_session(
        "live", setup, datetime.now(UTC), device={}, sub_sport=runs_on(args, common.profile())
    )
    print(f"hrcoach run: HRmax {setup.params.hrmax} bpm ({setup.hrmax_source}). Ctrl-C ends the session.")
    if today:
        print(today)
    status = 0
    driver = _strap_driver(args, session, writer, log)
    try:
        asyncio.run(_run_live(driver))
    except FeedError as exc:
        if not session.samples:  # nothing happened: no summary, no empty recording
            if writer:
                writer.path.unlink(missing_ok=True)
            log.close()
            raise UsageError(str(exc)) from None
        print(f"hrcoach: {exc}; the session ends here", file=sys.stderr)
        status = 2
    except KeyboardInterrupt:
        print()
    saved = driver.finish()
    print(render.summary_text(session.summary(), [], "Session summary"))
    print(saved)
    if today:
        target, got = setup.coach.goal_s, session.summary().bdnf_s
        verdict = "met" if got >= target else "not met this time"
        print(f"Plan        today's target {target / 60:.0f} min in the window: {verdict} ({clock(got)})")
        if after := common.next_in_plan():
            print(after)
    if writer:
        print(f"Recorded {writer.notifications} notifications to {args.record}")
    return status
