"""What every export writer shares: the session type, validation, binning, atomic output.

`ExportSession` is what an export needs of a stored session; `check` refuses a session no
format can hold; `emit` and `staged` write a path atomically (a temp file in the same folder,
then `os.replace`), so an export that fails leaves no half-written file and an existing file
intact.

`per_second` bins the samples into the points of TCX and FIT, which are for Garmin Connect,
Strava, intervals.icu and GoldenCheetah, platforms that read a heart rate of 0 as real. They carry
one point per whole UTC second, as a watch recording every second does: the *last* heart rate
received in that second; a single second in which no sample arrived at all, between two that have
samples, holds the previous second's heart rate (a strap notifies about once a second, and its
jitter across second boundaries would otherwise leave two samples in one second and none in the
next). Seconds whose samples have no heart rate (bpm 0, or above 254, which FIT cannot hold) get
no point, and nothing is held across them or across a silence of two seconds or more. The caller
gives only the samples the session accepted (`hrcoach export` does), so a platform sees what the
session counted, never a rejected reading. A silence longer than the session's gap length
(`max_gap_s`) stays a gap: `segments` splits the points there (a timer stop and start in FIT, a
new Track in TCX, a new segment in GPX), and the timer time leaves it out.
`summarize` gives the start, end, average and maximum over those points.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any, BinaryIO

from hrcoach import __version__
from hrcoach.formats.recording import Position
from hrcoach.models import HeartRateSample
from hrcoach.text import clean

__all__ = [
    "MAX_POINT_BPM",
    "ExportSession",
    "Second",
    "Summary",
    "check",
    "device_name",
    "emit",
    "iso_ms",
    "lap_seconds",
    "per_second",
    "segments",
    "software_version",
    "staged",
    "summarize",
    "timed_points",
    "version_parts",
]


@dataclass(frozen=True, slots=True)
class ExportSession:
    """What an export needs of a stored session.

    `started_at` is UTC-aware; each sample's `t` is seconds since then (bpm 0 = no value).
    `device` describes the strap, e.g. `{"name": "Polar H10 8C4F1E2A", "address": ...}`.
    """

    started_at: datetime
    samples: Sequence[HeartRateSample]
    device: Mapping[str, Any]
    sport: str = "running"  # as FIT names it; TCX knows running and cycling, else Other
    sub_sport: str = ""  # FIT's sub_sport (treadmill...); "" is generic
    name: str = "hrcoach session"
    max_gap_s: float = 10.0  # a silence longer than this between points is a gap
    laps: Sequence[float] = ()  # the sample times where a lap began (the first lap needs none)
    positions: Sequence[Position] = ()  # (t, lat, lon), t as the samples'; () for none
    dated: bool = True  # False: `started_at` is a placeholder (imported without a date)


MAX_POINT_BPM = 254
"""The highest heart rate a TCX/FIT point carries: FIT's uint8 `heart_rate` reserves 255."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


# ---------------------------------------------------------------- shared checks and binning


def check(session: ExportSession, *, in_order: bool = True) -> None:
    """Raise ValueError, with a message fit for the user, for a session no format can hold.

    `in_order=False` for the formats that keep every sample as recorded (CSV, capture): a sample
    stamped before the one ahead of it is written as it was, and the engine rejects it again on
    import, as it did in the session."""
    if not session.samples:
        raise ValueError("nothing to export: the session has no heart-rate samples")
    start = session.started_at
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError(f"started_at must be timezone-aware (UTC), got {start.isoformat()}")
    previous = 0.0
    for i, s in enumerate(session.samples):
        if not math.isfinite(s.t) or s.t < 0 or (in_order and s.t < previous):
            raise ValueError(
                f"sample {i}: t = {s.t!r} s; times must be finite, >= 0 and in order"
                + (f" (previous sample at {previous} s)" if i else "")
            )
        if s.bpm < 0:
            raise ValueError(f"sample {i} (t = {s.t:.3f} s): bpm {s.bpm} is negative")
        previous = s.t


def session_start_us(session: ExportSession) -> int:
    """The session's start, in microseconds since 1970 (UTC)."""
    return (session.started_at - _EPOCH) // _US


def _unix_second(start_us: int, t: float) -> int:
    return (start_us + round(t * 1_000_000)) // 1_000_000


@dataclass(frozen=True, slots=True)
class Second:
    """One whole UTC second of the session: a TCX/FIT point when it has a heart rate."""

    unix: int  # whole UTC second, seconds since 1970
    bpm: int | None  # the heart rate of this second's point, None for no point
    rr_ms: tuple[float, ...]  # every RR interval of this second's samples, in order
    where: tuple[float, float] | None = None  # latitude, longitude (degrees) in this second
    samples: tuple[tuple[int, int], ...] = ()  # (millisecond in the second, bpm) of its samples


def per_second(session: ExportSession) -> list[Second]:
    """The samples binned by whole UTC second: the points of TCX and FIT (module docstring)."""
    start_us = session_start_us(session)
    spot = {_unix_second(start_us, t): (lat, lon) for t, lat, lon in session.positions}
    out: list[Second] = []
    unix: int | None = None
    bpm: int | None = None
    rr: list[float] = []
    own: list[tuple[int, int]] = []
    for s in session.samples:
        us = start_us + round(s.t * 1_000_000)
        sec = us // 1_000_000
        if sec != unix:
            if unix is not None:
                out.append(Second(unix, bpm, tuple(rr), spot.get(unix), tuple(own)))
                if sec == unix + 2 and bpm is not None:  # one empty second: hold the value
                    out.append(Second(unix + 1, bpm, (), spot.get(unix + 1)))
            unix, bpm, rr, own = sec, None, [], []
        if 0 < s.bpm <= MAX_POINT_BPM:
            bpm = s.bpm
            ms = us % 1_000_000 // 1000
            if not own or ms > own[-1][0]:  # each millisecond once, as TCX's points
                own.append((ms, s.bpm))
        rr.extend(s.rr_ms)
    assert unix is not None
    out.append(Second(unix, bpm, tuple(rr), spot.get(unix), tuple(own)))
    return out


