"""The session log's writer thread: it runs one write for any number of requests made while it
was busy, and never blocks whoever asks (the live path's caller)."""

from __future__ import annotations

import threading
from collections.abc import Callable


class WriterThread:
    """The log's writer thread: runs `write` once for any number of requests made while it was
    busy, never blocking whoever asks."""

    def __init__(self, write: Callable[[], bool]) -> None:
        self._write = write
        self._cond = threading.Condition()
        self._asked = 0
        self._done = 0
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="hrcoach-log-writer", daemon=True)
        self._thread.start()

    def ask(self) -> int:
        with self._cond:
            self._asked += 1
            self._cond.notify_all()
            return self._asked

    def wait(self, ticket: int) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._done >= ticket)

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._asked > self._done or self._stop)
                if self._asked == self._done:
                    return
                target = self._asked
            self._write()
            with self._cond:
                self._done = target
                self._cond.notify_all()
