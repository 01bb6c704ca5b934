"""Where hrcoach keeps its files. The only module that calls platformdirs.

`HRCOACH_HOME` overrides every location (tests use it). Nothing is created at import time.
"""

from __future__ import annotations

import os
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
    log on a full or read-only disk."""
    home = _home()
    if home:
        return [home / "data" / "recovery", home / "recovery"]
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return [
        data_dir() / "recovery",
        Path(platformdirs.user_cache_dir(APP)) / "recovery",
        Path(tempfile.gettempdir()) / f"hrcoach-recovery-{uid}",
    ]


def profile_path() -> Path:
    return config_dir() / "profile.toml"


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) if needed and make it 0700."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write `path` atomically as a 0600 file, creating its folder (0700) when needed."""
    ensure_private_dir(path.parent)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
