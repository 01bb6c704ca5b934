"""Reading the session log, and saving whole sessions at once (imports)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hrcoach.engine.batch import SampleArrays, summarize
from hrcoach.engine.summary import Summary
from hrcoach.models import HeartRateSample
from hrcoach.store import db
from hrcoach.store.records import StoredSetup, parse_utc, sample_row, utc_text
from hrcoach.text import clean, clean_device

ORIGINS = ("live", "replay", "import", "demo")


@dataclass(frozen=True, slots=True)
class StoredCue:
    t: float
    kind: str
    message: str


@dataclass(frozen=True, slots=True)
class SessionInfo:
    id: int
    started_at: datetime
    origin: str
    status: str
    duration_s: float
    device: dict[str, Any]
    setup: StoredSetup
    summary: Summary | None
    source_path: str | None
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "started_at": utc_text(self.started_at),
            "origin": self.origin,
            "status": self.status,
            "duration_s": self.duration_s,
            "device": self.device,
            "source": self.source_path,
            "notes": self.notes,
            "summary": self.summary.model_dump(mode="json") if self.summary else None,
        }


def _device(text: str) -> dict[str, Any]:
    """A stored device description, cleaned again: logs written before names were cleaned exist."""
    value = json.loads(text)
    return clean_device(value) if isinstance(value, dict) else {}


_COLUMNS = "id, started_at, origin, status, duration_s, device, setup, summary, source_path, notes"


def _info(row: tuple[Any, ...]) -> SessionInfo:
    sid, started, origin, status, duration, device, setup, summary, source, notes = row
    return SessionInfo(
        id=sid,
        started_at=parse_utc(started),
        origin=origin,
        status=status,
        duration_s=duration,
        device=_device(device),
        setup=StoredSetup.model_validate_json(setup),
        summary=Summary.model_validate_json(summary) if summary else None,
        source_path=source,
        notes=[clean(n, 500) for n in json.loads(notes) if isinstance(n, str)],
    )


def list_sessions(conn: sqlite3.Connection, *, include_demo: bool = True) -> list[SessionInfo]:
    """Every finished or recovered session, oldest first."""
    where = "status != 'open'" + ("" if include_demo else " AND origin != 'demo'")
    rows = conn.execute(f"SELECT {_COLUMNS} FROM sessions WHERE {where} ORDER BY started_at, id")
    return [_info(r) for r in rows]


def get_session(conn: sqlite3.Connection, session_id: int) -> SessionInfo | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM sessions WHERE id = ?", (session_id,)).fetchone()
    return _info(row) if row else None


def session_cues(conn: sqlite3.Connection, session_id: int) -> list[StoredCue]:
    rows = conn.execute("SELECT t, kind, message FROM cues WHERE session_id = ? ORDER BY t", (session_id,))
    return [StoredCue(*r) for r in rows]


def find_import(conn: sqlite3.Connection, sha256: str, part: int) -> int | None:
    """The session already imported from this file content (and activity), if any."""
    row = conn.execute(
        "SELECT id FROM sessions WHERE source_sha256 = ? AND source_part = ?", (sha256, part)
    ).fetchone()
    return int(row[0]) if row else None


def save_session(
    conn: sqlite3.Connection,
    *,
    origin: str,
    started_at: datetime,
    samples: Sequence[HeartRateSample],
    setup: StoredSetup,
    device: dict[str, Any] | None = None,
    notes: Sequence[str] = (),
    source_path: str | None = None,
    source_sha256: str | None = None,
    source_part: int | None = None,
) -> int:
    """Save a whole session in one transaction (its summary from the batch engine)."""
    arrays = SampleArrays.from_samples(samples)
    params = setup.params()
    summary = summarize(arrays, params, setup.hrmax_source)
    ended = started_at + timedelta(seconds=summary.span_s or 0.0)
    with db.transaction(conn):
        cur = conn.execute(
            "INSERT INTO sessions (started_at, origin, status, device, setup, summary, duration_s,"
            " source_path, source_sha256, source_part, notes, ended_at)"
            " VALUES (?, ?, 'complete', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                utc_text(started_at),
                origin,
                json.dumps(device or {}),
                setup.model_dump_json(),
                summary.model_dump_json(),
                summary.duration_s,
                source_path,
                source_sha256,
                source_part,
                json.dumps(list(notes)),
                utc_text(ended),
            ),
        )
        sid = cur.lastrowid
        assert sid is not None
        conn.executemany(
            "INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?, ?)",
            (sample_row(sid, i, s) for i, s in enumerate(samples)),
        )
    return sid
