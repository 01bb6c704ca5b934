"""`hrcoach demo`: the bundled 35-minute run coached as if live (plain terminal read-out)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from hrcoach.cli import common, logstore, render
from hrcoach.drive import Driver
from hrcoach.formats.files import load_recording
from hrcoach.session import Session, SessionSetup, Tick
from hrcoach.sources.feeds import ReplayFeed
from hrcoach.store.log import SessionLog

DEMO_AGE = 33  # the bundled run was recorded against HRmax 185 (Tanaka, age 33)


def demo_path() -> Path:
    return Path(str(resources.files("hrcoach") / "data" / "demo_run.hrcap.jsonl"))


def status_line(tick: Tick) -> str:
    bpm = f"{tick.bpm:3d}" if tick.bpm is not None else "  -"
    pct = f"{tick.pct:3.0f}%" if tick.pct is not None else "  - "
    band = tick.band.value if tick.band else "-"
    return (
        f"{render.clock(tick.elapsed_s):>7}  {bpm} bpm {pct} HRmax  {band:<5}  "
        f"BDNF {render.clock(tick.bdnf_s)}  anandamide {render.clock(tick.anandamide_s)}  "
        f"hold {render.clock(tick.hold_s)}  [{tick.no_signal or tick.link.value}]"
    )


async def read_out(driver: Driver) -> None:
    """Run the session, printing cues and a status line (rewritten in place on a TTY)."""
    tty = sys.stdout.isatty()
    next_plain = 0.0
    reporter = logstore.LogReporter(driver.log) if driver.log else None
    async for tick in driver.ticks():
        if reporter:
            reporter.check()
        for cue in tick.cues:
            if tty:
                sys.stdout.write("\r\x1b[K")
            print(f"{render.clock(tick.elapsed_s):>7}  >> {cue.message}")
        if tty:
            sys.stdout.write("\r\x1b[K" + status_line(tick))
            sys.stdout.flush()
        elif tick.elapsed_s >= next_plain and tick.bpm is not None:
            print(status_line(tick))
            next_plain += 60.0
    if tty:
        sys.stdout.write("\n")


def play_logged(feed: ReplayFeed, setup: SessionSetup, log: SessionLog) -> None:
    """A recording coached as if live, logged, then the summary and where it went."""
    driver = Driver(feed, Session(setup), log)
    try:
        asyncio.run(read_out(driver))
    except KeyboardInterrupt:
        print("\nstopped")
    saved = driver.finish()
    print(render.summary_text(driver.session.summary(), [], "Session summary"))
    print(saved)


def run(args: argparse.Namespace) -> int:
    rec = load_recording(demo_path())
    prof = common.profile()
    setup = common.setup_from_args(args, prof, fallback_age=DEMO_AGE)
    feed = ReplayFeed(rec, speed=args.speed, origin="demo", started_at=datetime.now(UTC))
    if common.use_tui(args):
        from hrcoach.tui.app import session_app

        session_app(feed, setup, prof).run()
        return 0
    print(
        f"hrcoach demo: {rec.device.get('name', 'strap')} recording at {args.speed:g}x, "
        f"HRmax {setup.params.hrmax} bpm ({setup.hrmax_source}). Ctrl-C stops."
    )
    log = SessionLog.for_session("demo", setup, feed.started_at, device=rec.device, source_path="demo")
    play_logged(feed, setup, log)
    return 0


def home(args: argparse.Namespace) -> int:
    """`hrcoach app`: the Textual home (history; settings and the rest from the palette)."""
    from hrcoach.tui.app import HrcoachApp
    from hrcoach.tui.history_screen import HistoryScreen

    HrcoachApp(lambda app: HistoryScreen(), profile=common.profile()).run()
    return 0
