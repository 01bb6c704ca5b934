"""CSV export: `t_s,bpm,rr_ms`, every sample as stored (the format `csv_read` reads)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import BinaryIO

from hrcoach.formats.export_common import ExportSession, check, emit

__all__ = ["render_csv", "write_csv"]


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
