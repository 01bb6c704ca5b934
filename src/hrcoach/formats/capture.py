"""The capture format (`*.hrcap.jsonl`): a strap's raw notifications, byte for byte.

First line a header `{"hrcoach_capture": 1, "device": {...}, "started_at": "<UTC ISO-8601>"}`,
then one event a line: `{"t": 1.002, "hrm": "163c1104"}` (raw 0x2A37 payload in hex),
`{"t": 300.2, "link": "disconnected"}` or `{"t": 0.5, "battery": 87}`. `t` is seconds since
the start. Files ending in `.gz` are read and written gzip-compressed.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from hrcoach.formats import bounded
from hrcoach.formats.recording import RecordingError
from hrcoach.models import BatteryRead, LinkChanged, LinkState
from hrcoach.text import clean, clean_device

FORMAT_VERSION = 1
SUFFIX = ".hrcap.jsonl"
MAX_T_S = 30 * 24 * 3600.0  # no session is longer than a month: a larger `t` is damage


class CaptureError(ValueError):
    """A capture that cannot be read; the message is `path:line: what is wrong`."""


@dataclass(frozen=True, slots=True)
class RawNotification:
    """A 0x2A37 notification as the strap sent it."""

    t: float
    data: bytes


CaptureEvent = RawNotification | LinkChanged | BatteryRead


@dataclass(frozen=True, slots=True)
class CaptureHeader:
    started_at: datetime
    device: dict[str, Any]


def is_capture(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith((SUFFIX, SUFFIX + ".gz"))


def _create_text(path: Path) -> tuple[IO[str], IO[bytes]]:
    """A new capture file, 0600, as (text stream, file): never one that exists (a recording is
    never replaced) and never through a symbolic link. Raises FileExistsError or another OSError.
    Close the text stream, then the file (a gzip stream leaves its file open)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    raw = os.fdopen(fd, "wb")
    if path.name.lower().endswith(".gz"):
        return io.TextIOWrapper(gzip.GzipFile(fileobj=raw, mode="wb"), encoding="utf-8"), raw
    return io.TextIOWrapper(raw, encoding="utf-8"), raw


def _parse_header(path: Path, line: str) -> CaptureHeader:
    where = f"{path}:1"
    obj = _json(where, line, "header is not JSON")
    if not isinstance(obj, dict) or "hrcoach_capture" not in obj:
        raise CaptureError(f"{where}: not a capture header (no 'hrcoach_capture' key)")
    if obj["hrcoach_capture"] != FORMAT_VERSION:
        raise CaptureError(f"{where}: capture version {obj['hrcoach_capture']!r} is not supported")
    device = obj.get("device", {})
    if not isinstance(device, dict):
        raise CaptureError(f"{where}: 'device' must be an object")
    raw_start = obj.get("started_at")
    try:
        started = datetime.fromisoformat(str(raw_start))
        started = started.replace(tzinfo=UTC) if started.tzinfo is None else started.astimezone(UTC)
    except (ValueError, OverflowError):
        raise CaptureError(f"{where}: 'started_at' {raw_start!r} is not an ISO-8601 time") from None
    return CaptureHeader(started_at=started, device=clean_device(device))


def _json(where: str, line: str, what: str) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise CaptureError(f"{where}: {what} ({exc.msg})") from None
    except (ValueError, RecursionError):  # a number too long to convert, nesting too deep
        raise CaptureError(f"{where}: {what} (too large or too deeply nested)") from None


def _parse_event(path: Path, lineno: int, line: str) -> CaptureEvent:
    """The event on line `lineno`. Most lines are a notification at a float `t`: those are taken
    here; anything else (and any error, said with its line) goes through `_checked_event`."""
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        obj = None
    if type(obj) is dict:
        t, value = obj.get("t"), obj.get("hrm")
        if type(t) is float and 0 <= t <= MAX_T_S and type(value) is str:
            try:
                return RawNotification(t, bytes.fromhex(value))
            except ValueError:
                pass
    return _checked_event(f"{path}:{lineno}", line)


def _checked_event(where: str, line: str) -> CaptureEvent:
    obj = _json(where, line, "not JSON")
    if not isinstance(obj, dict):
        raise CaptureError(f"{where}: an event must be a JSON object")
    t = obj.get("t")
    if isinstance(t, bool) or not isinstance(t, int | float) or not 0 <= t <= MAX_T_S or math.isnan(t):
        shown = t if not isinstance(t, int) or abs(t) < 10**20 else "a huge number"
        raise CaptureError(f"{where}: 't' must be a number of seconds from 0 to {MAX_T_S:.0f}, got {shown!r}")
    t = float(t)
    if "hrm" in obj:
        value = obj["hrm"]
        try:
            data = bytes.fromhex(value) if isinstance(value, str) else None
        except ValueError:
            data = None
        if data is None:
            raise CaptureError(f"{where}: 'hrm' must be a hex string, got {value!r}")
        return RawNotification(t, data)
    if "link" in obj:
        try:
            return LinkChanged(t, LinkState(obj["link"]), clean(obj.get("detail", ""), 200))
        except ValueError:
            raise CaptureError(f"{where}: unknown link state {obj['link']!r}") from None
    if "battery" in obj:
        pct = obj["battery"]
        if isinstance(pct, bool) or not isinstance(pct, int) or not 0 <= pct <= 100:
            raise CaptureError(f"{where}: 'battery' must be a whole percent 0-100, got {pct!r}")
        return BatteryRead(t, pct)
    raise CaptureError(f"{where}: event has none of 'hrm', 'link', 'battery'")


