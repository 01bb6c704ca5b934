"""Bytes of the Bluetooth LE Heart Rate Service characteristics, decoded and encoded.

Stdlib only. The layouts follow the GATT specification supplement for the Heart Rate
Service (0x180D): Heart Rate Measurement (0x2A37), Body Sensor Location (0x2A38) and the
Battery Service's Battery Level (0x2A19).
"""

from __future__ import annotations

import struct
from enum import StrEnum
from typing import NamedTuple

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


class Measurement(NamedTuple):
    """One decoded Heart Rate Measurement notification (a named tuple: cheap to make, immutable)."""

    bpm: int
    contact: SensorContact = SensorContact.NOT_SUPPORTED
    energy_kj: int | None = None
    rr_1024: tuple[int, ...] = ()

    @property
    def rr_ms(self) -> tuple[float, ...]:
        """RR intervals in milliseconds, oldest first."""
        return tuple([v * 1000.0 / 1024.0 for v in self.rr_1024])


_NOT_SUPPORTED = SensorContact.NOT_SUPPORTED
_new = tuple.__new__  # builds a Measurement without the named tuple's Python-level __new__
_CONTACT_BY_FLAGS = [_CONTACT_FROM_BITS[(f & _FLAG_CONTACT_MASK) >> 1] for f in range(256)]
_RR_STRUCTS = [struct.Struct(f"<{n}H") for n in range(256)]  # n uint16 RR values (ATT values are <= 512 B)


def decode_measurement(data: bytes) -> Measurement:
    """Decode a 0x2A37 payload. Raises ProtocolError (a ValueError) and nothing else."""
    size = len(data)
    if not size:
        raise ProtocolError("empty payload: no flags byte")
    flags = data[0]
    if flags & _FLAG_UINT16:
        if size < 3:
            raise ProtocolError(f"flags 0x{flags:02x} announce a uint16 heart rate, got {size - 1} byte(s)")
        bpm = data[1] | data[2] << 8
        pos = 3
    else:
        if size < 2:
            raise ProtocolError(f"flags 0x{flags:02x} announce a uint8 heart rate, got no byte")
        bpm = data[1]
        pos = 2
    if not flags & (_FLAG_ENERGY | _FLAG_RR | _FLAG_CONTACT_MASK):  # the common case: rate only
        return _new(Measurement, (bpm, _NOT_SUPPORTED, None, ()))
    energy: int | None = None
    if flags & _FLAG_ENERGY:
        if size < pos + 2:
            raise ProtocolError(f"flags 0x{flags:02x} announce energy expended (2 bytes), got {size - pos}")
        energy = data[pos] | data[pos + 1] << 8
        pos += 2
    rr: tuple[int, ...] = ()
    if flags & _FLAG_RR:
        # Any count of uint16 values; a trailing odd byte (sent by some straps) is ignored.
        n = (size - pos) >> 1
        layout = _RR_STRUCTS[n] if n < len(_RR_STRUCTS) else struct.Struct(f"<{n}H")  # never dropped
        rr = layout.unpack_from(data, pos)
    return _new(Measurement, (bpm, _CONTACT_BY_FLAGS[flags], energy, rr))


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
