"""Capture export: each sample re-encoded as the 0x2A37 notification a strap would have sent,
written in the capture format (`capture`), so it replays through the real decoder."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import BinaryIO

from hrcoach.formats.capture import CaptureWriter, RawNotification
from hrcoach.formats.export_common import ExportSession, check, staged
from hrcoach.models import HeartRateSample
from hrcoach.protocol import Measurement, encode_measurement

__all__ = ["write_capture"]


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
    check(session, in_order=False)
    path.unlink(missing_ok=True)  # the staged temp file: CaptureWriter only creates new files
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
