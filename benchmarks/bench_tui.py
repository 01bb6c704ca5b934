"""Live-screen cost: notification-to-screen latency and CPU use at 1 Hz, in a headless Textual app.

Run by hand: `uv run python benchmarks/bench_tui.py [SECONDS] [--size COLSxROWS] [--repeat N]
[--demo] [--rows]` (default 60 s at 120x40, once). A feed hands the session screen one
notification a second from the steady 35-minute fixture, as a strap would; latency runs from the
moment the feed yields a notification to the moment the screen has been refreshed with it
(`call_after_refresh` after the tick is shown): as an accepted beat, or as a provisional one (a
beat the spike filter still holds, shown at once while there is no current value: the first of a
session). CPU is the process's CPU time over wall time while the session runs; with `--repeat N`
each of N sessions runs in a fresh app and the lowest CPU is reported (latency over all of them).
Each tick is handled once: Textual calls a message handler of every class in the screen's MRO,
so the timing subclass stops the walk after calling its parent's handler.

`--demo` plays the bundled demo recording at 30x instead (as `hrcoach demo` does) and reports the
pace reached: recording seconds shown per wall second (30 when the screen keeps up).
`--rows` also prints the summary rows `run_all.py` collects.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from benchlib import STREAMS, Row, emit_rows

from hrcoach.cli.demo import DEMO_AGE, demo_path
from hrcoach.config import Profile
from hrcoach.formats.files import load_recording
from hrcoach.models import Event, HeartRateSample
from hrcoach.session import SessionSetup
from hrcoach.sources.feeds import ReplayFeed
from hrcoach.tui.app import HrcoachApp
from hrcoach.tui.session_screen import SessionScreen

DEMO_SPEED = 30.0


@dataclass
class Run:
    cpu: float = 0.0  # CPU seconds of the process while the session ran
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    shown: list[tuple[float, float]] = field(default_factory=list)  # (session t, wall) per tick
    yielded: dict[float, float] = field(default_factory=dict)


class TimedFeed(ReplayFeed):
    run: Run

    async def events(self) -> AsyncIterator[Event]:
        async for ev in super().events():
            if isinstance(ev, HeartRateSample):
                self.run.yielded[ev.t] = time.perf_counter()
            yield ev


class TimedScreen(SessionScreen):
    run: Run

    def on_session_screen_ticked(self, message: SessionScreen.Ticked) -> None:
        super().on_session_screen_ticked(message)
        message.prevent_default()  # else Textual calls SessionScreen's handler again (the MRO walk)
        tick, run = message.tick, self.run
        run.shown.append((tick.t, time.perf_counter()))
        stamps = [run.yielded.pop(r.t) for r in tick.readings if r.t in run.yielded]
        if tick.provisional_bpm is not None and tick.t in run.yielded:  # on screen at once, unconfirmed
            stamps.append(run.yielded.pop(tick.t))
        if stamps:
            self.call_after_refresh(lambda: run.latencies.extend(time.perf_counter() - s for s in stamps))


class Silent:
    def say(self, text: str, kind: str = "info") -> None:
        pass


async def session(seconds: float, size: tuple[int, int], demo: bool) -> Run:
    run = Run()
    rec = load_recording(demo_path() if demo else STREAMS / "steady_35min.hrcap.jsonl")
    speed = DEMO_SPEED if demo else 1.0
    rec.events = [e for e in rec.events if e.t < rec.events[0].t + (seconds + 1) * speed]
    profile = Profile(age=DEMO_AGE if demo else 33)
    setup = SessionSetup.from_profile(profile)
    feed = TimedFeed(rec, speed=speed)
    feed.run = run

    def first(app: HrcoachApp) -> SessionScreen:
        screen = app.start_session(feed, setup)
        timed = TimedScreen(feed, setup, screen.store_log, app.speaker)
        timed.run = run
        return timed

    app = HrcoachApp(first, profile=profile, speaker=Silent())
    async with app.run_test(size=size) as pilot:
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await pilot.pause(seconds)
        run.cpu, run.wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return run


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def pace(run: Run) -> float:
    """Recording seconds shown per wall second, from the first tick shown to the last."""
    (t0, w0), (t1, w1) = run.shown[0], run.shown[-1]
    return (t1 - t0) / max(w1 - w0, 1e-9)


def report(runs: list[Run], size: tuple[int, int], demo: bool) -> list[Row]:
    best = min(runs, key=lambda r: r.cpu / r.wall)
    cpus = ", ".join(f"{100 * r.cpu / r.wall:.2f}" for r in runs)
    where = f"{size[0]}x{size[1]}"
    print("| what | figure |\n|---|---|")
    print(
        f"| CPU during the session ({where}) | {100 * best.cpu / best.wall:.2f} % of one core "
        f"(best of {len(runs)}: {cpus}) |"
    )
    if demo:
        paces = ", ".join(f"{pace(r):.1f}" for r in runs)
        print(f"| demo pace at {DEMO_SPEED:g}x | {max(pace(r) for r in runs):.1f}x (each run: {paces}) |")
        return [
            (f"demo at {DEMO_SPEED:g}x ({where}): pace", f"{max(pace(r) for r in runs):.1f}x"),
            (f"demo at {DEMO_SPEED:g}x ({where}): CPU", f"{100 * best.cpu / best.wall:.1f} % of one core"),
        ]
    lat = sorted(x for r in runs for x in r.latencies)
    wall = sum(r.wall for r in runs)
    print(f"| notifications shown | {len(lat)} in {wall:.0f} s (1 Hz) |")
    print(
        f"| notification-to-screen latency | median {statistics.median(lat) * 1000:.1f} ms, "
        f"p99 {pct(lat, 0.99) * 1000:.1f} ms, max {lat[-1] * 1000:.1f} ms |"
    )
    late = sum(x > 0.1 for x in lat)
    print(f"| held back by the spike filter (shown with the next beat) | {late} of {len(lat)} |")
    prompt = [x for x in lat if x <= 0.1]
    others = (
        f"p99 {pct(prompt, 0.99) * 1e3:.1f} ms, max {(prompt[-1] if prompt else float('nan')) * 1e3:.1f} ms"
    )
    print(f"| latency of the beats not held back | {others} |")
    return [
        (
            f"live screen at 1 Hz ({len(lat)} notifications, {wall:.0f} s): notification-to-screen latency",
            f"median {statistics.median(lat) * 1000:.1f} ms, p99 {pct(lat, 0.99) * 1000:.0f} ms "
            f"({late} of {len(lat)} beats held back one beat by the spike filter; "
            f"p99 of the others {pct(prompt, 0.99) * 1000:.1f} ms)",
        ),
        (f"live screen at 1 Hz ({where}): CPU", f"{100 * best.cpu / best.wall:.1f} % of one core"),
    ]


async def main(seconds: float, size: tuple[int, int], repeat: int, demo: bool) -> list[Row]:
    runs = [await session(seconds, size, demo) for _ in range(repeat)]
    return report(runs, size, demo)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="live-screen latency and CPU at 1 Hz")
    parser.add_argument("seconds", nargs="?", type=float, default=60.0, help="how long (default 60)")
    parser.add_argument("--rows", action="store_true", help="also print run_all.py's rows as JSON")
    parser.add_argument("--size", default="120x40", help="terminal size, COLSxROWS (default 120x40)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="sessions to run, the best CPU kept (default 1)"
    )
    parser.add_argument("--demo", action="store_true", help=f"the demo at {DEMO_SPEED:g}x: its pace and CPU")
    args = parser.parse_args()
    cols, _, lines = args.size.partition("x")
    with tempfile.TemporaryDirectory() as home:
        os.environ["HRCOACH_HOME"] = home
        rows = asyncio.run(main(args.seconds, (int(cols), int(lines)), args.repeat, args.demo))
    if args.rows:
        emit_rows(rows)
