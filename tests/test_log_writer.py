"""Issue #12: the live path never waits on the disk. The session log commits on a writer thread
with a short busy timeout; when another process holds the write lock, or the disk refuses, the
rows wait in memory (nothing lost, nothing duplicated), the screen says so, and everything is
written once the disk can be written again.

The lock is real: another process opens the log and holds `BEGIN IMMEDIATE` (SQLite's write
lock) for as long as the test says.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hrcoach.config import Profile
from hrcoach.formats.files import load_recording
from hrcoach.models import Event
from hrcoach.session import Session, SessionSetup
from hrcoach.sources.feeds import ReplayFeed
from hrcoach.store import db
from hrcoach.store.log import LIVE_BUSY_MS, SessionLog
from hrcoach.store.records import StoredSetup, load_samples
from hrcoach.store.sessions import get_session
from hrcoach.tui.app import HrcoachApp
from hrcoach.tui.panels import LinkStatus
from hrcoach.tui.session_screen import SessionScreen
from hrcoach.tui.summary_screen import SummaryScreen
from tests.conftest import stream
from tests.tuifakes import Ears, HeldFeed

PROFILE = Profile(age=33)
SETUP = SessionSetup.from_profile(PROFILE)
START = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)

HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()  # held until told (or until the test's end closes the pipe)
conn.execute("COMMIT")
print("released", flush=True)
"""


class LockHolder:
    """Another process holding the session log's write lock until `release()`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.proc: asyncio.subprocess.Process | None = None

    async def take(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            HOLDER,
            str(self.path),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self.proc.stdout is not None
        assert (await self.proc.stdout.readline()).strip() == b"locked"

    async def release(self) -> None:
        assert self.proc is not None and self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(b"go\n")
        await self.proc.stdin.drain()
        assert (await self.proc.stdout.readline()).strip() == b"released"
        assert await self.proc.wait() == 0


def holding(path: Path) -> Any:
    """A thread-side lock holder for the library tests (same SQL, this process)."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def stored_samples(path: Path, sid: int) -> int:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT count(*) FROM samples WHERE session_id = ?", (sid,)).fetchone()[0]
        block = conn.execute("SELECT coalesce(sum(n), 0) FROM sample_blocks WHERE session_id = ?", (sid,))
        return int(rows) + int(block.fetchone()[0])
    finally:
        conn.close()


