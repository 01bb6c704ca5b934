"""Memory over a 3-hour session through the real live path, and through the plain headless path.

Run by hand: `uv run --group bench python benchmarks/bench_memory.py [--speed X] [--every N] [--rows]`.

TUI: the 3-hour fixture `soak_3h` is played by `ReplayFeed` into `SessionScreen` in a headless
Textual app (`HrcoachApp`, 120x40, as bench_tui.py builds it), the session log writing to a
temporary HRCOACH_HOME, until the summary screen shows. The process RSS (psutil) is sampled every
N events (default 60, a session minute): peak, RSS at session minute 10 and at minute 180, and the
growth between them (a leak would show there). Peak is the kernel's high-water mark (ru_maxrss),
or a sampled RSS when that is higher (the kernel updates the mark lazily).

The default speed is 1000x (3 h in about 11 s), not 0: at speed 0 the replay never waits, so the
session worker never gives the event loop a turn and the screen handles no tick until the
recording is over (10,800 Ticked messages queue up instead); at 1000x every event still goes
feed -> session -> log -> Ticked -> widgets -> repaint, the screen coalescing ticks it cannot keep
up with as it would on a slow terminal.

Headless: `hrcoach replay soak_3h --speed 0 --headless` in a subprocess (python -m hrcoach), its
peak RSS from ru_maxrss of the waited child (spawned from a lean launcher, see LAUNCHER), and psutil
polling every 2 ms as a check.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import psutil
from benchlib import STREAMS, Row, emit_rows

from hrcoach.config import Profile
from hrcoach.formats.files import load_recording
from hrcoach.models import Event
from hrcoach.session import SessionSetup
from hrcoach.sources.feeds import ReplayFeed
from hrcoach.tui.app import HrcoachApp
from hrcoach.tui.session_screen import SessionScreen
from hrcoach.tui.summary_screen import SummaryScreen

SOAK = STREAMS / "soak_3h.hrcap.jsonl"
MB = 1024 * 1024
PROC = psutil.Process()


def rss() -> int:
    return int(PROC.memory_info().rss)


def peak_rss() -> int:
    """This process's RSS high-water mark (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


