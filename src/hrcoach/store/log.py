"""Writing one session as it happens, so that a crash loses at most the last second.

`SessionLog.record(event, tick)` queues the rows of each step: a sample row per engine reading
(with its verdict), an event row per link change, battery read or malformed frame, a cue row per
cue. Rows are committed whenever a second of session time has passed since the last commit, and
at `finish()`. When the database cannot be written (read-only folder, full disk) the rows stay
queued, `error` says why in one line, and each later commit tries again: the coaching goes on,
and nothing is dropped while the process lives.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from hrcoach.engine.summary import Summary
from hrcoach.models import BatteryRead, Event, LinkChanged, MalformedFrame
from hrcoach.session import Session, SessionSetup, Tick
from hrcoach.store import db
from hrcoach.store.records import SampleRow, StoredSetup, sample_row, utc_text

Connect = Callable[[], sqlite3.Connection]
RETRY_EVERY_S = 5.0  # after a failed write, session seconds before trying again


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
    ) -> None:
        self.origin = origin
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
        self._queue_samples: list[tuple[int, Any, Any]] = []
        self._queue_events: list[tuple[float, str, str]] = []
        self._queue_cues: list[tuple[float, str, str]] = []
        self._last_commit_t = 0.0
        self._retry_at = 0.0

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
    ) -> SessionLog:
        """The log of a session coached against `setup`."""
        return cls(
            origin=origin,
            started_at=started_at,
            setup=StoredSetup.of_session(setup),
            device=device,
            source_path=source_path,
            path=path,
        )

    @property
    def pending(self) -> int:
        """Rows not yet on disk."""
        return len(self._queue_samples) + len(self._queue_events) + len(self._queue_cues)

    def set_device(self, device: dict[str, Any]) -> None:
        self.device = device
        if self._conn is not None and self.session_id is not None:
            try:
                self._conn.execute(
                    "UPDATE sessions SET device = ? WHERE id = ?", (json.dumps(device), self.session_id)
                )
            except sqlite3.Error as exc:
                self.error = db.explain(exc, self.path)

    def record(self, event: Event | None, tick: Tick) -> None:
        """Queue the rows of one step (`event` None for `Session.finish()`'s tick); commit when a
        second of session time has passed since the last commit."""
        for r in tick.readings:
            self._queue_samples.append((self._seq, r.sample, r.reason))
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
        t = tick.t
        if t - self._last_commit_t >= self._commit_every and (self.error is None or t >= self._retry_at):
            self._last_commit_t = t
            if not self.flush():
                self._retry_at = t + RETRY_EVERY_S

    def lap(self, t: float) -> None:
        """Mark a lap at session time `t` (written with the next commit)."""
        self._queue_events.append((t, "lap", ""))

    def flush(self) -> bool:
        """Write every queued row in one transaction. Returns whether it worked."""
        try:
            conn = self._open()
            sid = self.session_id
            assert sid is not None
            rows: list[SampleRow] = [
                sample_row(sid, seq, s, reason) for seq, s, reason in self._queue_samples
            ]
            with db.transaction(conn):
                conn.executemany("INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
                conn.executemany(
                    "INSERT INTO events VALUES (?, ?, ?, ?)", [(sid, *e) for e in self._queue_events]
                )
                conn.executemany(
                    "INSERT INTO cues VALUES (?, ?, ?, ?)", [(sid, *c) for c in self._queue_cues]
                )
        except (sqlite3.Error, OSError, db.StoreError) as exc:
            self.error = str(exc) if isinstance(exc, db.StoreError) else db.explain(exc, self.path)
            return False
        self._queue_samples.clear()
        self._queue_events.clear()
        self._queue_cues.clear()
        self.error = None
        return True

    def _open(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = self._connect()
        if self.session_id is None:
            cur = self._conn.execute(
                "INSERT INTO sessions (started_at, origin, status, device, setup, source_path, writer_pid,"
                " writer_host) VALUES (?, ?, 'open', ?, ?, ?, ?, ?)",
                (
                    utc_text(self.started_at),
                    self.origin,
                    json.dumps(self.device),
                    self.setup.model_dump_json(),
                    self.source_path,
                    os.getpid(),
                    socket.gethostname(),
                ),
            )
            self.session_id = cur.lastrowid
        return self._conn

    def finish(self, summary: Summary) -> bool:
        """Write what is queued and close the session with its summary. Returns whether it is saved."""
        if self.samples == 0 and self.session_id is None:
            return True  # nothing measured and nothing written: no log to open, no row to delete
        if not self.flush():
            return False
        assert self._conn is not None
        ended = self.started_at + timedelta(seconds=summary.duration_s)
        try:
            if self.samples == 0:  # nothing was measured: keep no empty session
                self._conn.execute("DELETE FROM sessions WHERE id = ?", (self.session_id,))
                self.session_id = None
            else:
                self._conn.execute(
                    "UPDATE sessions SET status = 'complete', summary = ?, duration_s = ?, ended_at = ?,"
                    " device = ?, writer_pid = NULL WHERE id = ?",
                    (
                        summary.model_dump_json(),
                        summary.duration_s,
                        utc_text(ended),
                        json.dumps(self.device),
                        self.session_id,
                    ),
                )
        except sqlite3.Error as exc:
            self.error = db.explain(exc, self.path)
            return False
        return True

    def end(self, session: Session) -> str:
        """Finish `session` (its last held sample too), save it with its summary and close the log.
        Returns one line saying where it went, or why it could not be saved; `saved` tells which."""
        self.record(None, session.finish())
        self.saved = self.finish(session.summary())
        self.close()
        sid = self.session_id
        if self.saved and sid is not None:
            return f"Saved as session {sid} (`hrcoach show {sid}`, `hrcoach export {sid}`) in {self.path}"
        if self.saved:
            return "Nothing was measured, so nothing was saved."
        return f"NOT SAVED: {self.error} ({self.samples} samples were kept until now, in memory only)"

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
