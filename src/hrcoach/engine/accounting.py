"""Time accounting: one rule for live, replay, history and export (DESIGN.md).

A session's *duration* is the time it was recorded: every interval between consecutive samples
(accepted or not) up to `LONG_GAP_S`; a longer one (a clock jump, a pause of hours, a watch left
running overnight) is no session time, though the wall *span* from first to last sample keeps it;
nor is a silence (no beat for longer than a gap) inside a timer pause an imported file recorded.

Interval i runs from the previous accepted sample to accepted sample i. Longer than
`max_gap_ms`, it is a gap: credited to nothing. Otherwise its length is credited, with sample i's
raw bpm, to every zone and window that bpm falls in. A hold is a run of in-window time that
survives excursions shorter than the grace period but not a gap; its length counts only the
in-window time (so the longest hold never exceeds the time in the window). Times are integer
milliseconds, so every path adds up to the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hrcoach.engine.zones import ANANDAMIDE, BDNF, Window

LONG_GAP_S = 300.0  # an interval longer than this between samples is not session time


@dataclass(frozen=True, slots=True)
class Params:
    """What the engine needs from the profile."""

    hrmax: int
    max_gap_s: float = 10.0
    grace_s: float = 60.0
    goal_min: float = 30.0

    @property
    def max_gap_ms(self) -> int:
        return round(self.max_gap_s * 1000)

    @property
    def long_gap_ms(self) -> int:
        """Intervals longer than this are no session time (never shorter than a gap)."""
        return max(round(LONG_GAP_S * 1000), self.max_gap_ms)

    @property
    def grace_ms(self) -> int:
        return round(self.grace_s * 1000)


@dataclass(slots=True)
class Hold:
    """The hold state of one window."""

    window: Window
    current_ms: int = 0
    excursion_ms: int = 0
    longest_ms: int = 0

    def credit(self, inside: bool, dt: int, grace_ms: int) -> None:
        if inside:
            self.current_ms += dt
            self.excursion_ms = 0
            if self.current_ms > self.longest_ms:
                self.longest_ms = self.current_ms
        else:
            self.excursion_ms += dt
            if self.excursion_ms >= grace_ms:
                self.current_ms = 0

    def gap(self) -> None:
        self.current_ms = 0
        self.excursion_ms = 0


@dataclass(slots=True)
class Tally:
    """Running totals over accepted samples: O(1) per sample."""

    params: Params
    prev_ms: int = -1
    credited_ms: int = 0
    gaps: int = 0
    gap_ms: int = 0
    bpm_ms: int = 0  # sum of bpm x credited ms, for the time-weighted mean
    max_bpm: int = 0
    zones_ms: list[int] = field(default_factory=lambda: [0] * 5)
    bdnf_ms: int = 0
    anandamide_ms: int = 0
    bdnf_hold: Hold = field(default_factory=lambda: Hold(BDNF))
    anandamide_hold: Hold = field(default_factory=lambda: Hold(ANANDAMIDE))
    _max_gap_ms: int = field(init=False, repr=False, compare=False)  # of `params`, once
    _grace_ms: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._max_gap_ms = self.params.max_gap_ms
        self._grace_ms = self.params.grace_ms

    def hold(self, window: str) -> Hold:
        """The hold of the window named `window` ("bdnf" or "anandamide")."""
        return self.bdnf_hold if window == "bdnf" else self.anandamide_hold

    def add(self, ms: int, bpm: int, zone: int, in_bdnf: bool, in_ana: bool) -> int:
        """Account an accepted sample, whose zone and window membership the caller has worked
        out once (`zone_of`, `Window.contains`); returns the milliseconds credited (-1 for a gap)."""
        prev, self.prev_ms = self.prev_ms, ms
        if bpm > self.max_bpm:
            self.max_bpm = bpm
        if prev < 0:
            return 0
        dt = ms - prev
        if dt > self._max_gap_ms:
            self.gaps += 1
            self.gap_ms += dt
            self.bdnf_hold.gap()
            self.anandamide_hold.gap()
            return -1
        self.credited_ms += dt
        self.bpm_ms += bpm * dt
        if zone:
            self.zones_ms[zone - 1] += dt
        if in_bdnf:
            self.bdnf_ms += dt
        if in_ana:
            self.anandamide_ms += dt
        grace = self._grace_ms
        self.bdnf_hold.credit(in_bdnf, dt, grace)
        self.anandamide_hold.credit(in_ana, dt, grace)
        return dt
