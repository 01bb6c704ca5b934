"""Cue rules: what to tell the runner, and when to stay quiet. Pure: no clock, no I/O.

Steering ("ease off", "pick it up") works on the smoothed rate with a hysteresis margin and
needs the rate to have stayed outside the target window for `dwell_s`; the same advice within one
excursion waits a cooldown (doubling while the runner does not react), a new excursion is
steered at once. The "rising fast" warning has a cooldown of its own and never holds steering
back. No steering during the
warm-up or while the signal is bad (link down, contact lost, artifacts dominating): the coach
says the signal is bad instead, once per episode.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from hrcoach.engine.accounting import Tally
from hrcoach.engine.live import Reading
from hrcoach.engine.summary import clock
from hrcoach.engine.zones import BDNF, Window
from hrcoach.models import LinkState
from hrcoach.protocol import SensorContact


class CueKind(StrEnum):
    WARMUP = "warmup"
    EASE_OFF = "ease_off"
    PICK_UP = "pick_up"
    RISING = "rising"
    IN_WINDOW = "in_window"
    MILESTONE = "milestone"
    GOAL = "goal"
    HOLD_RECORD = "hold_record"
    FUEL = "fuel"
    SIGNAL = "signal"
    SIGNAL_OK = "signal_ok"
    HRMAX_EXCEEDED = "hrmax_exceeded"
    SAFETY = "safety"


class Priority(IntEnum):
    INFO = 0
    STEER = 1
    SIGNAL = 2
    SAFETY = 3


STEERING = frozenset({CueKind.EASE_OFF, CueKind.PICK_UP, CueKind.RISING})


@dataclass(frozen=True, slots=True)
class Cue:
    t: float
    kind: CueKind
    message: str
    priority: Priority


class Band(StrEnum):
    BELOW = "below"
    IN = "in"
    ABOVE = "above"


@dataclass(frozen=True, slots=True)
class CoachParams:
    hrmax: int
    window: Window = BDNF
    warmup_s: float = 300.0
    goal_s: float = 1800.0
    dwell_s: float = 20.0  # outside the window this long before a steering cue
    cooldown_s: float = 90.0  # at most one steering cue per cooldown
    confirm_s: float = 15.0  # inside this long before "in the window"
    confirm_cooldown_s: float = 180.0
    margin_pct: float = 1.0  # hysteresis around the window edges
    rising_lead_s: float = 30.0  # warn when the top edge is this close at the current trend
    rising_min_bpm_s: float = 0.2  # 4 bpm over the 20-s trend span
    fuel_at_s: float = 2700.0
    safety_pct: float = 95.0
    safety_hold_s: float = 30.0
    safety_repeat_s: float = 60.0
    peak_hold_s: float = 10.0
    artifact_window: int = 20
    artifact_ratio: float = 0.5
    previous_best_hold_s: float | None = None


@dataclass
class Coach:
    p: CoachParams
    band: Band | None = None
    band_since: float = 0.0
    t0: float | None = None
    last_steer_t: float = float("-inf")
    last_steer_kind: CueKind | None = None
    last_rising_t: float = float("-inf")
    outside_since: float | None = None  # the smoothed rate outside the window since then
    steer_repeats: int = 0  # the same cue again without the runner reacting: back off
    confirm_pending: bool = True
    last_confirm_t: float = float("-inf")
    acquired: bool = False  # the strap has delivered a believable sample
    link_ok: bool = True
    contact_lost: bool = False
    signal_bad_said: bool = False
    recent: deque[bool] = field(default_factory=lambda: deque(maxlen=20))
    recent_rejected: int = 0  # how many of `recent` were rejected
    next_milestone_s: float = 600.0
    fuel_said: bool = False
    hold_record_said: bool = False
    peak_since: float | None = None
    peak_bpm: int = 0
    hrmax_said: bool = False
    safety_since: float | None = None
    last_safety_t: float = float("-inf")

    _edges_bpm: tuple[int, int] = field(init=False, repr=False)  # the window's edges at HRmax

    def __post_init__(self) -> None:
        self.recent = deque(maxlen=self.p.artifact_window)
        self.next_milestone_s = min(self.milestone_step_s, self.p.goal_s)
        lo, hi = self.p.window.bounds_bpm(self.p.hrmax)
        self._edges_bpm = (round(lo), round(hi))

    @property
    def milestone_step_s(self) -> float:
        """Milestones up to the goal: every 10 minutes toward 30+, every third of a shorter goal
        (a whole minute, at least one): 5 min has 2, 4 and 5; 12 min has 4, 8 and 12."""
        goal = self.p.goal_s
        return 600.0 if goal >= 1800 else max(60.0, round(goal / 180) * 60.0)

    # -- inputs ---------------------------------------------------------------------------
    def link(self, t: float, state: LinkState) -> list[Cue]:
        """A link event from the source."""
        self.link_ok = state is LinkState.CONNECTED
        if not self.acquired:
            return []  # searching for a strap it never had is not a lost link
        return self._signal_cues(t, self._signal_bad())

    def observe(self, r: Reading, tally: Tally) -> list[Cue]:
        """One engine reading (accepted or not) and the running totals after it."""
        cues: list[Cue] = []
        if self.t0 is None:
            self.t0 = r.t
            if self.p.warmup_s > 0:
                cues.append(
                    self._cue(
                        r.t,
                        CueKind.WARMUP,
                        Priority.INFO,
                        f"Warm-up: {round(self.p.warmup_s / 60)} easy minutes, coaching starts after",
                    )
                )
        accepted = r.reason is None
        self.acquired = self.acquired or accepted
        if not self.acquired:
            return cues  # the strap is still locking on: its zeros and glitches are not news
        recent = self.recent
        if len(recent) == recent.maxlen and not recent[0]:
            self.recent_rejected -= 1
        recent.append(accepted)
        self.recent_rejected += not accepted
        self.contact_lost = r.sample.contact is SensorContact.NOT_DETECTED
        if accepted:
            self.link_ok = True  # samples flowing means the link is up
        bad = self._signal_bad()  # the cues below change none of what it reads
        if bad is not self.signal_bad_said:
            cues += self._signal_cues(r.t, bad)
        if not accepted or r.smooth_bpm is None:
            return cues
        t = r.t
        pct = 100.0 * r.smooth_bpm / self.p.hrmax
        self._update_band(t, pct)
        elapsed = t - self.t0
        if not bad:
            cues += self._safety(t, pct)
            cues += self._peak(r)
            if elapsed >= self.p.warmup_s:
                cues += self._steer(r, pct)
            cues += self._confirm(t)
        cues += self._progress(t, elapsed, tally)
        return cues

    # -- rules ----------------------------------------------------------------------------
    def _cue(self, t: float, kind: CueKind, prio: Priority, msg: str) -> Cue:
        return Cue(t, kind, msg, prio)

    def _signal_bad(self) -> bool:
        n = len(self.recent)
        artifacts = n >= self.p.artifact_window // 2 and self.recent_rejected >= self.p.artifact_ratio * n
        return not self.link_ok or self.contact_lost or artifacts

    def _signal_cues(self, t: float, bad: bool) -> list[Cue]:
        if bad and not self.signal_bad_said:
            self.signal_bad_said = True
            self.band = None  # re-judge from scratch once the signal is back
            if not self.link_ok:
                msg = "Strap link lost: reconnecting. Coaching paused"
            elif self.contact_lost:
                msg = "No skin contact: moisten the strap's electrodes and tighten it"
            else:
                msg = "Signal noisy: check the strap's fit. Coaching paused"
            return [self._cue(t, CueKind.SIGNAL, Priority.SIGNAL, msg)]
        if not bad and self.signal_bad_said:
            self.signal_bad_said = False
            return [self._cue(t, CueKind.SIGNAL_OK, Priority.INFO, "Signal back: coaching resumed")]
        return []

    def _update_band(self, t: float, pct: float) -> None:
        lo, hi, m = self.p.window.lo, self.p.window.hi, self.p.margin_pct
        b = self.band
        if b is None:
            new = Band.ABOVE if pct > hi else Band.BELOW if pct < lo else Band.IN
        elif pct > hi + m:
            new = Band.ABOVE
        elif pct < lo - m:
            new = Band.BELOW
        elif b is not Band.IN and lo + m <= pct <= hi - m:
            new = Band.IN
        else:
            new = b
        if lo <= pct <= hi:
            self.outside_since = None
        elif self.outside_since is None:
            self.outside_since = t  # the shown rate left the window: the dwell counts from here
        if new is not b:
            # out of the window counts from when the rate left it, not from the margin's edge
            since = self.outside_since if new is not Band.IN and b is not None else None
            self.band, self.band_since = new, (since if since is not None else t)
            if new is Band.IN:
                self.steer_repeats = 0

    def _steer(self, r: Reading, pct: float) -> list[Cue]:
        t = r.t
        # the cooldown holds back the same advice within one excursion; a new excursion (the
        # band changed since the last steering cue) is steered `dwell_s` after it began
        if (
            self.last_steer_t >= self.band_since
            and t - self.last_steer_t < self.p.cooldown_s * 2**self.steer_repeats
        ):
            return []
        lo_bpm, hi_bpm = self._edges_bpm
        outside_long = self.band is not Band.IN and t - self.band_since >= self.p.dwell_s
        if outside_long and self.band is Band.ABOVE:
            return [
                self._steer_cue(
                    t,
                    CueKind.EASE_OFF,
                    f"Ease off: {pct:.0f} % HRmax, aim for {hi_bpm} bpm or less",
                )
            ]
        if outside_long and self.band is Band.BELOW:
            return [
                self._steer_cue(
                    t,
                    CueKind.PICK_UP,
                    f"Pick it up: {pct:.0f} % HRmax, aim for {lo_bpm} bpm or more",
                )
            ]
        if self.band is Band.IN and r.smooth_bpm is not None and r.trend_bpm_s >= self.p.rising_min_bpm_s:
            to_edge = (hi_bpm - r.smooth_bpm) / r.trend_bpm_s
            if 0 < to_edge <= self.p.rising_lead_s and t - self.last_rising_t >= self.p.cooldown_s:
                self.last_rising_t = t  # a warning: its own cooldown, never the steering one
                return [
                    self._cue(
                        t,
                        CueKind.RISING,
                        Priority.STEER,
                        f"Rising fast toward {hi_bpm} bpm: settle the pace",
                    )
                ]
        return []

    def _steer_cue(self, t: float, kind: CueKind, msg: str) -> Cue:
        self.steer_repeats = self.steer_repeats + 1 if kind is self.last_steer_kind else 0
        self.steer_repeats = min(self.steer_repeats, 3)
        self.last_steer_kind = kind
        self.last_steer_t = t
        self.confirm_pending = True
        return self._cue(t, kind, Priority.STEER, msg)

    def _confirm(self, t: float) -> list[Cue]:
        """Once at the first entry, then only back in the window after an ease-off or pick-up."""
        if (
            self.confirm_pending
            and self.band is Band.IN
            and self.band_since >= self.last_steer_t
            and t - self.band_since >= self.p.confirm_s
            and t - self.last_confirm_t >= self.p.confirm_cooldown_s
        ):
            self.confirm_pending = False
            self.last_confirm_t = t
            return [
                self._cue(
                    t,
                    CueKind.IN_WINDOW,
                    Priority.INFO,
                    f"In the {self.p.window.label} window: hold this effort",
                )
            ]
        return []

    def _safety(self, t: float, pct: float) -> list[Cue]:
        if pct <= self.p.safety_pct:
            self.safety_since = None
            return []
        if self.safety_since is None:
            self.safety_since = t
        if t - self.safety_since >= self.p.safety_hold_s and t - self.last_safety_t >= self.p.safety_repeat_s:
            self.last_safety_t = t
            return [
                self._cue(
                    t,
                    CueKind.SAFETY,
                    Priority.SAFETY,
                    f"Above {self.p.safety_pct:.0f} % HRmax for {clock(t - self.safety_since)}: "
                    "slow down now",
                )
            ]
        return []

    def _peak(self, r: Reading) -> list[Cue]:
        """A clean, sustained rate above HRmax: offer to adopt it, once."""
        if self.hrmax_said:
            return []
        if r.sample.bpm <= self.p.hrmax or self.recent_rejected:
            self.peak_since, self.peak_bpm = None, 0
            return []
        if self.peak_since is None:
            self.peak_since = r.t
        self.peak_bpm = max(self.peak_bpm, r.sample.bpm)
        if r.t - self.peak_since >= self.p.peak_hold_s:
            self.hrmax_said = True
            return [
                self._cue(
                    r.t,
                    CueKind.HRMAX_EXCEEDED,
                    Priority.INFO,
                    f"Held {self.peak_bpm} bpm, above your HRmax of {self.p.hrmax}. If the strap "
                    f"fits well, adopt it: hrcoach profile set hrmax {self.peak_bpm}",
                )
            ]
        return []

    def _progress(self, t: float, elapsed: float, tally: Tally) -> list[Cue]:
        cues: list[Cue] = []
        bdnf_s = tally.bdnf_ms / 1000
        while bdnf_s >= self.next_milestone_s:
            mark = self.next_milestone_s
            if abs(mark - self.p.goal_s) < 1e-6:
                cues.append(
                    self._cue(
                        t,
                        CueKind.GOAL,
                        Priority.INFO,
                        f"Goal reached: {clock(mark)} in the BDNF window",
                    )
                )
            else:
                cues.append(
                    self._cue(
                        t,
                        CueKind.MILESTONE,
                        Priority.INFO,
                        f"{round(mark / 60)} minutes in the BDNF window",
                    )
                )
            # every step up to the goal, then every 15 minutes: encouragement, not a metronome
            self.next_milestone_s += self.milestone_step_s if mark < self.p.goal_s else 900.0
            if self.next_milestone_s > self.p.goal_s > mark:
                self.next_milestone_s = self.p.goal_s
        best = self.p.previous_best_hold_s
        hold = tally.hold(self.p.window.name)
        if best is not None and best > 0 and not self.hold_record_said and hold.current_ms / 1000 > best:
            self.hold_record_said = True
            cues.append(
                self._cue(
                    t,
                    CueKind.HOLD_RECORD,
                    Priority.INFO,
                    f"New longest hold: past your best of {clock(best)}",
                )
            )
        if not self.fuel_said and elapsed >= self.p.fuel_at_s:
            self.fuel_said = True
            cues.append(
                self._cue(
                    t,
                    CueKind.FUEL,
                    Priority.INFO,
                    f"{round(elapsed / 60)} minutes in: take some carbohydrate",
                )
            )
        return cues
