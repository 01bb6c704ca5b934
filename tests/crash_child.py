"""Run by tests/test_crash.py in a child process: `hrcoach replay` as a user runs it, plus a side
channel that says, beat by beat, what the session log has been handed (so the parent can tell
exactly what a SIGKILL cost). Usage: python -m tests.crash_child SIDE_FILE REPLAY_ARGS..."""

from __future__ import annotations

import os
import sys

from hrcoach.cli import main
from hrcoach.models import Event
from hrcoach.session import Tick
from hrcoach.store.log import SessionLog

side = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
record = SessionLog.record


def traced(self: SessionLog, event: Event | None, tick: Tick) -> None:
    record(self, event, tick)
    for r in tick.readings:  # handed to the log: it must be on disk within a second of session time
        os.write(side, f"{r.sample.t}\n".encode())


SessionLog.record = traced  # type: ignore[method-assign]
sys.exit(main(sys.argv[2:]))
