"""Waiting on conditions, never on the wall clock: a TUI test says what it waits for, and a
loaded machine only makes it slower, not wrong. The bound is generous (a hang still fails)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

BOUND_S = 240.0  # a hang still fails well inside pytest-timeout's 300 s; a loaded machine does not


async def until(
    pilot: Any, condition: Callable[[], object], what: str | Callable[[], str], bound_s: float = BOUND_S
) -> None:
    """Let the app run until `condition()` holds; fail naming `what` (a callable: asked then, to
    say the state it was in) after `bound_s` seconds."""
    deadline = time.monotonic() + bound_s
    while not condition():
        if time.monotonic() > deadline:
            said = what() if callable(what) else what
            raise AssertionError(f"gave up after {bound_s:.0f} s waiting for {said}")
        await pilot.pause(0.01)
