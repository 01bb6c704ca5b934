"""The RR filter of `artifacts.filter_rr`, for a whole recording at once (the batch engine).

`filter_rr` drops, in each sample, the intervals outside 250-2000 ms, then walks back from the
newest in-range beat keeping beats while the beats after it sum to less than the elapsed time
(plus a tolerance). Here every sample's beats are one flat array: the range test is one mask,
and the sums of the newer beats are built one position from the end at a time across all
samples together, adding in the same order as `filter_rr` does, so that every float sum, and so
every verdict at a boundary, is the one the live engine reaches. The loop runs as many times as
the most beats one sample holds (one to three for a strap); a sample of more than LONG beats (a
backlog after a pause, or a hostile file) goes through `filter_rr` itself, so that one sample of
a million beats costs what it costs the live engine, not a million passes over the recording.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np
import numpy.typing as npt

from hrcoach.engine.artifacts import (
    FIRST_NOTIFICATION_SPAN_MS,
    MAX_RR_MS,
    MIN_RR_MS,
    RR_BACKLOG_TOLERANCE_MS,
    filter_rr,
)

LONG = 32


def flat_rr(rr: Sequence[tuple[float, ...]]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Every sample's RR in one array, and how many of them each sample has, from its tuple."""
    lengths = np.fromiter(map(len, rr), dtype=np.int64, count=len(rr))
    values = np.fromiter(chain.from_iterable(rr), dtype=np.float64, count=int(lengths.sum()))
    return values, lengths


def rr_counts(ms: npt.NDArray[np.int64], rr: Sequence[tuple[float, ...]]) -> tuple[int, int]:
    """(RR intervals, of them rejected) over a recording: sample times `ms`, each one's `rr`."""
    return flat_rr_counts(ms, *flat_rr(rr))


def flat_rr_counts(
    ms: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    lengths: npt.NDArray[np.int64],
    *,
    elapsed: npt.NDArray[np.int64] | None = None,
) -> tuple[int, int]:
    """`rr_counts` of every sample's RR in one array (`lengths[i]` of them are sample i's).
    `elapsed` may come from the caller: each sample's time after the latest before it, from the
    second on (the steps between the times when they never go back)."""
    n = len(lengths)
    total = int(lengths.sum())
    if total == 0:
        return 0, 0
    inside = (values >= MIN_RR_MS) & (values <= MAX_RR_MS)
    if inside.all():
        beats, counts = values, lengths  # every beat in range: each sample keeps its own count
    else:
        beats = values[inside]
        if beats.size == 0:
            return total, total
        ends = np.cumsum(lengths)
        out_of = np.searchsorted(ends, np.flatnonzero(~inside), side="right")  # their samples
        counts = lengths - np.bincount(out_of, minlength=n)
    if elapsed is None:
        elapsed = ms[1:] - np.maximum.accumulate(ms)[:-1]
    kept = 0
    long = counts > LONG
    short = counts  # the samples' counts, but 0 for a long one (counted here)
    if long.any():
        starts = np.cumsum(lengths) - lengths
        for i in np.flatnonzero(long).tolist():  # long samples: the live engine's own loop
            own = tuple(values[starts[i] : starts[i] + lengths[i]].tolist())
            kept += len(filter_rr(own, None if i == 0 else float(elapsed[i - 1])).kept)
        short = np.where(long, 0, counts)
    # Each sample's newest beat has no newer beat to sum: it is kept when its window (elapsed +
    # the tolerance, as a float) is above 0, that is when elapsed > -tolerance: always so when
    # the times never go back.
    if n < 2 or int(elapsed.min()) > -RR_BACKLOG_TOLERANCE_MS:
        kept += int(np.count_nonzero(short))
    else:
        kept += int(np.count_nonzero(short[_windows(elapsed, np.arange(n)) > 0]))
    # The older beats, of the samples with two or more: the sum of the newer beats in the sample,
    # built one position from the end at a time over the samples that have that many (`ends`:
    # one past each sample's last beat in `beats`), adding in the order filter_rr adds.
    several = np.flatnonzero(short > 1)
    if several.size:
        ends = np.cumsum(counts)[several]
        window = _windows(elapsed, several)
        left = short[several]
        after = np.zeros(several.size, dtype=np.float64)
        for k in range(1, int(left.max())):
            more = left > k
            if not more.all():
                ends, left, window, after = ends[more], left[more], window[more], after[more]
            after += beats[ends - k]
            kept += int(np.count_nonzero(after < window))
    return total, total - kept


def _windows(elapsed: npt.NDArray[np.int64], at: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """The time samples `at` (ascending) have for their beats: the elapsed time (the first
    sample: a first notification's), plus the tolerance."""
    if not elapsed.size:  # one sample
        return np.full(at.size, FIRST_NOTIFICATION_SPAN_MS + RR_BACKLOG_TOLERANCE_MS)
    window = elapsed.take(at - 1, mode="wrap").astype(np.float64)  # the first: set below
    if at.size and at[0] == 0:
        window[0] = FIRST_NOTIFICATION_SPAN_MS
    window += RR_BACKLOG_TOLERANCE_MS
    return window
