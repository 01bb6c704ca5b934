"""Issue #7: the session log meets a full disk, a read-only database and failing opens in the
middle of a session. Coaching goes on, rows stay queued, the user is told once in one line,
and when the store works again the next commit writes every buffered row: in the end the stored
session is complete, nothing lost or duplicated.

A full disk is real here: `PRAGMA max_page_count` on the log's own connection makes SQLite fail
with SQLITE_FULL ("database or disk is full"); `PRAGMA query_only` makes it read-only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hrcoach.cli import main
from hrcoach.config import Profile
from hrcoach.engine.batch import SampleArrays, summarize
from hrcoach.formats.files import load_recording
from hrcoach.models import BatteryRead, Event, HeartRateSample
from hrcoach.session import Session, SessionSetup, Tick
from hrcoach.sources import feeds
from hrcoach.sources.replay import replay as real_replay
from hrcoach.store import db
from hrcoach.store.log import RETRY_EVERY_S, SessionLog
from hrcoach.store.records import StoredSetup, load_samples
from hrcoach.store.sessions import get_session, session_cues
from tests.conftest import stream

START = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
UNLIMITED = 1_073_741_823  # SQLite's default max_page_count
REAL_CONNECT = db.connect


def setup_for() -> tuple[SessionSetup, StoredSetup]:
    s = SessionSetup.from_profile(Profile(age=33))
    return s, StoredSetup.of(s.params, s.hrmax_source)


class Disk:
    """A `connect=` for SessionLog: real connections, kept to hand so that a test can fill the
    disk or make the file read-only under the log; the first `failures` opens raise instead."""

    def __init__(self, path: Path, failures: Iterable[BaseException] = ()) -> None:
        self.path = path
        self.failures = list(failures)
        self.calls = 0
        self.conn: sqlite3.Connection | None = None

    def __call__(self, *_args: object) -> sqlite3.Connection:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        self.conn = REAL_CONNECT(self.path)
        return self.conn

    def fill(self) -> None:
        """The disk is full: the file may grow by one page more."""
        assert self.conn is not None
        pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
        assert self.conn.execute(f"PRAGMA max_page_count = {pages + 1}").fetchone()[0] == pages + 1

    def free(self) -> None:
        assert self.conn is not None
        self.conn.execute(f"PRAGMA max_page_count = {UNLIMITED}")

    def read_only(self) -> None:
        assert self.conn is not None
        self.conn.execute("PRAGMA query_only = ON")

    def writable(self) -> None:
        assert self.conn is not None
        self.conn.execute("PRAGMA query_only = OFF")


STORED = "SELECT (SELECT count(*) FROM samples) + (SELECT coalesce(sum(n), 0) FROM sample_blocks)"


def saved_samples(path: Path) -> int:
    """What another process sees: committed samples (rows, and blocks of finished sessions)."""
    other = sqlite3.connect(path)
    try:
        return int(other.execute(STORED).fetchone()[0])
    finally:
        other.close()


class Live:
    """A fixture fed through Session + SessionLog as the live worker does, step by step."""

    def __init__(self, path: Path, connect: Disk, name: str = "steady_35min") -> None:
        self.path = path
        self.setup, stored = setup_for()
        self.session = Session(self.setup)
        self.log = SessionLog(origin="live", started_at=START, setup=stored, path=path, connect=connect)
        self.recording = load_recording(stream(name))
        self.events = self.recording.events
        self.i = 0
        self.ticks: list[Tick] = []

    @property
    def t(self) -> float:
        return self.events[self.i - 1].t if self.i else 0.0

    def step(self) -> Tick:
        ev = self.events[self.i]
        tick = self.session.ingest(ev)
        self.log.record(ev, tick)
        self.ticks.append(tick)
        self.i += 1
        assert tick.t == ev.t  # a tick for every event, on time
        return tick

    def until(self, t: float, stop: Callable[[], bool] = lambda: False) -> None:
        while self.i < len(self.events) and self.events[self.i].t < t and not stop():
            self.step()

    def finish(self) -> bool:
        self.log.record(None, self.session.finish())
        return self.log.finish(self.session.summary())

    def check_saved_complete(self) -> None:
        """Every sample, event and cue on disk exactly once, in order; the summary with them."""
        conn = REAL_CONNECT(self.path)
        try:
            sid = self.log.session_id
            assert sid is not None
            info = get_session(conn, sid)
            assert info is not None and info.status == "complete"
            assert info.summary == self.session.summary()
            assert load_samples(conn, sid) == self.recording.samples  # none lost, none duplicated
            # finished: its rows became one block (`store/blocks`), none left over
            block = conn.execute("SELECT n FROM sample_blocks WHERE session_id = ?", (sid,)).fetchone()
            assert block == (len(self.recording.samples),)
            assert conn.execute("SELECT count(*) FROM samples WHERE session_id = ?", (sid,)).fetchone() == (
                0,
            )
            batteries = [e for e in self.events if isinstance(e, BatteryRead)]
            stored = conn.execute("SELECT t, value FROM events WHERE kind = 'battery'").fetchall()
            assert stored == [(b.t, str(b.percent)) for b in batteries]
            assert [c.message for c in session_cues(conn, sid)] == [c.message for c in self.session.cues]
        finally:
            conn.close()


# ------------------------------------------------------------------ mid-session faults, library level

FAULTS = {
    "full": (Disk.fill, Disk.free),
    "read-only": (Disk.read_only, Disk.writable),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_the_store_fails_mid_session_coaching_goes_on_and_nothing_is_lost(tmp_path: Path, fault: str) -> None:
    break_it, heal_it = FAULTS[fault]
    path = tmp_path / "log.sqlite3"
    disk = Disk(path)
    run = Live(path, disk)
    run.until(300)
    assert run.log.error is None and saved_samples(path) >= run.log.samples - 2

    break_it(disk)
    run.until(900, stop=lambda: run.log.error is not None)
    assert run.log.error is not None, "the store never failed"
    failed_at, error = run.t, run.log.error
    assert "\n" not in error and error.startswith(str(path)), error
    on_disk, pending, bdnf = saved_samples(path), run.log.pending, run.ticks[-1].bdnf_s

    run.until(900)  # ten minutes and more with a broken store
    assert run.t - failed_at > 200
    assert run.log.error is not None  # still failing, and said so
    assert saved_samples(path) == on_disk  # nothing half-written
    assert run.log.pending > pending + 200  # every row kept, in memory
    assert run.ticks[-1].bdnf_s > bdnf + 100  # the coaching went on counting
    assert len(run.ticks) == run.i

    heal_it(disk)
    run.until(900 + RETRY_EVERY_S + 1.5)  # the next try writes everything that waited
    assert run.log.error is None and run.log.pending <= 3
    assert run.log.samples - 3 <= saved_samples(path) <= run.log.samples

    run.until(float("inf"))
    assert run.finish() and run.log.error is None
    assert disk.calls == 1  # one connection throughout: the failure was on it
    run.check_saved_complete()


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        pytest.param("full", "the disk is full"),
        pytest.param("read-only", "the session log is read-only"),
    ],
)
def test_the_message_names_the_fault(tmp_path: Path, fault: str, says: str) -> None:
    path = tmp_path / "log.sqlite3"
    disk = Disk(path)
    run = Live(path, disk)
    run.until(60)
    FAULTS[fault][0](disk)
    run.until(900, stop=lambda: run.log.error is not None)
    assert run.log.error is not None
    assert says in run.log.error, run.log.error


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (OSError(28, "No space left on device"), "the disk is full"),
        (PermissionError(13, "Permission denied"), "the session log is read-only"),
    ],
    ids=["ENOSPC", "EACCES"],
)
def test_opening_the_log_fails_before_the_first_commit(tmp_path: Path, error: OSError, says: str) -> None:
    path = tmp_path / "log.sqlite3"
    disk = Disk(path, failures=[error] * 3)
    run = Live(path, disk, "walk_5min")
    run.until(2.5)  # the first commit, a second of session time in
    assert disk.calls == 1
    assert run.log.error is not None and says in run.log.error and "\n" not in run.log.error
    assert run.log.session_id is None and not path.exists()
    run.until(3 * RETRY_EVERY_S)  # still failing: retried every RETRY_EVERY_S, not every second
    assert disk.calls == 3 and run.log.error is not None and run.log.pending >= 3 * RETRY_EVERY_S - 2
    assert run.ticks[-1].elapsed_s > 3 * RETRY_EVERY_S - 2 and run.ticks[-1].bpm is not None  # coached
    run.until(4 * RETRY_EVERY_S)
    assert disk.calls == 4 and run.log.error is None and run.log.pending <= 3
    run.until(float("inf"))
    assert run.finish()
    run.check_saved_complete()


# ------------------------------------------------------------------ through the CLI


@pytest.fixture
def profile(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "set", "age", "33"]) == 0  # HRmax 185, as the fixtures assume
    capsys.readouterr()


def check_cli_session(name: str) -> None:
    """The replayed session is stored complete: every sample, and the batch engine's summary."""
    rec = load_recording(stream(name))
    setup, _ = setup_for()
    conn = REAL_CONNECT(db.db_path())
    try:
        info = get_session(conn, 1)
        assert info is not None and info.status == "complete"
        assert load_samples(conn, 1) == rec.samples
        expected = summarize(SampleArrays.from_samples(rec.samples), setup.params, setup.hrmax_source)
        assert info.summary == expected
    finally:
        conn.close()


