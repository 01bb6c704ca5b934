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
    max_bpm: int
    zones_ms: list[int]
    bdnf_ms: int
    anandamide_ms: int
    bdnf_hold_ms: int
    anandamide_hold_ms: int


def tally(ms: I64, bpm: I64, rejected: I64, params: Params, steps: I64 | None = None) -> Tallied:
    """The totals over the samples but those `rejected` (positions, ascending), which are in
    time order; `steps` may be the steps between consecutive samples when the caller has them."""
    mine = steps is None  # whether `dt` is an array of this call's own, to write in
    if rejected.size:
        later, dt = _accepted_intervals(ms, bpm, rejected, steps)
        mine = True
        max_bpm = max(int(later.max(initial=0)), 0 if rejected[0] == 0 else int(bpm[0]))
    else:
        later, dt = bpm[1:], ms[1:] - ms[:-1] if steps is None else steps
        max_bpm = int(bpm.max(initial=0))
    gap = dt > params.max_gap_ms
    gaps = int(np.count_nonzero(gap))
    gap_ms = int(dt[gap].sum()) if gaps else 0
    if gaps:
        dt, mine = (dt if mine else dt.copy()), True
        dt[gap] = 0  # now the ms credited
    by_bpm = np.zeros(MAX_BPM + 1, dtype=np.int64)  # the credited ms at each bpm
    np.add.at(by_bpm, later, dt)
    weights, table = _bpm_tables(params.hrmax)
    *zones_ms, bdnf_ms, anandamide_ms, bpm_ms, credited_ms = (weights @ by_bpm).tolist()
    code = table.take(later)
    if gaps:
        code |= gap.view(np.int8) * np.int8(_GAP_BIT)
    credited_to = np.cumsum(dt, out=dt if mine else None)  # [i]: the ms credited up to interval i
    return Tallied(
        credited_ms=credited_ms,
        gaps=gaps,
        gap_ms=gap_ms,
        bpm_ms=bpm_ms,
        max_bpm=max_bpm,
        zones_ms=zones_ms,
        bdnf_ms=bdnf_ms,
        anandamide_ms=anandamide_ms,
        bdnf_hold_ms=_longest_hold(code, _BDNF_BIT, credited_to, params.grace_ms),
        anandamide_hold_ms=_longest_hold(code, _ANANDAMIDE_BIT, credited_to, params.grace_ms),
    )


def _accepted_intervals(ms: I64, bpm: I64, rejected: I64, steps: I64 | None) -> tuple[I64, I64]:
    """(bpm credited, ms) of the intervals between accepted samples, laid out as the intervals
    between consecutive samples (entry i-1 ends at sample i), so that no sample is copied out: a
    rejected sample's entry is neutral (no time, and the bpm of the next accepted sample, so that
    it joins that interval's run; 0 after the last), and the accepted sample after rejected ones
    has the whole interval from the accepted one before them (none before: no time)."""
    n = ms.size
    dt = ms[1:] - ms[:-1] if steps is None else steps.copy()
    later = bpm[1:].copy()
    first = np.concatenate(([True], np.diff(rejected) != 1))  # where each run of rejected starts
    starts = rejected[first]
    after = rejected[np.concatenate((first[1:], [True]))] + 1  # the sample after each run
    next_bpm = np.where(after < n, bpm[np.minimum(after, n - 1)], 0)
    entry, run = rejected - 1, np.cumsum(first) - 1  # each rejected sample's entry and run
    has = entry >= 0
    dt[entry[has]] = 0
    later[entry[has]] = next_bpm[run[has]]
    q, p = after[after < n], starts[after < n] - 1
    dt[q - 1] = np.where(p >= 0, ms[q] - ms[np.maximum(p, 0)], 0)
    return later, dt


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


def _longest_hold(code: npt.NDArray[np.int8], bit: int, credited_to: I64, grace_ms: int) -> int:
    """The longest run of in-window time (`bit` of each interval's `code`), broken by gaps and
    by excursions of grace_ms or more, as `accounting.Hold` keeps it."""
    n = code.size
    if n == 0:
        return 0
    kind = code & np.int8(bit | _GAP_BIT)  # 0 out of the window, `bit` in it, else a gap
    ends = np.flatnonzero(kind[1:] != kind[:-1])  # the last interval of each run, but the last
    kind = kind[np.concatenate(([0], ends + 1))]
    to = credited_to[np.concatenate((ends, [n - 1]))]  # the ms credited up to each run's end
    length = to - np.concatenate(([0], to[:-1]))
    # An excursion resets the hold once it has lasted grace_ms; intervals are never negative,
    # so an excursion run does that when its whole length reaches grace_ms.
    breaks = (kind >= _GAP_BIT) | ((kind == 0) & (length >= grace_ms))
    held = np.cumsum(np.where(kind == bit, length, 0))  # in-window ms up to each run's end
    marks = np.concatenate(([0], held[breaks], held[-1:]))  # ... at each break, and at the end
    return int((marks[1:] - marks[:-1]).max())
