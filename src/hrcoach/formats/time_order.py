"""Which records of a file to believe about time: the longest run in strictly increasing time.

Device clocks glitch: a few records stamped a year ahead, or back, in a file otherwise in order.
Taking the latest time seen as a floor would drop everything after such a record; the longest
increasing run leaves the few out instead.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence


def in_time_order(times: Sequence[int]) -> set[int]:
    """Indices of the longest run of strictly increasing times (in file order; of records with
    one time, the first): a few records stamped in the future, or in the past, are outliers
    left out, never a new floor that would drop everything after them."""
    tails: list[int] = []  # tails[k]: the smallest last time of an increasing run of length k + 1
    ends: list[int] = []  # ... and the index of that record
    before = [-1] * len(times)
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
    keep: set[int] = set()
    i = ends[-1] if ends else -1
    while i >= 0:
        keep.add(i)
        i = before[i]
    return keep
