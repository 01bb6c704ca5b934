"""The SQLite file: where it is, how it is opened (WAL, 0600), and its versioned schema.

`PRAGMA user_version` holds the schema version; `MIGRATIONS[i]` takes version i to i + 1, each
in one transaction. A database from a newer hrcoach is refused rather than guessed at.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hrcoach import paths

DB_NAME = "hrcoach.sqlite3"

MIGRATIONS: list[str] = [
    # 0 -> 1: sessions, their raw samples, link/battery/malformed events and cues
    """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        origin TEXT NOT NULL CHECK (origin IN ('live', 'replay', 'import', 'demo')),
        status TEXT NOT NULL CHECK (status IN ('open', 'complete', 'recovered')),
        device TEXT NOT NULL DEFAULT '{}',
        setup TEXT NOT NULL,
        summary TEXT,
        duration_s REAL NOT NULL DEFAULT 0,
        source_path TEXT,
        source_sha256 TEXT,
        source_part INTEGER,
        notes TEXT NOT NULL DEFAULT '[]',
        writer_pid INTEGER,
        writer_host TEXT,
        ended_at TEXT
    );
    CREATE UNIQUE INDEX sessions_source ON sessions (source_sha256, source_part)
        WHERE source_sha256 IS NOT NULL;
    CREATE INDEX sessions_started ON sessions (started_at);
    CREATE TABLE samples (
        session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        t REAL NOT NULL,
        bpm INTEGER NOT NULL,
        rr BLOB,
        contact INTEGER NOT NULL,
        energy_kj INTEGER,
        reason TEXT,
        PRIMARY KEY (session_id, seq)
    ) WITHOUT ROWID;
    CREATE TABLE events (
        session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        t REAL NOT NULL,
        kind TEXT NOT NULL,
        value TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX events_session ON events (session_id, t);
    CREATE TABLE cues (
        session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        t REAL NOT NULL,
        kind TEXT NOT NULL,
        message TEXT NOT NULL
    );
    CREATE INDEX cues_session ON cues (session_id, t);
    """,
    # 1 -> 2: no verdict column. A sample's verdict is the engine's to decide again from the raw
    # sample (it depends on the settings, e.g. the gap length); nothing ever read the stored one.
    "ALTER TABLE samples DROP COLUMN reason",
    # 2 -> 3: the sport a session was (an imported ride stays a ride when exported)
    """
    ALTER TABLE sessions ADD COLUMN sport TEXT NOT NULL DEFAULT '';
    ALTER TABLE sessions ADD COLUMN sub_sport TEXT NOT NULL DEFAULT ''
    """,
    # 3 -> 4: the session's own UTC offset (its local time), NULL where not known
    "ALTER TABLE sessions ADD COLUMN utc_offset_s INTEGER",
    # 4 -> 5: the live writer's lock (see `liveness`): the only sign it is alive
    "ALTER TABLE sessions ADD COLUMN writer_lock TEXT",
    # 5 -> 6: whether the start time is known (a file without a date is kept out of the weekly
    # dose until the runner gives one), and a session's positions (t, lat, lon as packed doubles)
    """
    ALTER TABLE sessions ADD COLUMN dated INTEGER NOT NULL DEFAULT 1;
    CREATE TABLE tracks (
        session_id INTEGER PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
        points BLOB NOT NULL
    )
    """,
    # 6 -> 7: a finished session's samples as one row of columns (see `blocks`); the sessions
    # logged before keep their rows, which read as before
    """
    CREATE TABLE sample_blocks (
        session_id INTEGER PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
        n INTEGER NOT NULL,
        t BLOB NOT NULL,
        bpm BLOB NOT NULL,
        contact BLOB NOT NULL,
        energy BLOB NOT NULL,
        rr_n BLOB NOT NULL,
        rr BLOB NOT NULL
    )
    """,
    # 7 -> 8: a session's check-in (see `checkins`): mood and effort before and after, 1-5 each
    # or none, and a note
    """
    CREATE TABLE checkins (
        session_id INTEGER PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
        mood_before INTEGER CHECK (mood_before BETWEEN 1 AND 5),
        mood_after INTEGER CHECK (mood_after BETWEEN 1 AND 5),
        effort_before INTEGER CHECK (effort_before BETWEEN 1 AND 5),
        effort_after INTEGER CHECK (effort_after BETWEEN 1 AND 5),
        note TEXT NOT NULL DEFAULT ''
    )
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(Exception):
    """The session log cannot be used; the message says what and where, in one line."""


def db_path() -> Path:
    return paths.data_dir() / DB_NAME


def _read_only_fs(path: Path) -> bool:
    """Whether the file system under `path` has turned read-only, as a kernel turns a disk
    after an error (SQLite then only says "disk I/O error"). ext4's emergency read-only state
    is not in the mount flags, so a probe file is tried too."""
    try:
        if os.statvfs(path.parent).f_flag & os.ST_RDONLY:
            return True
    except (OSError, AttributeError):
        return False
    probe = path.parent / f".hrcoach-probe-{os.getpid()}"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
    except OSError as exc:
        return exc.errno == errno.EROFS
    probe.unlink(missing_ok=True)
    return False


def explain(exc: BaseException, path: Path) -> str:
    """One line for an sqlite3 or OS error on the session log."""
    text = str(exc)
    low = text.lower()
    if "disk i/o error" in low and _read_only_fs(path):
        return f"{path}: the disk holding the session log has turned read-only ({text})"
    if ("readonly" in low or "read-only" in low) and path.exists() and shm_unsafe(path):
        return f"{path}: the disk is full; free some space so sessions can be saved"
    if "readonly" in low or "read-only" in low or isinstance(exc, PermissionError):
        return f"{path}: the session log is read-only ({text}); check the folder's permissions"
    if "full" in low or getattr(exc, "errno", None) == 28:
        return f"{path}: the disk is full; free some space so sessions can be saved"
    if "not a database" in low or "malformed" in low:
        return f"{path}: the session log is damaged ({text}); move it aside to start a new one"
    if "locked" in low or "busy" in low:
        return f"{path}: the session log is busy (another hrcoach is writing); try again"
    return f"{path}: cannot use the session log ({text})"


SHM_ROOM = 1 << 20  # free space below which the log is opened without its WAL index


def shm_unsafe(path: Path) -> bool:
    """Whether the disk holding the log is (nearly) full: then its WAL index cannot be set up
    safely. SQLite maps the index's -shm file into memory (the first connection truncates it
    and grows it again), and on a full ext4 disk the first write to a new page of it kills the
    process with SIGBUS (seen: every command died on a full disk). There the log is opened
    read-only and immutable (no index): it is read, and a write says the disk is full."""
    try:
        st = os.statvfs(path.parent)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < SHM_ROOM


def _full_and_there(path: Path) -> bool:
    """The log exists on a (nearly) full disk; False where that cannot be told (a folder that
    cannot be looked into: the normal opening says what is wrong)."""
    try:
        return path.exists() and shm_unsafe(path)
    except OSError:
        return False


def _wal_bytes(path: Path) -> int:
    try:
        return os.stat(f"{path}-wal").st_size
    except OSError:
        return 0


def connect(path: Path | None = None) -> sqlite3.Connection:
    """Open (creating if needed) the session log, migrated to the current schema.

    Raises StoreError with a one-line message."""
    path = path or db_path()
    if _full_and_there(path):
        if _wal_bytes(path):  # rows only the WAL holds: no honest read without it
            raise StoreError(f"{path}: the disk is full; free some space so sessions can be saved")
        return connect_read_only(path, full=True)
    try:
        paths.ensure_private_dir(path.parent)
        paths.create_private_file(path)  # WAL and SHM files inherit its 0600
        conn = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
    except paths.UnsafePath as exc:
        raise StoreError(str(exc)) from None
    except (OSError, sqlite3.Error) as exc:
        if path.exists() and isinstance(exc, OSError) and exc.errno in _READ_ONLY:
            return connect_read_only(path)  # a read-only disk: the log can still be read
        raise StoreError(explain(exc, path)) from None
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":  # e.g. a read-only file: still readable, never silently unsafe for writes
            conn.execute("PRAGMA query_only = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        migrate(conn, path)
    except sqlite3.Error as exc:
        conn.close()
        if _is_read_only(exc):  # a writable file in a read-only folder: no -wal or -shm can be made
            return connect_read_only(path)
        raise StoreError(explain(exc, path)) from None
    return conn


def _is_read_only(exc: sqlite3.Error) -> bool:
    """SQLITE_READONLY or one of its extended codes (8 in the low byte)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return (isinstance(code, int) and code & 0xFF == sqlite3.SQLITE_READONLY) or "readonly" in str(
        exc
    ).lower()


_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


def connect_read_only(path: Path, *, full: bool = False) -> sqlite3.Connection:
    """The log opened for reading only (a read-only disk or folder, or a full disk: `full`, no
    -shm is made): listing, showing and exporting still work; any write is refused by SQLite.
    Raises StoreError in one line."""
    try:
        paths.check_private_file(path)
    except paths.UnsafePath as exc:
        raise StoreError(str(exc)) from None
    except OSError as exc:
        raise StoreError(explain(exc, path)) from None
    base = path.resolve().as_uri()
    last: sqlite3.Error | None = None
    for query in ("?mode=ro&immutable=1",) if full else ("?mode=ro", "?mode=ro&immutable=1"):
        try:
            conn = sqlite3.connect(base + query, uri=True, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            last = exc
            continue
        try:
            conn.execute("PRAGMA query_only = ON")
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            conn.execute("SELECT count(*) FROM sessions").fetchone()
        except sqlite3.Error as exc:
            conn.close()
            last = exc
            continue
        if version != SCHEMA_VERSION:
            conn.close()
            raise StoreError(
                f"{path}: the session log is read-only and of schema {version} (this hrcoach reads"
                f" {SCHEMA_VERSION}); open it once where it can be written"
            )
        return conn
    raise StoreError(explain(last or sqlite3.OperationalError("unable to open"), path))


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: committed when the block ends, rolled back when it raises.

    After some errors (SQLITE_FULL among them) SQLite has already rolled back by itself; a second
    ROLLBACK would fail and hide the real error, so it is only sent when still needed. Inside
    a transaction already (several writes that must land together, e.g. every activity of one
    imported file) it is part of that one."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: written by a newer hrcoach (schema {version}, this one knows {SCHEMA_VERSION}); upgrade"
        )
    for target in range(version + 1, SCHEMA_VERSION + 1):
        with transaction(conn):
            for statement in MIGRATIONS[target - 1].split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {target}")
