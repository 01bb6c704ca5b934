"""Where hrcoach keeps its files. The only module that calls platformdirs.

`HRCOACH_HOME` overrides every location (tests use it). Nothing is created at import time.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

import platformdirs

APP = "hrcoach"


def _home() -> Path | None:
    value = os.environ.get("HRCOACH_HOME")
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    home = _home()
    return home / "config" if home else Path(platformdirs.user_config_dir(APP))


def data_dir() -> Path:
    home = _home()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP))


def recovery_dirs() -> list[Path]:
    """Where rows the session log could not write are kept, in order of preference: beside the
    log, then places on other file systems as often as not (the cache, the temp folder), for a
    log on a full or read-only disk. The temp folder is the last resort under HRCOACH_HOME too."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    last = Path(tempfile.gettempdir()) / f"hrcoach-recovery-{uid}"
    home = _home()
    if home:
        return [home / "data" / "recovery", home / "recovery", last]
    return [data_dir() / "recovery", Path(platformdirs.user_cache_dir(APP)) / "recovery", last]


def profile_path() -> Path:
    return config_dir() / "profile.toml"


def plan_path() -> Path:
    return config_dir() / "plan.toml"


class UnsafePath(OSError):
    """A folder or file of hrcoach's that another user could redirect: one line, exit 2 (an
    OSError, so that whoever handles a folder that cannot be written handles this too)."""


def check_private(path: Path) -> None:
    """Refuse a folder of hrcoach's that is a symbolic link, not owned by this user, or writable
    by group or others (another local user could plant a link in it and have hrcoach write
    through it)."""
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        raise UnsafePath(f"{path}: is a symbolic link; hrcoach keeps its files in a real folder")
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafePath(f"{path}: is not a folder")
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise UnsafePath(f"{path}: belongs to another user (uid {st.st_uid}); use a folder of your own")
    if st.st_mode & 0o022:
        raise UnsafePath(
            f"{path}: other users can write in it (mode {stat.S_IMODE(st.st_mode):o}); "
            f"make it private (chmod 700 {path}) or choose another folder"
        )


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) if needed, a new folder 0700; refuse (UnsafePath) one that
    `check_private` refuses, and with HRCOACH_HOME set, every folder from it down to `path`. An
    existing folder's mode is left as its owner set it (a read-only folder stays read-only)."""
    home = _home()
    if home is not None and path.is_relative_to(home):
        folders = [home, *(home / part for part in _between(home, path))]
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        folders = [path]
    for folder in folders:  # each checked before anything is made in it
        if not os.path.lexists(folder):
            folder.mkdir(mode=0o700, parents=True)
            folder.chmod(0o700)  # mkdir's mode is masked by the umask
        check_private(folder)
    return path


def _between(home: Path, path: Path) -> list[Path]:
    rel = path.relative_to(home).parts
    return [Path(*rel[: i + 1]) for i in range(len(rel))]


def check_private_file(path: Path) -> None:
    """Refuse a file of hrcoach's that is a link, not a regular file, or another user's."""
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode):
        raise UnsafePath(f"{path}: is not a regular file (a link or a device); move it aside")
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise UnsafePath(f"{path}: belongs to another user (uid {st.st_uid}); move it aside")


def create_private_file(path: Path) -> None:
    """Make sure `path` is this user's regular 0600 file, creating it without following a link."""
    if os.path.lexists(path):
        check_private_file(path)
        return
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))


def write_private(path: Path, data: bytes) -> None:
    """Write `path` atomically and durably as a 0600 file, creating its folder (0700) when
    needed; the file is written under a new name (never through a link planted there), synced,
    and renamed over `path`. Raises OSError (UnsafePath among them) with nothing left behind."""
    ensure_private_dir(path.parent)
    tmp = path.with_name(path.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
