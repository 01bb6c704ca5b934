"""Which reader reads a file: the one dispatch that every importer plugs into.

The content decides where it is cheap to tell (`.FIT` at byte 8, the XML root element, a
`[Params]` or `Phone timestamp` first line), else the extension; `.gz` works for every format.
A file may hold several activities (multisport FIT, several TCX activities or GPX tracks):
`load_recordings` returns each, in time order; `load_recording` the first, with a note.
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from hrcoach.formats import (
    capture_read,
    csv_read,
    gpx_read,
    hrm_read,
    polar_txt_read,
    tcx_read,
)
from hrcoach.formats.capture import is_capture
from hrcoach.formats.recording import Recording, RecordingError
from hrcoach.text import clean

FORMATS = (
    "capture (.hrcap.jsonl), CSV (.csv), FIT (.fit), TCX (.tcx), GPX (.gpx), Polar HRM (.hrm), "
    "Polar Sensor Logger (.txt); each also gzipped (.gz) or in a .zip"
)
MAX_BYTES = 256 * 1024 * 1024  # far beyond any recording; a bound for gzip bombs
CHUNK = 256 * 1024

_BY_EXTENSION = {".fit": "fit", ".tcx": "tcx", ".gpx": "gpx", ".hrm": "hrm", ".csv": "csv"}
_XML_SKIP = re.compile(rb"<\?.*?\?>|<!--.*?-->|\s+", re.S)
_XML_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")
_XML_ROOTS = {b"TrainingCenterDatabase": "tcx", b"gpx": "gpx"}


def _base_name(path: Path) -> str:
    name = path.name.lower()
    return name[:-3] if name.endswith(".gz") else name


def _raw(path: Path) -> bytes:
    try:
        if path.name.lower().endswith(".gz"):
            with gzip.open(path, "rb") as packed:
                raw = _read_at_most(packed, MAX_BYTES + 1)
        else:
            with open(path, "rb") as plain:
                raw = _read_at_most(plain, MAX_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise RecordingError(f"{path}: cannot read ({exc})") from None
    if len(raw) > MAX_BYTES:
        raise RecordingError(f"{path}: too large for a recording (over {MAX_BYTES // 2**20} MiB)")
    return raw


def _read_at_most(f: gzip.GzipFile | IO[bytes], limit: int) -> bytes:
    """Up to `limit` bytes, in chunks: `read(limit)` would set aside `limit` bytes for any file
    (256 MiB for a 243-byte one, seen under tracemalloc)."""
    chunks: list[bytes] = []
    got = 0
    while got < limit:
        chunk = f.read(min(CHUNK, limit - got))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _text(path: Path, raw: bytes, kind: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        if kind == "hrm":  # Polar's own software wrote Windows-1252 notes
            return raw.decode("cp1252", "replace")
        raise RecordingError(f"{path}: not a text file") from None


def sniff(raw: bytes) -> str | None:
    """The format the content shows, where that is cheap to tell; None when it does not."""
    if len(raw) >= 12 and raw[8:12] == b".FIT":
        return "fit"
    head = raw[:4096].removeprefix(b"\xef\xbb\xbf")
    if head.lstrip().startswith(b"<"):
        pos = 0
        while m := _XML_SKIP.match(head, pos):
            if m.end() == pos:
                break
            pos = m.end()
        root = _XML_ROOT.match(head, pos)
        return _XML_ROOTS.get(root.group(1)) if root else None
    text = head.decode("utf-8", "ignore")
    if hrm_read.is_hrm(text):
        return "hrm"
    if polar_txt_read.is_polar_txt(text):
        return "polar-txt"
    return None


def _read_fit(path: Path, raw: bytes) -> list[Recording]:
    from hrcoach.formats import fit_read  # the FIT SDK costs ~0.2 s and ~60 MB: only for FIT files

    return fit_read.read_bytes(path, raw)


_BYTE_READERS: dict[str, Callable[[Path, bytes], list[Recording]]] = {
    "fit": _read_fit,
    "tcx": tcx_read.read_bytes,
    "gpx": gpx_read.read_bytes,
}
_TEXT_READERS: dict[str, Callable[[Path, str], list[Recording]]] = {
    "hrm": hrm_read.read_text,
    "polar-txt": polar_txt_read.read_text,
    "csv": lambda path, text: [csv_read.read_text(path, text)],
}


def load_recordings(path: Path) -> list[Recording]:
    """Every activity in a supported file, in time order (at least one).

    Raises RecordingError with a one-line message starting with the path.
    """
    if not path.exists():
        raise RecordingError(f"{path}: no such file")
    if path.is_dir():
        raise RecordingError(f"{path}: is a directory, not a recording")
    if is_capture(path):
        return [capture_read.read(path)]
    raw = _raw(path)
    if raw.startswith(b"PK\x03\x04"):
        return _from_zip(path, raw)
    return _from_bytes(path, path, raw)


def _from_bytes(path: Path, name: Path, raw: bytes) -> list[Recording]:
    """`raw` read as the format its content (or else `name`'s extension) shows."""
    kind = sniff(raw) or _BY_EXTENSION.get(Path(_base_name(name)).suffix)
    if kind in _BYTE_READERS:
        return _BYTE_READERS[kind](path, raw)
    if kind in _TEXT_READERS:
        return _TEXT_READERS[kind](path, _text(path, raw, kind))
    raise RecordingError(f"{path}: unknown format; hrcoach reads {FORMATS}")


def _from_zip(path: Path, raw: bytes) -> list[Recording]:
    """Every recording in a .zip (a Garmin Connect "export original" is a FIT in a zip), in time
    order; members that are no recording (a manifest, a folder) are passed over. The whole zip
    is one file: one member that cannot be read refuses it, named as `zip:member`."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        ValueError,
        OSError,
        EOFError,
    ) as exc:
        raise RecordingError(f"{path}: not a readable zip file ({clean(exc, 100)})") from None
    recs: list[Recording] = []
    total = 0
    for member in members:
        name = clean(member.filename, 200)
        label = Path(f"{path}:{name}")
        try:
            with archive.open(member) as packed:
                data = _read_at_most(packed, MAX_BYTES - total + 1)
            if name.lower().endswith(".gz"):
                with gzip.GzipFile(fileobj=io.BytesIO(data)) as inner:
                    data = _read_at_most(inner, MAX_BYTES - total + 1)
        except (
            zipfile.BadZipFile,
            NotImplementedError,
            RuntimeError,
            ValueError,
            OSError,
            EOFError,
            zlib.error,
        ) as exc:
            raise RecordingError(f"{label}: cannot read from the zip ({clean(exc, 100)})") from None
        total += len(data)
        if total > MAX_BYTES:
            big = MAX_BYTES // 2**20
            raise RecordingError(f"{path}: too large for a recording (over {big} MiB unpacked)")
        if data.startswith(b"PK\x03\x04"):
            raise RecordingError(f"{label}: a zip inside a zip; unzip it first")
        if sniff(data) is None and Path(_base_name(Path(name))).suffix not in _BY_EXTENSION:
            continue
        recs += _from_bytes(label, Path(name), data)
    if not recs:
        listed = ", ".join(clean(m.filename, 60) for m in members[:5]) or "nothing"
        raise RecordingError(f"{path}: no recording in this zip (it holds {listed})")
    recs.sort(key=lambda r: (r.started_at is None, r.started_at or datetime.min.replace(tzinfo=UTC)))
    return recs


def load_recording(path: Path) -> Recording:
    """The first activity of any supported file; a note says when the file holds more.

    Raises RecordingError with a one-line message starting with the path.
    """
    recs = load_recordings(path)
    first = recs[0]
    if len(recs) > 1:
        first.notes.append(
            f"file holds {len(recs)} activities; analysing the first; `hrcoach import` imports all"
        )
    return first
