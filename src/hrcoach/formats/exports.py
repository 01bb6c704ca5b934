"""Export writers: one stored session as TCX, FIT, GPX, CSV or a capture.

This module owns the registry of formats (`EXPORTERS`, `SUFFIXES`) and re-exports the writers,
so `hrcoach.formats.exports` is the one place to import from: `tcx_write` owns TCX, `fit_write`
FIT, `gpx_write` GPX, `csv_write` CSV, `capture_write` the capture, and `export_common` the
`ExportSession` type, the validation, the per-second binning and the atomic output all writers
share.

Pure functions of an `ExportSession`: no clock, no store access. Each writer takes a binary
stream or a `Path`; a path is written atomically (a temp file in the same folder, then
`os.replace`), so an export that fails leaves no half-written file and an existing file intact.

What each format keeps:

- **CSV** and **capture** (`LOSSLESS`) keep every sample as stored, bpm 0 ("no value") and
  rejected ones included, and re-import through `hrcoach.formats.files.load_recording` to the
  same samples (and the same start time).
- **TCX**, **FIT** and **GPX** are for Garmin Connect, Strava, intervals.icu and GoldenCheetah, which read
  a heart rate of 0 as real. They are given only the samples the session accepted (`hrcoach
  export` filters them), and carry one point per whole UTC second that has a heart rate (the
  last one received in that second, or held over one empty second; `export_common` has the
  rule); a gap stays a gap. GPX takes only a session with positions (an imported outdoor
  activity): a point needs one.
- **RR** intervals are kept in FIT (`hrv` messages), CSV and capture. TCX has no RR field.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from hrcoach.formats.capture_write import write_capture
from hrcoach.formats.csv_write import render_csv, write_csv
from hrcoach.formats.export_common import MAX_POINT_BPM, ExportSession
from hrcoach.formats.fit_write import render_fit, write_fit
from hrcoach.formats.gpx_write import render_gpx, write_gpx
from hrcoach.formats.tcx_write import render_tcx, write_tcx

__all__ = [
    "EXPORTERS",
    "LOSSLESS",
    "MAX_POINT_BPM",
    "SUFFIXES",
    "ExportSession",
    "Writer",
    "render_csv",
    "render_fit",
    "render_gpx",
    "render_tcx",
    "write_capture",
    "write_csv",
    "write_fit",
    "write_gpx",
    "write_tcx",
]

Writer = Callable[[ExportSession, BinaryIO | Path], None]

EXPORTERS: dict[str, Writer] = {
    "tcx": write_tcx,
    "fit": write_fit,
    "gpx": write_gpx,
    "csv": write_csv,
    "capture": write_capture,
}
"""Format name (as `hrcoach export --format` takes it) to writer."""

LOSSLESS = frozenset({"csv", "capture"})
"""Formats that keep every sample as stored; the others are given only the accepted ones."""

SUFFIXES: dict[str, str] = {
    "tcx": ".tcx",
    "fit": ".fit",
    "gpx": ".gpx",
    "csv": ".csv",
    "capture": ".hrcap.jsonl",
}
"""Format name to the default file suffix."""
