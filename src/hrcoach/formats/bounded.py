"""What any reader takes in at most, so that no file, however made, takes more than ~300 MB.

- Bytes: a file (unpacked from gzip or a zip) is read through `Bounded`, which counts what it
  reads and refuses past `MAX_BYTES` (256 MiB), or past a smaller bound for the formats read
  whole (`WHOLE_BYTES`: FIT, whose decoder wants every byte, and the small Polar text formats).
  XML, CSV and captures are streamed and never held whole.
- Samples: `MAX_SAMPLES` per recording (about six days at one a second); `count` refuses the
  one after it, while reading, before the memory is spent.
- RR intervals: `MAX_RR` per recording (`count_rr`): a notification can carry a hundred, and a
  file of such would be gigabytes of beats.
- Lines: `MAX_LINE` characters for one line of a line-based format (a capture's events are
  under 1 KiB; a file that is one 6 GB line is damage, not a recording), and `MAX_LINES` lines
  (blank and comment lines too: read one by one, 256 MiB of them would take a minute).
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, Protocol

from hrcoach.formats.recording import RecordingError
from hrcoach.text import clean

MAX_BYTES = 256 * 1024 * 1024
WHOLE_BYTES = {"fit": 32 * 1024 * 1024, "hrm": 16 * 1024 * 1024, "polar-txt": 32 * 1024 * 1024}
MAX_SAMPLES = 500_000
MAX_RR = 2_000_000  # beats: 500,000 seconds at 240 bpm
MAX_LINE = 64 * 1024
MAX_LINES = 2 * MAX_SAMPLES
CHUNK = 256 * 1024

READ_ERRORS = (OSError, EOFError, zlib.error, zipfile.BadZipFile, RuntimeError, ValueError)


def count_rr(where: object, n: int) -> None:
    """Refuse a recording once its RR intervals pass MAX_RR."""
    if n > MAX_RR:
        raise RecordingError(
            f"{where}: more than {MAX_RR:,} RR intervals, more beats than six days hold; not a recording"
        )


class Readable(Protocol):
    def read(self, n: int, /) -> bytes: ...


def _mib(n: int) -> str:
    return f"{n // 2**20} MiB"


def too_many(where: object) -> RecordingError:
    return RecordingError(
        f"{where}: more than {MAX_SAMPLES:,} samples (about six days at one a second), "
        "longer than hrcoach reads; split the recording"
    )


def count(where: object, n: int) -> None:
    """Refuse a recording once its `n`th sample passes MAX_SAMPLES."""
    if n > MAX_SAMPLES:
        raise too_many(where)


class Bounded(io.RawIOBase):
    """A binary stream read at most `limit` bytes far (then a RecordingError naming `where`); its
    first bytes can be looked at (`head`) and are then read again. Read errors (a damaged gzip
    or zip member) are one RecordingError too."""

    def __init__(self, f: Readable, where: object, limit: int = MAX_BYTES, *, unpacked: bool = False):
        super().__init__()
        self._f, self.where, self.limit, self.read_so_far = f, where, limit, 0
        self._unpacked = unpacked
        self._head = b""

    def readable(self) -> bool:
        return True

    def _next(self, n: int) -> bytes:
        try:
            data = self._f.read(min(n, CHUNK))
        except RecordingError:  # a Bounded read inside this one (a gzip in a zip) said it already
            raise
        except READ_ERRORS as exc:
            raise RecordingError(f"{self.where}: cannot read ({clean(exc, 100)})") from None
        self.read_so_far += len(data)
        if self.read_so_far > self.limit:
            unpacked = " unpacked" if self._unpacked else ""
            raise RecordingError(
                f"{self.where}: too large for a recording (over {_mib(self.limit)}{unpacked})"
            )
        return data

    def head(self, n: int = 4096) -> bytes:
        """The first `n` bytes (fewer in a shorter file), read again by the next reads."""
        while len(self._head) < n:
            more = self._next(n - len(self._head))
            if not more:
                break
            self._head += more
        return self._head[:n]

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            data, self._head = self._head[: len(buffer)], self._head[len(buffer) :]
        else:
            data = self._next(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read_all(self, limit: int) -> bytes:
        """The rest of the stream, refused past `limit` bytes in all."""
        self.limit = min(self.limit, limit)
        chunks = []
        while chunk := self.read(CHUNK):
            chunks.append(chunk)
        return b"".join(chunks)

    def chunks(self) -> Iterator[bytes]:
        while chunk := self.read(CHUNK):
            yield chunk


def short_lines(where: object, text: IO[str]) -> Iterator[tuple[int, str]]:
    """(line number, line) of a text stream; a line longer than MAX_LINE is refused before it is
    held whole, and a stream of more than MAX_LINES lines."""
    for lineno in range(1, MAX_LINES + 2):
        line = text.readline(MAX_LINE + 1)
        if not line:
            return
        if len(line) > MAX_LINE:
            raise RecordingError(f"{where}:{lineno}: a line over {MAX_LINE // 1024} KiB; not a recording")
        if lineno > MAX_LINES:
            raise RecordingError(f"{where}: more than {MAX_LINES:,} lines; longer than hrcoach reads")
        yield lineno, line


def lines(text: str) -> Iterator[str]:
    """`text`'s lines, one at a time (`splitlines` would make a list of millions of strings)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        yield text[start:end].rstrip("\r\n")
        start = end