def wait_for(condition: Any, what: str, timeout: float = 30.0) -> None:
    """Until `condition()` holds (a thread is doing the work): fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


# ------------------------------------------------------------------ the log, library level


def test_record_never_commits_in_the_callers_thread(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    callers: set[str] = set()
    real = db.connect

    def connect() -> sqlite3.Connection:
        callers.add(threading.current_thread().name)
        return real(path)

    log = SessionLog(
        origin="live", started_at=START, setup=StoredSetup.of_session(SETUP), connect=connect, background=True
    )
    session = Session(SETUP)
    events = load_recording(stream("walk_5min")).events
    for ev in events:
        log.record(ev, session.ingest(ev))
    assert log.save(session.finish(), session.summary()).startswith("Saved as session 1")
    assert callers == {"hrcoach-log-writer"}
    conn = db.connect(path)
    try:
        assert load_samples(conn, 1) == load_recording(stream("walk_5min")).samples
    finally:
        conn.close()


def test_a_held_write_lock_keeps_rows_in_memory_and_they_are_written_after(tmp_path: Path) -> None:
    """While another writer holds the lock, each commit gives up after the short busy timeout
    (the caller never waits), says why, and keeps every row; after it lets go, the next try
    writes them all, once and in order."""
    path = tmp_path / "log.sqlite3"
    log = SessionLog(
        origin="live", started_at=START, setup=StoredSetup.of_session(SETUP), path=path, background=True
    )
    session = Session(SETUP)
    events = load_recording(stream("steady_35min")).events
    it = iter(events)

    def until(t: float) -> None:
        for ev in it:
            started = time.perf_counter()
            log.record(ev, session.ingest(ev))
            assert time.perf_counter() - started < LIVE_BUSY_MS / 1000  # never waits on the disk
            if ev.t >= t:
                return

    until(60)
    wait_for(lambda: log.behind_s(60) < 1.5 and log.session_id is not None, "the first commits")
    other = holding(path)
    until(300)
    wait_for(lambda: log.error is not None, "the log to say it is busy")
    assert log.error is not None and "busy" in log.error and "\n" not in log.error
    until(600)
    sid = log.session_id
    assert sid is not None
    held = stored_samples(path, sid)
    assert log.pending > 200 and log.behind_s(600) > 200  # minutes of rows, in memory
    other.execute("COMMIT")
    other.close()
    until(600 + 6)  # the next try, RETRY_EVERY_S of session time later
    wait_for(lambda: log.error is None and log.behind_s(606) < 1.5, "the rows to be written")
    assert stored_samples(path, sid) > held + 200
    until(float("inf"))
    assert log.save(session.finish(), session.summary()).startswith(f"Saved as session {sid}")
    conn = db.connect(path)
    try:
        assert load_samples(conn, sid) == load_recording(stream("steady_35min")).samples
        info = get_session(conn, sid)
        assert info is not None and info.status == "complete" and info.summary == session.summary()
    finally:
        conn.close()


def test_the_last_commit_waits_for_another_writer_to_finish(tmp_path: Path) -> None:
    """At the end the log waits longer (FINAL_BUSY_MS) rather than leave the session unsaved."""
    path = tmp_path / "log.sqlite3"
    log = SessionLog(
        origin="live", started_at=START, setup=StoredSetup.of_session(SETUP), path=path, background=True
    )
    session = Session(SETUP)
    for ev in load_recording(stream("walk_5min")).events:
        log.record(ev, session.ingest(ev))
    wait_for(lambda: log.session_id is not None, "the first commit")
    other = holding(path)
    timer = threading.Timer(1.0, lambda: (other.execute("COMMIT"), other.close()))
    timer.start()
    try:
        where = log.save(session.finish(), session.summary())
    finally:
        timer.join()
    assert where.startswith("Saved as session"), where
    assert stored_samples(path, 1) == len(load_recording(stream("walk_5min")).samples)


# ------------------------------------------------------------------ the live screen


class Stamped:
    """A paced replay that notes the wall-clock time each event left it."""

    def __init__(self, feed: ReplayFeed) -> None:
        self.feed = feed
        self.origin, self.live, self.source_path = feed.origin, feed.live, feed.source_path
        self.started_at = feed.started_at
        self.sent: dict[float, float] = {}

    @property
    def device(self) -> dict[str, Any]:
        return self.feed.device

    async def events(self) -> AsyncIterator[Event]:
        async for ev in self.feed.events():
            self.sent[ev.t] = time.perf_counter()
            yield ev

    def pause(self) -> None:
        self.feed.pause()

    def resume(self) -> None:
        self.feed.resume()

    async def close(self) -> None:
        await self.feed.close()


async def test_another_process_holding_the_write_lock_for_10_s_never_freezes_the_screen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A live replay (25x) while another hrcoach holds the log's write lock for 10 s: ticks
    reach the screen within 100 ms (the slowest 36 ms on an idle machine; 95 % of them when both
    cores are kept busy by other work, where the scheduler alone can hold one back longer), no
    tick and no turn of the event loop waits a quarter of a second (a commit on the loop under
    the lock would; it stalled 10 s before the writer thread), the screen says the samples are
    waiting in memory, and once the lock is released every sample is written."""
    rec = load_recording(stream("walk_5min"))
    feed = Stamped(ReplayFeed(rec, speed=25))
    shown: list[tuple[float, float]] = []  # (tick t, wall time the screen took it)
    statuses: list[str] = []
    handler = SessionScreen.on_session_screen_ticked

    def watched(self: SessionScreen, message: SessionScreen.Ticked) -> None:
        shown.append((message.tick.t, time.perf_counter()))
        handler(self, message)
        statuses.append(str(self.query_one(LinkStatus).render()))

    monkeypatch.setattr(SessionScreen, "on_session_screen_ticked", watched)
    app = HrcoachApp(lambda app: app.start_session(feed, SETUP), profile=PROFILE, speaker=Ears())
    stalls: list[float] = []

    async def watch_the_loop() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            stalls.append(now - last - 0.01)
            last = now

    async with app.run_test(size=(80, 24)) as pilot:
        watcher = asyncio.create_task(watch_the_loop())
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        log = screen.store_log
        while log.session_id is None:
            await pilot.pause(0.01)
        holder = LockHolder(log.path)
        await holder.take()
        locked_at = time.perf_counter()
        while time.perf_counter() - locked_at < 10.0:
            await pilot.pause(0.05)
        assert log.error is not None and "busy" in log.error
        waiting = log.pending
        await holder.release()
        while log.error is not None or log.behind_s(screen.driver.t) > 1.5:
            await pilot.pause(0.05)
        watcher.cancel()  # the live part is over: what follows (the summary) is not a tick
        while not isinstance(app.screen, SummaryScreen):
            await pilot.pause(0.05)
        assert app.screen.result.where.startswith("Saved as session 1"), app.screen.result.where

    late = [at - feed.sent[t] for t, at in shown]
    print(
        f"ticks shown {len(shown)}, slowest {max(late) * 1000:.1f} ms, loop stall {max(stalls) * 1000:.1f} ms"
    )
    late.sort()
    p95 = late[int(len(late) * 0.95)]
    assert len(shown) > 100 and p95 < 0.1, f"95 % of ticks reached the screen within {p95 * 1000:.0f} ms"
    # one commit on the event loop would cost at least LIVE_BUSY_MS under the lock (10 s before)
    assert max(late) < LIVE_BUSY_MS / 1000, f"slowest tick to screen {max(late) * 1000:.0f} ms"
    assert max(stalls) < 0.25, f"the event loop stalled {max(stalls) * 1000:.0f} ms"
    assert any("NOT SAVING" in s for s in statuses)  # the screen said so
    assert not any("NOT SAVING" in s for s in statuses[-20:])  # and stopped saying it
    assert waiting > 100  # rows were held in memory while the lock was held
    conn = db.connect()
    try:
        assert load_samples(conn, 1) == rec.samples  # every sample, once, in order
        info = get_session(conn, 1)
        assert info is not None and info.status == "complete"
    finally:
        conn.close()


