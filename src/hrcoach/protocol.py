"""Bytes of the Bluetooth LE Heart Rate Service characteristics, decoded and encoded.

Stdlib only. The layouts follow the GATT specification supplement for the Heart Rate
Service (0x180D): Heart Rate Measurement (0x2A37), Body Sensor Location (0x2A38) and the
Battery Service's Battery Level (0x2A19).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import StrEnum

from hrcoach.models import SensorContact

__all__ = [
    "Measurement",
    "ProtocolError",
    "SensorContact",
    "decode_measurement",
    "encode_measurement",
]

HEART_RATE_SERVICE_UUID = "0000180d-0000-1000-8000-00805f9b34fb"
HEART_RATE_MEASUREMENT_UUID = "00002a37-0000-1000-8000-00805f9b34fb"
BODY_SENSOR_LOCATION_UUID = "00002a38-0000-1000-8000-00805f9b34fb"
BATTERY_SERVICE_UUID = "0000180f-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"

_FLAG_UINT16 = 0x01
_FLAG_CONTACT_MASK = 0x06
_FLAG_ENERGY = 0x08
_FLAG_RR = 0x10


class ProtocolError(ValueError):
    """A payload that cannot be decoded; the message says what is missing."""


_CONTACT_FROM_BITS = {
    0: SensorContact.NOT_SUPPORTED,
    1: SensorContact.NOT_SUPPORTED,
    2: SensorContact.NOT_DETECTED,
    3: SensorContact.DETECTED,
}
_CONTACT_TO_BITS = {
    SensorContact.NOT_SUPPORTED: 0,
    SensorContact.NOT_DETECTED: 2,
    SensorContact.DETECTED: 3,
}


@dataclass(frozen=True, slots=True)
class Measurement:
    """One decoded Heart Rate Measurement notification."""

    bpm: int
    contact: SensorContact = SensorContact.NOT_SUPPORTED
    energy_kj: int | None = None
    rr_1024: tuple[int, ...] = ()

    @property
    def rr_ms(self) -> tuple[float, ...]:
        """RR intervals in milliseconds, oldest first."""
        return tuple(v * 1000.0 / 1024.0 for v in self.rr_1024)


def decode_measurement(data: bytes) -> Measurement:
    """Decode a 0x2A37 payload. Raises ProtocolError (a ValueError) and nothing else."""
    if not data:
        raise ProtocolError("empty payload: no flags byte")
    flags = data[0]
    pos = 1
    if flags & _FLAG_UINT16:
        if len(data) < pos + 2:
            raise ProtocolError(
                f"flags 0x{flags:02x} announce a uint16 heart rate, got {len(data) - pos} byte(s)"
            )
        bpm = int.from_bytes(data[pos : pos + 2], "little")
        pos += 2
    else:
        if len(data) < pos + 1:
            raise ProtocolError(f"flags 0x{flags:02x} announce a uint8 heart rate, got no byte")
        bpm = data[pos]
        pos += 1
    contact = _CONTACT_FROM_BITS[(flags & _FLAG_CONTACT_MASK) >> 1]
    energy: int | None = None
    if flags & _FLAG_ENERGY:
        if len(data) < pos + 2:
            raise ProtocolError(
                f"flags 0x{flags:02x} announce energy expended (2 bytes), got {len(data) - pos}"
            )
        energy = int.from_bytes(data[pos : pos + 2], "little")
        pos += 2
    rr: tuple[int, ...] = ()
    if flags & _FLAG_RR:
        # Any count of uint16 values; a trailing odd byte (sent by some straps) is ignored.
        end = pos + (len(data) - pos) // 2 * 2
        rr = tuple(v for (v,) in struct.iter_unpack("<H", data[pos:end]))
    return Measurement(bpm=bpm, contact=contact, energy_kj=energy, rr_1024=rr)


def encode_measurement(m: Measurement, *, uint16: bool = False) -> bytes:
    """Encode a Measurement as a 0x2A37 payload; the exact inverse of decode_measurement."""
    flags = _CONTACT_TO_BITS[m.contact] << 1
    if uint16 or m.bpm > 0xFF:
        flags |= _FLAG_UINT16
        body = m.bpm.to_bytes(2, "little")
    else:
        body = bytes([m.bpm])
    if m.energy_kj is not None:
        flags |= _FLAG_ENERGY
        body += m.energy_kj.to_bytes(2, "little")
    if m.rr_1024:
        flags |= _FLAG_RR
        body += b"".join(v.to_bytes(2, "little") for v in m.rr_1024)
    return bytes([flags]) + body


class BodySensorLocation(StrEnum):
    OTHER = "other"
    CHEST = "chest"
    WRIST = "wrist"
    FINGER = "finger"
    HAND = "hand"
    EAR_LOBE = "ear_lobe"
    FOOT = "foot"
    UNKNOWN = "unknown"


_LOCATIONS = list(BodySensorLocation)[:7]


def decode_body_sensor_location(data: bytes) -> BodySensorLocation:
    """Decode 0x2A38: one byte, 0 other … 6 foot; reserved values read as unknown."""
    if not data:
        raise ProtocolError("empty body sensor location payload")
    return _LOCATIONS[data[0]] if data[0] < len(_LOCATIONS) else BodySensorLocation.UNKNOWN


def decode_battery_level(data: bytes) -> int:
    """Decode 0x2A19: one byte, percent 0–100."""
    if not data:
        raise ProtocolError("empty battery level payload")
    if data[0] > 100:
        raise ProtocolError(f"battery level {data[0]} is above 100 %")
    return data[0]
