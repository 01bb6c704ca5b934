"""The terminal read-out of `demo`, `replay` and `run --headless`: cues and a status line as a
session runs (rewritten in place on a TTY), then the summary and where the log went."""

from __future__ import annotations

import asyncio
import sys

from hrcoach.cli import logstore, render
from hrcoach.drive import Driver
from hrcoach.session import Session, SessionSetup, Tick
from hrcoach.sources.feeds import ReplayFeed
from hrcoach.store.log import SessionLog


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
