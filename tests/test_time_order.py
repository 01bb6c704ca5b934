"""`in_time_order`: the longest strictly increasing run of record times, first of a repeat."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from hrcoach.formats.time_order import in_time_order


def longest(times: list[int]) -> int:
    """The length of the longest strictly increasing subsequence, the slow sure way."""
    best = [1] * len(times)
    for i in range(len(times)):
        for j in range(i):
            if times[j] < times[i]:
                best[i] = max(best[i], best[j] + 1)
    return max(best, default=0)


@given(st.lists(st.integers(0, 30), max_size=40))
def test_the_longest_increasing_run_is_kept(times: list[int]) -> None:
    keep = sorted(in_time_order(times))
    kept = [times[i] for i in keep]
    assert all(a < b for a, b in pairwise(kept))
    assert len(kept) == longest(times)


def test_outliers_and_repeats() -> None:
    assert in_time_order([0, 1, 10**8, 2, 3]) == {0, 1, 3, 4}  # the future record left out
    assert in_time_order([0, 1, 1, 2]) == {0, 1, 3}  # the first of a repeated time
    assert in_time_order([]) == set()
