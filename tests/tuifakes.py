"""Test doubles for the TUI: a feed that plays events and then holds, and a speaker that listens."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

from hrcoach.models import Event


class HeldFeed:
    """Plays `events` flat out up to `hold_at` seconds of recording time, then waits for
    `release(until)`; the feed ends after the last event only when `end` is True."""

    origin = "replay"
    live = False
    source_path: str | None = None

    def __init__(
        self, events: Sequence[Event], *, hold_at: float = float("inf"), device: dict[str, Any] | None = None
    ) -> None:
        self._events = list(events)
        self._until = hold_at
        self._moved = asyncio.Event()
        self.started_at = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
        self._device = device or {"name": "Polar H10 8C4F1E2A"}
        self.played = 0
        self.last_t: float | None = None  # the latest event played
        self.waiting = False  # held (at `hold_at` or paused), waiting to be moved on
        self.wakes = 0  # times it was moved on while waiting
        self.paused = False
        self.closed = False

    @property
    def device(self) -> dict[str, Any]:
        return self._device

    def release(self, until: float = float("inf")) -> None:
        self._until = until
        self.waiting = False  # moved on: no longer held where it was
        self._moved.set()

    async def events(self) -> AsyncIterator[Event]:
        for ev in self._events:
            while ev.t > self._until or self.paused:
                self._moved.clear()
                self.waiting = True
                await self._moved.wait()
                self.waiting = False
                self.wakes += 1
            self.played += 1
            self.last_t = ev.t
            yield ev
            await asyncio.sleep(0)
        if self._until != float("inf"):
            await asyncio.Event().wait()  # held open: a live session does not end by itself

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False
        self.waiting = False
        self._moved.set()

    async def close(self) -> None:
        self.closed = True


class Ears:
    """A speaker that writes down what it was asked to say."""

    def __init__(self) -> None:
        self.said: list[str] = []
        self.kinds: list[str] = []

    def say(self, text: str, kind: str = "info") -> None:
        self.said.append(text)
        self.kinds.append(kind)
