"""The one session driver: feeds in, merged by time, through the session, rows out to the log.

    driver = Driver([feed], session, log)
    async for tick in driver.ticks():
        show(tick)
    where = driver.finish()

The session screen, the terminal read-out (demo, replay, run) and the tests all run a session
this way; nothing else owns a feed -> session -> log loop. Several feeds (a strap and a
treadmill) are merged: recordings strictly by time, live feeds as their events arrive (each is
stamped on its own arrival, so arrival order is time order). Pausing holds a recording's clock;
a live feed keeps sending while paused, and those beats are not the session's (not credited,
not logged). A feed that fails (`FeedError`) ends the ticks with that error, the others closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
from collections.abc import AsyncIterator, Sequence

from hrcoach.engine.batch import SampleArrays
from hrcoach.engine.laps import LapSplit, lap_splits
from hrcoach.models import Event, HeartRateSample, LinkChanged, LinkState, MalformedFrame
from hrcoach.session import Session, Tick
from hrcoach.sources.feeds import Feed
from hrcoach.store.log import SessionLog


async def merge(feeds: Sequence[Feed]) -> AsyncIterator[tuple[int, Event]]:
    """(index of the feed, event) from every feed until all have ended."""
    if len(feeds) == 1:
        async for ev in feeds[0].events():
            yield 0, ev
    elif not any(f.live for f in feeds):
        async for item in _by_time(feeds):
            yield item
    else:
        async for item in _by_arrival(feeds):
            yield item


async def _by_time(feeds: Sequence[Feed]) -> AsyncIterator[tuple[int, Event]]:
    """Recordings: the earliest head first (each feed read one event ahead)."""
    streams = [f.events() for f in feeds]
    heads: list[tuple[float, int, Event]] = []

    async def advance(i: int) -> None:
        with contextlib.suppress(StopAsyncIteration):
            ev = await anext(streams[i])
            heapq.heappush(heads, (ev.t, i, ev))

    await asyncio.gather(*(advance(i) for i in range(len(streams))))
    while heads:
        _, i, ev = heapq.heappop(heads)
        yield i, ev
        await advance(i)


async def _by_arrival(feeds: Sequence[Feed]) -> AsyncIterator[tuple[int, Event]]:
    """Live feeds: whichever event comes first; a feed's failure ends the merge with it."""
    queue: asyncio.Queue[tuple[int, Event | None, BaseException | None]] = asyncio.Queue()

    async def pump(i: int, feed: Feed) -> None:
        try:
            async for ev in feed.events():
                await queue.put((i, ev, None))
        except Exception as exc:
            await queue.put((i, None, exc))
            return
        await queue.put((i, None, None))

    tasks = [asyncio.create_task(pump(i, f)) for i, f in enumerate(feeds)]
    running = len(tasks)
    try:
        while running:
            i, ev, exc = await queue.get()
            if exc is not None:
                raise exc
            if ev is None:
                running -= 1
                continue
            yield i, ev
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class Driver:
    """One session run from its feeds into its log; see the module docstring."""

    def __init__(self, feeds: Feed | Sequence[Feed], session: Session, log: SessionLog | None = None) -> None:
        self.feeds: list[Feed] = [feeds] if not isinstance(feeds, Sequence) else list(feeds)
        self.session = session
        self.log = log
        self.paused = False
        self.laps: list[float] = []
        self.samples: list[HeartRateSample] = []  # the session's own, for its lap splits
        self.last_tick: Tick | None = None
        self.dropped_while_paused = 0

    @property
    def t(self) -> float:
        """Session time of the latest tick (0 before the first)."""
        return self.last_tick.t if self.last_tick else 0.0

    async def ticks(self) -> AsyncIterator[Tick]:
        """A tick per event the session takes, in time order, each handed to the log first."""
        async for _, tick in self.steps():
            yield tick

    async def steps(self) -> AsyncIterator[tuple[Event, Tick]]:
        """As `ticks()`, with the event each tick came from."""
        async for i, ev in merge(self.feeds):
            feed = self.feeds[i]
            if self.paused and feed.live and isinstance(ev, HeartRateSample | MalformedFrame):
                self.dropped_while_paused += 1
                continue
            tick = self.session.ingest(ev)
            if isinstance(ev, HeartRateSample):
                self.samples.append(ev)
            if self.log is not None:
                self.log.record(ev, tick)
                if isinstance(ev, LinkChanged) and ev.state is LinkState.CONNECTED:
                    self.log.set_device(feed.device)
            self.last_tick = tick
            yield ev, tick

    def pause(self) -> None:
        self.paused = True
        for f in self.feeds:
            f.pause()

    def resume(self) -> None:
        self.paused = False
        for f in self.feeds:
            f.resume()

    def lap(self) -> float:
        """Mark a lap now (the latest tick's time); returns that time."""
        t = self.t
        self.laps.append(t)
        if self.log is not None:
            self.log.lap(t)
        return t

    def lap_splits(self) -> list[LapSplit]:
        """The laps marked so far, by the session's accounting rule (none without a mark)."""
        if not self.laps:
            return []
        return lap_splits(SampleArrays.from_samples(self.samples), self.session.setup.params, self.laps)

    def finish(self) -> str:
        """End the session (its last held sample decided) and save it: one line saying where it
        went ("" without a log)."""
        self.resume()
        if self.log is None:
            self.session.finish()
            return ""
        return self.log.end(self.session)

    async def save(self) -> str:
        """`finish()` for the event loop: the session is finished here, and the log's last commit
        (which may wait for another writer) runs in a thread."""
        self.resume()
        last = self.session.finish()
        if self.log is None:
            return ""
        return await asyncio.to_thread(self.log.save, last, self.session.summary())

    async def close(self) -> None:
        for f in self.feeds:
            await f.close()
