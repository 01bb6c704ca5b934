"""The engine: zones, windows, artifact filter, accounting, and the live/batch twins."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hrcoach.config import Profile, ProfileError
from hrcoach.engine.accounting import Params
from hrcoach.engine.artifacts import Reason, filter_rr
from hrcoach.engine.batch import SampleArrays, classify, summarize
from hrcoach.engine.live import LiveEngine, Reading
from hrcoach.engine.zones import ANANDAMIDE, BDNF, Formula, estimate_hrmax, hrmax_in_force, zone_of
from hrcoach.formats.files import load_recording
from hrcoach.models import HeartRateSample
from hrcoach.protocol import SensorContact
from tests.conftest import FIXTURE_NAMES, stream
from tests.engine_oracle import account


def run_live(samples: list[HeartRateSample], params: Params) -> tuple[LiveEngine, list[Reading]]:
    eng = LiveEngine(params)
    out: list[Reading] = []
    for s in samples:
        out += eng.ingest(s)
    out += eng.finish()
    return eng, out


def hr(t: float, bpm: int, **kw: object) -> HeartRateSample:
    return HeartRateSample(t, bpm, **kw)  # type: ignore[arg-type]


# -- HRmax, zones, windows -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "formula", "expected"),
    [
        (42, Formula.TANAKA, 179),
        (33, Formula.TANAKA, 185),
        (40, Formula.FOX, 180),
        (50, Formula.GULATI, 162),
        (30, Formula.NES, 192),
    ],
)
def test_hrmax_estimates(age: int, formula: Formula, expected: int) -> None:
    assert estimate_hrmax(age, formula) == expected


def test_hrmax_in_force_names_its_source() -> None:
    assert hrmax_in_force(Profile(age=42)) == (179, "estimated with Tanaka from age 42")
    assert hrmax_in_force(Profile(age=42, hrmax=191)) == (191, "measured")
    with pytest.raises(ProfileError, match="profile set age"):
        hrmax_in_force(Profile())


def test_windows_are_inclusive_at_exact_edges() -> None:
    # 111/185 is exactly 60 %, 148/185 exactly 80 %
    assert BDNF.contains(111, 185) and BDNF.contains(148, 185)
    assert not BDNF.contains(110, 185) and not BDNF.contains(149, 185)
    assert ANANDAMIDE.contains(148, 185) and not ANANDAMIDE.contains(129, 185)  # 129 is 69.7 %
    assert zone_of(92, 185) == 0 and zone_of(93, 185) == 1 and zone_of(111, 185) == 2
    assert zone_of(148, 185) == 4 and zone_of(200, 185) == 5


# -- time accounting ------------------------------------------------------------------------


def test_interval_credited_with_the_later_samples_bpm() -> None:
    p = Params(hrmax=200, max_gap_s=10, grace_s=60)
    eng, _ = run_live([hr(0, 100), hr(5, 130), hr(10, 150), hr(25, 150), hr(26, 150)], p)
    s = eng.summary()
    # 0->5 credited at 130 (65 %, BDNF); 5->10 at 150 (75 %, both); 10->25 is a 15-s gap; 25->26 at 150
    assert s.bdnf_s == 11.0 and s.anandamide_s == 6.0
    assert s.gaps == 1 and s.gap_s == 15.0 and s.credited_s == 11.0
    assert s.bdnf_longest_hold_s == 10.0  # the gap breaks the hold
    assert s.zones_s == [0.0, 5.0, 6.0, 0.0, 0.0]


def test_hold_survives_short_excursions_but_not_long_ones() -> None:
    p = Params(hrmax=200, grace_s=60)
    bpms = [140] * 101 + [170] * 30 + [140] * 100 + [170] * 70 + [140] * 50
    eng, _ = run_live([hr(float(i), b) for i, b in enumerate(bpms)], p)
    s = eng.summary()
    # the 30-s excursion is forgiven (its time is not counted); the 70-s one ends the hold
    assert s.bdnf_longest_hold_s == 200.0
    assert s.bdnf_s == 250.0


def test_bpm_zero_is_no_value_and_not_credited() -> None:
    p = Params(hrmax=200)
    eng, readings = run_live([hr(0, 120), hr(1, 0), hr(2, 0), hr(3, 121)], p)
    assert [r.reason for r in readings] == [None, Reason.NO_VALUE, Reason.NO_VALUE, None]
    assert eng.summary().bdnf_s == 3.0  # 0 -> 3 is one interval, credited at 121


# -- artifact filter --------------------------------------------------------------------------


def test_isolated_spike_rejected_confirmed_jump_accepted() -> None:
    p = Params(hrmax=190)
    samples = [hr(float(t), b) for t, b in enumerate([120, 121, 122, 190, 122, 123, 160, 161, 162, 161])]
    _, readings = run_live(samples, p)
    reasons = [r.reason for r in readings]
    assert reasons[3] is Reason.SPIKE  # 122 -> 190 -> 122: not confirmed
    assert reasons[6] is None  # 123 -> 160 -> 161: a real change of level, confirmed
    assert reasons.count(None) == 9


def test_startup_glitches_need_confirmation() -> None:
    p = Params(hrmax=190)
    samples = [hr(0, 0), hr(1, 212), hr(2, 131), hr(3, 82), hr(4, 83), hr(5, 84)]
    _, readings = run_live(samples, p)
    assert [r.reason for r in readings] == [
        Reason.NO_VALUE,
        Reason.UNCONFIRMED,
        Reason.UNCONFIRMED,
        None,
        None,
        None,
    ]


def test_contact_range_and_time_rules() -> None:
    p = Params(hrmax=190)
    samples = [
        hr(0, 120),
        hr(1, 121, contact=SensorContact.NOT_DETECTED),
        hr(2, 250),
        hr(3, 25),
        hr(4, 122),
        hr(3.5, 122),
        hr(5, 123),
    ]
    _, readings = run_live(samples, p)
    assert [r.reason for r in readings] == [
        None,
        Reason.NO_CONTACT,
        Reason.OUT_OF_RANGE,
        Reason.OUT_OF_RANGE,
        None,
        Reason.TIME_BACKWARDS,
        None,
    ]


def test_rr_filter_drops_bogus_and_backlog() -> None:
    # 53/1024 s = 52 ms is not a heartbeat (Garmin HRM-Dual, published capture)
    r = filter_rr((1043.9, 51.8), 1000.0)
    assert r.kept == (1043.9,) and r.out_of_range == 1
    # a first notification with 8 buffered beats of ~500 ms keeps only those that fit ~2 s
    r = filter_rr((500.0,) * 8, None)
    assert r.kept == (500.0,) * 4 and r.backlog == 4


def test_rr_gives_the_instantaneous_rate() -> None:
    eng, readings = run_live(
        [hr(0, 120, rr_ms=(500.0, 500.0)), hr(1, 121, rr_ms=(480.0,))], Params(hrmax=190)
    )
    assert readings[0].rr_bpm == pytest.approx(120.0) and readings[1].rr_bpm == pytest.approx(125.0)
    assert eng.summary().rr_total == 3


# -- fixtures against the naive oracle ---------------------------------------------------------


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_accounting_matches_the_naive_oracle(name: str) -> None:
    rec = load_recording(stream(name))
    p = Params(hrmax=185)
    eng, readings = run_live(rec.samples, p)
    s = eng.summary()
    oracle = account([(r.t, r.sample.bpm) for r in readings if r.accepted], 185)
    assert s.bdnf_s == pytest.approx(oracle["bdnf"], abs=1e-6)
    assert s.anandamide_s == pytest.approx(oracle["ana"], abs=1e-6)
    assert s.gaps == oracle["gaps"] and s.gap_s == pytest.approx(oracle["gap_s"], abs=1e-6)
    assert s.bdnf_longest_hold_s == pytest.approx(oracle["bdnf_hold"], abs=1e-6)
    assert s.anandamide_longest_hold_s == pytest.approx(oracle["ana_hold"], abs=1e-6)
    assert s.zones_s == pytest.approx([oracle[f"z{i}"] for i in range(1, 6)], abs=1e-6)


# -- live and batch are twins ------------------------------------------------------------------


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_live_and_batch_identical_on_fixtures(name: str) -> None:
    samples = load_recording(stream(name)).samples
    for params in (Params(hrmax=185), Params(hrmax=172, max_gap_s=5, grace_s=20)):
        eng, readings = run_live(samples, params)
        arrays = SampleArrays.from_samples(samples)
        assert summarize(arrays, params) == eng.summary()
        assert classify(arrays, params) == [r.reason for r in readings]


@st.composite
def streams(draw: st.DrawFn) -> list[HeartRateSample]:
    n = draw(st.integers(0, 250))
    t, bpm = 0.0, draw(st.integers(60, 180))
    out = []
    for _ in range(n):
        t += draw(
            st.sampled_from([0.0, 0.5, 1.0, 1.0, 1.0, 1.013, 2.0, 4.7, 9.999, 10.0, 10.001, 30.0, -0.6])
        )
        t = max(t, 0.0)
        kind = draw(st.integers(0, 20))
        if kind == 0:
            value = draw(st.sampled_from([0, 20, 250, 300]))
        elif kind == 1:
            value = draw(st.integers(30, 240))  # a spike or a jump
        else:
            bpm = min(240, max(30, bpm + draw(st.integers(-6, 6))))
            value = bpm
        contact = draw(
            st.sampled_from(
                [SensorContact.DETECTED] * 8 + [SensorContact.NOT_DETECTED, SensorContact.NOT_SUPPORTED]
            )
        )
        rr = tuple(draw(st.lists(st.sampled_from([51.8, 400.0, 500.0, 650.0, 900.0, 2100.0]), max_size=4)))
        out.append(HeartRateSample(round(t, 3), value, rr, contact))
    return out


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    streams(),
    st.integers(140, 210),
    st.sampled_from([3.0, 10.0]),
    st.sampled_from([0.0, 5.0, 60.0]),
)
def test_live_and_batch_identical_on_random_streams(
    samples: list[HeartRateSample], hrmax: int, max_gap: float, grace: float
) -> None:
    params = Params(hrmax=hrmax, max_gap_s=max_gap, grace_s=grace)
    eng, readings = run_live(samples, params)
    arrays = SampleArrays.from_samples(samples)
    assert classify(arrays, params) == [r.reason for r in readings]
    assert summarize(arrays, params) == eng.summary()
    assert [r.sid for r in readings] == list(range(len(samples)))  # every sample, in order, once


@pytest.mark.parametrize("grace", [0.0, 5.0, 60.0])
def test_rejected_samples_inside_holds_and_excursions_change_nothing_in_batch(grace: float) -> None:
    """The batch tally leaves a rejected sample where it is, its interval empty: first, last, or
    inside a run in the window or out of it, it must neither end an excursion nor (no grace)
    break a hold, nor count as a gap."""
    no = SensorContact.NOT_DETECTED
    rows = [(0, None), (121, None), (121, None), (0, None), (121, None), (118, None), (118, no)]
    rows += [(118, None), (300, None), (118, None), (121, None), (121, no), (121, None), (118, None)]
    rows += [(118, None), (0, None)]
    samples = [hr(float(i), b, contact=c or SensorContact.DETECTED) for i, (b, c) in enumerate(rows)]
    params = Params(hrmax=200, grace_s=grace)  # BDNF 120-160 bpm
    eng, readings = run_live(samples, params)
    arrays = SampleArrays.from_samples(samples)
    assert classify(arrays, params) == [r.reason for r in readings]
    assert summarize(arrays, params) == eng.summary()
    assert eng.summary().gaps == 0 and sum(eng.summary().rejected.values()) == 6
