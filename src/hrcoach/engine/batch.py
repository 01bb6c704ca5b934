"""The batch twin of the live engine: whole recordings and history, vectorised with numpy.

It applies the same rules as `LiveEngine` and must produce the identical `Summary` (a property
test holds it to that). The spike filter is the same state machine, driven only where a sample
is in doubt: through runs of plausible samples it skips ahead in one step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter

import numpy as np
import numpy.typing as npt

from hrcoach.engine import rr_batch
from hrcoach.engine.accounting import Params
from hrcoach.engine.artifacts import (
    JUMP_BASE_BPM,
    JUMP_BPM_PER_S,
    MAX_BPM,
    MIN_BPM,
    Reason,
    SpikeFilter,
)
from hrcoach.engine.batch_tally import tally
from hrcoach.engine.summary import Summary, build_summary
from hrcoach.models import HeartRateSample
from hrcoach.protocol import SensorContact

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

CONTACT_CODES = {
    SensorContact.NOT_SUPPORTED: 0,
    SensorContact.NOT_DETECTED: 1,
    SensorContact.DETECTED: 2,
}
NOT_DETECTED = CONTACT_CODES[SensorContact.NOT_DETECTED]


@dataclass(frozen=True, slots=True)
class SampleArrays:
    """A recording as columns. Every sample's RR intervals (ms) are in one array, `rr_values`,
    `rr_lengths[i]` of them sample i's (a recording read without RR has none at all)."""

    ms: I64
    bpm: I64
    contact: npt.NDArray[np.int8]
    rr_values: npt.NDArray[np.float64]
    rr_lengths: I64

    @property
    def rr(self) -> list[tuple[float, ...]]:
        """Each sample's RR intervals as a tuple ([] when read without RR)."""
        if not len(self.rr_lengths):
            return []
        return [tuple(v.tolist()) for v in np.split(self.rr_values, np.cumsum(self.rr_lengths)[:-1])]

    @classmethod
    def from_samples(cls, samples: Sequence[HeartRateSample]) -> SampleArrays:
        n = len(samples)
        t = np.fromiter(map(attrgetter("t"), samples), dtype=np.float64, count=n)
        values, lengths = rr_batch.flat_rr(list(map(attrgetter("rr_ms"), samples)))
        return cls(
            ms=np.rint(t * 1000).astype(np.int64),  # = round(t * 1000): half to even, as round
            bpm=np.fromiter(map(attrgetter("bpm"), samples), dtype=np.int64, count=n),
            contact=np.fromiter(
                map(CONTACT_CODES.__getitem__, map(attrgetter("contact"), samples)), dtype=np.int8, count=n
            ),
            rr_values=values,
            rr_lengths=lengths,
        )


REASONS: tuple[Reason | None, ...] = (None, *Reason)  # verdict codes: 0 accepted, then each reason
_CODE = {reason: code for code, reason in enumerate(REASONS)}


def classify(a: SampleArrays, params: Params) -> list[Reason | None]:
    """Each sample's verdict, exactly as LiveEngine decides it."""
    return [REASONS[c] for c in classify_codes(a, params).tolist()]


def classify_codes(a: SampleArrays, params: Params) -> npt.NDArray[np.int8]:
    """`classify` as codes (an index into REASONS, 0 for accepted): no object per sample."""
    return _classify(a, params, _Times(a.ms))


class _Times:
    """A recording's sample times and what the batch engine derives from them once: the latest
    time so far, the steps between consecutive latest times, and each time after the latest
    before it (`elapsed`). When the times never go back, as in nearly every recording, these are
    `ms` itself and its steps, twice: no running maximum and no copy."""

    def __init__(self, ms: I64) -> None:
        self.ms = ms
        self.steps = np.diff(ms)
        self.ordered = not self.steps.size or int(self.steps.min()) >= 0
        self.latest, self.elapsed = ms, self.steps  # elapsed: each time after the latest before it
        if not self.ordered:
            self.latest = np.maximum.accumulate(ms)
            self.steps = np.diff(self.latest)
            self.elapsed = ms[1:] - self.latest[:-1]


