"""Export writers: one stored session as TCX, FIT, CSV or a capture.

This module owns the CSV and capture writers and the registry of formats (`EXPORTERS`,
`SUFFIXES`), and re-exports the rest, so `hrcoach.formats.exports` is the one place to import from:
`tcx_write` owns TCX, `fit_write` owns FIT, and `export_common` the `ExportSession` type, the
validation, the per-second binning and the atomic output all writers share.

Pure functions of an `ExportSession`: no clock, no store access. Each writer takes a binary
stream or a `Path`; a path is written atomically (a temp file in the same folder, then
`os.replace`), so an export that fails leaves no half-written file and an existing file intact.

What each format keeps:

- **CSV** and **capture** keep every sample as stored, bpm 0 ("no value") included, and re-import
  through `hrcoach.formats.files.load_recording` to the same samples.
- **TCX** and **FIT** are for Garmin Connect, Strava, intervals.icu and GoldenCheetah, which read
  a heart rate of 0 as real. They carry one point per whole UTC second that has a heart rate
  (the last one received in that second, or held over one empty second; `export_common`
  has the rule). Samples are exported as recorded, without the engine's artifact filter: the
  file shows what the strap said.
- **RR** intervals are kept in FIT (`hrv` messages), CSV and capture. TCX has no RR field.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from hrcoach.formats.capture import CaptureWriter, RawNotification
from hrcoach.formats.export_common import MAX_POINT_BPM, ExportSession, check, emit, staged
from hrcoach.formats.fit_write import render_fit, write_fit
from hrcoach.formats.tcx_write import render_tcx, write_tcx
from hrcoach.models import HeartRateSample
from hrcoach.protocol import Measurement, encode_measurement

__all__ = [
    "EXPORTERS",
    "MAX_POINT_BPM",
    "SUFFIXES",
    "ExportSession",
    "Writer",
    "render_csv",
    "render_fit",
    "render_tcx",
    "write_capture",
    "write_csv",
    "write_fit",
    "write_tcx",
]

Writer = Callable[[ExportSession, BinaryIO | Path], None]


# ---------------------------------------------------------------- CSV


def _number(value: float) -> str:
    """Shortest text that reads back as `value` (to 10 significant digits): 800, 976.5625."""
    return format(value, ".10g")


def render_csv(session: ExportSession) -> bytes:
    """The session as `t_s,bpm,rr_ms` CSV (see `write_csv`)."""
    check(session)
    lines = ["t_s,bpm,rr_ms"]
    for s in session.samples:
        rr = " ".join(_number(v) for v in s.rr_ms if math.isfinite(v) and v > 0)
        lines.append(f"{s.t:.3f},{s.bpm},{rr}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_csv(session: ExportSession, out: BinaryIO | Path) -> None:
    """Write `t_s,bpm,rr_ms` CSV: a header, then one row per sample, t to the millisecond,
    bpm 0 where the sample had no value, several RR values (ms) separated by spaces.

    The format `hrcoach.formats.csv_read` reads, so export then import gives the samples
    back (RR values that are not positive are left out: that reader rejects them). Contact and
    energy are not in CSV (the capture format keeps them). Raises ValueError when empty."""
    emit(render_csv(session), out)


# ---------------------------------------------------------------- capture


def _notification(i: int, s: HeartRateSample) -> RawNotification:
    rr_1024 = tuple(round(v * 1024 / 1000) if math.isfinite(v) else -1 for v in s.rr_ms)
    problems = []
    if s.bpm > 0xFFFF:
        problems.append(f"bpm {s.bpm}")
    if s.energy_kj is not None and not 0 <= s.energy_kj <= 0xFFFF:
        problems.append(f"energy {s.energy_kj} kJ")
    if any(not 0 <= v <= 0xFFFF for v in rr_1024):
        problems.append(f"RR {s.rr_ms} ms")
    if problems:
        raise ValueError(
            f"sample {i} (t = {s.t:.3f} s): {', '.join(problems)} cannot be encoded "
            "as a Heart Rate Measurement (0x2A37)"
        )
    m = Measurement(bpm=s.bpm, contact=s.contact, energy_kj=s.energy_kj, rr_1024=rr_1024)
    return RawNotification(s.t, encode_measurement(m))


def _render_capture(session: ExportSession, path: Path) -> None:
    check(session)
    with CaptureWriter(path, started_at=session.started_at, device=dict(session.device)) as writer:
        for i, s in enumerate(session.samples):
            writer.write(_notification(i, s))


def write_capture(session: ExportSession, out: BinaryIO | Path) -> None:
    """Write the hrcoach capture format (`*.hrcap.jsonl`, gzip-compressed when `out` is a
    path ending in `.gz`), the strap in the header.

    Each sample is re-encoded as the 0x2A37 notification a strap would have sent, so the file
    replays through the real decoder to the same bpm, contact, energy and RR (RR in the
    protocol's 1/1024 s units: exact for RR that came from a strap, within 0.5 ms otherwise).
    Raises ValueError when empty, or for a value the protocol cannot carry."""
    if isinstance(out, Path):
        with staged(out) as tmp:
            _render_capture(session, tmp)
        return
    with tempfile.TemporaryDirectory(prefix="hrcoach-export-") as folder:
        tmp = Path(folder) / "export.hrcap.jsonl"
        _render_capture(session, tmp)
        out.write(tmp.read_bytes())


# ---------------------------------------------------------------- registry

EXPORTERS: dict[str, Writer] = {
    "tcx": write_tcx,
    "fit": write_fit,
    "csv": write_csv,
    "capture": write_capture,
}
"""Format name (as `hrcoach export --format` takes it) to writer."""

SUFFIXES: dict[str, str] = {
    "tcx": ".tcx",
    "fit": ".fit",
    "csv": ".csv",
    "capture": ".hrcap.jsonl",
}
"""Format name to the default file suffix."""
