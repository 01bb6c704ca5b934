"""`-v/--verbose` and `--log-file PATH`: logging for Bluetooth trouble.

hrcoach logs nothing by default. `-v` logs hrcoach's own messages (link states with times, scan
results, connect and reconnect timings, every error with the stack's own detail); `-vv` adds
debug detail and bleak's own logger at debug. They go to `--log-file` when given, else to
standard error; on the Textual screen (which standard error would garble) to `hrcoach.log` in
the data folder, said once the screen is closed.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TextIO

from hrcoach import paths

FORMAT = "%(asctime)s.%(msecs)03d %(levelname)-7s %(name)s: %(message)s"
DATE = "%Y-%m-%d %H:%M:%S"


class SafeFormatter(logging.Formatter):
    """Control characters in a message (a device's name quoted by bleak, say) are written as
    escapes, so reading the log in a terminal cannot be an attack."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return "".join(
            ch if ch == "\n" or (ch.isprintable() and ch != "\x7f") else f"\\x{ord(ch):02x}" for ch in text
        )


class LogFileError(Exception):
    """The log file cannot be opened; the message says which and why."""


def default_file() -> Path:
    return paths.data_dir() / "hrcoach.log"


def _open(path: Path) -> TextIO:
    """Append to `path`, created 0600; a symlink is refused rather than followed."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        raise LogFileError(f"{path}: cannot write the log ({exc.strerror or exc})") from None
    return os.fdopen(fd, "a", encoding="utf-8", buffering=1)


def setup(verbose: int, log_file: str | None, *, screen: bool) -> Path | None:
    """Configure logging for this run; returns the file logged to (None: standard error or off)."""
    if not verbose and not log_file:
        return None
    target = Path(log_file) if log_file else (default_file() if screen else None)
    if target is not None and not log_file:
        paths.ensure_private_dir(target.parent)
    stream = _open(target) if target is not None else sys.stderr
    handler = logging.StreamHandler(stream)
    handler.setFormatter(SafeFormatter(FORMAT, DATE))
    level = logging.DEBUG if verbose >= 2 else logging.INFO
    ours = logging.getLogger("hrcoach")
    ours.setLevel(level)
    ours.addHandler(handler)
    bleak = logging.getLogger("bleak")  # its warnings with -v, everything with -vv
    bleak.setLevel(logging.DEBUG if verbose >= 2 else logging.WARNING)
    bleak.addHandler(handler)
    from hrcoach import __version__

    ours.info(
        "hrcoach %s, Python %s, %s; argv %s", __version__, sys.version.split()[0], sys.platform, sys.argv[1:]
    )
    return target
