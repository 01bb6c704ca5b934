"""Live-screen cost: notification-to-screen latency and CPU use at 1 Hz, in a headless Textual app.

Run by hand: `uv run python benchmarks/bench_tui.py [SECONDS] [--rows]` (default 60). A feed hands the
session screen one notification a second from the steady 35-minute fixture, as a strap would;
latency runs from the moment the feed yields a notification to the moment the screen has been
refreshed with it (`call_after_refresh` after the tick is shown): as an accepted beat, or as a
provisional one (a beat the spike filter still holds, shown at once while there is no current
value: the first of a session). CPU is the process's CPU time
over wall time while the session runs. `--rows` also prints the summary rows `run_all.py` collects.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import AsyncIterator

from benchlib import STREAMS, Row, emit_rows

from hrcoach.config import Profile
from hrcoach.formats.files import load_recording
from hrcoach.models import Event, HeartRateSample
from hrcoach.session import SessionSetup
from hrcoach.sources.feeds import ReplayFeed
from hrcoach.tui.app import HrcoachApp
from hrcoach.tui.session_screen import SessionScreen

yielded: dict[float, float] = {}
latencies: list[float] = []


class TimedFeed(ReplayFeed):
    async def events(self) -> AsyncIterator[Event]:
        async for ev in super().events():
            if isinstance(ev, HeartRateSample):
                yielded[ev.t] = time.perf_counter()
            yield ev


class TimedScreen(SessionScreen):
    def on_session_screen_ticked(self, message: SessionScreen.Ticked) -> None:
        super().on_session_screen_ticked(message)
        tick = message.tick
        stamps = [yielded.pop(r.t) for r in tick.readings if r.t in yielded]
        if tick.provisional_bpm is not None and tick.t in yielded:  # on screen at once, unconfirmed
            stamps.append(yielded.pop(tick.t))
        if stamps:
            self.call_after_refresh(lambda: latencies.extend(time.perf_counter() - s for s in stamps))


class Silent:
    def say(self, text: str) -> None:
        pass


async def main(seconds: float, size: tuple[int, int] = (120, 40)) -> list[Row]:
    rec = load_recording(STREAMS / "steady_35min.hrcap.jsonl")
    rec.events = [e for e in rec.events if e.t < seconds + 1]
    profile = Profile(age=33)
    setup = SessionSetup.from_profile(profile)
    feed = TimedFeed(rec, speed=1.0)

    def first(app: HrcoachApp) -> SessionScreen:
        screen = app.start_session(feed, setup)
        return TimedScreen(feed, setup, screen.store_log, app.speaker)

    app = HrcoachApp(first, profile=profile, speaker=Silent())
    async with app.run_test(size=size) as pilot:
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await pilot.pause(seconds)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    lat = sorted(latencies)
    p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))]
    print("| what | figure |\n|---|---|")
    print(f"| notifications shown | {len(lat)} in {wall:.0f} s (1 Hz) |")
    print(
        f"| notification-to-screen latency | median {statistics.median(lat) * 1000:.1f} ms, "
        f"p99 {p99 * 1000:.1f} ms, max {lat[-1] * 1000:.1f} ms |"
    )
    print(f"| CPU during the session | {100 * cpu / wall:.1f} % of one core |")
    late = sum(x > 0.1 for x in lat)
    print(f"| held back by the spike filter (shown with the next beat) | {late} of {len(lat)} |")
    prompt = [x for x in lat if x <= 0.1]
    p99_prompt = prompt[min(len(prompt) - 1, int(0.99 * len(prompt)))] if prompt else float("nan")
    max_prompt = prompt[-1] if prompt else float("nan")
    others = f"p99 {p99_prompt * 1e3:.1f} ms, max {max_prompt * 1e3:.1f} ms"
    print(f"| latency of the beats not held back | {others} |")
    return [
        (
            f"live screen at 1 Hz ({len(lat)} notifications, {wall:.0f} s): notification-to-screen latency",
            f"median {statistics.median(lat) * 1000:.1f} ms, p99 {p99 * 1000:.0f} ms "
            f"({late} of {len(lat)} beats held back one beat by the spike filter; "
            f"p99 of the others {p99_prompt * 1000:.1f} ms)",
        ),
        ("live screen at 1 Hz: CPU", f"{100 * cpu / wall:.1f} % of one core"),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="live-screen latency and CPU at 1 Hz")
    parser.add_argument("seconds", nargs="?", type=float, default=60.0, help="how long (default 60)")
    parser.add_argument("--rows", action="store_true", help="also print run_all.py's rows as JSON")
    parser.add_argument("--size", default="120x40", help="terminal size, COLSxROWS (default 120x40)")
    args = parser.parse_args()
    cols, _, lines = args.size.partition("x")
    with tempfile.TemporaryDirectory() as home:
        os.environ["HRCOACH_HOME"] = home
        rows = asyncio.run(main(args.seconds, (int(cols), int(lines))))
    if args.rows:
        emit_rows(rows)
