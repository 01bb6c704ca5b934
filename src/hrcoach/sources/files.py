"""Which reader reads a file: the one dispatch that every importer plugs into."""

from __future__ import annotations

import gzip
from pathlib import Path

from hrcoach.capture import is_capture
from hrcoach.sources import capture_reader, csv_reader
from hrcoach.sources.recording import Recording, RecordingError

FORMATS = "capture (.hrcap.jsonl), CSV (.csv)"


def _base_name(path: Path) -> str:
    name = path.name.lower()
    return name[:-3] if name.endswith(".gz") else name


def _text(path: Path) -> str:
    try:
        raw = path.read_bytes()
        if path.name.lower().endswith(".gz"):
            raw = gzip.decompress(raw)
        return raw.decode("utf-8-sig")
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise RecordingError(f"{path}: cannot read ({exc})") from None
    except UnicodeDecodeError:
        raise RecordingError(f"{path}: not a text file") from None


def load_recording(path: Path) -> Recording:
    """Read any supported recording. Raises RecordingError with a one-line message."""
    if not path.exists():
        raise RecordingError(f"{path}: no such file")
    if path.is_dir():
        raise RecordingError(f"{path}: is a directory, not a recording")
    name = _base_name(path)
    if is_capture(path):
        return capture_reader.read(path)
    if name.endswith(".csv"):
        return csv_reader.read_text(path, _text(path))
    raise RecordingError(f"{path}: unknown format; hrcoach reads {FORMATS}")
