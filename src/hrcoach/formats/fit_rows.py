"""The records of a FIT file as columns, as the reader gathers them (`fit_read`).

A week of records as objects is ~150 MB, as columns ~20 MB. For each record with a timestamp:
its heart rate (0 for none), the RR intervals since the record before, whether its heart rate
came from the file's `hr` messages, its position, and, in a file hrcoach exported, the samples
of its second from hrcoach's own fields (`fit_dev`).
"""

from __future__ import annotations

from array import array

_NO_POSITION = 2**31 - 1  # FIT's invalid sint32
_DEGREES = 180 / 2**31  # degrees per semicircle


class Rows:
    """The records with a timestamp, as columns (a week of records as objects is ~150 MB, as
    columns ~20 MB). bpm 0 is none; record i's RR are `rr[rr_end[i - 1]:rr_end[i]]`, the beats
    since the record before (RR after the last record are the last record's)."""

    def __init__(self) -> None:
        self.ts = array("q")
        self.bpm = array("h")
        self.rr = array("d")
        self.rr_end = array("q")
        self.from_hr = bytearray()
        self.own_end = array("q")  # record i's own samples (fit_dev) are own[own_end[i - 1]:own_end[i]]
        self.own_ms = array("H")
        self.own_bpm = array("H")
        self.held = bytearray()  # 1: a record of hrcoach's held over an empty second (no sample)
        self.lat = array("i")  # semicircles; _NO_POSITION where the record has none
        self.lon = array("i")

    def __len__(self) -> int:
        return len(self.ts)

    def add(
        self,
        ts: int,
        bpm: int,
        lat: int | None = None,
        lon: int | None = None,
        own: list[tuple[int, int]] | None = None,
        held: bool = False,
    ) -> None:
        self.held.append(held)
        for ms, b in own or ():
            self.own_ms.append(ms)
            self.own_bpm.append(b)
        self.own_end.append(len(self.own_ms))
        self.ts.append(ts)
        self.bpm.append(bpm)
        self.rr_end.append(len(self.rr))
        self.from_hr.append(0)
        if lat is None or lon is None or not (min(lat, lon) >= -(2**31) and max(lat, lon) < _NO_POSITION):
            lat = lon = _NO_POSITION  # none, or not a sint32 semicircle (-180 degrees is -2**31)
        self.lat.append(lat)
        self.lon.append(lon)

    def own(self, i: int) -> list[tuple[int, int]] | None:
        """Record i's own samples, (millisecond in its second, bpm), from hrcoach's fields: []
        for a record held over an empty second, None where the record itself is the sample."""
        if self.held[i]:
            return []
        start, end = self.own_end[i - 1] if i else 0, self.own_end[i]
        return (
            list(zip(self.own_ms[start:end], self.own_bpm[start:end], strict=True)) if end > start else None
        )

    def position(self, i: int) -> tuple[float, float] | None:
        """Record i's latitude and longitude in degrees, None when it has none."""
        if self.lat[i] == _NO_POSITION:
            return None
        return self.lat[i] * _DEGREES, self.lon[i] * _DEGREES

    def rr_of(self, i: int) -> tuple[float, ...]:
        start = self.rr_end[i - 1] if i else 0
        end = self.rr_end[i] if i < len(self) - 1 else len(self.rr)
        return tuple(self.rr[start:end]) if end > start else ()