def _open_bounded(path: Path) -> IO[str]:
    """A capture opened for reading: gzip-unpacked to at most MAX_BYTES (a 3 MB file can unpack
    to gigabytes), read as UTF-8 text."""
    binary: IO[bytes] = open(path, "rb")  # noqa: SIM115 (closed with the text stream)
    packed = path.name.lower().endswith(".gz")
    if packed:
        binary = gzip.GzipFile(fileobj=binary)  # type: ignore[assignment]
    stream = io.BufferedReader(bounded.Bounded(binary, path, unpacked=packed))
    return io.TextIOWrapper(stream, encoding="utf-8")


def _lines(path: Path, fh: IO[str]) -> Iterator[tuple[int, str]]:
    """The capture's lines within the line bounds; a bound passed (bytes, line length, lines) or
    a damaged gzip (which `Bounded` reports) is a CaptureError."""
    try:
        yield from bounded.short_lines(path, fh)
    except RecordingError as exc:
        raise CaptureError(str(exc).replace("not a recording", "not a capture")) from None


def iter_capture(path: Path) -> tuple[CaptureHeader, Iterator[CaptureEvent]]:
    """Open a capture: its header, and its events read lazily in file order.

    Raises CaptureError (or OSError for a file that cannot be opened)."""
    fh = _open_bounded(path)
    try:
        lines = _lines(path, fh)
        first = next((line for _, line in lines), "")
    except (OSError, EOFError, UnicodeDecodeError, zlib.error) as exc:
        fh.close()
        raise CaptureError(f"{path}:1: unreadable ({exc})") from None
    except CaptureError:
        fh.close()
        raise
    if not first.strip():
        fh.close()
        raise CaptureError(f"{path}:1: empty file, expected a capture header")
    try:
        header = _parse_header(path, first)
    except CaptureError:
        fh.close()
        raise

    def events() -> Iterator[CaptureEvent]:
        with fh:
            lineno = 1
            try:
                for lineno, line in lines:
                    if line.strip():
                        yield _parse_event(path, lineno, line)
            except (OSError, EOFError, UnicodeDecodeError, zlib.error) as exc:
                raise CaptureError(f"{path}:{lineno + 1}: unreadable ({exc})") from None

    return header, events()


def read_capture(path: Path) -> tuple[CaptureHeader, list[CaptureEvent]]:
    header, events = iter_capture(path)
    return header, list(events)


class CaptureWriter:
    """Writes a capture as events arrive, flushing to disk at least every second of `t`.

    With `device=None` the header waits for `set_device()` (a live strap is known only once
    connected); events before that are held in memory and written right after the header.
    `close()` writes a header with an empty device if none came."""

    def __init__(
        self,
        path: Path,
        *,
        started_at: datetime,
        device: dict[str, Any] | None = None,
        flush_every_s: float = 1.0,
    ) -> None:
        self.path = path
        self._fh, self._file = _create_text(path)
        self._flush_every = flush_every_s
        self._last_flush_t = 0.0
        self._started_at = started_at
        self._pending: list[CaptureEvent] | None = []
        self.notifications = 0  # 0x2A37 notifications written so far
        if device is not None:
            self.set_device(device)

    def set_device(self, device: dict[str, Any]) -> None:
        """Write the header naming the device, then any events held back. Later calls do nothing."""
        if self._pending is None:
            return
        header = {
            "hrcoach_capture": FORMAT_VERSION,
            "device": device,
            "started_at": self._started_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        }
        self._write(header)
        pending, self._pending = self._pending, None
        for event in pending:
            self.write(event)
        self._fh.flush()

    def _write(self, obj: dict[str, Any]) -> None:
        self._fh.write(json.dumps(obj, separators=(", ", ": ")) + "\n")

    def _after(self, t: float) -> None:
        if t - self._last_flush_t >= self._flush_every:
            self._fh.flush()
            self._last_flush_t = t

    def write(self, event: CaptureEvent) -> None:
        if self._pending is not None:
            self._pending.append(event)
            return
        t = round(event.t, 3)
        if isinstance(event, RawNotification):
            self.notifications += 1
            self._write({"t": t, "hrm": event.data.hex()})
        elif isinstance(event, LinkChanged):
            obj: dict[str, Any] = {"t": t, "link": event.state.value}
            if event.detail:
                obj["detail"] = event.detail
            self._write(obj)
        else:
            self._write({"t": t, "battery": event.percent})
        self._after(event.t)

    def close(self) -> None:
        if not self._fh.closed:
            self.set_device({})
            self._fh.flush()
            self._fh.close()
            self._file.close()

    def __enter__(self) -> CaptureWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
