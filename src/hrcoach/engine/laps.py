"""Lap splits: the time, mean heart rate and time in the windows of each lap, by the same
accounting rule as the whole session (an interval belongs to the lap its later sample falls in;
a gap is credited to nothing).

A lap runs from one lap mark to the next; the first from the session's first sample, the last
to its last. Marks outside the session, or repeated, are ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hrcoach.engine.accounting import Params
from hrcoach.engine.artifacts import Reason
from hrcoach.engine.batch import SampleArrays, classify
from hrcoach.engine.batch_tally import in_window
from hrcoach.engine.zones import ANANDAMIDE, BDNF


@dataclass(frozen=True, slots=True)
class LapSplit:
    number: int  # 1, 2, ...
    start_s: float  # its start, in seconds from the session's first sample
    duration_s: float
    mean_bpm: float | None  # time-weighted over its credited time; None when none was credited
    bdnf_s: float
    anandamide_s: float


def lap_splits(
    a: SampleArrays,
    params: Params,
    marks: Sequence[float],
    *,
    verdicts: Sequence[Reason | None] | None = None,
) -> list[LapSplit]:
    """The session's laps (none when it has no lap mark inside it); `verdicts` may come from
    `classify(a, params)` when the caller has them already."""
    verdicts = classify(a, params) if verdicts is None else verdicts
    acc = np.array([v is None for v in verdicts], dtype=bool)
    ms, bpm = a.ms[acc], a.bpm[acc]
    if len(a.ms) == 0 or len(ms) == 0:
        return []
    first, last = int(a.ms.min()), int(a.ms.max())
    cuts = sorted({round(m * 1000) for m in marks if first < round(m * 1000) < last})
    if not cuts:
        return []
    bounds = [first, *cuts, last]
    dt = np.diff(ms)
    later, ends = bpm[1:], ms[1:]
    cred = np.where(dt > params.max_gap_ms, 0, dt)
    in_b = in_window(BDNF, later, params.hrmax)
    in_a = in_window(ANANDAMIDE, later, params.hrmax)
    lap_of = np.searchsorted(np.array(cuts, dtype=np.int64), ends, side="left")  # end at a cut: before it
    out = []
    for k in range(len(bounds) - 1):
        mine = lap_of == k
        credited = int(cred[mine].sum())
        out.append(
            LapSplit(
                number=k + 1,
                start_s=(bounds[k] - first) / 1000,
                duration_s=(bounds[k + 1] - bounds[k]) / 1000,
                mean_bpm=round(float((later[mine] * cred[mine]).sum()) / credited, 1) if credited else None,
                bdnf_s=int(cred[mine & in_b].sum()) / 1000,
                anandamide_s=int(cred[mine & in_a].sum()) / 1000,
            )
        )
    return out
