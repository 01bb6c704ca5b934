"""The live, incremental engine: O(1) work per sample, no clock, no I/O."""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Sequence
from typing import NamedTuple

from hrcoach.engine.accounting import Params, Tally
from hrcoach.engine.artifacts import MAX_BPM, Reason, SpikeFilter, basic_reason, filter_rr, plausible
from hrcoach.engine.summary import Summary, build_summary
from hrcoach.engine.zones import ANANDAMIDE, BDNF, pct_of, zone_of
from hrcoach.models import HeartRateSample

SMOOTH_TAU_S = 5.0
TREND_SPAN_MS = 20_000  # the trend is the smoothed rate's change over the last 20 s
_new = tuple.__new__  # builds a Reading without the named tuple's Python-level __new__


class Reading(NamedTuple):
    """The engine's verdict on one sample, emitted in sample order (a named tuple: immutable,
    and made without a Python-level __init__, one per sample)."""

    sid: int
    sample: HeartRateSample
    reason: Reason | None  # None: accepted
    rr_kept: tuple[float, ...]
    rr_bpm: float | None  # instantaneous rate from the sample's believable RR intervals
    smooth_bpm: float | None  # for display and cues only; never credited
    trend_bpm_s: float  # slope of the smoothed rate over the last 20 s, bpm per second
    zone: int
    in_bdnf: bool
    in_anandamide: bool
    credited_ms: int  # 0 first sample or rejected, -1 the interval was a gap

    @property
    def t(self) -> float:
        return self.sample.t

    @property
    def accepted(self) -> bool:
        return self.reason is None


