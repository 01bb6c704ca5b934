"""Reading the session log, saving whole sessions at once (imports), finding the session an
activity already is, and deleting one.

Only the runner's own sessions count toward the weekly dose: live ones and imports
(`DOSE_ORIGINS`). A demo or a replay of a recording is practice, listed but not counted unless
asked. One activity is one session: an import whose time overlaps a counted session by half of
the shorter one is the same activity from another file (a FIT and its GPX export, a gzipped or
re-exported copy, the PPI stream of the same Polar session).
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hrcoach.engine.batch import SampleArrays, summarize
from hrcoach.engine.summary import Summary
from hrcoach.formats.recording import Position, position_ok, sport_name
from hrcoach.models import HeartRateSample
from hrcoach.store import blocks, db
from hrcoach.store.records import (
    StoredSetup,
    pack_positions,
    parse_setup,
    parse_summary,
    parse_utc,
    summary_json,
    unpack_positions,
    utc_text,
)
from hrcoach.text import clean, clean_device

ORIGINS = ("live", "replay", "import", "demo")
DOSE_ORIGINS = ("live", "import")  # what counts toward the weekly dose
_COUNTED = "dated = 1 AND origin IN (" + ", ".join(f"'{o}'" for o in DOSE_ORIGINS) + ")"
SAME_ACTIVITY = 0.5  # overlap, as a share of the shorter session, that makes two sessions one


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
    ended_at: datetime | None = None
    sport: str = ""  # as FIT names it; "" when not known (a live session)
    sub_sport: str = ""
    utc_offset_s: int | None = None  # the session's own local time; None when not known
    dated: bool = True  # False: its file had no start date (started_at is a placeholder)

    @property
    def counts(self) -> bool:
        """Whether it counts toward the weekly dose (not a demo or a replay, and dated)."""
        return self.dated and self.origin in DOSE_ORIGINS

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
            "counts_in_dose": self.counts,
            "dated": self.dated,
            "sport": self.sport,
            "sub_sport": self.sub_sport,
            "summary": self.summary.as_dict() if self.summary else None,
        }


def _device(text: str) -> dict[str, Any]:
    """A stored device description, cleaned again: logs written before names were cleaned exist."""
    return dict(_device_of(text))


@functools.lru_cache(maxsize=256)
def _device_of(text: str) -> dict[str, Any]:  # most sessions share a strap: read each text once
    value = json.loads(text)
    return clean_device(value) if isinstance(value, dict) else {}


_COLUMNS = (
    "id, started_at, origin, status, duration_s, device, setup, summary, source_path, notes, ended_at,"
    " sport, sub_sport, utc_offset_s, dated"
)


class DamagedSession(ValueError):
    """A session row that does not read back (a damaged file, a hand edit): one line naming it."""

    def __init__(self, session_id: object, what: str) -> None:
        super().__init__(f"session {session_id} in the log is damaged ({what})")
        self.session_id = session_id


def _info(row: tuple[Any, ...]) -> SessionInfo:
    """A session row as SessionInfo; DamagedSession when a field does not read back."""
    try:
        return _read(row)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:  # pydantic's errors are ValueErrors
        what = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise DamagedSession(row[0] if row else "?", what) from None


def _read(row: tuple[Any, ...]) -> SessionInfo:
    sid, started, origin, status, duration, device, setup, summary, source, notes, ended = row[:11]
    sport, sub, off, dated = row[11:]
    if not isinstance(sid, int) or not isinstance(duration, int | float):
        raise ValueError("its id or duration is not a number")
    return SessionInfo(
        id=sid,
        started_at=parse_utc(started),
        origin=origin,
        status=status,
        duration_s=duration,
        device=_device(device),
        setup=parse_setup(setup),
        summary=parse_summary(summary) if summary else None,
        source_path=source,
        notes=[clean(n, 500) for n in json.loads(notes) if isinstance(n, str)],
        ended_at=parse_utc(ended) if ended else None,
        sport=sport_name(sport),
        sub_sport=sport_name(sub),
        utc_offset_s=off if isinstance(off, int) and abs(off) <= 18 * 3600 else None,
        dated=dated != 0,
    )


def list_sessions(
    conn: sqlite3.Connection, *, counted_only: bool = False, damaged: list[DamagedSession] | None = None
) -> list[SessionInfo]:
    """Every finished or recovered session, oldest first; `counted_only`: only those that count
    toward the weekly dose (no demos, no replays). A row that does not read back is skipped and
    added to `damaged` (when given), so one damaged row never hides the others."""
    where = "status != 'open'" + (f" AND {_COUNTED}" if counted_only else "")
    rows = conn.execute(f"SELECT {_COLUMNS} FROM sessions WHERE {where} ORDER BY started_at, id")
    out: list[SessionInfo] = []
    for r in rows:
        try:
            out.append(_info(r))
        except DamagedSession as exc:
            if damaged is not None:
                damaged.append(exc)
    return out


def get_session(conn: sqlite3.Connection, session_id: int) -> SessionInfo | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM sessions WHERE id = ?", (session_id,)).fetchone()
    return _info(row) if row else None


def session_cues(conn: sqlite3.Connection, session_id: int) -> list[StoredCue]:
    rows = conn.execute("SELECT t, kind, message FROM cues WHERE session_id = ? ORDER BY t", (session_id,))
    return [StoredCue(*r) for r in rows]


def session_laps(conn: sqlite3.Connection, session_id: int) -> list[float]:
    """The session times of the session's lap marks, in order."""
    rows = conn.execute(
        "SELECT t FROM events WHERE session_id = ? AND kind = 'lap' ORDER BY t", (session_id,)
    )
    return [float(t) for (t,) in rows]