class SampledFeed(ReplayFeed):
    """A ReplayFeed that notes (session seconds, RSS, ticks shown) every `every` events."""

    def __init__(self, *args: Any, every: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.every = every
        self.samples: list[tuple[float, int, int]] = []
        self.shown = 0

    async def events(self) -> AsyncIterator[Event]:
        n, t0 = 0, None
        async for ev in super().events():
            t0 = ev.t if t0 is None else t0
            n += 1
            if n % self.every == 0:
                self.samples.append((ev.t - t0, rss(), self.shown))
            yield ev


class CountingScreen(SessionScreen):
    def on_session_screen_ticked(self, message: SessionScreen.Ticked) -> None:
        super().on_session_screen_ticked(message)
        message.prevent_default()  # else Textual calls SessionScreen's handler again (the MRO walk)
        feed = self.feed
        if isinstance(feed, SampledFeed):
            feed.shown += 1


class Silent:
    def say(self, text: str, kind: str = "info") -> None:
        pass


def at(samples: list[tuple[float, int, int]], t: float) -> tuple[float, int, int]:
    """The sample nearest session second `t`."""
    return min(samples, key=lambda s: abs(s[0] - t))


async def tui_session(speed: float, every: int) -> dict[str, Any]:
    rec = load_recording(SOAK)
    profile = Profile(age=33)
    setup = SessionSetup.from_profile(profile)
    feed = SampledFeed(rec, speed=speed, every=every)

    def first(app: HrcoachApp) -> SessionScreen:
        screen = app.start_session(feed, setup)
        return CountingScreen(feed, setup, screen.store_log, app.speaker)

    app = HrcoachApp(first, profile=profile, speaker=Silent())
    before = rss()
    t0 = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        while not isinstance(app.screen, SummaryScreen):
            await pilot.pause(0.05)
        wall = time.perf_counter() - t0
        await pilot.pause(0.2)
        after = rss()
    return {
        "events": len(rec.events),
        "speed": speed,
        "wall": wall,
        "before": before,
        "samples": feed.samples,
        "shown": feed.shown,
        "summary": after,
        "peak": max([peak_rss(), after, *(r for _, r, _ in feed.samples)]),
    }


# A lean parent for the measured command: Linux's ru_maxrss of a child counts the RSS its parent
# had when it forked, so the command is spawned from this small process, not from the benchmark.
LAUNCHER = """
import os, sys
out = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)]
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ, file_actions=out)
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def headless_replay(home: str) -> dict[str, Any]:
    cmd = [
        sys.executable,
        "-m",
        "hrcoach",
        "replay",
        str(SOAK),
        "--speed",
        "0",
        "--headless",
        "--hrmax",
        "185",
    ]
    env = dict(os.environ, HRCOACH_HOME=home)
    t0 = time.perf_counter()
    launcher = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, *cmd], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    polled = 0
    while launcher.poll() is None:
        try:
            for child in psutil.Process(launcher.pid).children():
                polled = max(polled, child.memory_info().rss)
        except psutil.Error:
            pass
        time.sleep(0.002)
    out, err = launcher.communicate()
    wall = time.perf_counter() - t0
    try:
        maxrss, code = (int(x) for x in out.split())
    except ValueError:
        raise SystemExit(f"hrcoach replay failed: {err.decode()[-500:]}") from None
    if code != 0:
        raise SystemExit(f"hrcoach replay failed ({code}): {err.decode()[-500:]}")
    peak = maxrss if sys.platform == "darwin" else maxrss * 1024
    return {"peak": max(peak, polled), "polled": polled, "wall": wall}


def report(tui: dict[str, Any], headless: dict[str, Any]) -> list[Row]:
    samples = tui["samples"]
    m10, m180 = at(samples, 600.0), at(samples, 10800.0)
    growth = m180[1] - m10[1]
    per_hour = growth / ((m180[0] - m10[0]) / 3600)
    print(
        f"TUI: soak_3h ({tui['events']:,} events) at {tui['speed']:g}x in {tui['wall']:.1f} s, "
        f"{tui['shown']:,} ticks shown on the screen, RSS sampled {len(samples)} times"
    )
    print("| what | figure |\n|---|---|")
    print(f"| TUI: RSS before the session (imports, fixture) | {tui['before'] / MB:.1f} MB |")
    print(f"| TUI: RSS at session minute {m10[0] / 60:.0f} | {m10[1] / MB:.1f} MB |")
    print(f"| TUI: RSS at session minute {m180[0] / 60:.0f} | {m180[1] / MB:.1f} MB |")
    print(f"| TUI: growth minute 10 → 180 | {growth / MB:+.2f} MB ({per_hour / MB:+.2f} MB/h) |")
    print(f"| TUI: RSS with the summary shown | {tui['summary'] / MB:.1f} MB |")
    print(f"| TUI: peak RSS | {tui['peak'] / MB:.1f} MB |")
    peak, polled = headless["peak"] / MB, headless["polled"] / MB
    print(
        f"| headless `hrcoach replay soak_3h --speed 0 --headless`: peak RSS | "
        f"{peak:.1f} MB (polled {polled:.1f} MB), {headless['wall']:.1f} s |"
    )
    return [
        (
            f"memory, 3-h session in the TUI (soak_3h at {tui['speed']:g}x)",
            f"peak RSS {tui['peak'] / MB:.0f} MB; minute 10 {m10[1] / MB:.1f} MB → minute 180 "
            f"{m180[1] / MB:.1f} MB ({growth / MB:+.1f} MB over 170 min)",
        ),
        (
            "memory, same session headless (`hrcoach replay --speed 0 --headless`)",
            f"peak RSS {headless['peak'] / MB:.0f} MB",
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description="memory over a 3-hour session")
    parser.add_argument(
        "--speed", type=float, default=1000.0, help="replay speed of the TUI run (default 1000)"
    )
    parser.add_argument("--every", type=int, default=60, help="sample RSS every N events (default 60)")
    parser.add_argument("--rows", action="store_true", help="also print run_all.py's rows as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["HRCOACH_HOME"] = str(Path(home) / "tui")
        tui = asyncio.run(tui_session(args.speed, args.every))
        headless = headless_replay(str(Path(home) / "headless"))
    rows = report(tui, headless)
    if args.rows:
        emit_rows(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
