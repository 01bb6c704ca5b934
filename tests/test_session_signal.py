"""A tick never shows a frozen number: when the link is lost or stale, the strap has no skin
contact, or no beat was accepted within the gap limit, it has no current bpm and says why."""

from __future__ import annotations

from hrcoach.config import Profile
from hrcoach.models import HeartRateSample, LinkChanged, LinkState, SensorContact
from hrcoach.session import Session, SessionSetup

OK, NO = SensorContact.DETECTED, SensorContact.NOT_DETECTED


def beat(t: float, bpm: int = 130, contact: SensorContact = OK) -> HeartRateSample:
    return HeartRateSample(t, bpm, (), contact)


def test_no_current_value_while_the_signal_is_gone_and_back_when_it_returns() -> None:
    s = Session(SessionSetup.from_profile(Profile(age=33)))
    s.ingest(LinkChanged(0.0, LinkState.CONNECTED))
    ticks = [s.ingest(beat(float(t))) for t in range(1, 11)]
    assert ticks[-1].bpm == 130 and ticks[-1].pct is not None and ticks[-1].no_signal == ""
    for state, why in [
        (LinkState.STALE, "no signal from the strap"),
        (LinkState.DISCONNECTED, "link lost"),
        (LinkState.RECONNECTING, "link lost: reconnecting"),
    ]:
        tick = s.ingest(LinkChanged(11.0, state))
        assert (tick.bpm, tick.pct, tick.band, tick.no_signal) == (None, None, None, why)
    s.ingest(LinkChanged(20.0, LinkState.CONNECTED))
    s.ingest(beat(21.0))
    tick = s.ingest(beat(22.0))
    assert tick.bpm == 130 and tick.no_signal == ""
    tick = s.ingest(beat(23.0, 0, NO))  # the strap lost skin contact
    assert (tick.bpm, tick.pct, tick.no_signal) == (None, None, "no skin contact")
    tick = s.ingest(beat(40.0, 0, OK))  # contact back but no beat accepted for 18 s
    assert (tick.bpm, tick.no_signal) == (None, "no recent beat")


def test_before_the_first_beat_there_is_nothing_to_show() -> None:
    s = Session(SessionSetup.from_profile(Profile(age=33)))
    assert s.ingest(LinkChanged(0.0, LinkState.SEARCHING)).no_signal == "searching for the strap"
    assert s.ingest(LinkChanged(1.0, LinkState.CONNECTED)).no_signal == "waiting for a beat"
