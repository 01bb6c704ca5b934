"""The session log as commands meet it: opening it, recovering crashed sessions at start-up,
keeping summaries consistent with the profile, and logging a live or replayed session."""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from typing import TYPE_CHECKING

from hrcoach.cli.errors import UsageError
from hrcoach.store import db

if TYPE_CHECKING:
    from hrcoach.store.log import SessionLog
    from hrcoach.store.records import StoredSetup


def open_store() -> sqlite3.Connection:
    try:
        return db.connect()
    except db.StoreError as exc:
        raise UsageError(str(exc)) from None


def fold_spilled() -> None:
    """Put the rows a session could not write at its end (spilled to a recovery file) into the
    log, saying so; quiet and cheap (a directory listing) when there are none."""
    from hrcoach import paths
    from hrcoach.store import spill

    dirs = paths.recovery_dirs()
    if not spill.pending(dirs):
        return
    path = db.db_path()
    try:
        conn = db.connect(path)
        try:
            for f in spill.fold(conn, path, dirs):
                print(
                    f"hrcoach: saved session {f.session_id}: {f.samples} samples that could not be written"
                    f" when it ended, from {f.path}",
                    file=sys.stderr,
                )
        finally:
            conn.close()
    except (sqlite3.Error, db.StoreError, OSError) as exc:
        where = ", ".join(str(d) for d in dirs)
        print(f"hrcoach: unsaved samples are still waiting (in {where}): {exc}", file=sys.stderr)


def recover_at_start() -> None:
    """Finish sessions a crash left open, and save what a session could not write at its end
    (any command runs this first). Quiet and cheap when there is nothing to do; never stops the
    command it precedes."""
    path = db.db_path()
    try:
        if path.is_symlink() or (path.exists() and not path.is_file()):
            return  # not a log hrcoach made: the command's own opening of it says so
        if path.exists() and not os.access(path.parent, os.W_OK):
            return  # a read-only log: nothing can be recovered into it now; reading still works
    except OSError:
        return  # a folder that cannot be looked into (another user's): the command says so
    fold_spilled()
    if not path.exists() or db.shm_unsafe(path):
        return  # a full disk: nothing can be recovered into it, and opening it is not safe
    try:
        probe = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2.0)
        try:
            open_count = probe.execute("SELECT count(*) FROM sessions WHERE status = 'open'").fetchone()[0]
        finally:
            probe.close()
        if not open_count:
            return
        from hrcoach.store.maintain import recover_unfinished
        from hrcoach.store.sessions import get_session

        conn = db.connect(path)
        try:
            damaged: list[int] = []
            for sid in recover_unfinished(conn, damaged):
                info = get_session(conn, sid)
                length = f"{info.duration_s / 60:.0f} min" if info else "?"
                print(
                    f"hrcoach: recovered session {sid} ({length}), which ended without being closed; "
                    "its summary is computed from the saved samples",
                    file=sys.stderr,
                )
            for sid in damaged:
                print(f"hrcoach: session {sid} was left open and is damaged; it is skipped", file=sys.stderr)
        finally:
            conn.close()
    except (sqlite3.Error, db.StoreError, OSError, ValueError) as exc:
        first = " ".join(str(exc).split())[:200]
        print(f"hrcoach: could not check for unfinished sessions: {first}", file=sys.stderr)


def profile_setup() -> StoredSetup | None:
    """The setup the profile puts in force, or None when it has no HRmax yet."""
    from hrcoach.cli import common
    from hrcoach.store.records import StoredSetup

    return StoredSetup.in_force(common.profile())


def make_consistent(conn: sqlite3.Connection, *, verbose: bool = False) -> int:
    """Recompute every summary computed against other settings than the profile's (batch engine)."""
    from hrcoach.store.maintain import recompute, stale_sessions

    setup = profile_setup()
    if setup is None:
        return 0
    todo = stale_sessions(conn, setup)
    if not todo:
        return 0
    tty = sys.stderr.isatty()
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if tty:
            print(f"\rRecomputing summaries for HRmax {setup.hrmax}: {done}/{total}", end="", file=sys.stderr)

    n = recompute(conn, setup, ids=todo, progress=progress)
    if tty:
        print(file=sys.stderr)
    if verbose or tty:
        took = time.perf_counter() - started
        print(
            f"Recomputed {n} session summaries for HRmax {setup.hrmax} bpm ({setup.hrmax_source})"
            f" in {took:.1f} s",
            file=sys.stderr,
        )
    return n


class LogReporter:
    """Says once on stderr when the log stops working, and once when it works again."""

    def __init__(self, log: SessionLog) -> None:
        self.log = log

    def check(self) -> None:
        news = self.log.news()
        if news:
            print(f"\nhrcoach: {news[1]}", file=sys.stderr)
