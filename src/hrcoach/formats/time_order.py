"""Which records of a file to believe about time: the longest run in strictly increasing time.

Device clocks glitch: a few records stamped a year ahead, or back, in a file otherwise in order.
Taking the latest time seen as a floor would drop everything after such a record; the longest
increasing run leaves the few out instead.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Sequence


def keep_mask(times: Sequence[int]) -> bytearray:
    """1 for each record of the longest run of strictly increasing times (in file order; of
    records with one time, the first), 0 for the rest: a few records stamped in the future, or
    in the past, are outliers left out, never a new floor that would drop everything after them.
    A byte a record (a set of indices would take ~60 bytes each for a million records)."""
    tails: list[int] = []  # tails[k]: the smallest last time of an increasing run of length k + 1
    ends: list[int] = []  # ... and the index of that record
    before = array("q", [-1]) * len(times)
    for i, ts in enumerate(times):
        k = bisect_left(tails, ts)
        if k < len(tails) and tails[k] == ts:
            continue  # a repeated time: the first record with it stays
        before[i] = ends[k - 1] if k else -1
        if k == len(tails):
            tails.append(ts)
            ends.append(i)
        else:
            tails[k], ends[k] = ts, i
    keep = bytearray(len(times))
    i = ends[-1] if ends else -1
    while i >= 0:
        keep[i] = 1
        i = before[i]
    return keep


def in_time_order(times: Sequence[int]) -> set[int]:
    """The indices `keep_mask` keeps."""
    return {i for i, kept in enumerate(keep_mask(times)) if kept}


def repeated(times: Sequence[int], keep: bytearray) -> int:
    """How many records left out have the time of a record kept (the kept times increase)."""
    kept = [ts for ts, k in zip(times, keep, strict=True) if k]
    count = 0
    for ts, k in zip(times, keep, strict=True):
        if not k:
            j = bisect_left(kept, ts)
            count += j < len(kept) and kept[j] == ts
    return count