class LiveEngine:
    def __init__(
        self, params: Params, hrmax_source: str = "", *, pauses: Sequence[tuple[float, float]] = ()
    ) -> None:
        self.params = params
        # a recording's timer pauses (stopped, started): no session time, as in `batch.summarize`
        self._pauses = sorted((round(a * 1000), round(b * 1000)) for a, b in pauses if b > a)
        self.hrmax_source = hrmax_source
        self.tally = Tally(params)
        self._filter = SpikeFilter(params.max_gap_ms)
        self._max_gap_ms = params.max_gap_ms  # Params is frozen: worked out once, not per sample
        self._long_gap_ms = params.long_gap_ms
        hrmax = params.hrmax  # (zone, in BDNF, in anandamide) of every bpm an accepted sample can have
        self._class_of_bpm = [
            (zone_of(bpm, hrmax), BDNF.contains(bpm, hrmax), ANANDAMIDE.contains(bpm, hrmax))
            for bpm in range(MAX_BPM + 1)
        ]
        self._held: deque[tuple[int, HeartRateSample, tuple[float, ...], float | None]] = deque()
        self._verdicts: dict[int, Reason | None] = {}
        self._next_sid = 0
        self._first_ms = -1
        self._last_ms = -1
        self._recorded_ms = 0
        self._last_valid_ms = -1
        self.rejected: Counter[str] = Counter()
        self.rr_total = 0
        self.rr_rejected = 0
        self._smooth: float | None = None
        self._smooth_ms = -1
        self._trend = 0.0
        self._history: deque[tuple[int, float]] = deque(maxlen=256)  # (ms, smoothed) for the trend

    @property
    def smooth_bpm(self) -> float | None:
        return self._smooth

    @property
    def pending(self) -> HeartRateSample | None:
        """The newest beat the spike filter still holds (it passed every other check), None when
        none is held: a screen may show it at once, as not yet confirmed."""
        for sid, sample, _, _ in reversed(self._held):
            if sid not in self._verdicts:
                return sample
        return None

    def ingest(self, sample: HeartRateSample) -> list[Reading]:
        sid = self._next_sid
        self._next_sid += 1
        ms = round(sample.t * 1000)
        if self._first_ms < 0:
            self._first_ms = ms
        elapsed = None if self._last_ms < 0 else ms - self._last_ms
        if elapsed is not None and 0 < elapsed <= self._long_gap_ms:
            self._recorded_ms += elapsed
            if elapsed > self._max_gap_ms:  # a silence: inside a timer pause, no session time
                for lo, hi in self._pauses:  # few: a file's timer pauses
                    self._recorded_ms -= max(0, min(ms, hi) - max(self._last_ms, lo))
        self._last_ms = max(ms, self._last_ms)
        rr = filter_rr(sample.rr_ms, elapsed)
        self.rr_total += len(sample.rr_ms)
        self.rr_rejected += rr.out_of_range + rr.backlog
        rr_bpm = 60000.0 * len(rr.kept) / sum(rr.kept) if rr.kept else None
        bpm = sample.bpm
        reason = basic_reason(bpm, sample.contact)
        if reason is None and ms < self._last_valid_ms:
            reason = Reason.TIME_BACKWARDS
        f = self._filter
        if (
            reason is None
            and not self._held
            and f.pend_id < 0
            and f.ref_ms >= 0
            and plausible(f.ref_bpm, f.ref_ms, bpm, ms, self._max_gap_ms)
        ):  # most samples: nothing held before it and the spike filter accepts it at once, as
            # `push` would (`_judge`); then it needs no queue
            self._last_valid_ms = ms
            f.accept_synced(bpm, ms)
            return [self._read(sid, sample, None, rr.kept, rr_bpm)]
        self._held.append((sid, sample, rr.kept, rr_bpm))
        if reason is not None:
            self._verdicts[sid] = reason
        else:
            self._last_valid_ms = ms
            self._verdicts.update(self._filter.push(sid, sample.bpm, ms))
        return self._release()

    def finish(self) -> list[Reading]:
        """End of stream: decide any held sample and release everything."""
        self._verdicts.update(self._filter.finish())
        return self._release()

    def _release(self) -> list[Reading]:
        out: list[Reading] = []
        held, verdicts = self._held, self._verdicts
        while held and held[0][0] in verdicts:
            sid, sample, rr_kept, rr_bpm = held.popleft()
            out.append(self._read(sid, sample, verdicts.pop(sid), rr_kept, rr_bpm))
        return out

    def _read(
        self,
        sid: int,
        sample: HeartRateSample,
        reason: Reason | None,
        rr_kept: tuple[float, ...],
        rr_bpm: float | None,
    ) -> Reading:
        if reason is not None:
            self.rejected[reason.value] += 1
            return _new(
                Reading, (sid, sample, reason, rr_kept, rr_bpm, self._smooth, self._trend, 0, False, False, 0)
            )
        ms = round(sample.t * 1000)
        bpm = sample.bpm
        zone, in_bdnf, in_ana = self._class_of_bpm[bpm]  # 30 <= bpm <= MAX_BPM: it was accepted
        credited = self.tally.add(ms, bpm, zone, in_bdnf, in_ana)
        self._update_smooth(ms, rr_bpm if rr_bpm is not None else float(bpm), credited < 0)
        return _new(
            Reading,
            (sid, sample, None, rr_kept, rr_bpm, self._smooth, self._trend, zone, in_bdnf, in_ana, credited),
        )

    def _update_smooth(self, ms: int, value: float, after_gap: bool) -> None:
        hist = self._history
        if self._smooth is None or after_gap:
            self._smooth, self._trend = value, 0.0
            hist.clear()
        elif ms > self._smooth_ms:
            alpha = 1 - math.exp(-(ms - self._smooth_ms) / 1000 / SMOOTH_TAU_S)
            self._smooth += (value - self._smooth) * alpha
        else:
            return  # a duplicate timestamp adds nothing to the smoothed curve
        self._smooth_ms = ms
        hist.append((ms, self._smooth))
        while len(hist) > 2 and ms - hist[1][0] >= TREND_SPAN_MS:
            hist.popleft()  # keep exactly one point at least TREND_SPAN_MS old
        t0, v0 = hist[0]
        self._trend = (self._smooth - v0) * 1000 / (ms - t0) if ms - t0 >= TREND_SPAN_MS else 0.0

    def smooth_pct(self) -> float | None:
        return None if self._smooth is None else pct_of(self._smooth, self.params.hrmax)

    def summary(self) -> Summary:
        t = self.tally
        return build_summary(
            self.params,
            self.hrmax_source,
            first_ms=self._first_ms,
            last_ms=self._last_ms,
            recorded_ms=self._recorded_ms,
            samples_total=self._next_sid - len(self._held),  # held samples are undecided
            rejected=dict(self.rejected),
            credited_ms=t.credited_ms,
            gaps=t.gaps,
            gap_ms=t.gap_ms,
            bpm_ms=t.bpm_ms,
            max_bpm=t.max_bpm,
            zones_ms=list(t.zones_ms),
            bdnf_ms=t.bdnf_ms,
            anandamide_ms=t.anandamide_ms,
            bdnf_hold_ms=t.bdnf_hold.longest_ms,
            anandamide_hold_ms=t.anandamide_hold.longest_ms,
            rr_total=self.rr_total,
            rr_rejected=self.rr_rejected,
        )
