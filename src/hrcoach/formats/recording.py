"""A recording read from a file: its events in time order, and what was skipped on the way."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hrcoach.models import Event, HeartRateSample
from hrcoach.text import clean_device


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def sport_name(value: object) -> str:
    """A sport as FIT names it (`cross_country_skiing`), from a file's untrusted text; "" for
    none or one that is not a plain name."""
    text = value.strip().lower().replace(" ", "_") if isinstance(value, str) else ""
    return text if text.replace("_", "").isalnum() and text.isascii() and len(text) <= 40 else ""


Position = tuple[float, float, float]  # (t, latitude, longitude), t as a sample's, degrees WGS84


def position_ok(t: float, lat: float, lon: float) -> bool:
    """A position a file or the log may hold: finite, on the globe, and not 0,0 (what many
    devices write for "no fix")."""
    return (
        all(math.isfinite(v) for v in (t, lat, lon))
        and -90 <= lat <= 90
        and -180 <= lon <= 180
        and (lat, lon) != (0.0, 0.0)
    )


class RecordingError(ValueError):
    """A file that cannot be read as a recording: `path[:line]: what is wrong`."""


@dataclass
class Recording:
    path: str
    format: str
    events: list[Event]
    started_at: datetime | None = None
    device: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what was skipped or repaired, for the user
    sport: str = ""  # as FIT names it (running, cycling, walking...); "" when the file does not say
    sub_sport: str = ""  # FIT's sub_sport (treadmill, indoor_cycling...), "" when not said
    laps: list[float] = field(default_factory=list)  # times (like events' t) where a lap began
    pauses: list[tuple[float, float]] = field(default_factory=list)  # (stopped, started) timer pauses
    utc_offset_s: int | None = None  # the activity's own local time (UTC + this), when the file says
    positions: list[Position] = field(default_factory=list)  # (t, lat, lon) where the file has them

    def __post_init__(self) -> None:
        self.device = clean_device(self.device)  # a file's device text is untrusted
        self.sport, self.sub_sport = sport_name(self.sport), sport_name(self.sub_sport)

    @property
    def samples(self) -> list[HeartRateSample]:
        return [e for e in self.events if isinstance(e, HeartRateSample)]
