"""Polar HRM: `[Params]` (Version, Monitor, Date, StartTime, Interval) and `[HRData]`.

Interval 238 is RR mode: each HRData line starts with one RR interval in ms and becomes a sample
at the cumulative RR time, bpm = round(60000 / rr), rr_ms = (rr,). Otherwise the first column is
the heart rate, one line every Interval seconds from t = 0 (0 = no value).
Date and StartTime are the watch's local time with no zone: they are taken as UTC, with a note.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hrcoach.formats import bounded
from hrcoach.formats.recording import Recording, RecordingError, plural
from hrcoach.models import Event, HeartRateSample

RR_MODE = 238
_MONITORS = {
    6: "S520",
    8: "S210",
    9: "S410",
    10: "S510",
    11: "S610",
    12: "S710",
    13: "S810",
    15: "E600",
    22: "S625X",
    23: "S725",
    33: "CS400",
    34: "CS600X",
    35: "CS600",
    36: "RS400",
    37: "RS800",
    38: "RS800X",
}


def is_hrm(text: str) -> bool:
    for line in bounded.lines(text):
        if line.strip():
            return line.strip().lower() == "[params]"
    return False


def _sections(path: Path, text: str) -> dict[str, list[tuple[int, str]]]:
    sections: dict[str, list[tuple[int, str]]] = {}
    current: list[tuple[int, str]] | None = None
    for lineno, raw in enumerate(bounded.lines(text), start=1):
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1].strip().lower(), [])
        elif current is not None and line:
            current.append((lineno, line))
            bounded.count(path, len(current))
    return sections


def _started_at(params: dict[str, str]) -> datetime | None:
    date, start = params.get("date", ""), params.get("starttime", "")
    try:
        day = datetime.strptime(date, "%Y%m%d")
        hms = start.split(".")[0]
        clock = datetime.strptime(hms, "%H:%M:%S") if hms else datetime.strptime("0:0:0", "%H:%M:%S")
    except ValueError:
        return None
    return day.replace(hour=clock.hour, minute=clock.minute, second=clock.second, tzinfo=UTC)


def read_text(path: Path, text: str) -> list[Recording]:
    sections = _sections(path, text)
    if "params" not in sections:
        raise RecordingError(f"{path}: not a Polar HRM file (no [Params] section)")
    params: dict[str, str] = {}
    for _, line in sections["params"]:
        key, _, text_value = line.partition("=")
        params[key.strip().lower()] = text_value.strip()
    try:
        interval = int(params.get("interval", "1"))
    except ValueError:
        raise RecordingError(f"{path}: Interval must be a whole number, got {params['interval']!r}") from None
    if interval <= 0:
        raise RecordingError(f"{path}: Interval must be positive, got {interval}")
    rows = sections.get("hrdata", [])
    events: list[Event] = []
    skipped = 0
    elapsed_ms = 0.0
    for i, (lineno, line) in enumerate(rows):
        try:
            value = float(line.split()[0])
        except ValueError:
            raise RecordingError(f"{path}:{lineno}: HRData must start with a number, got {line!r}") from None
        if interval == RR_MODE:
            if not 0 < value < 65536:
                skipped += 1
                continue
            elapsed_ms += value
            events.append(HeartRateSample(round(elapsed_ms / 1000, 3), round(60000 / value), (value,)))
        else:
            bpm = round(value) if 0 <= value < 256 else 0
            skipped += bpm == 0
            events.append(HeartRateSample(float(i * interval), bpm))
        bounded.count(path, len(events))
    if not any(isinstance(e, HeartRateSample) and e.bpm for e in events):
        raise RecordingError(f"{path}: no heart-rate data in this HRM file")
    notes: list[str] = []
    started_at = _started_at(params)
    if started_at is not None:
        notes.append("start time is the watch's local time (time zone unknown), taken as UTC")
    if skipped:
        if interval == RR_MODE:
            notes.append(f"{plural(skipped, 'RR interval')} of 0 or out of range skipped")
        else:
            notes.append(f"{plural(skipped, 'line')} with 0 bpm kept as no-value samples")
    device: dict[str, Any] = {"name": "Polar"}
    monitor = params.get("monitor", "")
    if monitor.isdigit():
        device = {
            "name": f"Polar {_MONITORS.get(int(monitor), 'monitor ' + monitor)}",
            "monitor": int(monitor),
        }
    fmt_version = params.get("version")
    if fmt_version:
        device["hrm_version"] = fmt_version
    return [Recording(str(path), "hrm", events, started_at, device, notes)]
