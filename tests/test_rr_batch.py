"""The batch RR filter (`engine/rr_batch.py`, one numpy pass over a recording) against the
per-sample rule it replaces (`filter_rr` on each sample, as the live engine calls it): the same
counts on random recordings, boundary sums and RR that are not whole 1/1024 s included."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hrcoach.engine.artifacts import FIRST_NOTIFICATION_SPAN_MS, RR_BACKLOG_TOLERANCE_MS, filter_rr
from hrcoach.engine.batch import SampleArrays
from hrcoach.engine.rr_batch import rr_counts
from hrcoach.formats.files import load_recording
from tests.conftest import FIXTURE_NAMES, stream


def per_sample(ms: np.ndarray, rr: Sequence[tuple[float, ...]]) -> tuple[int, int]:
    """What the batch engine did before: filter_rr sample by sample."""
    total = rejected = 0
    prev = np.maximum.accumulate(ms)
    for i, beats in enumerate(rr):
        if beats:
            res = filter_rr(beats, None if i == 0 else float(ms[i] - prev[i - 1]))
            total += len(beats)
            rejected += res.out_of_range + res.backlog
    return total, rejected


rr_value = st.one_of(
    st.floats(100, 2500, allow_nan=False),  # any value, in range or not
    st.integers(200, 2100).map(lambda k: k * 1000 / 1024),  # what a strap sends
    st.sampled_from([250.0, 2000.0, 249.99, 2000.01, 800.0]),
)


@st.composite
def recordings(draw: st.DrawFn) -> tuple[np.ndarray, list[tuple[float, ...]]]:
    n = draw(st.integers(1, 60))
    steps = draw(st.lists(st.integers(-500, 3000), min_size=n, max_size=n))  # backwards times too
    ms = np.cumsum(np.array(steps, dtype=np.int64))
    rr = [
        tuple(draw(st.lists(rr_value, max_size=draw(st.sampled_from([0, 1, 2, 3, 8, 33, 40])))))
        for _ in range(n)
    ]
    return ms, rr


@settings(max_examples=150, deadline=None)
@given(recordings())
def test_the_same_counts_as_filter_rr_sample_by_sample(
    rec: tuple[np.ndarray, list[tuple[float, ...]]],
) -> None:
    ms, rr = rec
    assert rr_counts(ms, rr) == per_sample(ms, rr)


def test_beats_summing_exactly_to_the_window_are_judged_as_filter_rr_judges_them() -> None:
    window = 1000 + RR_BACKLOG_TOLERANCE_MS
    ms = np.array([0, 1000, 2000], dtype=np.int64)
    first = FIRST_NOTIFICATION_SPAN_MS + RR_BACKLOG_TOLERANCE_MS
    rr = [(first / 2, first / 2, 300.0), (window / 2, window / 2, 400.0), (0.1 * 3, 0.3 * 1000)]
    assert rr_counts(ms, rr) == per_sample(ms, rr)


@pytest.mark.parametrize("back_ms", [0, 998, 999, 1000, 1001, 5000])
def test_a_sample_about_a_tolerance_back_in_time_keeps_its_beats_as_filter_rr_does(back_ms: int) -> None:
    """Its window (elapsed + tolerance) is above 0 until it is 1000 ms back: the newest beat is
    kept up to 999 ms back, none from 1000."""
    ms = np.array([5000, 5000 - back_ms, 6000], dtype=np.int64)
    rr = [(800.0,), (700.0, 650.0), (900.0,)]
    assert rr_counts(ms, rr) == per_sample(ms, rr)


def test_one_sample_of_a_million_beats_is_not_a_million_passes() -> None:
    """A hostile (or backlogged) sample: it goes through filter_rr itself, in about the time the
    live engine takes; a pass over the recording per beat would not end."""
    ms = np.array([0, 1000, 2000], dtype=np.int64)
    rr = [(800.0,), (300.0,) * 1_000_000, (700.0, 30.0)]
    got = rr_counts(ms, rr)
    assert got == per_sample(ms, rr) and got[0] == 1_000_003 and got[1] > 999_900


def test_every_fixture() -> None:
    for name in FIXTURE_NAMES:
        a = SampleArrays.from_samples(load_recording(stream(name)).samples)
        assert rr_counts(a.ms, a.rr) == per_sample(a.ms, a.rr), name
