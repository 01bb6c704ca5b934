"""Which samples and RR intervals are believable.

A sample is rejected when it has no value (bpm 0), is out of 30–240 bpm, reports "contact
supported but not detected", goes back in time, or is an isolated spike: a jump from the last
accepted sample larger than the heart can make in the elapsed time that the following sample
does not confirm. The spike decision needs one sample of look-ahead, so `SpikeFilter` may hold
one sample back until the next one arrives; both the live and the batch engine drive this one
state machine, which is what keeps them identical.

An *isolated* sample, with no other within the gap length on either side (a file sampled every
10 s or more, one beat between two dropouts), has nothing near enough to confirm it: it is
judged by the same jump rule against its neighbours however far away they are, and accepted
when it fits either. It is credited no time (both its intervals are gaps), but it is counted as
what it is, and the gaps around it are counted too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from hrcoach.protocol import SensorContact

MIN_BPM = 30
MAX_BPM = 240
JUMP_BASE_BPM = 25  # a jump of up to 25 bpm + 2 bpm per elapsed second is physiological
JUMP_BPM_PER_S = 2
MIN_RR_MS = 250.0  # 240 bpm
MAX_RR_MS = 2000.0  # 30 bpm
RR_BACKLOG_TOLERANCE_MS = 1000.0
FIRST_NOTIFICATION_SPAN_MS = 1000.0


class Reason(StrEnum):
    NO_VALUE = "no_value"
    OUT_OF_RANGE = "out_of_range"
    NO_CONTACT = "no_contact"
    TIME_BACKWARDS = "time_backwards"
    SPIKE = "spike"
    UNCONFIRMED = "unconfirmed"


def basic_reason(bpm: int, contact: SensorContact) -> Reason | None:
    """The reason a sample is rejected before the spike check, or None."""
    if bpm == 0:
        return Reason.NO_VALUE
    if contact is SensorContact.NOT_DETECTED:
        return Reason.NO_CONTACT
    if not MIN_BPM <= bpm <= MAX_BPM:
        return Reason.OUT_OF_RANGE
    return None


def _jump_ok(a_bpm: int, a_ms: int, b_bpm: int, b_ms: int) -> bool:
    return abs(b_bpm - a_bpm) * 1000 <= JUMP_BASE_BPM * 1000 + JUMP_BPM_PER_S * abs(b_ms - a_ms)


def plausible(a_bpm: int, a_ms: int, b_bpm: int, b_ms: int, max_gap_ms: int) -> bool:
    """Can the heart go from a to b in the elapsed time (and is a recent enough to judge)?"""
    dt = b_ms - a_ms
    if dt > max_gap_ms:
        return False
    return abs(b_bpm - a_bpm) * 1000 <= JUMP_BASE_BPM * 1000 + JUMP_BPM_PER_S * dt


Decision = tuple[int, Reason | None]  # (sample id, None when accepted)


@dataclass(slots=True)
class SpikeFilter:
    """One-sample look-ahead spike rejection over samples that passed `basic_reason`.

    `push` returns the decisions it can make now, in sample order. A sample is held when there
    is no recent accepted sample to judge it against (start, or after a gap) or when it jumps
    implausibly; the next sample confirms it (close to it) or rejects it (a spike)."""

    max_gap_ms: int
    ref_bpm: int = 0
    ref_ms: int = -1  # -1: no accepted sample yet
    pend_id: int = -1
    pend_bpm: int = 0
    pend_ms: int = 0

    @property
    def synced(self) -> bool:
        return self.pend_id < 0 and self.ref_ms >= 0

    def _judge(self, sid: int, bpm: int, ms: int, out: list[Decision]) -> None:
        if self.ref_ms >= 0 and plausible(self.ref_bpm, self.ref_ms, bpm, ms, self.max_gap_ms):
            out.append((sid, None))
            self.ref_bpm, self.ref_ms = bpm, ms
        else:
            self.pend_id, self.pend_bpm, self.pend_ms = sid, bpm, ms

    def push(self, sid: int, bpm: int, ms: int) -> list[Decision]:
        out: list[Decision] = []
        if self.pend_id >= 0:
            pid = self.pend_id
            self.pend_id = -1
            nothing_before = self.ref_ms < 0 or self.pend_ms - self.ref_ms > self.max_gap_ms
            if plausible(self.pend_bpm, self.pend_ms, bpm, ms, self.max_gap_ms):
                out.append((pid, None))  # confirmed: a real change of level
                self.ref_bpm, self.ref_ms = self.pend_bpm, self.pend_ms
            elif nothing_before and ms - self.pend_ms > self.max_gap_ms and self._fits_a_neighbour(bpm, ms):
                out.append((pid, None))  # isolated, and it fits what is around it
                self.ref_bpm, self.ref_ms = self.pend_bpm, self.pend_ms
            else:
                stale = self.ref_ms < 0 or ms - self.ref_ms > self.max_gap_ms
                out.append((pid, Reason.UNCONFIRMED if stale else Reason.SPIKE))
        self._judge(sid, bpm, ms, out)
        return out

    def _fits_a_neighbour(self, next_bpm: int | None, next_ms: int) -> bool:
        """Whether the held sample fits, by the jump rule at any distance, the last accepted
        sample or the next one (`next_bpm` None: there is none)."""
        before = self.ref_ms >= 0 and _jump_ok(self.ref_bpm, self.ref_ms, self.pend_bpm, self.pend_ms)
        after = next_bpm is not None and _jump_ok(self.pend_bpm, self.pend_ms, next_bpm, next_ms)
        return before or after

    def accept_synced(self, bpm: int, ms: int) -> None:
        """Fast path for the batch engine: a sample known to be plausible against the reference."""
        self.ref_bpm, self.ref_ms = bpm, ms

    def finish(self) -> list[Decision]:
        """End of stream: a sample still held was never confirmed."""
        if self.pend_id < 0:
            return []
        stale = self.ref_ms < 0 or self.pend_ms - self.ref_ms > self.max_gap_ms
        if stale and self._fits_a_neighbour(None, 0):  # the last one, isolated after a gap
            self.ref_bpm, self.ref_ms = self.pend_bpm, self.pend_ms
            pid, self.pend_id = self.pend_id, -1
            return [(pid, None)]
        pid, self.pend_id = self.pend_id, -1
        return [(pid, Reason.UNCONFIRMED if stale else Reason.SPIKE)]


class RRResult(NamedTuple):
    kept: tuple[float, ...]
    out_of_range: int
    backlog: int


_new = tuple.__new__  # builds an RRResult without the named tuple's Python-level __new__
_NO_RR = RRResult((), 0, 0)


def filter_rr(rr_ms: Sequence[float], elapsed_ms: float | None) -> RRResult:
    """Keep the RR intervals that are physiological and belong to the elapsed time.

    Values outside 250–2000 ms (such as the 53/1024 s some straps send) are dropped. A beat
    that ended before the previous notification (a backlog the strap buffered, typically in its
    first notification) is dropped too: walking back from the newest beat, a beat is kept while
    the beats after it fit within the elapsed time plus a tolerance."""
    if not rr_ms:
        return _NO_RR
    in_range = [v for v in rr_ms if MIN_RR_MS <= v <= MAX_RR_MS]
    window = FIRST_NOTIFICATION_SPAN_MS if elapsed_ms is None else elapsed_ms
    window += RR_BACKLOG_TOLERANCE_MS
    first = n = len(in_range)
    after = 0.0  # sum of the newer beats, added newest first
    while first and after < window:
        first -= 1
        after += in_range[first]
    kept = tuple(in_range[first:])
    return _new(RRResult, (kept, len(rr_ms) - n, first))
