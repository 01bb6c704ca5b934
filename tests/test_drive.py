"""The one session driver: feeds merged by time, pause and lap, the log fed, failures passed on."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from hrcoach.config import Profile
from hrcoach.drive import Driver
from hrcoach.formats.recording import Recording
from hrcoach.models import BatteryRead, Event, HeartRateSample, LinkChanged, LinkState
from hrcoach.session import Session, SessionSetup
from hrcoach.sources.feeds import FeedError, ReplayFeed
from hrcoach.store import db
from hrcoach.store.log import SessionLog

SETUP = SessionSetup.from_profile(Profile(age=33))
START = datetime(2026, 11, 30, 7, tzinfo=UTC)


def beats(ts: Sequence[float], bpm: int = 130) -> list[Event]:
    return [HeartRateSample(t, bpm, (60000 / bpm,)) for t in ts]


class LiveFeed:
    """A live feed: yields its events (waiting on `gate` before the i-th when given), then fails
    with `error` or ends."""

    origin = "live"
    live = True
    source_path: str | None = None

    def __init__(self, events: Sequence[Event], *, error: str | None = None, name: str = "strap") -> None:
        self._events = list(events)
        self.error = error
        self.started_at = START
        self.closed = False
        self.name = name
        self.gates: dict[int, asyncio.Event] = {}

    @property
    def device(self) -> dict[str, Any]:
        return {"name": self.name}

    async def events(self) -> AsyncIterator[Event]:
        for i, ev in enumerate(self._events):
            if i in self.gates:
                await self.gates[i].wait()
            yield ev
            await asyncio.sleep(0)
        if self.error:
            raise FeedError(self.error)

    def pause(self) -> None:
        """A live feed keeps sending."""

    def resume(self) -> None:
        """See pause()."""

    async def close(self) -> None:
        self.closed = True


def replay_feed(events: list[Event], name: str) -> ReplayFeed:
    rec = Recording(name, "capture", events, START, {"name": name})
    return ReplayFeed(rec, speed=0)


async def collect(driver: Driver) -> list[tuple[Event, float]]:
    return [(ev, tick.t) async for ev, tick in driver.steps()]


def test_two_recordings_are_merged_by_time_into_one_session() -> None:
    strap = replay_feed(beats([1.0, 2.0, 3.0, 4.0, 5.0]), "strap")
    other = replay_feed([BatteryRead(0.5, 80), BatteryRead(2.5, 79), BatteryRead(9.0, 78)], "other")
    driver = Driver([strap, other], Session(SETUP))
    steps = asyncio.run(collect(driver))
    assert [t for _, t in steps] == [0.5, 1.0, 2.0, 2.5, 3.0, 4.0, 5.0, 9.0]
    assert driver.session.samples == 5 and driver.session.battery == 78


def test_live_feeds_are_taken_as_they_arrive_and_a_failure_ends_the_run() -> None:
    strap = LiveFeed([LinkChanged(0.0, LinkState.CONNECTED), *beats([1.0, 2.0, 3.0])], error="Bluetooth lost")
    other = LiveFeed([BatteryRead(0.1, 50)], name="treadmill")
    driver = Driver([strap, other], Session(SETUP))

    async def main() -> list[Event]:
        seen: list[Event] = []
        try:
            async for ev, _ in driver.steps():
                seen.append(ev)
        finally:
            await driver.close()
        return seen

    with pytest.raises(FeedError, match="Bluetooth lost"):
        asyncio.run(main())
    assert strap.closed and other.closed and driver.session.samples == 3


def test_paused_live_beats_are_not_the_sessions_but_link_events_are() -> None:
    events = [LinkChanged(0.0, LinkState.CONNECTED), *beats([1.0, 2.0]), LinkChanged(2.5, LinkState.STALE)]
    events += beats([3.0, 4.0])
    strap = LiveFeed(events)
    gate = strap.gates[3] = asyncio.Event()
    log = SessionLog.for_session("live", SETUP, START)
    driver = Driver(strap, Session(SETUP), log)

    async def main() -> list[Event]:
        seen: list[Event] = []
        async for ev, _ in driver.steps():
            seen.append(ev)
            if ev.t == 2.0:
                driver.pause()
                gate.set()
            if ev.t == 2.5:
                assert driver.lap() == 2.5
        return seen

    seen = asyncio.run(main())
    assert [ev.t for ev in seen] == [0.0, 1.0, 2.0, 2.5]  # beats while paused are dropped
    assert driver.dropped_while_paused == 2 and driver.session.samples == 2
    where = driver.finish()
    assert where.startswith("Saved as session 1")
    conn = sqlite3.connect(db.db_path())
    assert conn.execute("SELECT n FROM sample_blocks").fetchone() == (2,)  # finished: one block
    kinds = conn.execute("SELECT kind, value, t FROM events ORDER BY t").fetchall()
    assert ("lap", "", 2.5) in kinds and ("link", "stale", 2.5) in kinds
    device = conn.execute("SELECT device FROM sessions").fetchone()[0]
    assert "strap" in device  # the device named when the link came up


def test_a_replay_paused_holds_its_clock() -> None:
    feed = replay_feed(beats([1.0, 2.0, 3.0]), "strap")
    driver = Driver(feed, Session(SETUP))

    async def main() -> list[float]:
        ts = []
        async for tick in driver.ticks():
            ts.append(tick.t)
            if tick.t == 1.0:
                driver.pause()
                asyncio.get_running_loop().call_later(0.05, driver.resume)
        return ts

    assert asyncio.run(main()) == [1.0, 2.0, 3.0]  # nothing skipped while held