async def test_a_writer_that_lags_is_said_on_the_status_line_and_catches_up(tmp_path: Path) -> None:
    """The writer cannot get to the disk for a while (no error yet, just slow): the status line
    says how far behind the log is, then stops saying it once everything is written."""
    path = tmp_path / "log.sqlite3"
    gate = threading.Event()

    def slow_connect() -> sqlite3.Connection:
        gate.wait(timeout=60)
        return db.connect(path)

    log = SessionLog(
        origin="replay",
        started_at=START,
        setup=StoredSetup.of_session(SETUP),
        path=path,
        connect=slow_connect,
        background=True,
    )
    rec = load_recording(stream("walk_5min"))
    feed = HeldFeed(rec.events, hold_at=120)
    app = HrcoachApp(lambda app: SessionScreen(feed, SETUP, log, Ears()), profile=PROFILE, speaker=Ears())
    async with app.run_test(size=(80, 24)) as pilot:
        while "saving" not in (line := str(app.screen.query_one(LinkStatus).render())):
            await pilot.pause(0.02)
        assert "s behind" in line and log.error is None, line
        gate.set()
        while "behind" in str(app.screen.query_one(LinkStatus).render()):
            await pilot.pause(0.02)
        feed.release()
        while not isinstance(app.screen, SummaryScreen):
            await pilot.pause(0.02)
        assert app.screen.result.where.startswith("Saved as session 1")
    conn = db.connect(path)
    try:
        assert load_samples(conn, 1) == rec.samples
    finally:
        conn.close()


def test_an_unexpected_error_in_the_writer_keeps_every_row_and_the_writer_alive(tmp_path: Path) -> None:
    """Not the disk but a bug (here: a connect that raises something unforeseen): the rows go
    back in the queue, the log says why in one line, and the next try writes them all."""
    path = tmp_path / "log.sqlite3"
    calls = {"n": 0}

    def connect() -> sqlite3.Connection:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("surprise")
        return db.connect(path)

    log = SessionLog(
        origin="live", started_at=START, setup=StoredSetup.of_session(SETUP), connect=connect, background=True
    )
    session = Session(SETUP)
    rec = load_recording(stream("walk_5min"))
    events = iter(rec.events)
    for ev in events:
        log.record(ev, session.ingest(ev))
        if ev.t > 2:
            break
    wait_for(lambda: log.error is not None, "the first commit to fail")
    assert log.error is not None and "RuntimeError: surprise" in log.error and "\n" not in log.error
    for ev in events:
        log.record(ev, session.ingest(ev))
    assert log.save(session.finish(), session.summary()).startswith("Saved as session 1")
    conn = db.connect(path)
    try:
        assert load_samples(conn, 1) == rec.samples
    finally:
        conn.close()
