"""The 0x2A37/0x2A38/0x2A19 decoders: published captures, edge cases, round trip, fuzzing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hrcoach.protocol import (
    BodySensorLocation,
    Measurement,
    ProtocolError,
    SensorContact,
    decode_battery_level,
    decode_body_sensor_location,
    decode_measurement,
    encode_measurement,
)
from tests.published_payloads import PUBLISHED


@pytest.mark.parametrize(("hexdata", "device", "source", "bpm", "contact", "rr"), PUBLISHED)
def test_published_captures_decode(
    hexdata: str, device: str, source: str, bpm: int, contact: SensorContact, rr: tuple[int, ...]
) -> None:
    m = decode_measurement(bytes.fromhex(hexdata))
    assert (m.bpm, m.contact, m.energy_kj, m.rr_1024) == (bpm, contact, None, rr)


def test_published_table_covers_the_devices() -> None:
    devices = {row[1] for row in PUBLISHED}
    assert {"Polar H7", "Polar H10", "Garmin HRM-Dual", "Wahoo Blue HR"} <= devices
    assert len({row[2] for row in PUBLISHED}) >= 10


def test_rr_ms_converts_1024ths() -> None:
    m = decode_measurement(bytes.fromhex("1640150400040002"))  # RR 1045, 1024, 512
    assert m.rr_1024 == (1045, 1024, 512)
    assert m.rr_ms == pytest.approx((1045 * 1000 / 1024, 1000.0, 500.0))


@pytest.mark.parametrize(
    ("hexdata", "expected"),
    [
        # uint16 heart rate (bit 0), no contact support
        ("010101", Measurement(257)),
        ("019600", Measurement(150)),
        # energy expended (bit 3) with uint8 and uint16 rates, contact detected
        ("0e8c2c01", Measurement(140, SensorContact.DETECTED, 300)),
        ("0f8c002c01", Measurement(140, SensorContact.DETECTED, 300)),
        # everything together: uint16, energy, RR
        (
            "1901022233030405 06".replace(" ", ""),
            Measurement(513, SensorContact.NOT_SUPPORTED, 0x3322, (0x0403, 0x0605)),
        ),
        # contact bits 01 mean "not supported", like 00
        ("023c", Measurement(60, SensorContact.NOT_SUPPORTED)),
        ("043c", Measurement(60, SensorContact.NOT_DETECTED)),
        # bits 5-7 are reserved and ignored
        ("e63c", Measurement(60, SensorContact.DETECTED)),
        # RR flag with no RR bytes: zero intervals; a trailing odd byte is ignored
        ("103c", Measurement(60)),
        ("103c05", Measurement(60)),
        ("1012030405", Measurement(18, rr_1024=(0x0403,))),
        # bpm 0 decodes (it means "no value"; the engine rejects it)
        ("0000", Measurement(0)),
    ],
)
def test_edge_cases(hexdata: str, expected: Measurement) -> None:
    assert decode_measurement(bytes.fromhex(hexdata)) == expected


@pytest.mark.parametrize(
    ("hexdata", "missing"),
    [
        ("", "no flags"),
        ("00", "uint8 heart rate"),
        ("01", "uint16 heart rate"),
        ("0112", "uint16 heart rate"),
        ("083c", "energy expended"),
        ("083c01", "energy expended"),
        ("09013c00", "energy expended"),
    ],
)
def test_malformed_payloads_say_what_is_missing(hexdata: str, missing: str) -> None:
    with pytest.raises(ProtocolError, match=missing):
        decode_measurement(bytes.fromhex(hexdata))
    assert issubclass(ProtocolError, ValueError)


@given(st.binary(max_size=40))
def test_decoder_never_raises_anything_but_protocol_error(data: bytes) -> None:
    try:
        m = decode_measurement(data)
    except ProtocolError:
        return
    assert 0 <= m.bpm <= 0xFFFF
    assert all(0 <= v <= 0xFFFF for v in m.rr_1024)


measurements = st.builds(
    Measurement,
    bpm=st.integers(0, 0xFFFF),
    contact=st.sampled_from(list(SensorContact)),
    energy_kj=st.none() | st.integers(0, 0xFFFF),
    rr_1024=st.lists(st.integers(0, 0xFFFF), max_size=9).map(tuple),
)


@given(measurements, st.booleans())
def test_encode_decode_round_trip(m: Measurement, uint16: bool) -> None:
    data = encode_measurement(m, uint16=uint16)
    assert decode_measurement(data) == m
    assert (data[0] & 1) == (uint16 or m.bpm > 255)


@pytest.mark.parametrize("row", PUBLISHED)
def test_published_captures_reencode_to_same_meaning(row: tuple[object, ...]) -> None:
    m = decode_measurement(bytes.fromhex(str(row[0])))
    assert decode_measurement(encode_measurement(m)) == m


def test_body_sensor_location_and_battery() -> None:
    assert decode_body_sensor_location(b"\x01") is BodySensorLocation.CHEST
    assert decode_body_sensor_location(b"\x02") is BodySensorLocation.WRIST
    assert decode_body_sensor_location(b"\x06") is BodySensorLocation.FOOT
    assert decode_body_sensor_location(b"\x09") is BodySensorLocation.UNKNOWN
    assert decode_battery_level(b"\x57") == 87
    for bad in (b"", b"\x65"):
        with pytest.raises(ProtocolError):
            decode_battery_level(bad)
    with pytest.raises(ProtocolError):
        decode_body_sensor_location(b"")


@pytest.mark.parametrize("n", [127, 128, 255, 328, 1000])
def test_every_rr_of_a_long_notification_is_decoded(n: int) -> None:
    # a strap sends at most a few, but a capture (an export after a pause) may carry hundreds:
    # none is dropped (128 or more were, silently)
    m = Measurement(bpm=120, contact=SensorContact.DETECTED, energy_kj=None, rr_1024=tuple(range(1, n + 1)))
    assert decode_measurement(encode_measurement(m)).rr_1024 == m.rr_1024
