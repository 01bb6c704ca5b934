"""`hrcoach app` opening its history on a ten-year log. Run: `uv run python benchmarks/bench_history.py
[--sessions N] [--rows]` (default 3,650: one session a day for ten years).

Builds a log of N short sessions (60 samples each: the history reads session rows, not samples)
in a temporary folder, then times, best of 3, in the same run:

  query    the raw read of the peer: `SELECT ... FROM sessions` with every row fetched
  logbook  `Logbook.read_history`: the log checked against the profile, listed, and the weeks
  screen   the app from launch (`App.run_test`) until the history screen shows the sessions
           table filled, what a user waits for
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchlib import Row, emit_rows

from hrcoach import paths
from hrcoach.config import Profile, profile_toml
from hrcoach.logbook import Logbook
from hrcoach.models import HeartRateSample
from hrcoach.store import db
from hrcoach.store.records import StoredSetup
from hrcoach.store.sessions import save_session


def build(n: int) -> Path:
    path = db.db_path()
    conn = db.connect(path)
    profile = Profile(age=33)
    paths.profile_path().parent.mkdir(parents=True, exist_ok=True)
    paths.profile_path().write_bytes(profile_toml(profile))
    setup = StoredSetup.in_force(profile)
    assert setup is not None
    samples = [HeartRateSample(float(i), 120 + i % 20) for i in range(60)]
    start = datetime.now(UTC) - timedelta(days=n)
    for k in range(n):
        when = start + timedelta(days=k)
        save_session(conn, origin="import", started_at=when, samples=samples, setup=setup)
    conn.close()
    return path


async def open_history() -> float:
    from hrcoach.tui.app import HrcoachApp
    from hrcoach.tui.history_screen import HistoryScreen

    t0 = time.perf_counter()
    app = HrcoachApp(lambda app: HistoryScreen(), profile=Profile(age=33))
    async with app.run_test(size=(120, 40)) as pilot:
        while not (isinstance(app.screen, HistoryScreen) and app.screen.shown):
            await pilot.pause(0.005)
        await pilot.pause()  # the frame with them
        return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description="history on a ten-year log")
    parser.add_argument("--sessions", type=int, default=3650)
    parser.add_argument("--rows", action="store_true", help="also print run_all.py's rows as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["HRCOACH_HOME"] = home
        path = build(args.sessions)

        def query() -> None:
            conn = sqlite3.connect(path)
            sql = "SELECT id, started_at, origin, status, duration_s, summary FROM sessions"
            conn.execute(sql).fetchall()
            conn.close()

        def best(fn: object) -> float:
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                out = fn()  # type: ignore[operator]
                times.append(out if isinstance(out, float) else time.perf_counter() - t0)
            return min(times)

        q = best(query)
        lb = best(lambda: Logbook(db_path=path).read_history())
        screen = best(lambda: asyncio.run(open_history()))
    print("| what | figure |\n|---|---|")
    print(f"| raw query of {args.sessions:,} sessions (peer) | {q * 1000:.1f} ms |")
    print(f"| Logbook.read_history | {lb * 1000:.0f} ms ({lb / q:.0f}x the query) |")
    print(f"| app launch to history shown | {screen * 1000:.0f} ms ({screen / q:.0f}x the query) |")
    rows: list[Row] = [
        (
            f"`hrcoach app` history on a {args.sessions:,}-session log",
            f"{screen:.2f} s to the filled table"
            f" (read_history {lb * 1000:.0f} ms; raw query {q * 1000:.1f} ms)",
        )
    ]
    if args.rows:
        emit_rows(rows)


if __name__ == "__main__":
    main()
