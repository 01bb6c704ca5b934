"""Steering cues on time: "ease off" and "pick it up" 20-25 s after the runner leaves the window,
every time, whatever warning came before ("rising fast" used to take the 90-s steering cooldown,
and "ease off" came 68-77 s after leaving the window). A synthetic stream at 1 Hz, HRmax 185:
the BDNF window is 111-148 bpm."""

from __future__ import annotations

import itertools

import pytest

from hrcoach.coach import CueKind
from hrcoach.config import Profile
from hrcoach.models import HeartRateSample
from hrcoach.session import Session, SessionSetup

SETUP = SessionSetup.from_profile(Profile(age=33))  # HRmax 185
LO, HI = 111, 148
# (time, bpm) corners of the heart rate, linear between them; the warm-up is 5 minutes
SHAPE = [
    (0, 120), (360, 130), (400, 130), (440, 158), (600, 158), (640, 130), (800, 130), (840, 100),
    (1000, 100), (1040, 130), (1200, 130), (1230, 156), (1300, 156), (1320, 140), (1330, 150),
    (1420, 150), (1450, 128), (1700, 128),
]  # fmt: skip


def bpm_at(t: float) -> int:
    for (t0, b0), (t1, b1) in itertools.pairwise(SHAPE):
        if t0 <= t <= t1:
            return round(b0 + (b1 - b0) * (t - t0) / (t1 - t0))
    return SHAPE[-1][1]


def run() -> tuple[list[tuple[float, int]], list[tuple[float, CueKind]]]:
    session = Session(SETUP)
    for t in range(SHAPE[-1][0] + 1):
        session.ingest(HeartRateSample(float(t), bpm_at(t)))
    return [(float(t), bpm_at(t)) for t in range(SHAPE[-1][0] + 1)], [(c.t, c.kind) for c in session.cues]


def excursions(samples: list[tuple[float, int]]) -> list[tuple[float, str]]:
    """When the heart rate left the window after the warm-up, and which way."""
    out: list[tuple[float, str]] = []
    inside = True
    for t, bpm in samples:
        now = LO <= bpm <= HI
        if inside and not now and t >= 300:
            out.append((t, "above" if bpm > HI else "below"))
        inside = now
    return out


def test_every_excursion_is_steered_20_to_25_s_after_leaving_the_window() -> None:
    samples, cues = run()
    steering = [(t, k) for t, k in cues if k in (CueKind.EASE_OFF, CueKind.PICK_UP)]
    left = excursions(samples)
    assert [w for _, w in left] == ["above", "below", "above", "above"]
    for t_left, way in left:
        kind = CueKind.EASE_OFF if way == "above" else CueKind.PICK_UP
        first = next((t for t, k in steering if k is kind and t >= t_left), None)
        assert first is not None and 20 <= first - t_left <= 25, (t_left, way, first, cues)


def test_a_rising_warning_never_delays_steering_and_is_itself_not_repeated_at_once() -> None:
    _, cues = run()
    rising = [t for t, k in cues if k is CueKind.RISING]
    assert rising, cues  # the climbs warn before the edge
    assert all(b - a >= 90 for a, b in itertools.pairwise(rising))


@pytest.mark.parametrize(
    ("goal_min", "marks"),
    [
        (5, ["2 minutes", "4 minutes", "Goal reached: 5:00", "20 minutes"]),
        (12, ["4 minutes", "8 minutes", "Goal reached: 12:00", "27 minutes"]),
        (30, ["10 minutes", "20 minutes", "Goal reached: 30:00"]),
    ],
)
def test_milestones_scale_with_the_goal(goal_min: int, marks: list[str]) -> None:
    """A plan's small target gets its own milestones and its goal cue (a 5-minute goal used to
    get no goal cue at all: the first milestone was at 10 minutes)."""
    setup = SessionSetup.from_profile(Profile(age=33, goal_min=goal_min))
    session = Session(setup)
    for t in range(36 * 60):
        session.ingest(HeartRateSample(float(t), 130))
    said = [c.message for c in session.cues if c.kind in (CueKind.MILESTONE, CueKind.GOAL)]
    assert [m.split(" in the")[0] for m in said][: len(marks)] == marks
