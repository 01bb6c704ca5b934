"""Writing one session as it happens, so that a crash loses at most the last second.

`SessionLog.record(event, tick)` queues the rows of each step: a sample row per engine reading
(the raw sample), an event row per link change, battery read or malformed frame, a cue row per
cue. Rows are committed whenever a second of session time has passed since the last commit, and
at `finish()`. When the database cannot be written (read-only folder, full disk, another
process holding the write lock) the rows stay queued, `error` says why in one line, and each
later commit tries again: the coaching goes on, and nothing is dropped while the process lives.

The live path never waits on the disk: with `background=True` (what `for_session` gives unless
told otherwise) the commits run on a writer thread with a short busy timeout, so another process
holding the write lock makes a commit fail fast and be retried, never stalls the caller;
`record()` only queues rows and wakes the writer. `finish()` waits for the last commit (with a
longer busy timeout), so call it off the event loop. A flat-out replay in the terminal has no
one waiting on it and writes in the caller (`background=False`): the same rows, in step order.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from hrcoach import paths
from hrcoach.engine.summary import Summary
from hrcoach.models import BatteryRead, Event, HeartRateSample, LinkChanged, MalformedFrame
from hrcoach.session import Session, SessionSetup, Tick
from hrcoach.store import db, liveness, spill
from hrcoach.store.records import (
    SampleRow,
    StoredSetup,
    compact,
    local_offset_s,
    sample_row,
    summary_json,
    utc_text,
)
from hrcoach.store.writer_thread import WriterThread

Connect = Callable[[], sqlite3.Connection]
RETRY_EVERY_S = 5.0  # after a failed write, session seconds before trying again
LIVE_BUSY_MS = 250  # the writer thread's busy timeout: a locked log is retried, not waited on
FINAL_BUSY_MS = 10_000  # the last commit waits longer for another writer to finish


def _why(exc: Exception, path: Path) -> str:
    if isinstance(exc, db.StoreError):
        return str(exc)
    if isinstance(exc, sqlite3.Error | OSError):
        return db.explain(exc, path)
    return f"{path}: cannot write the session log ({type(exc).__name__}: {exc})"


class SessionLog:
    def __init__(
        self,
        *,
        origin: str,
        started_at: datetime,
        setup: StoredSetup,
        device: dict[str, Any] | None = None,
        source_path: str | None = None,
        connect: Connect | None = None,
        path: Path | None = None,
        commit_every_s: float = 1.0,
        background: bool = False,
        spill_dirs: list[Path] | None = None,
        sport: str = "",
        sub_sport: str = "",
    ) -> None:
        self.origin = origin
        self.sport, self.sub_sport = sport, sub_sport
        self.started_at = started_at
        self.setup = setup
        self.device = device or {}
        self.source_path = source_path
        self.path = path or db.db_path()
        self._connect = connect or (lambda: db.connect(self.path))
        self._commit_every = commit_every_s
        self._conn: sqlite3.Connection | None = None
        self.session_id: int | None = None
        self.error: str | None = None
        self.saved = False  # set by end()
        self.samples = 0  # sample rows queued so far, written or not
        self._seq = 0
        self._queue_samples: list[tuple[int, HeartRateSample]] = []
        self._queue_events: list[tuple[float, str, str]] = []
        self._queue_cues: list[tuple[float, str, str]] = []
        self._last_commit_t = 0.0
        self._retry_at = 0.0
        self._lock = threading.Lock()  # the queues, between the caller and the writer thread
        self._in_flight = 0  # rows taken by a write that has not finished
        self._device_dirty = False
        self._background = background
        self._writer: WriterThread | None = None
        self._busy_ms = LIVE_BUSY_MS if background else None  # applied by the writer before a commit
        self._oldest_queued: float | None = None  # session time of the oldest queued row
        self._oldest_in_flight: float | None = None  # ... of the oldest row being written
        self._said_failing = False  # what news() said last
        self._spill_dirs = spill_dirs
        self.spilled_to: Path | None = None  # the recovery file, when the end could not be saved
        self._writer_lock: liveness.WriterLock | None = None  # held while the session row is open

    @classmethod
    def for_session(
        cls,
        origin: str,
        setup: SessionSetup,
        started_at: datetime,
        *,
        device: dict[str, Any] | None = None,
        source_path: str | None = None,
        path: Path | None = None,
        background: bool = True,
        sub_sport: str = "",
    ) -> SessionLog:
        """The log of a session coached against `setup`; `sub_sport` marks a run as FIT names
        where it was (treadmill, trail...)."""
        return cls(
            sport="running" if sub_sport else "",
            sub_sport=sub_sport,
            origin=origin,
            started_at=started_at,
            setup=StoredSetup.of_session(setup),
            device=device,
            source_path=source_path,
            path=path,
            background=background,
        )

    def behind_s(self, t: float) -> float:
        """How far the disk is behind session time `t`: 0 when every row up to a second ago is
        written (the usual commit cadence), else the age of the oldest row still waiting."""
        with self._lock:
            oldest = self._oldest_in_flight if self._oldest_in_flight is not None else self._oldest_queued
        return 0.0 if oldest is None else max(0.0, t - oldest)

    def news(self) -> tuple[bool, str] | None:
        """(failing, one line) when the log has stopped working, or works again, since the last
        ask; else None. Whoever shows the session says it once each way."""
        error = self.error
        if (error is not None) == self._said_failing:
            return None
        self._said_failing = error is not None
        if error is not None:
            return True, f"{error}; coaching goes on, samples are kept in memory"
        return False, "the session log works again; nothing was lost"

    @property
    def pending(self) -> int:
        """Rows not yet on disk."""
        with self._lock:
            queued = len(self._queue_samples) + len(self._queue_events) + len(self._queue_cues)
            return queued + self._in_flight

    def set_device(self, device: dict[str, Any]) -> None:
        """Name the device (written with the next commit)."""
        with self._lock:
            self.device = device
            self._device_dirty = True

    def record(self, event: Event | None, tick: Tick) -> None:
        """Queue the rows of one step (`event` None for `Session.finish()`'s tick); commit when a
        second of session time has passed since the last commit."""
        with self._lock:
            for r in tick.readings:
                self._queue_samples.append((self._seq, r.sample))
                self._seq += 1
                self.samples += 1
            if isinstance(event, LinkChanged):
                self._queue_events.append((event.t, "link", event.state.value))
            elif isinstance(event, BatteryRead):
                self._queue_events.append((event.t, "battery", str(event.percent)))
            elif isinstance(event, MalformedFrame):
                note = "" if event.count == 1 else f" ({event.count} frames)"
                self._queue_events.append((event.t, "malformed", event.data.hex() + note))
            for cue in tick.cues:
                self._queue_cues.append((cue.t, cue.kind.value, cue.message))
            if self._oldest_queued is None and (
                self._queue_samples or self._queue_events or self._queue_cues
            ):
                self._oldest_queued = tick.t
        t = tick.t
        if t - self._last_commit_t >= self._commit_every and (self.error is None or t >= self._retry_at):
            self._last_commit_t = t
            if self._background:
                self._retry_at = t + RETRY_EVERY_S  # if this commit fails, the next try is then
                self._wake()
            elif not self.flush():
                self._retry_at = t + RETRY_EVERY_S

    def lap(self, t: float) -> None:
        """Mark a lap at session time `t` (written with the next commit)."""
        with self._lock:
            self._queue_events.append((t, "lap", ""))
            if self._oldest_queued is None:
                self._oldest_queued = t

    def _wake(self) -> int:
        if self._writer is None:
            self._writer = WriterThread(self._write)
        return self._writer.ask()

    def flush(self) -> bool:
        """Write every queued row in one transaction (on the writer thread in the background,
        waiting for it). Returns whether it worked."""
        if self._background:
            ticket = self._wake()
            assert self._writer is not None
            self._writer.wait(ticket)
            return self.error is None
        return self._write()

    def _write(self) -> bool:
        with self._lock:
            samples, events, cues = self._queue_samples, self._queue_events, self._queue_cues
            self._queue_samples, self._queue_events, self._queue_cues = [], [], []
            self._in_flight = len(samples) + len(events) + len(cues)
            device = json.dumps(self.device) if self._device_dirty else None
            self._device_dirty = False
            self._oldest_in_flight, self._oldest_queued = self._oldest_queued, None
        try:
            conn = self._open()
            if self._busy_ms is not None:
                conn.execute(f"PRAGMA busy_timeout = {self._busy_ms}")
            sid = self.session_id
            assert sid is not None
            rows: list[SampleRow] = [sample_row(sid, seq, s) for seq, s in samples]
            with db.transaction(conn):
                conn.executemany("INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
                conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", [(sid, *e) for e in events])
                conn.executemany("INSERT INTO cues VALUES (?, ?, ?, ?)", [(sid, *c) for c in cues])
                if device is not None:
                    conn.execute("UPDATE sessions SET device = ? WHERE id = ?", (device, sid))
        except Exception as exc:  # the disk's refusal, or a bug: either way the rows are kept
            with self._lock:  # back in front of whatever came meanwhile: nothing lost, order kept
                self._queue_samples[:0] = samples
                self._queue_events[:0] = events
                self._queue_cues[:0] = cues
                self._in_flight = 0
                self._device_dirty = self._device_dirty or device is not None
                if self._oldest_in_flight is not None:
                    self._oldest_queued = self._oldest_in_flight
                self._oldest_in_flight = None
            self.error = _why(exc, self.path)
            return False
        with self._lock:
            self._in_flight = 0
            self._oldest_in_flight = None
        self.error = None
        return True

    def _open(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = self._connect()
            # every commit on disk before the next: a power cut loses at most the last second
            # (NORMAL in WAL mode may lose every commit since the last checkpoint)
            self._conn.execute("PRAGMA synchronous = FULL")
        if self.session_id is None:
            if self._writer_lock is None:  # taken before the row exists: never judged dead
                self._writer_lock = liveness.take(liveness.lock_dir(self.path))
            cur = self._conn.execute(
                "INSERT INTO sessions (started_at, origin, status, device, setup, source_path, writer_pid,"
                " writer_host, utc_offset_s, writer_lock, sport, sub_sport)"
                " VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    utc_text(self.started_at),
                    self.origin,
                    json.dumps(self.device),
                    self.setup.model_dump_json(),
                    self.source_path,
                    os.getpid(),
                    socket.gethostname(),
                    local_offset_s(self.started_at),
                    self._writer_lock.token if self._writer_lock else None,
                    self.sport,
                    self.sub_sport,
                ),
            )
            self.session_id = cur.lastrowid
        return self._conn

    def finish(self, summary: Summary) -> bool:
        """Write what is queued and close the session with its summary. Returns whether it is saved."""
        if self.samples == 0 and self.session_id is None:
            return True  # nothing measured and nothing written: no log to open, no row to delete
        if self._background:
            self._busy_ms = FINAL_BUSY_MS
        if not self.flush():
            return False
        assert self._conn is not None
        ended = summary.ended(self.started_at)
        try:
            if self.samples == 0:  # nothing was measured: keep no empty session
                self._conn.execute("DELETE FROM sessions WHERE id = ?", (self.session_id,))
                self.session_id = None
            else:
                self._conn.execute(
                    "UPDATE sessions SET status = 'complete', summary = ?, duration_s = ?, ended_at = ?,"
                    " device = ?, writer_pid = NULL WHERE id = ?",
                    (
                        summary_json(summary),
                        summary.duration_s,
                        utc_text(ended),
                        json.dumps(self.device),
                        self.session_id,
                    ),
                )
        except sqlite3.Error as exc:
            self.error = db.explain(exc, self.path)
            return False
        if self.session_id is not None:
            compact(self._conn, self.session_id)
        return True

    def end(self, session: Session) -> str:
        """Finish `session` (its last held sample too), save it with its summary and close the log.
        Returns one line saying where it went, or why it could not be saved; `saved` tells which."""
        return self.save(session.finish(), session.summary())

    def save(self, last: Tick, summary: Summary) -> str:
        """`end()` for a session already finished (`last` is `Session.finish()`'s tick): the part
        that waits on the disk, for a thread off the event loop. What the log would not take is
        spilled to a recovery file (`spill`), never dropped."""
        self.record(None, last)
        self.saved = self.finish(summary)
        self.close()
        if not self.saved:
            dirs = self._spill_dirs if self._spill_dirs is not None else paths.recovery_dirs()
            self.spilled_to = spill.write(self.unsaved(), dirs)
        sid = self.session_id
        if self.saved and sid is not None:
            return f"Saved as session {sid} (`hrcoach show {sid}`, `hrcoach export {sid}`) in {self.path}"
        if self.saved:
            return "Nothing was measured, so nothing was saved."
        if self.spilled_to is not None:
            waiting = len(self._queue_samples)
            return (
                f"NOT SAVED in the log: {self.error}. Its {waiting} unwritten samples are safe in"
                f" {self.spilled_to}; the next hrcoach command that can write the log puts them in it"
            )
        return f"NOT SAVED: {self.error} ({self.samples} samples were kept until now, in memory only)"

    def unsaved(self) -> dict[str, Any]:
        """What the log has not written, as a recovery file holds it (see `spill`)."""
        with self._lock:
            samples = [
                [seq, s.t, s.bpm, list(s.rr_ms), s.contact.value, s.energy_kj]
                for seq, s in self._queue_samples
            ]
            events, cues = [list(e) for e in self._queue_events], [list(c) for c in self._queue_cues]
        return {
            "db": str(self.path),
            "session_id": self.session_id,
            "origin": self.origin,
            "started_at": utc_text(self.started_at),
            "setup": self.setup.model_dump_json(),
            "device": self.device,
            "source_path": self.source_path,
            "utc_offset_s": local_offset_s(self.started_at),
            "sport": self.sport,
            "sub_sport": self.sub_sport,
            "samples": samples,
            "events": events,
            "cues": cues,
        }

    def close(self) -> None:
        if self._writer is not None:
            self._writer.stop()
            self._writer = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._writer_lock is not None:  # the session is closed, or left for recovery
            self._writer_lock.release()
            self._writer_lock = None
