"""Export writers: FIT and TCX read back as the platforms read them; CSV and capture round-trip
through hrcoach's own readers; no HR 0; empty sessions refused; failed writes leave nothing."""

from __future__ import annotations

import gzip
import io
import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path
from typing import Any, cast

import pytest
from garmin_fit_sdk import Decoder, Profile, Stream

from hrcoach.formats import capture_write, exports
from hrcoach.formats.capture import read_capture
from hrcoach.formats.exports import (
    EXPORTERS,
    LOSSLESS,
    SUFFIXES,
    ExportSession,
    write_capture,
    write_csv,
    write_fit,
    write_tcx,
)
from hrcoach.formats.files import load_recording
from hrcoach.models import HeartRateSample, SensorContact
from tests.conftest import FIXTURE_NAMES, stream

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
DEVICE = {"name": "Polar H10 8C4F1E2A", "address": "C4:7C:8D:6A:1E:2A"}
TCX = "{http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2}"
XSI = "{http://www.w3.org/2001/XMLSchema-instance}"
FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)


def fixture_session(name: str) -> ExportSession:
    rec = load_recording(stream(name))
    assert rec.started_at is not None
    return ExportSession(rec.started_at, rec.samples, rec.device)


def small_session() -> ExportSession:
    """Two samples in second 2 (HR 120 then 124), a bpm-0 second, RR everywhere."""
    return ExportSession(
        START,
        [
            HeartRateSample(0.0, 0),  # no value yet: no point
            HeartRateSample(1.0, 118, (508.0,)),
            HeartRateSample(2.1, 120, (500.0, 498.0)),
            HeartRateSample(2.7, 124, (490.0,)),  # same second as 2.1: the last HR wins
            HeartRateSample(3.5, 0, (495.0,)),  # no HR, RR kept
            HeartRateSample(4.2, 126, (480.0, 470.0, 475.0)),
        ],
        DEVICE,
        positions=[(1.0, 52.37, 4.89), (2.1, 52.3701, 4.8901), (2.7, 52.3702, 4.8902), (4.2, 52.3703, 4.89)],
    )


def expected_points(session: ExportSession) -> dict[datetime, int]:
    """What TCX and FIT must carry: per whole UTC second, the last nonzero heart rate; a single
    second without any sample, between two seconds with samples, holds the one before."""
    bins: dict[datetime, int | None] = {}
    for s in session.samples:
        second = (session.started_at + timedelta(seconds=s.t)).replace(microsecond=0)
        bins[second] = s.bpm if s.bpm > 0 else bins.get(second)
    one = timedelta(seconds=1)
    for second in list(bins):
        if second + one not in bins and second + 2 * one in bins and bins[second] is not None:
            bins[second + one] = bins[second]
    return {second: bpm for second, bpm in sorted(bins.items()) if bpm is not None}