def _classify(a: SampleArrays, params: Params, times: _Times) -> npt.NDArray[np.int8]:
    n = len(a.ms)
    codes = np.zeros(n, dtype=np.int8)
    doubt = (a.bpm < MIN_BPM) | (a.bpm > MAX_BPM) | (a.contact == NOT_DETECTED)  # bpm 0 is < MIN_BPM
    basic_ok: Bools | None = None
    if doubt.any():
        at = np.flatnonzero(doubt)
        bpm, contact = a.bpm[at], a.contact[at]
        codes[at] = np.where(
            bpm == 0,
            _CODE[Reason.NO_VALUE],
            np.where(contact == NOT_DETECTED, _CODE[Reason.NO_CONTACT], _CODE[Reason.OUT_OF_RANGE]),
        )
        basic_ok = ~doubt
    if not times.ordered:
        # Backwards in time: earlier than the latest basic-ok sample before it.
        ok_ms = a.ms if basic_ok is None else np.where(basic_ok, a.ms, np.iinfo(np.int64).min)
        prior_max = np.concatenate(([np.iinfo(np.int64).min], np.maximum.accumulate(ok_ms)[:-1]))
        backwards = a.ms < prior_max
        if basic_ok is not None:
            backwards &= basic_ok
        codes[backwards] = _CODE[Reason.TIME_BACKWARDS]
        basic_ok = ~backwards if basic_ok is None else basic_ok & ~backwards
    invalid = None if basic_ok is None else np.flatnonzero(~basic_ok)
    dt = times.steps if times.ordered else np.diff(a.ms)  # not the steps of `latest`, here
    spikes = _spikes(a.ms, a.bpm, dt, params.max_gap_ms, invalid)
    codes[[pos for pos, _ in spikes]] = [_CODE[reason] for _, reason in spikes]
    return codes


def _spikes(ms: I64, bpm: I64, dt: I64, max_gap_ms: int, invalid: I64 | None) -> list[tuple[int, Reason]]:
    """Run the spike filter over the valid samples (all but `invalid`, ascending; `dt` the steps
    between consecutive samples), skipping through plausible runs; returns the samples rejected,
    with why. The samples are not copied: a pair of valid samples is judged where they are, and
    the few pairs across invalid ones apart."""
    n = len(ms)
    bpm32 = bpm.astype(np.int32)  # wraps an invalid bpm beyond int32: its pairs are not read
    jump = bpm32[1:] - bpm32[:-1]
    implausible = _implausible(jump, dt, max_gap_ms)  # [k-1]: pair (k-1, k)
    skip: dict[int, int] = {}  # the first of a run of invalid samples: the sample after the run
    before: dict[int, int] = {}  # the sample after a run of invalid ones: the valid one before it
    if invalid is not None and invalid.size:
        first = np.concatenate(([True], np.diff(invalid) != 1))
        starts, after = invalid[first], invalid[np.concatenate((first[1:], [True]))] + 1
        skip = dict(zip(starts.tolist(), after.tolist(), strict=True))
        before = dict(zip(after.tolist(), (starts - 1).tolist(), strict=True))
        implausible[invalid[invalid > 0] - 1] = False  # no pair ends at an invalid sample
        # the sample after a run pairs with the valid one before the run (if none, never read)
        q, p = after[after < n], starts[after < n] - 1
        implausible[q - 1] = True
        q, p = q[p >= 0], p[p >= 0]
        implausible[q - 1] = _implausible(bpm[q] - bpm[p], ms[q] - ms[p], max_gap_ms)
    # positions k whose pair (k-1, k) is implausible, then n: where a run of plausible ones ends
    bad = [*(np.flatnonzero(implausible) + 1).tolist(), n]
    f = SpikeFilter(max_gap_ms)
    rejected: list[tuple[int, Reason]] = []
    k, j = skip.get(0, 0), 0  # k: always a valid sample (or n)
    while k < n:
        if f.synced:
            # pair (k's valid predecessor, k) is judged against the reference, which is that sample
            while bad[j] < k:
                j += 1
            nxt = bad[j]
            if nxt > k:
                last = before.get(nxt, nxt - 1)  # the last valid sample before nxt
                f.accept_synced(bpm.item(last), ms.item(last))
                k = nxt
                continue
        for pos, reason in f.push(k, bpm.item(k), ms.item(k)):
            if reason is not None:
                rejected.append((pos, reason))
        k = skip.get(k + 1, k + 1)
    for pos, reason in f.finish():
        if reason is not None:
            rejected.append((pos, reason))
    return rejected


