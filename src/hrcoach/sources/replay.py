"""Plays recorded events at real time x speed, as a live source would deliver them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable

from hrcoach.models import Event

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class Pause:
    """Holds a replay while paused; the recording's clock stops with it (nothing is skipped)."""

    def __init__(self) -> None:
        self._running = asyncio.Event()
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    async def wait(self) -> None:
        await self._running.wait()


async def replay(
    events: Iterable[Event],
    *,
    speed: float = 1.0,
    clock: Clock = time.monotonic,
    sleep: Sleep = asyncio.sleep,
    pause: Pause | None = None,
) -> AsyncIterator[Event]:
    """Yield each event when its `t` comes due; speed <= 0 means as fast as possible.

    Due times are absolute from the first event, so delays in the consumer do not pile up;
    time spent paused (see `Pause`) moves them all later."""
    start_wall: float | None = None
    start_t = 0.0
    for ev in events:
        while True:
            if pause is not None and pause.paused:
                held_from = clock()
                await pause.wait()
                if start_wall is not None:
                    start_wall += clock() - held_from
            if speed > 0:
                if start_wall is None:
                    start_wall, start_t = clock(), ev.t
                delay = start_wall + (ev.t - start_t) / speed - clock()
                if delay > 0:
                    await sleep(delay)
            if pause is None or not pause.paused:  # paused while waiting: hold this one too
                break
        yield ev
