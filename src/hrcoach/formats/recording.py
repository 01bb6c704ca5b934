"""A recording read from a file: its events in time order, and what was skipped on the way."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hrcoach.models import Event, HeartRateSample
from hrcoach.text import clean_device


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

    def __post_init__(self) -> None:
        self.device = clean_device(self.device)  # a file's device text is untrusted

    @property
    def samples(self) -> list[HeartRateSample]:
        return [e for e in self.events if isinstance(e, HeartRateSample)]
