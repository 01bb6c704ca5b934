"""Run by tests/test_kill_anywhere.py in a child process: an hrcoach command as a user runs it,
plus a side channel that says what the command has got to, so that the parent can kill it at a
chosen moment and tell exactly what the kill cost. One line per:
- sample handed to a live session's log (its time: it must be on disk within a second);
- activity an import is about to save (`save`);
- session a recompute is about to summarise (`recompute`).
With HRCOACH_KILL=N:S in the environment the child SIGKILLs itself S seconds after the N-th
line (from a timer thread, while the command goes on): a kill at a moment chosen to the
millisecond, which a parent polling the side channel could not place on a busy machine. A kill
due after the command has done its work lands as it exits.
Usage: python -m tests.crash_child SIDE_FILE HRCOACH_ARGS..."""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any

import hrcoach.cli.importer as importer
import hrcoach.store.maintain as maintain
from hrcoach.cli import main
from hrcoach.models import Event
from hrcoach.session import Tick
from hrcoach.store.log import SessionLog

sys.setswitchinterval(0.0002)  # the timer thread gets the interpreter within 0.2 ms, not 5 ms
side_fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
kill_at, _, kill_after = os.environ.get("HRCOACH_KILL", "0:0").partition(":")
lines = 0
timers: list[threading.Timer] = []


def note(text: str) -> None:
    global lines
    os.write(side_fd, f"{text}\n".encode())
    lines += 1
    if lines == int(kill_at):
        timer = threading.Timer(float(kill_after), os.kill, (os.getpid(), signal.SIGKILL))
        timer.daemon = True
        timer.start()
        timers.append(timer)


record = SessionLog.record
save_session = getattr(importer, "save_session")  # noqa: B009 - names the module only imports
summarize = getattr(maintain, "summarize")  # noqa: B009


def traced(self: SessionLog, event: Event | None, tick: Tick) -> None:
    record(self, event, tick)
    for r in tick.readings:
        note(str(r.sample.t))


def traced_save(*args: Any, **kwargs: Any) -> Any:
    note("save")
    return save_session(*args, **kwargs)


def traced_summarize(*args: Any, **kwargs: Any) -> Any:
    note("recompute")
    return summarize(*args, **kwargs)


SessionLog.record = traced  # type: ignore[method-assign]
setattr(importer, "save_session", traced_save)  # noqa: B010
setattr(maintain, "summarize", traced_summarize)  # noqa: B010
code = main(sys.argv[2:])
for t in timers:  # a kill due after the command's work: it lands as the command exits
    t.join()
sys.exit(code)
