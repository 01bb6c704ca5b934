"""Whether the process writing an open session is still alive, decided by a lock the operating
system releases when that process dies, never by a PID or a host name (PIDs are reused after a
reboot, and a home shared over a network file system is written from hosts of other names).

The writer of a live session takes an exclusive `flock` on a lock file of its own (`locks/` beside
the log, named by a random token the session row keeps) *before* it creates the session row, and
holds it until the session is closed. Another command that can take the same lock knows the
writer is gone. Where `fcntl` does not exist (Windows) no lock is taken and the caller falls
back to what it knew before.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from hrcoach import paths

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

SUPPORTED = fcntl is not None


def lock_dir(db_path: Path) -> Path:
    return db_path.parent / "locks"


class WriterLock:
    """The live writer's lock, held from before its session row exists until `release()`."""

    def __init__(self, folder: Path) -> None:
        assert fcntl is not None
        paths.ensure_private_dir(folder)
        self.token = secrets.token_hex(12)
        self.path = folder / f"{self.token}.lock"
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def release(self) -> None:
        if self._fd is None:
            return
        # before the unlock: no one takes a lock on a stale name. On a disk gone read-only the
        # file stays: a stale lock file is harmless, the next command that can write removes it.
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)
        assert fcntl is not None
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None


def take(folder: Path) -> WriterLock | None:
    """A new writer lock, or None where locks are not supported or the folder refuses one."""
    if not SUPPORTED:
        return None
    try:
        return WriterLock(folder)
    except OSError:
        return None


def writer_alive(folder: Path, token: str) -> bool:
    """Whether the writer holding lock `token` still runs: its lock cannot be taken. A lock file
    that is gone belongs to a writer that closed (or was recovered) already."""
    assert fcntl is not None
    if not token.isalnum():
        return False
    path = folder / f"{token}.lock"
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases a lock this process took
    path.unlink(missing_ok=True)  # its writer is gone
    return False
