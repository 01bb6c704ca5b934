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


def test_the_first_beat_is_shown_at_once_as_not_yet_confirmed() -> None:
    """#15: the spike filter holds a session's first beat until the next one arrives (about a
    second); the tick carries it at once as provisional, and the accepted value replaces it."""
    s = Session(SessionSetup.from_profile(Profile(age=33)))
    s.ingest(LinkChanged(0.0, LinkState.CONNECTED))
    first = s.ingest(beat(1.0, 128))
    assert (first.bpm, first.provisional_bpm, first.no_signal) == (None, 128, "waiting for a beat")
    second = s.ingest(beat(2.0, 129))  # it confirms the first, and is itself plausible
    assert (second.bpm, second.provisional_bpm, second.no_signal) == (129, None, "")


def test_a_provisional_beat_the_filter_rejects_is_not_shown_again() -> None:
    s = Session(SessionSetup.from_profile(Profile(age=33)))
    s.ingest(LinkChanged(0.0, LinkState.CONNECTED))
    assert s.ingest(beat(1.0, 230)).provisional_bpm == 230  # a glitch to begin with
    ticks = [s.ingest(beat(float(t), 120)) for t in range(2, 6)]
    assert all(t.provisional_bpm != 230 for t in ticks) and ticks[-1].bpm == 120
    assert s.engine.rejected  # the glitch was rejected, as before


def test_no_provisional_beat_without_a_link_or_skin_contact() -> None:
    s = Session(SessionSetup.from_profile(Profile(age=33)))
    s.ingest(LinkChanged(0.0, LinkState.CONNECTED))
    s.ingest(beat(1.0, 128))
    assert s.ingest(LinkChanged(1.5, LinkState.STALE)).provisional_bpm is None
    s.ingest(LinkChanged(2.0, LinkState.CONNECTED))
    assert s.ingest(beat(2.5, 0, NO)).provisional_bpm is None


def test_feed_leaves_the_session_as_ingest_does() -> None:
    """`feed` (analyze: no Tick made) and `ingest` end in the same session: cues, summary, state,
    for every fixture stream, a tick after each event compared with a twin fed in step."""
    from pathlib import Path

    from hrcoach.formats.files import load_recordings
    from tests.conftest import stream

    setup = SessionSetup.from_profile(Profile(age=42))
    for path in sorted(stream("walk_5min").parent.glob("*.hrcap.jsonl")):
        for rec in load_recordings(Path(path)):
            watched, fed = Session(setup, pauses=rec.pauses), Session(setup, pauses=rec.pauses)
            for ev in rec.events:
                watched.ingest(ev)
                fed.feed(ev)
                assert (fed.last_bpm, fed.last_zone, fed.link, fed.coach.band) == (
                    watched.last_bpm,
                    watched.last_zone,
                    watched.link,
                    watched.coach.band,
                ), path
            assert fed.finish() == watched.finish(), path
            assert fed.cues == watched.cues and fed.summary() == watched.summary(), path
