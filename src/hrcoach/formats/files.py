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
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

# the XML and CSV readers (and zipfile) are imported when a file needs them: a capture, what
# `analyze` is mostly given, needs none of them
from hrcoach.formats import capture_read, hrm_read, polar_txt_read
from hrcoach.formats.bounded import CHUNK, MAX_BYTES, READ_ERRORS, WHOLE_BYTES, Bounded
from hrcoach.formats.capture import is_capture
from hrcoach.formats.recording import Recording, RecordingError
from hrcoach.text import clean

FORMATS = (
    "capture (.hrcap.jsonl), CSV (.csv), FIT (.fit), TCX (.tcx), GPX (.gpx), Polar HRM (.hrm), "
    "Polar Sensor Logger (.txt); each also gzipped (.gz) or in a .zip"
)

_BY_EXTENSION = {".fit": "fit", ".tcx": "tcx", ".gpx": "gpx", ".hrm": "hrm", ".csv": "csv"}
_XML_SKIP = re.compile(rb"<\?.*?\?>|<!--.*?-->|\s+", re.S)
_XML_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")
_XML_ROOTS = {b"TrainingCenterDatabase": "tcx", b"gpx": "gpx"}
_ZIP = b"PK\x03\x04"


def _base_name(path: Path) -> str:
    name = path.name.lower()
    return name[:-3] if name.endswith(".gz") else name


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


def _read_fit(path: Path, stream: Bounded) -> list[Recording]:
    from hrcoach.formats import fit_read  # the FIT SDK costs ~0.2 s and ~60 MB: only for FIT files

    return fit_read.read_bytes(path, stream.read_all(WHOLE_BYTES["fit"]))


def _whole_text(
    read: Callable[[Path, str], list[Recording]], kind: str
) -> Callable[[Path, Bounded], list[Recording]]:
    return lambda path, stream: read(path, _text(path, stream.read_all(WHOLE_BYTES[kind]), kind))


def _read_csv(path: Path, stream: Bounded) -> list[Recording]:
    from hrcoach.formats import csv_read

    text = io.TextIOWrapper(io.BufferedReader(stream, CHUNK), encoding="utf-8-sig", newline="")
    try:
        return [csv_read.read_lines(path, text)]
    except UnicodeDecodeError:
        raise RecordingError(f"{path}: not a text file") from None


def _read_tcx(path: Path, stream: Bounded) -> list[Recording]:
    from hrcoach.formats import tcx_read

    return tcx_read.read_chunks(path, stream.chunks())


def _read_gpx(path: Path, stream: Bounded) -> list[Recording]:
    from hrcoach.formats import gpx_read

    return gpx_read.read_chunks(path, stream.chunks())


_READERS: dict[str, Callable[[Path, Bounded], list[Recording]]] = {
    "fit": _read_fit,
    "tcx": _read_tcx,
    "gpx": _read_gpx,
    "hrm": _whole_text(hrm_read.read_text, "hrm"),
    "polar-txt": _whole_text(polar_txt_read.read_text, "polar-txt"),
    "csv": _read_csv,
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
    try:
        with open(path, "rb") as plain:
            if plain.read(4) == _ZIP:
                return _from_zip(path)
            plain.seek(0)
            if path.name.lower().endswith(".gz"):
                with gzip.GzipFile(fileobj=plain) as packed:
                    return _from_stream(path, path, Bounded(packed, path, unpacked=True))
            return _from_stream(path, path, Bounded(plain, path))
    except OSError as exc:
        raise RecordingError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _from_stream(path: Path, name: Path, stream: Bounded) -> list[Recording]:
    """`stream` read as the format its content (or else `name`'s extension) shows."""
    kind = sniff(stream.head()) or _BY_EXTENSION.get(Path(_base_name(name)).suffix)
    if kind not in _READERS:
        raise RecordingError(f"{path}: unknown format; hrcoach reads {FORMATS}")
    return _READERS[kind](path, stream)


def _from_zip(path: Path) -> list[Recording]:
    """Every recording in a .zip (a Garmin Connect "export original" is a FIT in a zip), in time
    order; members that are no recording (a manifest, a folder) are passed over. The whole zip
    is one file: one member that cannot be read refuses it, named as `zip:member`; the members
    unpack to MAX_BYTES in all."""
    import zipfile

    try:
        archive = zipfile.ZipFile(path)
        members = [m for m in archive.infolist() if not m.filename.endswith("/")]  # is_dir() fails on ""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, *READ_ERRORS) as exc:
        raise RecordingError(f"{path}: not a readable zip file ({clean(exc, 100)})") from None
    recs: list[Recording] = []
    total = 0
    with archive:
        for member in members:
            name = clean(member.filename, 200)
            label = Path(f"{path}:{name}")
            try:
                with archive.open(member) as packed:
                    stream = Bounded(packed, label, MAX_BYTES - total, unpacked=True)
                    if name.lower().endswith(".gz"):
                        with gzip.GzipFile(fileobj=stream) as inner:
                            stream = Bounded(inner, label, MAX_BYTES - total, unpacked=True)
                            recs += _member(label, name, stream)
                    else:
                        recs += _member(label, name, stream)
            except RecordingError:
                raise
            except (zipfile.BadZipFile, NotImplementedError, *READ_ERRORS) as exc:
                raise RecordingError(f"{label}: cannot read from the zip ({clean(exc, 100)})") from None
            total += stream.read_so_far
    if not recs:
        listed = ", ".join(clean(m.filename, 60) for m in members[:5]) or "nothing"
        raise RecordingError(f"{path}: no recording in this zip (it holds {listed})")
    recs.sort(key=lambda r: (r.started_at is None, r.started_at or datetime.min.replace(tzinfo=UTC)))
    return recs


def _member(label: Path, name: str, stream: Bounded) -> list[Recording]:
    head = stream.head()
    if head.startswith(_ZIP):
        raise RecordingError(f"{label}: a zip inside a zip; unzip it first")
    if sniff(head) is None and Path(_base_name(Path(name))).suffix not in _BY_EXTENSION:
        return []
    return _from_stream(label, Path(name), stream)


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
