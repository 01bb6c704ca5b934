"""Waiting on conditions, never on the wall clock: a TUI test says what it waits for, and a
loaded machine only makes it slower, not wrong. The bound is generous (a hang still fails)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

BOUND_S = 60.0


async def until(pilot: Any, condition: Callable[[], object], what: str, bound_s: float = BOUND_S) -> None:
    """Let the app run until `condition()` holds; fail naming `what` after `bound_s` seconds."""
    deadline = time.monotonic() + bound_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {bound_s:.0f} s waiting for {what}")
        await pilot.pause(0.01)