def test_cli_replay_with_a_store_that_cannot_be_opened_at_first(
    profile: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = {"n": 0}

    def flaky(path: Path | None = None) -> sqlite3.Connection:
        calls["n"] += 1
        if calls["n"] <= 4:  # about the first 20 s of session time (a retry every 5 s)
            raise db.StoreError(db.explain(OSError(28, "No space left on device"), path or db.db_path()))
        return REAL_CONNECT(path)

    monkeypatch.setattr(db, "connect", flaky)
    assert main(["replay", str(stream("walk_5min")), "--speed", "0", "--headless"]) == 0
    out, err = capsys.readouterr()
    assert calls["n"] == 5
    assert err.count("disk is full") == 1 and err.count("coaching goes on") == 1  # said once
    assert err.count("the session log works again; nothing was lost") == 1
    assert "Session summary" in out and "Saved as session 1" in out and "NOT SAVED" not in out
    check_cli_session("walk_5min")


def test_cli_replay_while_the_disk_fills_up_and_is_freed(
    profile: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The log's connection gets a page limit at minute 5 of the session; space comes back at
    minute 20 (session time, as the replay reaches it)."""
    conns: list[sqlite3.Connection] = []
    seen: list[Event] = []
    waiting: list[int] = []  # samples reached but not on disk, when space came back

    def keep(path: Path | None = None) -> sqlite3.Connection:
        conns.append(REAL_CONNECT(path))
        return conns[-1]

    def fill() -> None:
        (conn,) = conns
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + 1}")

    def free() -> None:
        reached = sum(isinstance(e, HeartRateSample) for e in seen)
        waiting.append(reached - saved_samples(db.db_path()))
        conns[0].execute(f"PRAGMA max_page_count = {UNLIMITED}")

    async def timeline(events: Iterable[Event], **kwargs: Any) -> AsyncIterator[Event]:
        steps = [(300.0, fill), (1200.0, free)]
        async for ev in real_replay(events, **kwargs):
            while steps and ev.t >= steps[0][0]:
                steps.pop(0)[1]()
            seen.append(ev)
            yield ev

    monkeypatch.setattr(db, "connect", keep)
    monkeypatch.setattr(feeds, "replay", timeline)
    assert main(["replay", str(stream("steady_35min")), "--speed", "0", "--headless"]) == 0
    out, err = capsys.readouterr()
    assert len(conns) == 1
    failure = [line for line in err.splitlines() if "coaching goes on" in line]
    assert len(failure) == 1, err  # said once, in one line
    assert failure[0].startswith(f"hrcoach: {db.db_path()}: ") and "samples are kept in memory" in failure[0]
    assert err.count("the session log works again; nothing was lost") == 1
    assert "Session summary" in out and "Saved as session 1" in out and "NOT SAVED" not in out
    assert waiting and waiting[0] > 300  # minutes of samples were held in memory when space came back
    check_cli_session("steady_35min")  # and all of them are stored now
