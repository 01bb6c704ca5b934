"""The FIT reader on files built here with Garmin's FIT SDK encoder (and, for compressed
timestamps, which the encoder does not write, by hand): the cases the real files lack."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from garmin_fit_sdk import CrcCalculator, Encoder, Profile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hrcoach.formats import fit_read, fit_scan
from hrcoach.formats.files import load_recording, load_recordings
from hrcoach.formats.recording import RecordingError
from tests.conftest import REAL_HR
from tests.test_importers import mutate, only_recording_or_error

M: dict[str, int] = Profile["mesg_num"]
T0 = datetime(2024, 5, 1, 7, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def fit(*mesgs: dict[str, Any]) -> bytes:
    enc = Encoder()
    for mesg in mesgs:
        enc.write_mesg(mesg)
    return enc.close()


def file_id(**fields: Any) -> dict[str, Any]:
    return {
        "mesg_num": M["FILE_ID"], "type": "activity", "manufacturer": "garmin", "product": 1967,
        "serial_number": 1234, "time_created": T0, **fields,
    }  # fmt: skip


def record(ts: datetime | int, hr: int | None = None) -> dict[str, Any]:
    mesg: dict[str, Any] = {"mesg_num": M["RECORD"], "timestamp": ts, "distance": 1.0}
    if hr is not None:
        mesg["heart_rate"] = hr
    return mesg


def hrv(*seconds: float) -> dict[str, Any]:
    return {"mesg_num": M["HRV"], "time": list(seconds)}


def timer(ts: datetime, kind: str) -> dict[str, Any]:
    return {"mesg_num": M["EVENT"], "timestamp": ts, "event": "timer", "event_type": kind}


def session(start: datetime | int, sport: str) -> dict[str, Any]:
    return {"mesg_num": M["SESSION"], "timestamp": start, "start_time": start, "sport": sport}


def hr_mesg(ts: datetime, bpm: int) -> dict[str, Any]:
    """An anchor hr message: one heart rate at `ts` (as HRM-Swim/Tri straps store them)."""
    return {
        "mesg_num": M["HR"], "timestamp": ts, "fractional_timestamp": 0.0,
        "event_timestamp": (ts - T0).total_seconds(), "filtered_bpm": bpm,
    }  # fmt: skip


ACTIVITY = fit(
    file_id(),
    timer(at(0), "start"),
    hrv(0.5, 0.5),  # before the first record: goes to the first sample
    record(at(0), 120),
    hrv(0.49, 0.5),
    record(at(1), 121),
    record(at(1), 150),  # repeated timestamp: dropped, first kept
    hrv(0.48),  # follows the dropped record: carried to the next sample
    record(at(2), 122),
    record(at(-5), 99),  # backwards: left out
    record(at(3)),  # no heart rate: skipped
    hrv(0.47),
    record(at(4), 124),
    timer(at(4), "stop_all"),
    timer(at(64), "start"),  # a 60 s pause
    record(at(64), 118),
    hrv(0.5, 0.51, 0.52),  # after the last record: goes to the last sample
    timer(at(70), "stop_all"),
    session(T0, "running"),
)


def read(data: bytes, name: str = "x.fit") -> list[Any]:
    return fit_read.read_bytes(Path(name), data)


def test_activity_with_every_repair(tmp_path: Path) -> None:
    path = tmp_path / "run.fit"
    path.write_bytes(ACTIVITY)
    (rec,) = load_recordings(path)
    assert rec.format == "fit" and rec.started_at == T0
    assert rec.device == {
        "name": "Garmin fenix2",
        "manufacturer": "garmin",
        "product": "fenix2",
        "serial_number": 1234,
    }
    assert [(s.t, s.bpm, s.rr_ms) for s in rec.samples] == [
        (0.0, 120, (500.0, 500.0)),
        (1.0, 121, (490.0, 500.0)),
        (2.0, 122, (480.0,)),
        (4.0, 124, (470.0,)),
        (64.0, 118, (500.0, 510.0, 520.0)),
    ]
    assert rec.notes == [
        "1 record without heart rate skipped",
        "1 record with a repeated timestamp dropped (first kept)",
        "1 record with a timestamp out of order left out",
        "timer paused 1 time (1 min 0 s in all); pauses are time gaps and no session time",
    ]


def test_a_record_without_heart_rate_never_hides_one_with_it_at_the_same_time() -> None:
    """Issue #13.3 (a Suunto Ambit3 file lost 45 % of its HR this way): at each second a record
    without HR (GPS, say) comes first, then the one with HR."""
    mesgs = [file_id()]
    for i in range(60):
        mesgs += [record(at(i)), record(at(i), 120 + i % 7)]
    (rec,) = read(fit(*mesgs, session(T0, "running")))
    assert [(s.t, s.bpm) for s in rec.samples] == [(float(i), 120 + i % 7) for i in range(60)]
    assert rec.notes == ["60 records without heart rate skipped"]


def test_a_few_records_stamped_in_the_future_are_outliers_not_a_new_floor() -> None:
    """Issue #13.1 (a 2-hour Edge 500 ride became 168 s in the window and 791 days long): three
    records a year ahead, then the ride goes on; they are left out, and the rest is kept."""
    mesgs = [file_id()]
    for i in range(600):
        mesgs.append(record(at(i), 130))
        if i == 100:
            mesgs += [record(at(400 * 86400 + k), 131) for k in range(3)]
    (rec,) = read(fit(*mesgs, session(T0, "cycling")))
    assert len(rec.samples) == 600 and rec.samples[-1].t == 599.0
    assert {s.bpm for s in rec.samples} == {130}
    assert rec.notes == ["3 records with a timestamp out of order left out"]


def test_a_file_mostly_out_of_time_order_is_refused_in_one_line() -> None:
    mesgs = [file_id()] + [record(at(t), 130) for t in [0, 50, 40, 30, 20, 10, 5, 4, 3, 2]]
    with pytest.raises(RecordingError, match=r"x\.fit: the timestamps of 8 of 10 records .* out of order"):
        read(fit(*mesgs, session(T0, "running")))


def test_multisport_is_one_recording_per_session(tmp_path: Path) -> None:
    data = fit(
        file_id(),
        record(at(0), 140), record(at(1), 141),
        record(at(100), 150), record(at(101), 151), record(at(102), 152),
        record(at(200)),  # a third session without heart rate is left out
        session(at(0), "swimming"), session(at(100), "cycling"), session(at(200), "running"),
    )  # fmt: skip
    swim, bike = read(data)
    assert (swim.started_at, [s.bpm for s in swim.samples]) == (T0, [140, 141])
    assert (bike.started_at, [s.t for s in bike.samples]) == (at(100), [0.0, 1.0, 2.0])
    assert swim.notes == ["session 1 of 3 in the file (swimming)"]
    assert bike.notes == ["session 2 of 3 in the file (cycling)"]
    path = tmp_path / "tri.fit"
    path.write_bytes(data)
    first = load_recording(path)
    assert first.samples == swim.samples
    assert first.notes[-1] == "file holds 2 activities; analysing the first; `hrcoach import` imports all"


def test_hr_messages_fill_records_without_heart_rate() -> None:
    data = fit(
        file_id(),
        record(at(0), 100),
        *[hr_mesg(at(i), 126 + 4 * i) for i in range(1, 5)],  # 130, 134, 138, 142 bpm at 1, 2, 3, 4 s
        record(at(1)), record(at(2)), record(at(3)), record(at(4)),
        record(at(40)),  # nothing from the hr messages this late: skipped
    )  # fmt: skip
    (rec,) = read(data)
    # the SDK expands hr messages to 250 ms steps (carrying each value forward); a record takes
    # the mean of those since the record before: (3 x 130 + 134) / 4 = 131 at 2 s
    assert [(s.t, s.bpm) for s in rec.samples] == [(0.0, 100), (1.0, 130), (2.0, 131), (3.0, 135), (4.0, 139)]
    assert rec.notes == [
        "1 record without heart rate skipped",
        "4 records without heart rate took it from the hr messages",
    ]


@pytest.mark.parametrize(
    ("created", "start", "note"),
    [
        (5000, None, "timestamps count from device power-on, not dates: start time unknown"),
        (T0, T0, "timestamps count from device power-on; start time is the file's creation time"),
    ],
)
def test_power_on_timestamps(created: Any, start: datetime | None, note: str) -> None:
    data = fit(file_id(time_created=created), record(5000, 100), record(5005, 101), record(5010, 102))
    (rec,) = read(data)
    assert [s.t for s in rec.samples] == [0.0, 5.0, 10.0]
    assert rec.started_at == start and rec.notes == [note]


def compressed_fit() -> bytes:
    """file_id, one record with a full timestamp (low 5 bits 28), then compressed-timestamp
    records (the 5-bit offset rolls over), then a normal record again on the first local type."""

    def define(local: int, global_num: int, *fields: tuple[int, int, int]) -> bytes:
        head = bytes([0x40 | local, 0, 0]) + struct.pack("<HB", global_num, len(fields))
        return head + b"".join(bytes(f) for f in fields)

    base = 5024 + 28
    body = define(0, 0, (0, 1, 0x00), (4, 4, 0x86)) + bytes([0, 4]) + struct.pack("<I", base)
    body += define(1, 20, (253, 4, 0x86), (3, 1, 0x02)) + b"\x01" + struct.pack("<I", base) + bytes([100])
    body += define(2, 20, (3, 1, 0x02))
    for offset, bpm in ((2, 101), (4, 102), (8, 103)):
        body += bytes([0x80 | 2 << 5 | (base + offset) & 0x1F, bpm])
    body += b"\x01" + struct.pack("<I", base + 18) + bytes([104])
    body += bytes([0x80 | 2 << 5 | (base + 20) & 0x1F, 105])
    data = struct.pack("<BBHI4s", 12, 0x10, 2093, len(body), b".FIT") + body
    return data + struct.pack("<H", CrcCalculator.calculate_crc(data, 0, len(data)))


def test_compressed_timestamps() -> None:
    (rec,) = read(compressed_fit())
    assert [(s.t, s.bpm) for s in rec.samples] == [
        (0.0, 100), (2.0, 101), (4.0, 102), (8.0, 103), (18.0, 104), (20.0, 105),
    ]  # fmt: skip
    assert rec.started_at is None and "power-on" in rec.notes[0]


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda b: b[:30], "truncated FIT file ({n} of {m} bytes; no complete message)"),
        (lambda b: b[:100] + bytes([b[100] ^ 0x01]) + b[101:], "corrupt FIT file (CRC mismatch)"),
        (lambda b: b[:5], "not a FIT file"),
        (lambda b: b"\x0e" + b[1:8] + b".FAT" + b[12:], "not a FIT file"),
    ],
)
def test_damaged_files_are_refused(damage: Any, expected: str) -> None:
    data = damage(ACTIVITY)
    with pytest.raises(RecordingError) as info:
        read(data)
    message = expected.format(n=len(data), m=len(ACTIVITY))
    assert str(info.value) == f"x.fit: {message}"


def test_a_file_cut_short_gives_its_complete_messages_with_a_note() -> None:
    full = read(ACTIVITY)[0].samples
    for cut in (1, 40, 80):
        (rec,) = read(ACTIVITY[:-cut])
        assert 0 < len(rec.samples) <= len(full)
        assert [(s.t, s.bpm) for s in rec.samples] == [(s.t, s.bpm) for s in full[: len(rec.samples)]]
        assert rec.notes[-1].startswith("the file is cut short (the device did not finish writing it)")


def test_a_header_left_at_an_earlier_size_still_gives_every_message() -> None:
    stale = bytearray(ACTIVITY)
    struct.pack_into("<I", stale, 4, 60)  # the size at an earlier moment; the messages go on
    struct.pack_into("<H", stale, 12, CrcCalculator.calculate_crc(stale, 0, 12))
    (rec,) = read(bytes(stale))
    assert rec.samples == read(ACTIVITY)[0].samples
    assert rec.notes[-1] == (
        "the file is cut short (the device did not finish writing it): imported its "
        f"{len(ACTIVITY) - 16} bytes of complete messages"
    )


@pytest.mark.skipif(not REAL_HR.is_dir(), reason="../shared/real_hr is absent")
def test_a_real_ride_cut_short_imports_its_first_part() -> None:
    data = (REAL_HR / "tormoder_fit__garmin.fit").read_bytes()
    (full,) = fit_read.read_bytes(Path("x.fit"), data)
    (cut,) = fit_read.read_bytes(Path("x.fit"), data[: len(data) * 6 // 10])
    assert len(full.samples) * 0.5 < len(cut.samples) < len(full.samples) * 0.7
    assert [(s.t, s.bpm) for s in cut.samples] == [(s.t, s.bpm) for s in full.samples[: len(cut.samples)]]
    assert cut.started_at == full.started_at
    assert "cut short" in cut.notes[-1]


def test_no_heart_rate_at_all() -> None:
    with pytest.raises(RecordingError, match=r"^x\.fit: no heart-rate data in this FIT file$"):
        read(fit(file_id(), record(at(0)), record(at(1))))
    with pytest.raises(RecordingError, match=r"^x\.fit: no heart-rate data"):
        read(fit(file_id()))


def test_garbage_after_a_good_file_is_corrupt() -> None:
    with pytest.raises(RecordingError, match=r"^x\.fit: corrupt FIT file \("):
        read(ACTIVITY + b"\x00" * 20)


# ------------------------------------------------------------------ fuzzing


def fix_crc(data: bytes) -> bytes:
    """Recompute header size fields and CRC so that mutations reach the SDK's decoder."""
    if len(data) < 16 or data[0] not in (12, 14):
        return data
    out = bytearray(data)
    struct.pack_into("<I", out, 4, len(out) - out[0] - 2)
    return bytes(out[:-2]) + struct.pack("<H", CrcCalculator.calculate_crc(out, 0, len(out) - 2))


def fuzz_bases() -> list[bytes]:
    bases = [ACTIVITY, compressed_fit()]
    for name in (
        "dtcooper_python-fitparse__garmin-fenix-5-walk.fit",
        "dtcooper_python-fitparse__antfs-dump.63.fit",
    ):
        if (REAL_HR / name).exists():
            bases.append((REAL_HR / name).read_bytes())
    return bases


BASES = fuzz_bases()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(draw=st.data())
def test_fuzz_fit(draw: st.DataObject) -> None:
    data = mutate(draw.draw(st.sampled_from(BASES)), draw)
    if draw.draw(st.booleans()):
        data = fix_crc(data)
    only_recording_or_error(lambda: read(data, "fuzz.fit"), Path("fuzz.fit"))


def test_a_timer_event_of_a_damaged_type_is_ignored() -> None:
    # found by test_fuzz_fit: a damaged definition made event_type an array, which crashed the scan
    scan = fit_scan.Scan(Path("x.fit"))
    scan.take(Profile["mesg_num"]["EVENT"], {"event": "timer", "event_type": ["stop"], "timestamp": 5})
    assert scan.timer == []