def _implausible(jump: npt.NDArray[np.int32] | I64, dt: I64, max_gap_ms: int) -> Bools:
    """Whether each pair of samples, whose bpm differ by `jump` (modified here) in `dt` ms, is
    implausible: more than a gap apart, or 1000 * |jump| > 1000 * JUMP_BASE_BPM + JUMP_BPM_PER_S
    * dt, that is dt < ceil(1000 * (|jump| - JUMP_BASE_BPM) / JUMP_BPM_PER_S): compared with dt
    as it is, no product of it to overflow (and `jump` may be int32: valid bpm are 30-240)."""
    np.abs(jump, out=jump)
    jump -= JUMP_BASE_BPM
    jump *= -1000
    jump //= JUMP_BPM_PER_S
    np.negative(jump, out=jump)
    out = dt < jump
    out |= dt > max_gap_ms
    return out


def summarize(
    a: SampleArrays,
    params: Params,
    hrmax_source: str = "",
    *,
    rr_counts: tuple[int, int] | None = None,
    verdicts: list[Reason | None] | None = None,
    pauses: Sequence[tuple[float, float]] = (),
) -> Summary:
    """The summary of a whole recording, identical to LiveEngine's after finish().

    `rr_counts` (total, rejected) may come from an earlier summary of the same samples: the RR
    filter depends on neither HRmax nor any setting, and it is the slow part (history recompute).
    `verdicts` may come from `classify(a, params)` when the caller needs them too (import).
    `pauses` (stopped, started, in seconds like the samples' t): timer pauses a file recorded;
    where no beat came for longer than a gap inside one, that silence is no session time (where
    beats kept coming, they are credited, and so their time is the session's)."""
    times = _Times(a.ms)
    if verdicts is None:
        codes = _classify(a, params, times)
    else:
        codes = np.fromiter(map(_CODE.__getitem__, verdicts), dtype=np.int8, count=len(verdicts))
    n = len(codes)
    rejected_at = np.flatnonzero(codes)
    counts = np.bincount(codes[rejected_at], minlength=len(REASONS))
    rejected = {str(REASONS[c]): int(counts[c]) for c in range(1, len(REASONS)) if counts[c]}
    tallied = tally(a.ms, a.bpm, rejected_at, params, times.steps if times.ordered else None)
    rr_total, rr_rejected = (
        rr_counts
        if rr_counts is not None
        else rr_batch.flat_rr_counts(a.ms, a.rr_values, a.rr_lengths, elapsed=times.elapsed)
    )
    steps = times.steps
    unrecorded = steps > params.long_gap_ms
    recorded_ms = int(times.latest[-1] - times.latest[0]) - int(steps[unrecorded].sum()) if n else 0
    if pauses and n:
        silent = ~unrecorded & (steps > params.max_gap_ms)  # where a pause can be: no beat for a gap's length
        recorded_ms -= _paused_ms(times.latest, silent, pauses)
    return build_summary(
        params,
        hrmax_source,
        first_ms=int(a.ms[0]) if n else 0,
        last_ms=int(times.latest[-1]) if n else 0,
        recorded_ms=recorded_ms,
        samples_total=n,
        rejected=rejected,
        credited_ms=tallied.credited_ms,
        gaps=tallied.gaps,
        gap_ms=tallied.gap_ms,
        bpm_ms=tallied.bpm_ms,
        max_bpm=tallied.max_bpm,
        zones_ms=tallied.zones_ms,
        bdnf_ms=tallied.bdnf_ms,
        anandamide_ms=tallied.anandamide_ms,
        bdnf_hold_ms=tallied.bdnf_hold_ms,
        anandamide_hold_ms=tallied.anandamide_hold_ms,
        rr_total=rr_total,
        rr_rejected=rr_rejected,
    )


def _paused_ms(times: I64, silent: Bools, pauses: Sequence[tuple[float, float]]) -> int:
    """How much of the silent intervals (between consecutive `times`) the pauses cover."""
    a, b = times[:-1][silent], times[1:][silent]
    total = 0
    for stopped, started in pauses:
        lo, hi = round(stopped * 1000), round(started * 1000)
        if hi > lo:
            total += int(np.clip(np.minimum(b, hi) - np.maximum(a, lo), 0, None).sum())
    return total
