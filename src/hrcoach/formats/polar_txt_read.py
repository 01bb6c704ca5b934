"""Polar Sensor Logger text export (`*.txt`): a header line `Phone timestamp;HR [bpm]` (more
columns may follow), then one `;`-separated row a reading. Recognised by its header line.

Rows with 0 bpm are kept as no-value samples (no skin contact). An RR column (`RR-interval [ms]`
or `HRV [ms]`, several values separated by spaces) fills rr_ms; a file with RR but no HR column
gets bpm from each RR interval. Phone timestamps are local time with no zone: taken as UTC.

A PPI file (an optical sensor's `PP-interval [ms]`, one interval a row) has more: its rows come
to the phone in batches, several under one phone timestamp, so each row's time is its `sensor
timestamp [ns]` (from the first row's phone time); a row the sensor flags (`blocker` 1: movement)
is a no-value sample without its interval, and `contact`/`contact supported` give skin contact.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hrcoach.formats import bounded
from hrcoach.formats.recording import Recording, RecordingError, plural
from hrcoach.models import Event, HeartRateSample, SensorContact

HEADER = "phone timestamp"


def is_polar_txt(text: str) -> bool:
    return text.lstrip("\ufeff").lstrip()[: len(HEADER)].lower() == HEADER


def _rr(cell: str) -> tuple[float, ...] | None:
    try:
        values = tuple(float(v) for v in cell.split())
    except ValueError:
        return None
    return values if all(0 < v < 65536 for v in values) else None


def _column(header: list[str], name: str) -> int | None:
    return next((i for i, c in enumerate(header) if c == name or c.startswith(name + " [")), None)


def _cell(cells: list[str], col: int | None) -> str:
    return cells[col] if col is not None and col < len(cells) else ""


def read_text(path: Path, text: str) -> list[Recording]:
    lines = bounded.lines(text.lstrip("\ufeff"))
    first = next(lines, "")
    if not is_polar_txt(first):
        raise RecordingError(f"{path}: not a Polar Sensor Logger file (no 'Phone timestamp' header)")
    header = [c.strip().lower() for c in first.split(";")]
    hr_col = next((i for i, c in enumerate(header) if c.startswith("hr ") and "bpm" in c), None)
    rr_col = next((i for i, c in enumerate(header) if c.startswith(("rr", "hrv", "pp")) and "ms" in c), None)
    if hr_col is None and rr_col is None:
        raise RecordingError(f"{path}:1: no 'HR [bpm]', RR or PP-interval column in the header")
    sensor_col = _column(header, "sensor timestamp")
    blocker_col, contact_col, supported_col = (
        _column(header, n) for n in ("blocker", "contact", "contact supported")
    )
    events: list[Event] = []
    t0: datetime | None = None
    first_ns: int | None = None
    last = -1.0
    zeros = back = beats = blocked = 0
    for lineno, line in enumerate(lines, start=2):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split(";")]
        try:
            when = datetime.fromisoformat(cells[0])
            when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        except (ValueError, OverflowError):
            raise RecordingError(f"{path}:{lineno}: bad timestamp {cells[0]!r}") from None
        rr: tuple[float, ...] = ()
        if rr_cell := _cell(cells, rr_col):
            found = _rr(rr_cell)
            if found is None:
                raise RecordingError(f"{path}:{lineno}: bad RR value {rr_cell!r}")
            rr = found
        if _cell(cells, blocker_col) == "1":  # the sensor says this interval is not to be trusted
            rr, blocked = (), blocked + 1
        contact = SensorContact.NOT_SUPPORTED
        if _cell(cells, supported_col) == "1":
            seen = _cell(cells, contact_col) == "1"
            contact = SensorContact.DETECTED if seen else SensorContact.NOT_DETECTED
        if hr_col is not None:
            cell = _cell(cells, hr_col)
            try:
                value = float(cell or "0")
            except ValueError:
                raise RecordingError(f"{path}:{lineno}: bpm must be a number, got {cell!r}") from None
            if not 0 <= value < 256:
                raise RecordingError(f"{path}:{lineno}: bpm out of range: {cell!r}")
            bpm = round(value)
        else:
            bpm = round(60000 / rr[-1]) if rr else 0
        t0 = t0 or when
        t = (when - t0).total_seconds()
        if sensor_col is not None:
            try:
                ns = int(_cell(cells, sensor_col))
            except ValueError:
                raise RecordingError(
                    f"{path}:{lineno}: bad sensor timestamp {_cell(cells, sensor_col)!r}"
                ) from None
            first_ns = ns if first_ns is None else first_ns
            t = (ns - first_ns) / 1e9
        if t <= last:
            back += 1
            continue
        last = t
        zeros += bpm == 0
        events.append(HeartRateSample(t, bpm, rr, contact))
        bounded.count(path, len(events))
        beats += len(rr)
        bounded.count_rr(path, beats)
    if not any(isinstance(e, HeartRateSample) and e.bpm for e in events):
        raise RecordingError(f"{path}: no heart-rate data in this Polar Sensor Logger file")
    notes = ["start time is the phone's local time (time zone unknown), taken as UTC"]
    if zeros:
        notes.append(f"{plural(zeros, 'row')} with 0 bpm (no contact) kept as no-value samples")
    if back:
        notes.append(f"{plural(back, 'row')} with a repeated or backwards timestamp dropped")
    if blocked:
        notes.append(
            f"{plural(blocked, 'interval')} the sensor flagged (blocker: movement) kept as no-value samples"
        )
    return [Recording(str(path), "polar-txt", events, t0, {"name": "Polar (Sensor Logger)"}, notes)]
