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
    ms: npt.NDArray[np.int64], values: npt.NDArray[np.float64], lengths: npt.NDArray[np.int64]
) -> tuple[int, int]:
    """`rr_counts` of every sample's RR in one array (`lengths[i]` of them are sample i's)."""
    n = len(lengths)
    total = int(lengths.sum())
    if total == 0:
        return 0, 0
    inside = (values >= MIN_RR_MS) & (values <= MAX_RR_MS)
    beats = values[inside]
    group = np.repeat(np.arange(n), lengths)[inside]  # the sample each in-range beat came in
    if beats.size == 0:
        return total, total
    # the elapsed time each sample's beats must fit in (the first sample: a first notification's)
    prev = np.maximum.accumulate(ms)
    elapsed = np.empty(n, dtype=np.float64)
    elapsed[0] = FIRST_NOTIFICATION_SPAN_MS
    elapsed[1:] = (ms[1:] - prev[:-1]).astype(np.float64)
    window = elapsed + RR_BACKLOG_TOLERANCE_MS
    per_sample = np.bincount(group, minlength=n)
    kept = 0
    long = per_sample > LONG
    if long.any():
        starts = np.cumsum(lengths) - lengths
        for i in np.flatnonzero(long).tolist():  # long samples: the live engine's own loop
            own = tuple(values[starts[i] : starts[i] + lengths[i]].tolist())
            kept += len(filter_rr(own, None if i == 0 else float(elapsed[i])).kept)
        short = ~long[group]
        beats, group = beats[short], group[short]
        per_sample = np.where(long, 0, per_sample)
    # the sum of the beats newer than each beat in its sample, built one position from the end
    # at a time over the samples that have that many (`ends`: one past each sample's last beat)
    after = np.zeros(beats.size, dtype=np.float64)
    ends, counts = np.cumsum(per_sample), per_sample
    for k in range(1, int(counts.max(initial=0))):
        more = counts > k
        ends, counts = ends[more], counts[more]
        at = ends - 1 - k
        after[at] = after[at + 1] + beats[at + 1]
    kept += int(np.count_nonzero(after < window[group]))
    return total, total - kept
