"""The accounting of `accounting.Tally`, over all of a recording's accepted samples at once.

Every sum is an integer sum in int64, so it is the live engine's to the millisecond. The time
credited is first summed per bpm (an accepted bpm is one of 30-240), and the zones, windows and
the time-weighted mean come from those 241 sums rather than from a pass over the samples each.
A hold is found from the runs of intervals in, out of the window and gaps, not interval by
interval: the accumulated sums give each run's length.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hrcoach.engine.accounting import Params
from hrcoach.engine.artifacts import MAX_BPM
from hrcoach.engine.zones import ANANDAMIDE, BDNF, ZONE_FLOORS, Window

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

_BDNF_BIT, _ANANDAMIDE_BIT, _GAP_BIT = 1, 2, 4  # an interval's code: in which windows, or a gap


def in_window(w: Window, bpm: I64, hrmax: int) -> Bools:
    scaled = 100 * bpm
    return (scaled >= w.lo * hrmax) & (scaled <= w.hi * hrmax)


@dataclass(frozen=True, slots=True)
class Tallied:
    """`Tally`'s totals over a recording's accepted samples."""

    credited_ms: int
    gaps: int
    gap_ms: int
    bpm_ms: int
    zones_ms: list[int]
    bdnf_ms: int
    anandamide_ms: int
    bdnf_hold_ms: int
    anandamide_hold_ms: int


def tally_accepted(bpm: I64, dt: I64, params: Params) -> Tallied:
    """The totals over accepted samples: their bpm, and `dt` the intervals between them (never
    negative: accepted samples are in time order)."""
    hrmax = params.hrmax
    later = bpm[1:]  # an interval is credited with its later sample's bpm
    gap = dt > params.max_gap_ms
    gaps = int(np.count_nonzero(gap))
    gap_ms = int(dt[gap].sum()) if gaps else 0
    cred = np.where(gap, 0, dt) if gaps else dt
    by_bpm = np.zeros(MAX_BPM + 1, dtype=np.int64)  # the credited ms at each bpm
    np.add.at(by_bpm, later, cred)
    weights, table = _bpm_tables(hrmax)
    *zones_ms, bdnf_ms, anandamide_ms, bpm_ms, credited_ms = (weights @ by_bpm).tolist()
    code = table.take(later)
    if gaps:
        code |= gap.view(np.int8) * np.int8(_GAP_BIT)
    credited_before = np.zeros(cred.size + 1, dtype=np.int64)  # [i]: the ms credited before interval i
    np.cumsum(cred, out=credited_before[1:])
    return Tallied(
        credited_ms=credited_ms,
        gaps=gaps,
        gap_ms=gap_ms,
        bpm_ms=bpm_ms,
        zones_ms=zones_ms,
        bdnf_ms=bdnf_ms,
        anandamide_ms=anandamide_ms,
        bdnf_hold_ms=_longest_hold(code, _BDNF_BIT, credited_before, params.grace_ms),
        anandamide_hold_ms=_longest_hold(code, _ANANDAMIDE_BIT, credited_before, params.grace_ms),
    )


@functools.lru_cache(maxsize=16)
def _bpm_tables(hrmax: int) -> tuple[I64, npt.NDArray[np.int8]]:
    """For each bpm 0-240 (`MAX_BPM`): rows weighing the ms credited at it into zones 1-5, the
    two windows, the bpm-weighted sum and the total (so one product gives every sum), and an
    interval's window code. Read only: shared by every summary with this HRmax."""
    values = np.arange(MAX_BPM + 1, dtype=np.int64)
    zone = np.zeros(values.shape, dtype=np.int64)
    for z, floor in enumerate(ZONE_FLOORS, start=1):
        zone[100 * values >= floor * hrmax] = z
    in_b, in_a = in_window(BDNF, values, hrmax), in_window(ANANDAMIDE, values, hrmax)
    rows = [zone == z for z in range(1, 6)] + [in_b, in_a]
    weights = np.vstack([*(r.astype(np.int64) for r in rows), values, np.ones_like(values)])
    table = (in_b * _BDNF_BIT + in_a * _ANANDAMIDE_BIT).astype(np.int8)
    for array in (weights, table):
        array.flags.writeable = False
    return weights, table


def _longest_hold(code: npt.NDArray[np.int8], bit: int, credited_before: I64, grace_ms: int) -> int:
    """The longest run of in-window time (`bit` of each interval's `code`), broken by gaps and
    by excursions of grace_ms or more, as `accounting.Hold` keeps it."""
    n = code.size
    if n == 0:
        return 0
    kind = code & np.int8(bit | _GAP_BIT)  # 0 out of the window, `bit` in it, else a gap
    change = np.flatnonzero(kind[1:] != kind[:-1]) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [n]))
    length = credited_before[ends] - credited_before[starts]  # each run's credited ms
    kind = kind[starts]
    # An excursion resets the hold once it has lasted grace_ms; intervals are never negative,
    # so an excursion run does that when its whole length reaches grace_ms.
    breaks = (kind >= _GAP_BIT) | ((kind == 0) & (length >= grace_ms))
    held = np.cumsum(np.where(kind == bit, length, 0))  # in-window ms up to each run's end
    marks = np.concatenate(([0], held[breaks], held[-1:]))  # ... at each break, and at the end
    return int((marks[1:] - marks[:-1]).max())