def expected_tcx_points(session: ExportSession) -> dict[datetime, int]:
    """What TCX must carry: every sample with a heart rate, at its time to the millisecond."""
    out: dict[datetime, int] = {}
    for s in session.samples:
        if s.bpm > 0:
            at = session.started_at + timedelta(seconds=s.t)
            out.setdefault(at.replace(microsecond=at.microsecond // 1000 * 1000), s.bpm)
    return out


def flat_rr(samples: Sequence[HeartRateSample]) -> list[float]:
    return [v for s in samples for v in s.rr_ms]


# ---------------------------------------------------------------- FIT


def decode_fit(data: bytes) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    assert Decoder(Stream.from_byte_array(bytearray(data))).is_fit()
    assert Decoder(Stream.from_byte_array(bytearray(data))).check_integrity()
    order: list[str] = []
    names = {num: m["name"] for num, m in Profile["messages"].items()}
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read(
        mesg_listener=lambda num, _m: order.append(names[num])
    )
    assert errors == []
    return cast(dict[str, list[dict[str, Any]]], messages), order


def fit_bytes(session: ExportSession, **kw: Any) -> bytes:
    out = io.BytesIO()
    write_fit(session, out, **kw)
    return out.getvalue()


def hrv_values(messages: dict[str, list[dict[str, Any]]]) -> list[float]:
    values: list[float] = []
    for m in messages["hrv_mesgs"]:
        t = m["time"]
        values.extend(v for v in (t if isinstance(t, list) else [t]) if v is not None)
    return values


@pytest.mark.parametrize("name", ["steady_35min", "startup_glitches", "rr_backlog", "dropout_reconnect"])
def test_fit_decodes_with_garmin_sdk(name: str) -> None:
    session = fixture_session(name)
    messages, order = decode_fit(fit_bytes(session, utc_offset=timedelta(hours=1)))

    # the activity recipe's order, hrv interleaved with records
    own = ["developer_data_id", "field_description", "field_description"]  # fit_dev's fields
    head = ["file_id", "device_info", "device_info", *own, "event"]
    tail = ["event", "lap", "session", "activity"]
    assert order[:7] == head and order[-4:] == tail
    assert set(order[7:-4]) <= {"record", "hrv", "event"}

    (file_id,) = messages["file_id_mesgs"]
    assert file_id["type"] == "activity" and file_id["manufacturer"] == "development"
    assert file_id["serial_number"] and file_id["time_created"] == session.started_at
    strap = messages["device_info_mesgs"][1]
    assert strap["product_name"] == session.device["name"] and strap["ble_device_type"] == "heart_rate"
    points = expected_points(session)
    times = sorted(points)
    gaps = [(a, b) for a, b in pairwise(times) if (b - a).total_seconds() > session.max_gap_s]
    assert bool(gaps) == (name == "dropout_reconnect")
    # a gap stays a gap: the timer stops at the last point before it and starts at the first after
    timer = [(e["event"], e["event_type"], e["timestamp"]) for e in messages["event_mesgs"]]
    assert timer[0][:2] == ("timer", "start") and timer[-1][:2] == ("timer", "stop_all")
    assert timer[1:-1] == [ev for a, b in gaps for ev in (("timer", "stop_all", a), ("timer", "start", b))]
    records = messages["record_mesgs"]
    assert len(records) == len(points)
    assert {r["timestamp"]: r["heart_rate"] for r in records} == points
    assert [r["timestamp"] for r in records] == sorted(points)
    assert all(r["heart_rate"] > 0 for r in records)

    rr_in = flat_rr(session.samples)
    rr_out = hrv_values(messages)
    assert len(rr_out) == len(rr_in)
    assert max(abs(a * 1000 - b) for a, b in zip(rr_out, rr_in, strict=True)) <= 1.0
    assert all(not isinstance(m["time"], list) or len(m["time"]) <= 5 for m in messages["hrv_mesgs"])

    end = (session.started_at + timedelta(seconds=session.samples[-1].t)).replace(microsecond=0)
    elapsed = (end - session.started_at).total_seconds()
    rates = list(points.values())
    for summary in (messages["lap_mesgs"][0], messages["session_mesgs"][0]):
        assert summary["start_time"] == session.started_at and summary["timestamp"] == end
        assert summary["total_elapsed_time"] == elapsed
        assert summary["total_timer_time"] == elapsed - sum((b - a).total_seconds() for a, b in gaps)
        assert summary["avg_heart_rate"] == int(sum(rates) / len(rates) + 0.5)
        assert summary["max_heart_rate"] == max(rates)
        assert summary["sport"] == "running"
    (session_mesg,) = messages["session_mesgs"]
    assert session_mesg["num_laps"] == 1 and session_mesg["first_lap_index"] == 0
    (activity,) = messages["activity_mesgs"]
    assert activity["num_sessions"] == 1 and activity["timestamp"] == end
    local = end + timedelta(hours=1) - FIT_EPOCH
    assert activity["local_timestamp"] == int(local.total_seconds())


def test_fit_keeps_last_hr_per_second_and_every_rr() -> None:
    session = small_session()
    messages, order = decode_fit(fit_bytes(session))
    records = [(r["timestamp"] - START).total_seconds() for r in messages["record_mesgs"]]
    assert records == [1, 2, 4]
    assert [r["heart_rate"] for r in messages["record_mesgs"]] == [118, 124, 126]
    assert hrv_values(messages) == pytest.approx([0.508, 0.5, 0.498, 0.49, 0.495, 0.48, 0.47, 0.475])
    # each second's RR right before that second's record (as in Garmin devices' files, and as
    # the importer reads them), in messages of 5 padded with FIT's invalid value; a second
    # without a record keeps its RR (they go with the next record)
    assert [[v for v in m["time"] if v is not None] for m in messages["hrv_mesgs"]] == [
        [0.508], [0.5, 0.498, 0.49], [0.495], [0.48, 0.47, 0.475],
    ]  # fmt: skip
    assert all(len(m["time"]) == 5 for m in messages["hrv_mesgs"])
    assert order[3:6] == ["developer_data_id", "field_description", "field_description"]  # fit_dev
    assert order[7:-4] == ["hrv", "record", "hrv", "record", "hrv", "hrv", "record"]
    assert messages["session_mesgs"][0]["max_heart_rate"] == 126
    assert messages["session_mesgs"][0]["avg_heart_rate"] == 123  # (118 + 124 + 126) / 3 = 122.67


def test_fit_without_device_and_other_sport() -> None:
    session = ExportSession(START, small_session().samples, {}, sport="cycling")
    messages, _ = decode_fit(fit_bytes(session))
    assert len(messages["device_info_mesgs"]) == 1  # hrcoach as creator only
    assert messages["session_mesgs"][0]["sport"] == "cycling"
    odd = ExportSession(START, small_session().samples, {}, sport="underwater hockey")
    messages, _ = decode_fit(fit_bytes(odd))
    assert messages["session_mesgs"][0]["sport"] == "generic"


def test_fit_sub_second_start_uses_whole_seconds() -> None:
    start = START + timedelta(milliseconds=700)
    session = ExportSession(
        start, [HeartRateSample(0.2, 100), HeartRateSample(0.4, 101), HeartRateSample(1.5, 102)], {}
    )
    messages, _ = decode_fit(fit_bytes(session))
    # 07:00:00.9 and 07:00:01.1 fall in different whole seconds; 07:00:02.2 in a third
    assert [(r["timestamp"] - START).total_seconds() for r in messages["record_mesgs"]] == [0, 1, 2]
    assert messages["session_mesgs"][0]["start_time"] == START


def test_fit_reads_with_fitdecode(tmp_path: Path) -> None:
    import fitdecode  # a dev dependency: this cross-check always runs

    path = tmp_path / "run.fit"
    session = fixture_session("rr_backlog")
    write_fit(session, path)
    records: list[int | None] = []
    hrv: list[float] = []
    with fitdecode.FitReader(str(path), check_crc=fitdecode.CrcCheck.ENABLED) as fit:
        for frame in fit:
            if isinstance(frame, fitdecode.FitDataMessage):
                if frame.name == "record":
                    records.append(frame.get_value("heart_rate"))
                elif frame.name == "hrv":
                    hrv.extend(v for v in frame.get_value("time") if v is not None)
    assert records == list(expected_points(session).values())
    assert len(hrv) == len(flat_rr(session.samples))


def test_fit_reads_back_with_project_reader(tmp_path: Path) -> None:
    session = fixture_session("rr_backlog")
    path = tmp_path / "run.fit"
    write_fit(session, path)
    rec = load_recording(path)  # a refusal here is a regression, never a skip
    assert rec.started_at is not None
    got = {rec.started_at + timedelta(seconds=round(s.t, 3)): s.bpm for s in rec.samples}
    assert got == expected_tcx_points(session)  # each sample to the millisecond, from fit_dev
    rr_out = flat_rr(rec.samples)
    rr_in = flat_rr(session.samples)
    assert len(rr_out) == len(rr_in)
    assert max(abs(a - b) for a, b in zip(rr_out, rr_in, strict=True)) <= 1.0


# ---------------------------------------------------------------- TCX


def tcx_root(session: ExportSession) -> ET.Element:
    out = io.BytesIO()
    write_tcx(session, out)
    data = out.getvalue()
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(data)


def test_tcx_shape_and_points() -> None:
    session = fixture_session("startup_glitches")
    root = tcx_root(session)
    assert root.tag == f"{TCX}TrainingCenterDatabase"
    location = root.get(f"{XSI}schemaLocation", "").split()
    assert location == [TCX.strip("{}"), "http://www.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd"]

    (activity,) = root.iterfind(f"{TCX}Activities/{TCX}Activity")
    assert activity.get("Sport") == "Running"
    assert activity.findtext(f"{TCX}Id") == "2026-03-08T07:00:00Z"
    (lap,) = activity.iterfind(f"{TCX}Lap")
    assert lap.get("StartTime") == "2026-03-08T07:00:00Z"
    children = [c.tag.removeprefix(TCX) for c in lap]
    assert children == [
        "TotalTimeSeconds", "DistanceMeters", "Calories", "AverageHeartRateBpm",
        "MaximumHeartRateBpm", "Intensity", "TriggerMethod", "Track",
    ]  # fmt: skip
    assert float(lap.findtext(f"{TCX}DistanceMeters", "")) == 0
    assert lap.findtext(f"{TCX}Calories") == "0"
    assert lap.findtext(f"{TCX}Intensity") == "Active" and lap.findtext(f"{TCX}TriggerMethod") == "Manual"

    points = expected_tcx_points(session)
    trackpoints = list(lap.iterfind(f"{TCX}Track/{TCX}Trackpoint"))
    assert len(trackpoints) == len(points)
    got = {
        datetime.fromisoformat(tp.findtext(f"{TCX}Time", "")): int(
            tp.findtext(f"{TCX}HeartRateBpm/{TCX}Value", "")
        )
        for tp in trackpoints
    }
    assert got == points
    assert all(tp.findtext(f"{TCX}Time", "").endswith("Z") for tp in trackpoints)
    rates = list(points.values())
    assert int(lap.findtext(f"{TCX}AverageHeartRateBpm/{TCX}Value", "")) == int(sum(rates) / len(rates) + 0.5)
    assert int(lap.findtext(f"{TCX}MaximumHeartRateBpm/{TCX}Value", "")) == max(rates)
    end = (session.started_at + timedelta(seconds=session.samples[-1].t)).replace(microsecond=0)
    assert float(lap.findtext(f"{TCX}TotalTimeSeconds", "")) == (end - session.started_at).total_seconds()

    creator = activity.find(f"{TCX}Creator")
    assert creator is not None and creator.get(f"{XSI}type") == "Device_t"
    assert creator.findtext(f"{TCX}Name") == "hrcoach"
    assert [c.tag.removeprefix(TCX) for c in activity] == ["Id", "Lap", "Notes", "Creator"]


def test_tcx_sport_other() -> None:
    root = tcx_root(ExportSession(START, small_session().samples, {}, sport="yoga"))
    activity = root.find(f"{TCX}Activities/{TCX}Activity")
    assert activity is not None and activity.get("Sport") == "Other"


def test_tcx_reads_back_with_project_reader(tmp_path: Path) -> None:
    session = fixture_session("walk_5min")
    path = tmp_path / "walk.tcx"
    write_tcx(session, path)
    rec = load_recording(path)
    assert rec.started_at is not None
    got = {rec.started_at + timedelta(seconds=round(s.t, 3)): s.bpm for s in rec.samples}
    assert got == expected_tcx_points(session)


# ---------------------------------------------------------------- CSV and capture round trips


def assert_same_samples(
    got: Sequence[HeartRateSample], want: Sequence[HeartRateSample], *, rr_tol: float
) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert abs(g.t - w.t) < 0.0005 + 1e-9, (g, w)
        assert g.bpm == w.bpm, (g, w)
        assert len(g.rr_ms) == len(w.rr_ms), (g, w)
        assert all(abs(a - b) <= rr_tol for a, b in zip(g.rr_ms, w.rr_ms, strict=True)), (g, w)


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_csv_round_trip(tmp_path: Path, name: str) -> None:
    session = fixture_session(name)
    path = tmp_path / f"{name}.csv"
    write_csv(session, path)
    lines = path.read_text().splitlines()
    assert lines[0] == "t_s,bpm,rr_ms,time_utc,contact" and len(lines) == len(session.samples) + 1
    assert all(len(line.split(",")[0].split(".")[1]) == 3 for line in lines[1:])
    back = load_recording(path)
    assert_same_samples(back.samples, session.samples, rr_tol=1e-6)
    assert back.started_at is not None  # the session's own date, not the day of the export
    assert abs((back.started_at - session.started_at).total_seconds()) < 0.0006


def test_csv_rows() -> None:
    out = io.BytesIO()
    write_csv(small_session(), out)
    assert out.getvalue().decode().splitlines() == [
        "t_s,bpm,rr_ms,time_utc,contact",
        "0.000,0,,2026-03-02T07:00:00.000Z,",
        "1.000,118,508,2026-03-02T07:00:01.000Z,",
        "2.100,120,500 498,2026-03-02T07:00:02.100Z,",
        "2.700,124,490,2026-03-02T07:00:02.700Z,",
        "3.500,0,495,2026-03-02T07:00:03.500Z,",
        "4.200,126,480 470 475,2026-03-02T07:00:04.200Z,",
    ]


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_capture_round_trip(tmp_path: Path, name: str) -> None:
    session = fixture_session(name)
    path = tmp_path / f"{name}{SUFFIXES['capture']}"
    write_capture(session, path)
    rec = load_recording(path)
    assert rec.started_at == session.started_at and rec.device == session.device
    assert_same_samples(rec.samples, session.samples, rr_tol=0.0)  # strap RR are exact in 1/1024 s
    assert [(s.contact, s.energy_kj) for s in rec.samples] == [
        (s.contact, s.energy_kj) for s in session.samples
    ]


def test_capture_encodes_every_field(tmp_path: Path) -> None:
    samples = [
        HeartRateSample(0.5, 0, (), SensorContact.NOT_DETECTED),
        HeartRateSample(1.0, 300, (800.0, 812.5), SensorContact.DETECTED, 42),
        HeartRateSample(2.25, 61, (1001.0,), SensorContact.NOT_SUPPORTED, None),
    ]
    session = ExportSession(START, samples, {"name": "Test strap"})
    path = tmp_path / "x.hrcap.jsonl.gz"
    write_capture(session, path)
    assert gzip.decompress(path.read_bytes()).startswith(b'{"hrcoach_capture": 1')
    header, _ = read_capture(path)
    assert header.device == {"name": "Test strap"}
    back = load_recording(path).samples
    assert [(s.t, s.bpm, s.contact, s.energy_kj) for s in back] == [
        (s.t, s.bpm, s.contact, s.energy_kj) for s in samples
    ]
    assert back[1].rr_ms == (819 * 1000 / 1024, 812.5)  # the protocol's 1/1024 s units
    assert back[2].rr_ms == pytest.approx((1001.0,), abs=0.5)


def test_capture_to_stream_matches_file(tmp_path: Path) -> None:
    session = small_session()
    out = io.BytesIO()
    write_capture(session, out)
    path = tmp_path / "x.hrcap.jsonl"
    write_capture(session, path)
    assert out.getvalue() == path.read_bytes()


def test_capture_refuses_unencodable_value(tmp_path: Path) -> None:
    session = ExportSession(START, [HeartRateSample(1.0, 120, (70000.0,))], {})
    with pytest.raises(ValueError, match=r"sample 0 .*RR .*0x2A37"):
        write_capture(session, tmp_path / "x.hrcap.jsonl")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- no HR 0, refusals


def test_bpm_zero_is_never_a_heart_rate(tmp_path: Path) -> None:
    session = fixture_session("contact_lost")
    zeros = sum(s.bpm == 0 for s in session.samples)
    assert zeros > 0
    messages, _ = decode_fit(fit_bytes(session))
    assert all(r.get("heart_rate") for r in messages["record_mesgs"])
    root = tcx_root(session)
    values = [int(v.text or "") for v in root.iter(f"{TCX}Value")]
    assert values and 0 not in values
    # CSV and capture keep bpm 0 as hrcoach's own "no value"
    path = tmp_path / "x.csv"
    write_csv(session, path)
    assert sum(s.bpm == 0 for s in load_recording(path).samples) == zeros


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_empty_session_is_refused(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"empty{SUFFIXES[fmt]}"
    with pytest.raises(ValueError, match="nothing to export: the session has no heart-rate samples"):
        EXPORTERS[fmt](ExportSession(START, [], DEVICE), target)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("writer", [write_fit, write_tcx])
def test_no_heart_rate_at_all_is_refused_for_platform_formats(writer: exports.Writer) -> None:
    session = ExportSession(START, [HeartRateSample(1.0, 0, (800.0,)), HeartRateSample(2.0, 0)], {})
    with pytest.raises(ValueError, match="none of the 2 samples has a heart rate"):
        writer(session, io.BytesIO())


@pytest.mark.parametrize(
    ("session", "message"),
    [
        (ExportSession(START.replace(tzinfo=None), [HeartRateSample(1.0, 100)], {}), "timezone-aware"),
        (ExportSession(START, [HeartRateSample(2.0, 100), HeartRateSample(1.0, 100)], {}), "in order"),
        (ExportSession(START, [HeartRateSample(math.nan, 100)], {}), "finite"),
        (ExportSession(START, [HeartRateSample(-1.0, 100)], {}), ">= 0"),
    ],
)
@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_bad_sessions_are_refused(fmt: str, session: ExportSession, message: str) -> None:
    if message == "in order" and fmt in LOSSLESS:  # CSV and capture keep the samples as recorded
        EXPORTERS[fmt](session, io.BytesIO())
        return
    with pytest.raises(ValueError, match=message):
        EXPORTERS[fmt](session, io.BytesIO())


def test_non_utc_start_is_converted() -> None:
    cest = timezone(timedelta(hours=2))
    session = ExportSession(START.astimezone(cest), small_session().samples, {})
    messages, _ = decode_fit(fit_bytes(session))
    assert messages["session_mesgs"][0]["start_time"] == START
    assert tcx_root(session).findtext(f"{TCX}Activities/{TCX}Activity/{TCX}Id") == "2026-03-02T07:00:00Z"


# ---------------------------------------------------------------- atomic writes


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_failed_replace_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    def boom(*_a: object) -> None:
        raise OSError("disk full")

    target = tmp_path / f"run{SUFFIXES[fmt]}"
    monkeypatch.setattr("hrcoach.formats.export_common.os.replace", boom)
    with pytest.raises(OSError, match="disk full"):
        EXPORTERS[fmt](small_session(), target)
    assert list(tmp_path.iterdir()) == []


def test_failure_mid_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "run.hrcap.jsonl"
    target.write_text("the previous export\n")
    real = capture_write.encode_measurement  # type: ignore[attr-defined]
    calls = 0

    def flaky(*args: Any, **kwargs: Any) -> bytes:
        nonlocal calls
        calls += 1
        if calls > 100:
            raise RuntimeError("injected failure")
        return real(*args, **kwargs)

    monkeypatch.setattr(capture_write, "encode_measurement", flaky)
    with pytest.raises(RuntimeError, match="injected failure"):
        write_capture(fixture_session("walk_5min"), target)
    assert calls == 101
    assert list(tmp_path.iterdir()) == [target]
    assert target.read_text() == "the previous export\n"


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_path_and_stream_give_the_same_bytes(tmp_path: Path, fmt: str) -> None:
    session = small_session()
    target = tmp_path / f"run{SUFFIXES[fmt]}"
    EXPORTERS[fmt](session, target)
    out = io.BytesIO()
    EXPORTERS[fmt](session, out)
    assert target.read_bytes() == out.getvalue()
    assert list(tmp_path.iterdir()) == [target]
    assert target.stat().st_mode & 0o777 == 0o600


def test_registry() -> None:
    assert set(EXPORTERS) == set(SUFFIXES) == {"tcx", "fit", "gpx", "csv", "capture"}
    assert SUFFIXES == {
        "tcx": ".tcx",
        "fit": ".fit",
        "gpx": ".gpx",
        "csv": ".csv",
        "capture": ".hrcap.jsonl",
    }