def session_positions(conn: sqlite3.Connection, session_id: int) -> list[Position]:
    """The session's positions in time order ([] when it has none, or its track is damaged)."""
    row = conn.execute("SELECT points FROM tracks WHERE session_id = ?", (session_id,)).fetchone()
    return unpack_positions(row[0]) if row else []


UNDATED_NOTE = "the file has no start date: not counted in the weekly dose until you give one"


def set_date(conn: sqlite3.Connection, session_id: int, started: datetime) -> bool:
    """Give a finished session its start time, aware (its end moves with it; its local time is
    `started`'s offset), and so a place in the weekly dose; the import's note that it had none
    gives way to one saying when it was given. False when there is no such finished session."""
    info = get_session(conn, session_id)
    if info is None or info.status == "open":
        return False
    end = info.ended_at or info.started_at
    notes = [n for n in info.notes if not n.startswith(UNDATED_NOTE)]
    notes.append(f"the file had no start date: given as {started.isoformat(timespec='minutes')}")
    offset = started.utcoffset()
    with db.transaction(conn):
        conn.execute(
            "UPDATE sessions SET started_at = ?, ended_at = ?, dated = 1, notes = ?, utc_offset_s = ?"
            " WHERE id = ?",
            (
                utc_text(started),
                utc_text(started + (end - info.started_at)),
                json.dumps(notes),
                int(offset.total_seconds()) if offset is not None else None,
                session_id,
            ),
        )
    return True


def find_import(conn: sqlite3.Connection, sha256: str, part: int) -> int | None:
    """The session already imported from this file content (and activity), if any."""
    row = conn.execute(
        "SELECT id FROM sessions WHERE source_sha256 = ? AND source_part = ?", (sha256, part)
    ).fetchone()
    return int(row[0]) if row else None


def imports_of(conn: sqlite3.Connection, sha256: str) -> list[tuple[int, int]]:
    """(activity part, session id) of every session imported from this file content."""
    rows = conn.execute(
        "SELECT source_part, id FROM sessions WHERE source_sha256 = ? ORDER BY source_part", (sha256,)
    )
    return [(int(part or 0), int(sid)) for part, sid in rows]


def same_activity(
    conn: sqlite3.Connection, started: datetime, ended: datetime, *, exclude: int | None = None
) -> SessionInfo | None:
    """The counted session (other than `exclude`) that is the same activity as one from
    `started` to `ended` (their times overlap by at least half of the shorter one), if any."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM sessions WHERE status != 'open' AND {_COUNTED}"
        " AND ended_at > ? AND started_at < ? AND id IS NOT ? ORDER BY started_at, id",
        (utc_text(started), utc_text(ended), exclude),
    )
    length = (ended - started).total_seconds()
    for info in map(_info, rows):
        end = info.ended_at or info.started_at
        shared = (min(end, ended) - max(info.started_at, started)).total_seconds()
        shorter = min(length, (end - info.started_at).total_seconds())
        if shared > 0 and shared >= SAME_ACTIVITY * shorter:
            return info
    return None


def delete_session(conn: sqlite3.Connection, session_id: int) -> bool:
    """Delete a finished session with its samples, events and cues; False when there is no such
    finished session (an open one is still being written, or recovered first)."""
    with db.transaction(conn):
        cur = conn.execute("DELETE FROM sessions WHERE id = ? AND status != 'open'", (session_id,))
    return cur.rowcount == 1


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
    sport: str = "",
    sub_sport: str = "",
    laps: Sequence[float] = (),
    pauses: Sequence[tuple[float, float]] = (),
    utc_offset_s: int | None = None,
    dated: bool = True,
    positions: Sequence[Position] = (),
) -> int:
    """Save a whole session in one transaction (its summary from the batch engine). `dated`
    False: `started_at` is a placeholder, and the session stays out of the weekly dose."""
    arrays = SampleArrays.from_samples(samples)
    params = setup.params()
    summary = summarize(arrays, params, setup.hrmax_source, pauses=pauses)
    ended = summary.ended(started_at)
    with db.transaction(conn):
        cur = conn.execute(
            "INSERT INTO sessions (started_at, origin, status, device, setup, summary, duration_s,"
            " source_path, source_sha256, source_part, notes, ended_at, sport, sub_sport, utc_offset_s,"
            " dated) VALUES (?, ?, 'complete', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                utc_text(started_at),
                origin,
                json.dumps(device or {}),
                setup.model_dump_json(),
                summary_json(summary),
                summary.duration_s,
                source_path,
                source_sha256,
                source_part,
                json.dumps(list(notes)),
                utc_text(ended),
                sport_name(sport),
                sport_name(sub_sport),
                utc_offset_s,
                int(dated),
            ),
        )
        sid = cur.lastrowid
        assert sid is not None
        blocks.write(conn, sid, samples)
        conn.executemany("INSERT INTO events VALUES (?, ?, 'lap', '')", ((sid, t) for t in laps))
        conn.executemany(
            "INSERT INTO events VALUES (?, ?, 'pause', ?)", ((sid, a, repr(float(b))) for a, b in pauses)
        )
        kept = [p for p in positions if position_ok(*p)]
        if kept:
            conn.execute("INSERT INTO tracks VALUES (?, ?)", (sid, pack_positions(kept)))
    return sid
