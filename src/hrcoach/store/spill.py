"""Rows the session log could not write by the end of a session (a disk still full or read-only):
never dropped. `write` spills them to a recovery file (0600) in the first of `paths.recovery_dirs`
that takes it, and says where; `fold` puts every recovery file of this log into it (the next
command that can write does, before anything else), in one transaction per file, then deletes the
file. A session some of whose rows were written gets the rest (a sample already there is not
written twice); one never written at all is created. Its summary is computed from every sample.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hrcoach import paths
from hrcoach.formats.recording import sport_name
from hrcoach.models import HeartRateSample, SensorContact
from hrcoach.store import db

MAGIC = "hrcoach_unsaved"
PATTERN = "hrcoach-unsaved-*.json"


@dataclass(frozen=True, slots=True)
class Folded:
    session_id: int
    path: Path
    samples: int


def write(state: dict[str, Any], dirs: list[Path]) -> Path | None:
    """The recovery file holding `state` (see `SessionLog.unsaved`), or None when no folder
    would take it."""
    data = json.dumps({MAGIC: 1, **state}).encode()
    stamp = str(state["started_at"]).replace(":", "").replace("-", "")[:15]
    for folder in dirs:
        path = folder / f"hrcoach-unsaved-{stamp}-{os.getpid()}.json"
        try:  # another user's folder (in /tmp, say), a full or read-only disk: the next one
            paths.write_private(path, data)
            return path
        except OSError:
            continue
    return None


def pending(dirs: list[Path]) -> list[Path]:
    """Recovery files waiting in `dirs`, oldest name first (cheap: a directory listing)."""
    found: list[Path] = []
    for folder in dirs:
        try:
            paths.check_private(folder)  # rows in another user's folder are not ours to fold
            found += [f for f in sorted(folder.glob(PATTERN)) if _ours(f)]
        except OSError:
            continue
    return found


def _ours(path: Path) -> bool:
    try:
        paths.check_private_file(path)
    except OSError:
        return False
    return True


def fold(conn: sqlite3.Connection, db_path: Path, dirs: list[Path]) -> list[Folded]:
    """Put every recovery file of the log at `db_path` into it; returns what was folded. A file
    of another log is left alone; one that cannot be read stays where it is, for a person."""
    done: list[Folded] = []
    for path in pending(dirs):
        try:
            state = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if not isinstance(state, dict) or state.get(MAGIC) != 1 or state.get("db") != str(db_path):
            continue
        try:
            sid = _fold_one(conn, state)
        except (KeyError, TypeError, ValueError):
            continue  # not ours to guess at: it stays for a person to look at
        path.unlink(missing_ok=True)
        done.append(Folded(sid, path, len(state["samples"])))
    return done


def _sample(row: list[Any]) -> tuple[int, HeartRateSample]:
    seq, t, bpm, rr, contact, energy = row
    return int(seq), HeartRateSample(
        float(t),
        int(bpm),
        tuple(float(v) for v in rr),
        SensorContact(contact),
        None if energy is None else int(energy),
    )


def _fold_one(conn: sqlite3.Connection, state: dict[str, Any]) -> int:
    samples = [_sample(r) for r in state["samples"]]
    # here, not at the top: every command lists recovery folders first (`pending`), and only
    # folding one needs the engine and numpy (a quarter of a second to import)
    from hrcoach.engine.batch import summarize
    from hrcoach.store.records import (
        StoredSetup,
        compact,
        load_arrays,
        load_pauses,
        parse_utc,
        sample_row,
        summary_json,
        utc_text,
    )

    setup = StoredSetup.model_validate_json(state["setup"])
    started = parse_utc(state["started_at"])
    with db.transaction(conn):
        sid = state.get("session_id")
        exists = sid is not None and conn.execute("SELECT 1 FROM sessions WHERE id = ?", (sid,)).fetchone()
        if not exists:
            cur = conn.execute(
                "INSERT INTO sessions (started_at, origin, status, device, setup, source_path, utc_offset_s,"
                " sport, sub_sport)"
                " VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?)",
                (
                    utc_text(started),
                    state["origin"],
                    json.dumps(state.get("device") or {}),
                    setup.model_dump_json(),
                    state.get("source_path"),
                    state.get("utc_offset_s"),
                    sport_name(state.get("sport")),  # the recovery file is untrusted text
                    sport_name(state.get("sub_sport")),
                ),
            )
            sid = cur.lastrowid
        assert isinstance(sid, int)
        conn.executemany(
            "INSERT OR IGNORE INTO samples VALUES (?, ?, ?, ?, ?, ?, ?)",
            (sample_row(sid, seq, s) for seq, s in samples),
        )
        conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", [(sid, *e) for e in state["events"]])
        conn.executemany("INSERT INTO cues VALUES (?, ?, ?, ?)", [(sid, *c) for c in state["cues"]])
        arrays = load_arrays(conn, sid)
        summary = summarize(arrays, setup.params(), setup.hrmax_source, pauses=load_pauses(conn, sid))
        ended = summary.ended(started)
        conn.execute(
            "UPDATE sessions SET status = 'complete', summary = ?, duration_s = ?, ended_at = ?,"
            " writer_pid = NULL WHERE id = ?",
            (summary_json(summary), summary.duration_s, utc_text(ended), sid),
        )
    compact(conn, sid)
    return sid
