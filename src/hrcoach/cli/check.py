"""`hrcoach check`: the session log's health. SQLite's integrity check over the whole file, then
every session read back: one that does not (a damaged row) is moved aside (its raw rows written
to a JSON file beside the log, then removed from it), and samples that do not read back are
counted. Says what it found and what it did; exit 0 when the log is whole, 1 when something
was moved aside or skipped, 2 when the file itself is damaged."""

from __future__ import annotations

import argparse
import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

from hrcoach import paths
from hrcoach.cli import logstore
from hrcoach.store import db
from hrcoach.store.records import damaged_samples
from hrcoach.store.sessions import DamagedSession, get_session


def _raw(conn: sqlite3.Connection, table: str, sid: int) -> list[list[Any]]:
    key = "id" if table == "sessions" else "session_id"
    rows = conn.execute(f"SELECT * FROM {table} WHERE {key} = ?", (sid,)).fetchall()
    return [[v.hex() if isinstance(v, bytes) else v for v in row] for row in rows]


def run(args: argparse.Namespace) -> int:
    conn = logstore.open_store()
    path = db.db_path()
    problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        print(f"{path}: the log file is damaged: {'; '.join(problems[:3])}")
        print("Move it aside (keep the copy) and hrcoach starts a new one; `sqlite3 .recover` may save rows.")
        return 2
    found = 0
    aside = paths.ensure_private_dir(path.parent / "damaged")
    for (sid,) in conn.execute("SELECT id FROM sessions ORDER BY id").fetchall():
        try:
            get_session(conn, sid)
        except DamagedSession as exc:
            found += 1
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            out = aside / f"session-{sid}-{stamp}.json"
            tables = ("sessions", "samples", "sample_blocks", "tracks", "events", "cues")
            rows = {t: _raw(conn, t, sid) for t in tables}
            paths.write_private(out, json.dumps(rows).encode())
            with db.transaction(conn):
                conn.execute("DELETE FROM sessions WHERE id = ?", (sid,))
            print(f"{exc}: moved aside to {out}")
            continue
        bad = damaged_samples(conn, sid)
        if bad:
            found += 1
            print(f"session {sid}: {bad} damaged sample row(s) are skipped; the rest of it reads back")
    n = conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
    print(f"{path}: {n} sessions" + (", every one whole" if not found else f"; {found} found damaged"))
    return 1 if found else 0
