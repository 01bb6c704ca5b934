"""XML read safely and streamed, with its track points taken out as they close.

The stdlib parser is fed chunk by chunk, refusing any DOCTYPE (and so every entity declaration)
before expat reads it: no entity expansion, no external resources. The tree is built but for the
point elements (TCX `Trackpoint`, GPX `trkpt`): each, once closed, is turned into a small value
kept for its parent and left out of the tree. A million points as elements would take gigabytes;
as values they take about 100 bytes each, and the tree keeps only laps, tracks and the like.
Elements are matched by local name, so the namespace version and prefixes do not matter.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from hrcoach.formats import bounded
from hrcoach.formats.recording import RecordingError

P = TypeVar("P")


class _Forbidden(Exception):
    pass


def local(tag: object) -> str:
    """`{namespace}Name` or `prefix:Name` -> `Name` (comments and PIs have non-str tags)."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2].rpartition(":")[2]


@dataclass
class Parsed(Generic[P]):
    """The tree without its points, and the points: `points_under(elem)` gives those inside
    `elem`, in document order; `first_time(elem)` the time text of the first."""

    root: ET.Element
    _points: dict[int, list[P]] = field(default_factory=dict)
    _holders: dict[int, ET.Element] = field(default_factory=dict)  # keeps the ids valid
    _first_times: dict[int, str] = field(default_factory=dict)

    def points_under(self, elem: ET.Element) -> Iterator[P]:
        for e in elem.iter():
            yield from self._points.get(id(e), ())

    def first_time(self, elem: ET.Element) -> str | None:
        """The time text of the first point inside `elem` (None when it has none or no time)."""
        for e in elem.iter():
            if id(e) in self._points:
                return self._first_times.get(id(e))
        return None


class _PointBuilder(ET.TreeBuilder, Generic[P]):
    def __init__(self, path: Path, point: str, time: str, take: Callable[[ET.Element], P]) -> None:
        super().__init__()
        self._path, self._point, self._time, self._take = path, point, time, take
        self.first_times: dict[int, str] = {}
        self._open: list[ET.Element] = []
        self.points: dict[int, list[P]] = {}
        self.holders: dict[int, ET.Element] = {}
        self._count = 0

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise _Forbidden

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        elem = super().start(tag, attrs)
        self._open.append(elem)
        return elem

    def end(self, tag: str) -> ET.Element:
        elem = super().end(tag)
        self._open.pop()
        if self._open and local(elem.tag) == self._point:
            for table in (self.points, self.holders, self.first_times):
                table.pop(id(elem), None)  # points inside a point: damage, left out with it
            parent = self._open[-1]
            if id(parent) not in self.points:
                self.points[id(parent)] = []
                for child in elem:
                    if local(child.tag) == self._time:
                        self.first_times[id(parent)] = (child.text or "").strip()
                        break
            self.points[id(parent)].append(self._take(elem))
            self.holders[id(parent)] = parent
            parent.remove(elem)
            self._count += 1
            bounded.count(self._path, self._count)
        return elem


def parse(
    path: Path,
    chunks: Iterable[bytes],
    what: str,
    point: tuple[str, str],
    take: Callable[[ET.Element], P],
) -> Parsed[P]:
    """The document, its point elements (`point`: their name and their time child's name) taken
    out by `take`; a DOCTYPE (entities) or malformed XML is one RecordingError."""
    builder: _PointBuilder[P] = _PointBuilder(path, point[0], point[1], take)
    parser = ET.XMLParser(target=builder)
    try:
        first = True
        for chunk in chunks:
            if first:
                # Whitespace before `<?xml` (Polar Flow writes some) is not XML, but nothing is
                # lost by skipping it; expat would refuse the whole file.
                body = chunk.removeprefix(b"\xef\xbb\xbf")
                stripped = body.lstrip(b" \t\r\n")
                if stripped is not body and stripped.startswith(b"<?xml"):
                    chunk = stripped
                first = not chunk
            parser.feed(chunk)
        root = parser.close()
    except _Forbidden:
        raise RecordingError(f"{path}: {what} file with a DOCTYPE (entities are not accepted)") from None
    except ET.ParseError as exc:
        raise RecordingError(f"{path}: not a valid {what} file (XML error: {exc})") from None
    except (LookupError, UnicodeError) as exc:  # an unknown or wrong encoding= in the declaration
        raise RecordingError(f"{path}: not a valid {what} file ({exc})") from None
    return Parsed(root, builder.points, builder.holders, builder.first_times)
