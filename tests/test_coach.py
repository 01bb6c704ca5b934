"""Cue rules on the fixture streams and on hand-made ones: helpful, and never nagging."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from hrcoach.coach import STEERING, CoachParams, Cue, CueKind
from hrcoach.config import Profile
from hrcoach.formats.files import load_recording
from hrcoach.models import Event, HeartRateSample, LinkChanged, LinkState
from hrcoach.session import Session, SessionSetup
from tests.conftest import FIXTURE_NAMES, stream

SETUP = SessionSetup.from_profile(Profile(hrmax=185))


def cues_for(events: list[Event], setup: SessionSetup = SETUP) -> list[Cue]:
    session = Session(setup)
    for ev in events:
        session.ingest(ev)
    session.finish()
    return session.cues


def fixture_cues(name: str) -> list[Cue]:
    return cues_for(load_recording(stream(name)).events)


def kinds(cues: list[Cue]) -> list[CueKind]:
    return [c.kind for c in cues]


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_cues_never_flap(name: str) -> None:
    cues = fixture_cues(name)
    steer = [c for c in cues if c.kind in STEERING]
    cooldown, dwell = SETUP.coach.cooldown_s, SETUP.coach.dwell_s
    for a, b in itertools.pairwise(steer):
        assert b.t - a.t >= dwell, f"{a} then {b}"  # a new excursion is steered after its dwell
        if a.kind is b.kind and a.kind is not CueKind.RISING:  # the same advice again: a cooldown
            between = [c for c in cues if a.t < c.t < b.t and c.kind is CueKind.IN_WINDOW]
            assert between or b.t - a.t >= cooldown, f"{a} then {b}"
    rising = [c.t for c in cues if c.kind is CueKind.RISING]
    assert all(tb - ta >= cooldown for ta, tb in itertools.pairwise(rising))
    confirms = [c.t for c in cues if c.kind is CueKind.IN_WINDOW]
    for ta, tb in itertools.pairwise(confirms):
        assert tb - ta >= SETUP.coach.confirm_cooldown_s
    duration_h = max(1.0, (cues[-1].t if cues else 0) / 3600)
    assert len(cues) / duration_h <= 40  # a cue every 90 s at the very most, on average
    # a cue is never immediately contradicted
    for a, b in itertools.pairwise(cues):
        assert not ({a.kind, b.kind} == {CueKind.EASE_OFF, CueKind.PICK_UP} and b.t - a.t < 120)


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_no_steering_during_warmup(name: str) -> None:
    assert all(c.t >= SETUP.coach.warmup_s for c in fixture_cues(name) if c.kind in STEERING)


def test_steady_run_milestones_and_goal() -> None:
    cues = fixture_cues("steady_35min")
    assert kinds(cues) == [
        CueKind.WARMUP,
        CueKind.IN_WINDOW,
        CueKind.MILESTONE,
        CueKind.MILESTONE,
        CueKind.GOAL,
    ]
    assert cues[-1].message == "Goal reached: 30:00 in the BDNF window"


def test_intervals_get_ease_off_and_rising_warnings() -> None:
    ks = kinds(fixture_cues("intervals_overshoot"))
    assert ks.count(CueKind.EASE_OFF) >= 4 and CueKind.RISING in ks and CueKind.PICK_UP in ks


def test_soak_gets_one_fuel_reminder_at_45_minutes() -> None:
    fuel = [c for c in fixture_cues("soak_3h") if c.kind is CueKind.FUEL]
    assert len(fuel) == 1 and 2700 <= fuel[0].t < 2710
    assert not [c for c in fixture_cues("steady_35min") if c.kind is CueKind.FUEL]


def test_contact_loss_pauses_coaching_and_says_so() -> None:
    cues = fixture_cues("contact_lost")
    sig = [c for c in cues if c.kind in (CueKind.SIGNAL, CueKind.SIGNAL_OK)]
    assert [c.kind for c in sig] == [CueKind.SIGNAL, CueKind.SIGNAL_OK]
    assert "contact" in sig[0].message and 399 <= sig[0].t <= 405
    assert not [c for c in cues if c.kind in STEERING and sig[0].t <= c.t <= sig[1].t]


def test_link_drop_is_announced_and_recovery_too() -> None:
    cues = fixture_cues("dropout_reconnect")
    assert kinds(cues).count(CueKind.SIGNAL) == 2 and kinds(cues).count(CueKind.SIGNAL_OK) == 2
    assert "link lost" in next(c for c in cues if c.kind is CueKind.SIGNAL).message


def test_startup_glitches_are_not_news() -> None:
    assert CueKind.SIGNAL not in kinds(fixture_cues("startup_glitches"))


def flat(bpm: int, seconds: int, start: float = 0.0) -> list[Event]:
    return [HeartRateSample(start + i, bpm) for i in range(seconds)]


def test_stale_signal_suppresses_steering() -> None:
    # in the window, then the link goes stale and drops while the runner speeds up; the beats
    # (above the window) come back only after the reconnect: no "ease off" while the signal is
    # gone, the link loss is said, and steering resumes from the beats after the reconnect
    events: list[Event] = [*flat(130, 400), LinkChanged(400.5, LinkState.STALE)]
    events += [LinkChanged(400.7, LinkState.DISCONNECTED), LinkChanged(430.0, LinkState.CONNECTED)]
    events += flat(170, 200, start=431)
    session = Session(SETUP)
    for ev in events:
        session.ingest(ev)
    signal = [c for c in session.cues if c.kind is CueKind.SIGNAL]
    assert signal and 400.5 <= signal[0].t <= 400.7
    steering = [c for c in session.cues if c.kind in STEERING and c.t > 400.0]
    assert steering and all(c.t >= 431 for c in steering)  # none while the signal was gone
    assert any(c.kind is CueKind.EASE_OFF for c in steering)  # and it does steer once back


def test_safety_notice_above_95_percent() -> None:
    cues = cues_for(flat(130, 400) + flat(180, 130, start=400))  # 180/185 = 97 %
    safety = [c for c in cues if c.kind is CueKind.SAFETY]
    assert len(safety) == 2  # after 30 s above, then at most once a minute
    assert safety[1].t - safety[0].t >= 60


def test_sustained_peak_above_hrmax_offers_to_adopt_it_once() -> None:
    cues = cues_for(flat(130, 400) + flat(190, 60, start=400))
    peak = [c for c in cues if c.kind is CueKind.HRMAX_EXCEEDED]
    assert len(peak) == 1 and "hrmax 190" in peak[0].message


def test_single_spike_above_hrmax_is_not_a_peak() -> None:
    events = [*flat(130, 400), HeartRateSample(400, 200), *flat(130, 30, start=401)]
    assert CueKind.HRMAX_EXCEEDED not in kinds(cues_for(events))


def test_new_longest_hold_against_previous_best() -> None:
    setup = replace(SETUP, coach=replace(SETUP.coach, previous_best_hold_s=600.0))
    cues = cues_for(flat(130, 900), setup)
    rec = [c for c in cues if c.kind is CueKind.HOLD_RECORD]
    assert len(rec) == 1 and 600 <= rec[0].t <= 602


def test_pick_up_backs_off_when_the_runner_stays_below() -> None:
    cues = cues_for(flat(95, 1800))  # a deliberate easy walk: 51 %
    times = [c.t for c in cues if c.kind is CueKind.PICK_UP]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps == sorted(gaps) and gaps[0] >= 90 and gaps[-1] >= 360


def test_coach_params_follow_the_profile() -> None:
    setup = SessionSetup.from_profile(Profile(age=42, target="anandamide", warmup_min=2, goal_min=40))
    assert setup.params.hrmax == 179 and setup.hrmax_source == "estimated with Tanaka from age 42"
    assert setup.coach == CoachParams(hrmax=179, window=setup.coach.window, warmup_s=120, goal_s=2400)
    assert setup.coach.window.name == "anandamide"
