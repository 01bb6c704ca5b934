"""Plays recorded events at real time x speed, as a live source would deliver them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable

from hrcoach.models import Event

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


async def replay(
    events: Iterable[Event],
    *,
    speed: float = 1.0,
    clock: Clock = time.monotonic,
    sleep: Sleep = asyncio.sleep,
) -> AsyncIterator[Event]:
    """Yield each event when its `t` comes due; speed <= 0 means as fast as possible.

    Due times are absolute from the first event, so delays in the consumer do not pile up."""
    start_wall: float | None = None
    start_t = 0.0
    for ev in events:
        if speed > 0:
            if start_wall is None:
                start_wall, start_t = clock(), ev.t
            delay = start_wall + (ev.t - start_t) / speed - clock()
            if delay > 0:
                await sleep(delay)
        yield ev