def iso_ms(unix_ms: int) -> str:
    """A UTC time to the millisecond, as XML's dateTime writes it."""
    whole, ms = divmod(unix_ms, 1000)
    return datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{ms:03d}Z"


Place = tuple[float, float] | None


def timed_points(session: ExportSession) -> list[tuple[int, int, int, Place]]:
    """(whole UTC second, millisecond since 1970, bpm, position) of every sample with a heart
    rate, each millisecond once (a second sample in the same millisecond is left out)."""
    start = session_start_us(session)
    spots = {t: (lat, lon) for t, lat, lon in session.positions}
    out: list[tuple[int, int, int, Place]] = []
    for s in session.samples:
        if 0 < s.bpm <= MAX_POINT_BPM:
            us = start + round(s.t * 1_000_000)
            ms = us // 1000
            if not out or ms > out[-1][1]:
                out.append((us // 1_000_000, ms, s.bpm, spots.get(s.t)))
    return out


def segments(session: ExportSession, seconds: Sequence[Second]) -> list[list[Second]]:
    """The points (seconds with a heart rate) in runs without a gap: a new run starts where the
    silence since the point before is longer than the session's gap length."""
    runs: list[list[Second]] = []
    last: int | None = None
    for sec in seconds:
        if sec.bpm is None:
            continue
        if last is None or sec.unix - last > session.max_gap_s:
            runs.append([])
        runs[-1].append(sec)
        last = sec.unix
    return runs


def lap_seconds(session: ExportSession, seconds: Sequence[Second]) -> list[list[Second]]:
    """The seconds split where each lap began (the whole session is one lap without marks);
    a lap that holds no point is left out."""
    start_us = session_start_us(session)
    cuts = sorted({_unix_second(start_us, t) for t in session.laps if math.isfinite(t)})
    laps: list[list[Second]] = [[]]
    k = 0
    for sec in seconds:
        while k < len(cuts) and sec.unix >= cuts[k]:
            laps.append([])
            k += 1
        laps[-1].append(sec)
    return [lap for lap in laps if any(s.bpm is not None for s in lap)]


@dataclass(frozen=True, slots=True)
class Summary:
    """The session totals a platform shows, over the points."""

    start: int  # unix second the session started in
    end: int  # unix second of the last sample
    avg_bpm: int
    max_bpm: int
    gap_s: int = 0  # seconds inside gaps, left out of the timer time

    @property
    def elapsed_s(self) -> int:
        return self.end - self.start

    @property
    def timer_s(self) -> int:
        return self.elapsed_s - self.gap_s


def summarize(session: ExportSession, seconds: Sequence[Second], *, start: int | None = None) -> Summary:
    """Start, end, average and maximum over the points (the values a platform shows); `start`
    (a unix second) for a lap, else the session's start."""
    rates = [s.bpm for s in seconds if s.bpm is not None]
    if not rates:
        raise ValueError(
            f"nothing to export: none of the {len(session.samples)} samples has a heart rate "
            f"(bpm 0 means no value, and a point carries at most {MAX_POINT_BPM} bpm)"
        )
    if start is None:
        start = session_start_us(session) // 1_000_000
    avg = int(sum(rates) / len(rates) + 0.5)
    runs = segments(session, seconds)
    gap_s = sum(b[0].unix - a[-1].unix for a, b in pairwise(runs))
    return Summary(start=start, end=seconds[-1].unix, avg_bpm=avg, max_bpm=max(rates), gap_s=gap_s)


def device_name(session: ExportSession) -> str:
    """The strap's name, cleaned (no control characters: XML 1.0 cannot hold them); "" when the
    session has none."""
    name = session.device.get("name")
    return clean(name) if name else ""


def software_version() -> float:
    """hrcoach's version as FIT's software_version reads it (major.minor as a decimal, so 0.1.0
    is 0.1, shown as 0.10; 1.12 is 1.12)."""
    major, minor, _ = version_parts()
    return float(f"{major}.{minor}") if minor < 100 else float(major)


def version_parts() -> tuple[int, int, int]:
    """hrcoach's version as (major, minor, build), 0 for a part that is missing or not a number."""
    parts = [int(p) if p.isdigit() else 0 for p in __version__.split(".")[:3]]
    parts += [0] * (3 - len(parts))
    return parts[0], parts[1], parts[2]


# ---------------------------------------------------------------- atomic output


@contextlib.contextmanager
def staged(target: Path) -> Iterator[Path]:
    """A temp file beside `target` (0600) that replaces it on success and vanishes on failure.

    The temp name keeps a `.gz` ending so writers that pick compression by name still do."""
    suffix = ".part.gz" if target.name.lower().endswith(".gz") else ".part"
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def emit(data: bytes, out: BinaryIO | Path) -> None:
    """Write `data` to a stream, or atomically to a path (see `staged`)."""
    if isinstance(out, Path):
        with staged(out) as tmp:
            tmp.write_bytes(data)
    else:
        out.write(data)
