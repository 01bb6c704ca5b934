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
from hrcoach.engine.summary import Summary, build_summary
from hrcoach.engine.zones import ANANDAMIDE, BDNF, ZONE_FLOORS, Window
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
    codes = np.zeros(len(a.ms), dtype=np.int8)
    no_value = a.bpm == 0
    no_contact = ~no_value & (a.contact == NOT_DETECTED)
    out_range = ~no_value & ~no_contact & ((a.bpm < MIN_BPM) | (a.bpm > MAX_BPM))
    for mask, reason in (
        (no_value, Reason.NO_VALUE),
        (no_contact, Reason.NO_CONTACT),
        (out_range, Reason.OUT_OF_RANGE),
    ):
        codes[mask] = _CODE[reason]
    basic_ok = ~(no_value | no_contact | out_range)
    # Backwards in time: earlier than the latest basic-ok sample before it.
    ok_ms = np.where(basic_ok, a.ms, np.iinfo(np.int64).min)
    prior_max = np.maximum.accumulate(ok_ms)
    prior_max = np.concatenate(([np.iinfo(np.int64).min], prior_max[:-1]))
    backwards = basic_ok & (a.ms < prior_max)
    codes[backwards] = _CODE[Reason.TIME_BACKWARDS]
    valid = np.flatnonzero(basic_ok & ~backwards)
    for sid, reason in _spikes(valid, a.ms[valid], a.bpm[valid], params.max_gap_ms):
        codes[sid] = _CODE[reason]
    return codes


def _spikes(ids: I64, ms: I64, bpm: I64, max_gap_ms: int) -> list[tuple[int, Reason]]:
    """Run the spike filter over valid samples, skipping through plausible runs."""
    n = len(ids)
    dt = np.diff(ms)
    pair_ok = (dt <= max_gap_ms) & (np.abs(np.diff(bpm)) * 1000 <= JUMP_BASE_BPM * 1000 + JUMP_BPM_PER_S * dt)
    bad = np.flatnonzero(~pair_ok) + 1  # positions k whose pair (k-1, k) is implausible
    f = SpikeFilter(max_gap_ms)
    rejected: list[tuple[int, Reason]] = []
    k = 0
    while k < n:
        if f.synced:
            # pair (k-1, k) is judged against the reference, which is sample k-1 itself
            nxt = int(bad[np.searchsorted(bad, k)]) if bad.size and bad[-1] >= k else n
            if nxt > k:
                f.accept_synced(int(bpm[nxt - 1]), int(ms[nxt - 1]))
                k = nxt
                continue
        for pos, reason in f.push(k, int(bpm[k]), int(ms[k])):
            if reason is not None:
                rejected.append((int(ids[pos]), reason))
        k += 1
    for pos, reason in f.finish():
        if reason is not None:
            rejected.append((int(ids[pos]), reason))
    return rejected


def _longest_hold(dt: I64, inside: Bools, gap: Bools, grace_ms: int) -> int:
    """Longest run of in-window time, broken by gaps and by excursions of grace_ms or more."""
    if dt.size == 0:
        return 0
    out = ~inside & ~gap
    starts = out & ~np.concatenate(([False], out[:-1]))
    run_id = np.cumsum(starts) - 1
    breaker = gap.copy()
    if out.any():
        totals = np.bincount(run_id[out], weights=dt[out].astype(np.float64))
        ends = out & ~np.concatenate((out[1:], [False]))
        breaker |= ends & (totals[np.maximum(run_id, 0)] >= grace_ms)
    segment = np.cumsum(breaker)
    holds = np.bincount(segment, weights=np.where(inside & ~gap, dt, 0).astype(np.float64))
    return int(holds.max())


def in_window(w: Window, bpm: I64, hrmax: int) -> Bools:
    scaled = 100 * bpm
    return (scaled >= w.lo * hrmax) & (scaled <= w.hi * hrmax)


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
    if verdicts is None:
        codes = classify_codes(a, params)
    else:
        codes = np.fromiter(map(_CODE.__getitem__, verdicts), dtype=np.int8, count=len(verdicts))
    n = len(codes)
    counts = np.bincount(codes, minlength=len(REASONS))
    present = [c for c in range(1, len(REASONS)) if counts[c]]
    present.sort(key=lambda c: int(np.argmax(codes == c)))  # as each first comes, as a summary lists
    rejected = {str(REASONS[c]): int(counts[c]) for c in present}
    acc = codes == 0
    ms, bpm = a.ms[acc], a.bpm[acc]
    hrmax = params.hrmax
    dt = np.diff(ms)
    later = bpm[1:]
    gap = dt > params.max_gap_ms
    cred = np.where(gap, 0, dt)
    scaled = 100 * later
    zone = np.zeros(later.shape, dtype=np.int64)
    for z, floor in enumerate(ZONE_FLOORS, start=1):
        zone[scaled >= floor * hrmax] = z
    zones_ms = [int(cred[zone == z].sum()) for z in range(1, 6)]
    in_b = in_window(BDNF, later, hrmax)
    in_a = in_window(ANANDAMIDE, later, hrmax)
    rr_total, rr_rejected = (
        rr_counts if rr_counts is not None else rr_batch.flat_rr_counts(a.ms, a.rr_values, a.rr_lengths)
    )
    latest = np.maximum.accumulate(a.ms) if n else np.zeros(0, dtype=np.int64)
    steps = np.diff(latest)
    recorded = steps <= params.long_gap_ms
    silent = recorded & (steps > params.max_gap_ms)  # where a pause can be: no beat for a gap's length
    paused_ms = _paused_ms(latest, silent, pauses) if pauses and n else 0
    return build_summary(
        params,
        hrmax_source,
        first_ms=int(a.ms[0]) if n else 0,
        last_ms=int(a.ms.max()) if n else 0,
        recorded_ms=int(steps[recorded].sum()) - paused_ms,
        samples_total=n,
        rejected=rejected,
        credited_ms=int(cred.sum()),
        gaps=int(gap.sum()),
        gap_ms=int(dt[gap].sum()),
        bpm_ms=int((later * cred).sum()),
        max_bpm=int(bpm.max()) if bpm.size else 0,
        zones_ms=zones_ms,
        bdnf_ms=int(cred[in_b].sum()),
        anandamide_ms=int(cred[in_a].sum()),
        bdnf_hold_ms=_longest_hold(dt, in_b, gap, params.grace_ms),
        anandamide_hold_ms=_longest_hold(dt, in_a, gap, params.grace_ms),
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
