"""Issue 4's acceptance run: ten minutes of a strap with three dropouts, through the BLE source on
the simulated adapter into the session (engine + coach), recorded as it streams."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from pathlib import Path

from hrcoach.drive import Driver
from hrcoach.formats.capture import CaptureWriter
from hrcoach.formats.files import load_recording
from hrcoach.models import Event, HeartRateSample, LinkChanged, LinkState
from hrcoach.session import Session, SessionSetup
from hrcoach.sources.feeds import StrapFeed
from tests.conftest import stream
from tests.fakeble import SimulatedAdapter, SimulatedStrap, script_from_capture
from tests.test_cli_run import ScriptedStrapSource

DROPS = [(150.5, 4.0), (300.5, 20.0), (450.5, 60.0)]  # (at, out of range for) simulated seconds


def setup() -> SessionSetup:
    from hrcoach.config import Profile

    return SessionSetup.from_profile(Profile(age=33))


async def live_session(adapter: SimulatedAdapter, writer: CaptureWriter, session: Session) -> list[Event]:
    """The strap's feed (recorded as it streams) driven into the session until the script is
    over; the events the session took, in order."""
    feed = StrapFeed(
        lambda **hooks: ScriptedStrapSource(adapter, backoff_s=(1.0, 8.0), rng=random.Random(4), **hooks),
        recorder=writer,
    )
    driver = Driver(feed, session)
    seen: list[Event] = []
    try:
        async with asyncio.timeout(30):
            async for ev, _ in driver.steps():
                seen.append(ev)
    finally:
        await driver.close()  # closes the recorder too
    return seen


def test_ten_minutes_three_dropouts_nothing_lost_or_duplicated_and_the_record_replays(tmp_path: Path) -> None:
    script = [(t, p) for t, p in script_from_capture(stream("steady_35min")) if t < 600]
    adapter = SimulatedAdapter(SimulatedStrap("Polar H10 8C4F1E2A", "C4:7C:8D:6A:1E:2A"), script, speed=0)
    for at, down_for in DROPS:
        adapter.schedule_drop(at, down_for=down_for)
    record = tmp_path / "live.hrcap.jsonl"
    writer = CaptureWriter(record, started_at=datetime(2026, 11, 22, 7, tzinfo=UTC))
    session = Session(setup())
    seen = asyncio.run(live_session(adapter, writer, session))
    session.finish()

    samples = [e for e in seen if isinstance(e, HeartRateSample)]
    links = [e for e in seen if isinstance(e, LinkChanged)]
    assert adapter.stats.link_drops == 3 and samples[-1].t == script[-1][0]
    # down windows as the source saw them: from each 'disconnected' to the next 'connected'
    down, start = [], None
    for ev in links:
        if ev.state is LinkState.DISCONNECTED and start is None:
            start = ev.t
        elif ev.state is LinkState.CONNECTED and start is not None:
            down.append((start, ev.t))
            start = None
    assert len(down) == 3
    assert [round(b - a) for a, b in down] >= [4, 20, 60]
    # no sample lost: every notification sent while connected arrived; none duplicated or reordered
    sent_while_up = [t for t, _ in script if not any(a <= t < b for a, b in down)]
    assert [s.t for s in samples] == sent_while_up
    assert len(samples) == adapter.stats.notifications_delivered
    # the engine credits the 4-s silence and not the two long ones
    summary = session.summary()
    assert summary.gaps == 2 and summary.samples_total == len(samples)

    # the recorder's output replays to the very same samples and the very same summary
    rec = load_recording(record)
    assert rec.device["name"] == "Polar H10 8C4F1E2A" and rec.device["body_sensor_location"] == "chest"
    assert rec.samples == samples
    again = Session(setup())
    for event in rec.events:
        again.ingest(event)
    again.finish()
    assert again.summary() == summary
