"""Frozen events that flow from sources into a session. Every event carries its own `t`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SensorContact(StrEnum):
    """The strap's skin-contact status, from bits 1-2 of a 0x2A37 notification."""

    NOT_SUPPORTED = "not_supported"
    NOT_DETECTED = "not_detected"
    DETECTED = "detected"


@dataclass(frozen=True, slots=True)
class HeartRateSample:
    """One heart-rate reading: `t` seconds since the session started, bpm 0 means no value."""

    t: float
    bpm: int
    rr_ms: tuple[float, ...] = ()
    contact: SensorContact = SensorContact.NOT_SUPPORTED
    energy_kj: int | None = None


class LinkState(StrEnum):
    SEARCHING = "searching"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    RECONNECTING = "reconnecting"
    STALE = "stale"


@dataclass(frozen=True, slots=True)
class LinkChanged:
    """The strap link changed state (from the BLE source, or replayed from a capture)."""

    t: float
    state: LinkState
    detail: str = ""


@dataclass(frozen=True, slots=True)
class BatteryRead:
    t: float
    percent: int


@dataclass(frozen=True, slots=True)
class MalformedFrame:
    """A notification that did not decode; counted and dropped, never fatal. A flood is not
    queued frame by frame: one event may stand for `count` frames (its own and those not kept)."""

    t: float
    data: bytes
    error: str
    count: int = 1


Event = HeartRateSample | LinkChanged | BatteryRead | MalformedFrame
