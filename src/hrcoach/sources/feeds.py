"""Where a session's events come from: a recording played at a speed, or a live strap.

Both give the same async stream of events, can pause, and name the device; the session screen
and the terminal read-out do not know which one they have.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from hrcoach.formats.recording import Recording
from hrcoach.models import Event
from hrcoach.sources.replay import Pause, replay

if TYPE_CHECKING:
    from hrcoach.formats.capture import CaptureWriter
    from hrcoach.sources.ble import StrapSource


class FeedError(Exception):
    """The feed cannot go on (e.g. Bluetooth unavailable); the message says why in one line."""


class Feed(Protocol):
    origin: str  # how the session is logged: live, replay or demo
    started_at: datetime
    source_path: str | None
    live: bool  # a live strap: pausing drops beats instead of holding the recording

    @property
    def device(self) -> dict[str, Any]: ...

    def events(self) -> AsyncIterator[Event]: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    async def close(self) -> None: ...


class ReplayFeed:
    """A recording played at real time x `speed` (0: flat out); pausing holds the recording."""

    live = False

    def __init__(
        self,
        rec: Recording,
        *,
        speed: float = 1.0,
        origin: str = "replay",
        started_at: datetime | None = None,
    ) -> None:
        self.rec = rec
        self.speed = speed
        self.origin = origin
        self.started_at = started_at or rec.started_at or datetime.now(UTC)
        self.source_path: str | None = rec.path
        self._pause = Pause()

    @property
    def device(self) -> dict[str, Any]:
        return dict(self.rec.device)

    async def events(self) -> AsyncIterator[Event]:
        async for ev in replay(self.rec.events, speed=self.speed, pause=self._pause):
            yield ev

    def pause(self) -> None:
        self._pause.pause()

    def resume(self) -> None:
        self._pause.resume()

    async def close(self) -> None:
        self._pause.resume()


class StrapFeed:
    """A live strap through `StrapSource` (built by `make_source(on_raw=..., on_connected=...)`),
    optionally recording every raw notification to a capture."""

    origin = "live"
    live = True
    source_path: str | None = None

    def __init__(
        self,
        make_source: Callable[..., StrapSource],
        *,
        recorder: CaptureWriter | None = None,
        on_connected: Callable[[str, str], None] | None = None,
    ) -> None:
        self.started_at = datetime.now(UTC)
        self._recorder = recorder
        self._remember = on_connected
        self.source = make_source(on_raw=recorder.write if recorder else None, on_connected=self._connected)
        self._task: asyncio.Task[None] | None = None

    def _connected(self, strap: Any) -> None:
        if self._remember:
            self._remember(strap.name, strap.address)
        if self._recorder:
            self._recorder.set_device(self.source.device_info())

    @property
    def device(self) -> dict[str, Any]:
        return self.source.device_info()

    async def events(self) -> AsyncIterator[Event]:
        from hrcoach.sources.ble import BluetoothUnavailable

        self._task = asyncio.create_task(self.source.run())
        queue = self.source.queue
        while True:
            getter = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait({getter, self._task}, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                yield getter.result()
                continue
            getter.cancel()
            try:
                self._task.result()
            except BluetoothUnavailable as exc:
                raise FeedError(str(exc)) from None
            return

    def pause(self) -> None:
        """Nothing to hold: the screen drops beats while paused."""

    def resume(self) -> None:
        """See pause()."""

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._recorder:
            self._recorder.close()
