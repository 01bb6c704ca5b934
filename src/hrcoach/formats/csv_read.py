"""Simple CSV: `t_s,bpm[,rr_ms[,...]]`, an optional header row; several RR values in the third
column are separated by spaces, `;` or `|`. Columns a header names `time_utc` (ISO 8601, as
hrcoach exports it) and `contact` (`detected`, `not_detected`, empty) give the start time (the
first row's time minus its `t_s`) and the strap's skin contact."""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from hrcoach.formats import bounded
from hrcoach.formats.capture import MAX_T_S
from hrcoach.formats.recording import Recording, RecordingError
from hrcoach.formats.tcx_read import parse_time
from hrcoach.models import Event, HeartRateSample, SensorContact

_RR_SPLIT = re.compile(r"[ ;|]+")


def _number(text: str) -> float | None:
    """A finite number, or None (NaN and infinities are not measurements)."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _rows(path: Path, text: IO[str]) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells); what the csv module refuses (a cell over its 128 KiB field limit,
    a NUL) is a RecordingError naming the line."""
    reader = csv.reader(line for _, line in bounded.short_lines(path, text))
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as exc:
        raise RecordingError(f"{path}:{reader.line_num}: not readable as CSV ({exc})") from None


def read_lines(path: Path, text: IO[str]) -> Recording:
    """A CSV recording read from a text stream, line by line (never held whole)."""
    events: list[Event] = []
    started_at: datetime | None = None
    time_col: int | None = None
    contact_col: int | None = None
    beats = 0
    for lineno, row in _rows(path, text):
        cells = [c.strip() for c in row]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        if lineno == 1 and _number(cells[0]) is None:
            names = [c.lower() for c in cells]
            time_col = names.index("time_utc") if "time_utc" in names else None
            contact_col = names.index("contact") if "contact" in names else None
            continue  # header row
        if len(cells) < 2:
            raise RecordingError(f"{path}:{lineno}: expected t_s,bpm[,rr_ms], got {len(cells)} column(s)")
        t, bpm = _number(cells[0]), _number(cells[1])
        if t is None or not 0 <= t <= MAX_T_S:
            raise RecordingError(
                f"{path}:{lineno}: t_s must be a number of seconds from 0 to {MAX_T_S:.0f}, got {cells[0]!r}"
            )
        if bpm is None or not 0 <= bpm <= 1000 or bpm != int(bpm):
            raise RecordingError(f"{path}:{lineno}: bpm must be a whole number >= 0, got {cells[1]!r}")
        rr: tuple[float, ...] = ()
        if len(cells) > 2 and cells[2]:
            values = [_number(v) for v in _RR_SPLIT.split(cells[2]) if v]
            if any(v is None or v <= 0 for v in values):
                raise RecordingError(f"{path}:{lineno}: rr_ms must be positive numbers, got {cells[2]!r}")
            rr = tuple(v for v in values if v is not None)
        if started_at is None and time_col is not None and len(cells) > time_col:
            when = parse_time(cells[time_col])
            if when is None:
                raise RecordingError(
                    f"{path}:{lineno}: time_utc must be an ISO 8601 time, got {cells[time_col]!r}"
                )
            started_at = when - timedelta(seconds=t)
        contact = SensorContact.NOT_SUPPORTED
        if contact_col is not None and len(cells) > contact_col and cells[contact_col]:
            try:
                contact = SensorContact(cells[contact_col].lower())
            except ValueError:
                said = cells[contact_col]
                raise RecordingError(
                    f"{path}:{lineno}: contact must be detected, not_detected or empty, got {said!r}"
                ) from None
        events.append(HeartRateSample(t, int(bpm), rr, contact))
        bounded.count(path, len(events))
        beats += len(rr)
        bounded.count_rr(path, beats)
    if not events:
        raise RecordingError(f"{path}: no heart-rate rows found")
    return Recording(str(path), "csv", events, started_at)
