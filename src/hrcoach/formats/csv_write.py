"""CSV export: `t_s,bpm,rr_ms,time_utc,contact`, every sample as stored (the format `csv_read`
reads); `time_utc` gives each row's moment, so a re-import lands on the session's own date, and
`contact` the strap's skin contact (`detected`, `not_detected`, empty when not supported), so a
re-import rejects what the session rejected."""

from __future__ import annotations

import math
from datetime import UTC, timedelta
from pathlib import Path
from typing import BinaryIO

from hrcoach.formats.export_common import ExportSession, check, emit
from hrcoach.models import SensorContact

__all__ = ["render_csv", "write_csv"]


def _number(value: float) -> str:
    """Shortest text that reads back as `value` (to 10 significant digits): 800, 976.5625."""
    return format(value, ".10g")


def render_csv(session: ExportSession) -> bytes:
    """The session as `t_s,bpm,rr_ms` CSV (see `write_csv`)."""
    check(session, in_order=False)
    lines = ["t_s,bpm,rr_ms,time_utc,contact" if session.dated else "t_s,bpm,rr_ms,contact"]
    start = session.started_at.astimezone(UTC)
    for s in session.samples:
        rr = " ".join(_number(v) for v in s.rr_ms if math.isfinite(v) and v > 0)
        contact = "" if s.contact is SensorContact.NOT_SUPPORTED else s.contact.value
        if not session.dated:  # no time a re-import would take for the session's own
            lines.append(f"{s.t:.3f},{s.bpm},{rr},{contact}")
            continue
        when = (start + timedelta(seconds=s.t)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        lines.append(f"{s.t:.3f},{s.bpm},{rr},{when},{contact}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_csv(session: ExportSession, out: BinaryIO | Path) -> None:
    """Write `t_s,bpm,rr_ms,time_utc,contact` CSV: a header, then one row per sample, t to the
    millisecond, bpm 0 where the sample had no value, several RR values (ms) separated by
    spaces, the row's UTC time (ISO 8601, to the millisecond) and the skin contact.

    The format `hrcoach.formats.csv_read` reads, so export then import gives the samples
    back (RR values that are not positive are left out: that reader rejects them). Energy is
    not in CSV (the capture format keeps it). Raises ValueError when empty."""
    emit(render_csv(session), out)
