"""Keeping the log whole: finishing sessions a crash left open, and recomputing summaries when
the profile in force changes (history must always agree with the HRmax in force)."""

from __future__ import annotations

import os
import socket
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

from hrcoach.engine.batch import summarize
from hrcoach.store import db, liveness
from hrcoach.store.records import (
    StoredSetup,
    compact,
    load_arrays,
    load_pauses,
    parse_setup,
    parse_summary,
    parse_utc,
    summary_json,
    utc_text,
)

Progress = Callable[[int, int], None]


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate the process on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def recover_unfinished(conn: sqlite3.Connection, damaged: list[int] | None = None) -> list[int]:
    """Close every open session whose writer is gone: summary from what was saved, status
    'recovered' (or dropped when not one sample was saved). Returns the recovered ids; one whose
    rows do not read back is left as it is and added to `damaged`, never stopping the others."""
    host = socket.gethostname()
    rows = conn.execute(
        "SELECT id, started_at, setup, writer_pid, writer_host, writer_lock FROM sessions"
        " WHERE status = 'open'"
    )
    recovered: list[int] = []
    main_file = next((r[2] for r in conn.execute("PRAGMA database_list") if r[1] == "main"), "")
    locks = liveness.lock_dir(Path(main_file)) if main_file else None
    for sid, started, setup_json, pid, writer_host, token in rows.fetchall():
        if token and locks is not None and liveness.SUPPORTED:
            if liveness.writer_alive(locks, token):
                continue  # its writer holds its lock: still being written
        elif pid is not None and writer_host == host and _alive(int(pid)):
            continue  # no lock (an older hrcoach, or no flock here): as it was judged before
        try:
            arrays = load_arrays(conn, sid)  # straight into the batch engine's columns
            setup = parse_setup(setup_json)
            summary = summarize(arrays, setup.params(), setup.hrmax_source)
            ended = summary.ended(parse_utc(started))
        except (ValueError, TypeError, KeyError, OverflowError):
            if damaged is not None:
                damaged.append(sid)
            continue
        with db.transaction(conn):
            if not len(arrays.ms):
                conn.execute("DELETE FROM sessions WHERE id = ?", (sid,))
            else:
                conn.execute(
                    "UPDATE sessions SET status = 'recovered', summary = ?, duration_s = ?, ended_at = ?,"
                    " writer_pid = NULL WHERE id = ?",
                    (summary_json(summary), summary.duration_s, utc_text(ended), sid),
                )
                recovered.append(sid)
        if len(arrays.ms):
            compact(conn, sid)
    return recovered


def stale_sessions(conn: sqlite3.Connection, setup: StoredSetup) -> list[int]:
    """Finished sessions whose summary was computed against other settings than `setup`, or
    before summaries told the time recorded from the span (no `span_s`)."""
    rows = conn.execute("SELECT id, setup, summary FROM sessions WHERE status != 'open' ORDER BY id")
    view = setup.engine_view()
    stale = []
    for sid, js, summary in rows:
        try:
            other = parse_setup(js).engine_view() != view
        except (ValueError, TypeError):
            continue  # a damaged row: listing says so; nothing to recompute it against
        if other or (summary is not None and '"span_s"' not in str(summary)):
            stale.append(sid)
    return stale


def recompute(
    conn: sqlite3.Connection,
    setup: StoredSetup,
    *,
    ids: list[int] | None = None,
    progress: Progress | None = None,
) -> int:
    """Recompute summaries from raw samples (batch engine) against `setup`. Returns how many."""
    todo = stale_sessions(conn, setup) if ids is None else ids
    params = setup.params()
    for done, sid in enumerate(todo, start=1):
        started, old_setup, old_summary = conn.execute(
            "SELECT started_at, setup, summary FROM sessions WHERE id = ?", (sid,)
        ).fetchone()
        counts = None
        try:
            if old_summary:  # the RR filter does not depend on the settings: reuse its counts
                prior = parse_summary(old_summary)
                counts = (prior.rr_total, prior.rr_rejected)
        except ValueError:
            counts = None  # a damaged summary: computed again whole
        try:
            arrays = load_arrays(conn, sid, rr=counts is None)
            summary = summarize(
                arrays, params, setup.hrmax_source, rr_counts=counts, pauses=load_pauses(conn, sid)
            )
            target = parse_setup(old_setup).target
            parse_utc(started)
        except (ValueError, TypeError, KeyError):
            continue  # a damaged row: listing says so, once

        new_setup = setup.model_copy(update={"target": target})
        with db.transaction(conn):
            conn.execute(
                "UPDATE sessions SET setup = ?, summary = ?, duration_s = ?, ended_at = ? WHERE id = ?",
                (
                    new_setup.model_dump_json(),
                    summary_json(summary),
                    summary.duration_s,
                    utc_text(summary.ended(parse_utc(started))),
                    sid,
                ),
            )
        if progress:
            progress(done, len(todo))
    return len(todo)
