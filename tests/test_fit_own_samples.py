"""hrcoach's FIT developer fields (`formats/fit_dev`): a FIT export re-imports to exactly the
session's samples (a strap's jitter puts two samples in one second and none in the next, which
whole-second records alone cannot hold), while every other reader sees ordinary records."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from garmin_fit_sdk import Decoder, Encoder, Profile, Stream

from hrcoach.formats import fit_dev
from hrcoach.formats.exports import ExportSession, render_fit
from hrcoach.formats.files import load_recording
from hrcoach.models import HeartRateSample

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
JITTER = [0.0, 1.02, 1.98, 3.05, 4.01, 4.97, 6.03, 7.0, 7.95, 9.02]  # seconds 2, 5 and 8 have none
MESG = Profile["mesg_num"]


def jittery() -> ExportSession:
    samples = [HeartRateSample(t, 120 + i, (500.0 + i,)) for i, t in enumerate(JITTER)]
    return ExportSession(START, samples, {"name": "Polar H10"})


def read_back(data: bytes, tmp_path: Path) -> list[tuple[float, int, tuple[float, ...]]]:
    path = tmp_path / "s.fit"
    path.write_bytes(data)
    (rec,) = [load_recording(path)]
    return [(round(s.t, 3), s.bpm, s.rr_ms) for s in rec.samples]


def test_a_jittery_session_comes_back_sample_for_sample(tmp_path: Path) -> None:
    back = read_back(render_fit(jittery()), tmp_path)
    assert [(t, bpm) for t, bpm, _ in back] == [(t, 120 + i) for i, t in enumerate(JITTER)]
    # each second's beats go, as in any FIT file, with the last sample of that second
    rr = [(t, r) for t, _, r in back if r]
    assert rr == [(0.0, (500.0,)), (1.98, (501.0, 502.0)), (3.05, (503.0,)), (4.97, (504.0, 505.0)),
                  (6.03, (506.0,)), (7.95, (507.0, 508.0)), (9.02, (509.0,))]  # fmt: skip


def test_other_readers_see_one_record_a_second_like_a_watch_s() -> None:
    messages, errors = Decoder(Stream.from_byte_array(bytearray(render_fit(jittery())))).read(
        convert_datetimes_to_dates=False
    )
    assert errors == []
    records = cast(list[dict[str, Any]], messages["record_mesgs"])
    times = [r["timestamp"] - records[0]["timestamp"] for r in records]
    assert times == list(range(10))  # seconds 2, 5 and 8 held over, as before
    assert [r["heart_rate"] for r in records] == [120, 122, 122, 123, 125, 125, 126, 128, 128, 129]


def _fit(records: list[dict[str, Any]], *, declared: bool = True) -> bytes:
    encoder = Encoder(fit_dev.descriptions())
    encoder.write_mesg(
        {"mesg_num": MESG["FILE_ID"], "type": "activity", "manufacturer": "development", "product": 0,
         "time_created": 1_000_000_000}
    )  # fmt: skip
    if declared:
        for mesg in fit_dev.messages():
            encoder.write_mesg(mesg)
    for i, fields in enumerate(records):
        encoder.write_mesg({"mesg_num": MESG["RECORD"], "timestamp": 1_000_000_000 + i, **fields})
    return encoder.close()


@pytest.mark.parametrize(
    ("own", "expected"),
    [
        ({0: [999, 5], 1: [130, 131]}, (0.0, 130)),  # not in time order: damaged
        ({0: [100], 1: [0]}, (0.0, 130)),  # no heart rate in it
        ({0: [100, 200], 1: [131]}, (0.0, 130)),  # unequal lengths
        ({0: 1000, 1: 131}, (0.0, 130)),  # past the second
        ({0: 250, 1: 131}, (0.25, 131)),  # well-formed: taken
    ],
)
def test_damaged_own_fields_fall_back_to_the_record(
    tmp_path: Path, own: dict[int, Any], expected: tuple[float, int]
) -> None:
    data = _fit(
        [
            {"heart_rate": 130, "developer_fields": own},
            {"heart_rate": 140, "developer_fields": {0: 0, 1: 140}},
        ]
    )
    assert read_back(data, tmp_path) == [(*expected, ()), (1.0, 140, ())]


def test_fields_count_only_in_a_file_that_declares_them_as_hrcoach_s(tmp_path: Path) -> None:
    """A record without them in an hrcoach file was held over an empty second: not a sample.
    In a file that does not declare them (any other device's) every record is a sample."""
    rows: list[dict[str, Any]] = [{"heart_rate": 130, "developer_fields": {0: 500, 1: 130}}, {"heart_rate": 130},
            {"heart_rate": 132, "developer_fields": {0: 10, 1: 132}}]  # fmt: skip
    assert read_back(_fit(rows), tmp_path) == [(0.5, 130, ()), (2.01, 132, ())]
    plain = [{"heart_rate": r["heart_rate"]} for r in rows]
    assert read_back(_fit(plain, declared=False), tmp_path) == [
        (0.0, 130, ()),
        (1.0, 130, ()),
        (2.0, 132, ()),
    ]


def test_a_record_without_fields_is_held_only_right_after_one_with_them(tmp_path: Path) -> None:
    """A file that declares the fields but carries them on few records (or a Garmin file chained
    after an hrcoach one) keeps every record that is not a copy held over an empty second."""
    rows: list[dict[str, Any]] = [
        {"heart_rate": 130, "developer_fields": {0: 500, 1: 130}},
        {"heart_rate": 130},  # held: the second after, the same bpm
        {"heart_rate": 131},  # not held: after a held one
        {"heart_rate": 132},
    ]
    assert [s[:2] for s in read_back(_fit(rows), tmp_path)] == [(0.5, 130), (2.0, 131), (3.0, 132)]
    sparse = [
        {"heart_rate": 120 + i % 3, **({"developer_fields": {0: 0, 1: 120}} if i == 0 else {})}
        for i in range(60)
    ]
    assert len(read_back(_fit(sparse), tmp_path)) == 60  # 120, 121, 122...: none is a held copy


def test_own_samples_count_against_the_sample_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hrcoach.formats import bounded
    from hrcoach.formats.recording import RecordingError

    monkeypatch.setattr(bounded, "MAX_SAMPLES", 500)
    many = list(range(0, 1000, 10))  # 100 samples a record
    rows = [{"heart_rate": 130, "developer_fields": {0: many, 1: [130] * 100}} for _ in range(10)]
    with pytest.raises(RecordingError, match="more than 500 samples"):
        read_back(_fit(rows), tmp_path)


def test_a_second_of_more_samples_than_a_field_holds_still_exports(tmp_path: Path) -> None:
    samples = [HeartRateSample(i / 200, 130) for i in range(1000)]  # 200 a second
    back = read_back(render_fit(ExportSession(START, samples, {})), tmp_path)
    assert len(back) == 5 * fit_dev.MAX_PER_RECORD  # the last 100 of each second


@pytest.mark.parametrize("lon", [-180.0, 179.9999999, 180.0])
def test_positions_at_the_antimeridian_survive_fit_and_gpx(tmp_path: Path, lon: float) -> None:
    from lxml import etree

    from hrcoach.formats.exports import render_gpx

    samples = [HeartRateSample(float(i), 130) for i in range(5)]
    session = ExportSession(START, samples, {}, positions=[(float(i), 10.0, lon) for i in range(5)])
    path = tmp_path / "s.fit"
    path.write_bytes(render_fit(session))
    assert len(load_recording(path).positions) == 5
    doc = etree.fromstring(render_gpx(session))
    lons = {float(p.get("lon", "nan")) for p in doc.iter("{*}trkpt")}
    assert len(lons) == 1 and all(-180 <= v < 180 for v in lons)  # the GPX schema's longitudeType
