"""One workout: events in, a `Tick` out for each. Pure: no clock, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from hrcoach.coach import Band, Coach, CoachParams, Cue
from hrcoach.config import ProfileLike
from hrcoach.engine.accounting import Params
from hrcoach.engine.live import LiveEngine, Reading
from hrcoach.engine.summary import Summary
from hrcoach.engine.zones import WINDOWS, hrmax_in_force, pct_of
from hrcoach.models import (
    BatteryRead,
    Event,
    HeartRateSample,
    LinkChanged,
    LinkState,
    MalformedFrame,
)
from hrcoach.protocol import SensorContact


@dataclass(frozen=True, slots=True)
class SessionSetup:
    """What a session is coached against, resolved from the profile (and any override)."""

    params: Params
    coach: CoachParams
    hrmax_source: str

    @classmethod
    def from_profile(
        cls, profile: ProfileLike, *, hrmax: int | None = None, hrmax_source: str | None = None
    ) -> SessionSetup:
        if hrmax is None:
            hrmax, hrmax_source = hrmax_in_force(profile)
        params = Params(
            hrmax=hrmax,
            max_gap_s=profile.max_gap_s,
            grace_s=profile.hold_grace_s,
            goal_min=profile.goal_min,
        )
        coach = CoachParams(
            hrmax=hrmax,
            window=WINDOWS[profile.target],
            warmup_s=profile.warmup_min * 60,
            goal_s=profile.goal_min * 60,
        )
        return cls(params, coach, hrmax_source or "given")


@dataclass(frozen=True, slots=True)
class Tick:
    """The state of the session after one event: what a screen shows."""

    t: float
    readings: tuple[Reading, ...]
    cues: tuple[Cue, ...]
    bpm: int | None  # latest accepted raw bpm, None when there is no current value (see no_signal)
    smooth_bpm: float | None
    pct: float | None  # smoothed %HRmax, None when there is no current value
    band: Band | None
    zone: int
    elapsed_s: float
    bdnf_s: float
    anandamide_s: float
    hold_s: float  # current hold in the target window
    longest_hold_s: float
    link: LinkState
    contact: SensorContact
    battery: int | None
    malformed: int
    no_signal: str = ""  # why there is no current heart rate ("" when there is one)
    provisional_bpm: int | None = None  # a newer beat not yet confirmed (held by the spike filter)


NO_SIGNAL = {
    LinkState.SEARCHING: "searching for the strap",
    LinkState.CONNECTING: "connecting",
    LinkState.RECONNECTING: "link lost: reconnecting",
    LinkState.DISCONNECTED: "link lost",
    LinkState.STALE: "no signal from the strap",
}


@dataclass
class Session:
    setup: SessionSetup
    engine: LiveEngine = field(init=False)
    coach: Coach = field(init=False)
    cues: list[Cue] = field(default_factory=list)
    link: LinkState = LinkState.CONNECTED
    contact: SensorContact = SensorContact.NOT_SUPPORTED
    battery: int | None = None
    malformed: int = 0
    samples: int = 0  # heart-rate samples ingested, accepted or not
    last_bpm: int | None = None
    last_zone: int = 0
    last_accepted_t: float | None = None
    t0: float | None = None
    t_last: float = 0.0
    pauses: Sequence[tuple[float, float]] = ()  # a recording's timer pauses: no session time

    def __post_init__(self) -> None:
        self.engine = LiveEngine(self.setup.params, self.setup.hrmax_source, pauses=self.pauses)
        self.coach = Coach(self.setup.coach)

    def ingest(self, event: Event) -> Tick:
        readings, cues = self._take(event)
        return self._tick(event.t, readings, cues)

    def feed(self, event: Event) -> None:
        """`ingest` for a run nobody watches (`analyze`): the same state after each event, no
        `Tick` made."""
        readings, cues = self._take(event)
        if readings or cues:
            self._absorb(readings, cues)

    def _take(self, event: Event) -> tuple[list[Reading], list[Cue]]:
        readings: list[Reading] = []
        cues: list[Cue] = []
        if self.t0 is None:
            self.t0 = event.t
        self.t_last = max(self.t_last, event.t)
        if isinstance(event, HeartRateSample):
            self.contact = event.contact
            self.samples += 1
            readings = self.engine.ingest(event)
        elif isinstance(event, LinkChanged):
            self.link = event.state
            cues = self.coach.link(event.t, event.state)
        elif isinstance(event, BatteryRead):
            self.battery = event.percent
        elif isinstance(event, MalformedFrame):
            self.malformed += event.count
        return readings, cues

    def finish(self) -> Tick:
        """End of the session: decide samples still held by the spike filter."""
        return self._tick(self.t_last, self.engine.finish(), [])

    def _absorb(self, readings: list[Reading], cues: list[Cue]) -> None:
        """The coach's and the session's state after the engine's readings."""
        tally = self.engine.tally
        observe = self.coach.observe
        for r in readings:
            cues += observe(r, tally)
            if r.reason is None:
                self.last_bpm, self.last_zone = r.sample.bpm, r.zone
                self.last_accepted_t = r.sample.t
                self.link = LinkState.CONNECTED
        self.cues += cues

    def _tick(self, t: float, readings: list[Reading], cues: list[Cue]) -> Tick:
        self._absorb(readings, cues)
        tally = self.engine.tally
        no_signal = self.no_signal(t)
        smooth = None if no_signal else self.engine.smooth_bpm
        hold = tally.hold(self.setup.coach.window.name)
        return Tick(
            t=t,
            readings=tuple(readings),
            cues=tuple(cues),
            bpm=None if no_signal else self.last_bpm,
            smooth_bpm=smooth,
            pct=None if smooth is None else pct_of(smooth, self.setup.params.hrmax),
            band=None if no_signal else self.coach.band,
            zone=self.last_zone,
            elapsed_s=t - (self.t0 or 0.0),
            bdnf_s=tally.bdnf_ms / 1000,
            anandamide_s=tally.anandamide_ms / 1000,
            hold_s=hold.current_ms / 1000,
            longest_hold_s=hold.longest_ms / 1000,
            link=self.link,
            contact=self.contact,
            battery=self.battery,
            malformed=self.malformed,
            no_signal=no_signal,
            provisional_bpm=self._provisional(),
        )

    def _provisional(self) -> int | None:
        """The newest beat still held, while the link is up and the strap has contact: the first
        beat of a session always waits a second for the one after it (the spike filter's look-
        ahead), and a runner should see it at once. None when nothing newer is held."""
        held = self.engine.pending
        if held is None or self.link is not LinkState.CONNECTED:
            return None
        if self.contact is SensorContact.NOT_DETECTED:
            return None
        if self.last_accepted_t is not None and held.t <= self.last_accepted_t:
            return None
        return held.bpm

    def no_signal(self, t: float) -> str:
        """Why there is no current heart rate at `t`, or "" when the latest beat is current: the
        link is up, the strap has skin contact, and a beat was accepted within the gap limit."""
        if self.link is not LinkState.CONNECTED:
            return NO_SIGNAL.get(self.link, "no signal")
        if self.contact is SensorContact.NOT_DETECTED:
            return "no skin contact"
        if self.last_accepted_t is None:
            return "waiting for a beat"
        if t - self.last_accepted_t > self.setup.params.max_gap_s:
            return "no recent beat"
        return ""

    def summary(self) -> Summary:
        return self.engine.summary()
