"""File importers (issue #5): real recordings from other projects' test data, small synthetic
TCX/GPX/HRM/Polar files, gzip, dispatch, and fuzzing (mutated bytes give a Recording or a
one-line RecordingError, nothing else). FIT files built with the FIT SDK are in
test_import_fit.py."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hrcoach.engine.accounting import Params
from hrcoach.engine.batch import SampleArrays, summarize
from hrcoach.formats import files, gpx_read, hrm_read, polar_txt_read, tcx_read
from hrcoach.formats.files import load_recording, load_recordings
from hrcoach.formats.recording import Recording, RecordingError
from tests.conftest import REAL_HR, real_file

DATA = Path(__file__).resolve().parent / "data" / "imports"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# ------------------------------------------------------------------ real files, verified by hand
# name: (format, samples, first t, last t, started_at, min bpm > 0, max bpm, RR count, notes)
# Cross-checked against the files' own FIT session messages (avg/max HR), the README counts of
# points without HR, and the HRM Length field (sum of RR = 42:41.8 for exercise_rri).
REAL = {
    "dtcooper_python-fitparse__2013-02-06-12-11-14.fit": (
        "fit", 583, 0.0, 2624.0, "2013-02-06T12:11:14", 73, 171, 0,
        ["7 records with a repeated timestamp dropped (first kept)"],
    ),
    "dtcooper_python-fitparse__20170518-191602-1740899583.fit": (
        "fit", 1641, 0.0, 1709.0, "2017-05-18T16:37:30", 80, 179, 0, [],
    ),
    "dtcooper_python-fitparse__Edge810-Vector-2013-08-16-15-35-10.fit": (
        "fit", 4671, 0.0, 4699.0, "2013-08-16T18:05:10", 72, 176, 0,
        ["29 records without heart rate skipped"],
    ),
    "dtcooper_python-fitparse__activity-small-fenix2-run.fit": (
        "fit", 2808, 0.0, 2833.0, "2015-08-15T14:45:08", 69, 178, 0,
        ["1 record without heart rate skipped"],
    ),
    "dtcooper_python-fitparse__antfs-dump.63.fit": (
        "fit", 685, 0.0, 3420.0, None, 102, 194, 0,
        ["timestamps count from device power-on, not dates: start time unknown",
         "1 record without heart rate skipped"],
    ),
    "dtcooper_python-fitparse__coros-pace-2-cycling-misaligned-fields.fit": (
        "fit", 8946, 0.0, 9034.0, "2020-10-25T11:10:26", 80, 168, 0,
        ["2326 records without heart rate skipped", "timer paused 1 time (1 min 29 s in all); pauses are time gaps and no session time"],
    ),
    "dtcooper_python-fitparse__developer-types-sample.fit": (
        "fit", 3424, 0.0, 3423.0, "2017-01-17T17:06:47", 94, 146, 0, [],
    ),
    "dtcooper_python-fitparse__garmin-fenix-5-walk.fit": (
        "fit", 17, 0.0, 46.0, "2017-06-11T14:32:51", 66, 82, 62, [],
    ),
    "polyvertex_fitdecode__garmin-fr935-cr.fit": (
        "fit", 7483, 0.0, 7552.0, "2018-03-24T11:02:35", 43, 151, 0,
        ["32 records without heart rate skipped", "2185 records without heart rate took it from the hr messages"],
    ),
    "tormoder_fit__garmin.fit": (
        "fit", 8823, 0.0, 10134.0, "2020-11-07T19:14:40", 97, 172, 22048,
        ["timer paused 33 times (22 min 24 s in all); pauses are time gaps and no session time"],
    ),
    "tormoder_fit__unterminated-strings.fit": (
        "fit", 31, 0.0, 30.0, "2023-11-08T10:19:39", 80, 96, 0, ["2 records without heart rate skipped"],
    ),
    "alenrajsp_tcxreader__cross-country-skiing_activity_1.tcx": (
        "tcx", 486, 0.0, 2401.0, "2020-12-26T15:14:21", 83, 172, 0, [],
    ),
    "vkurup_python-tcxparser__test.tcx": (
        "tcx", 383, 0.0, 1991.0, "2012-12-26T21:29:53", 60, 189, 0, ["1 trackpoint without heart rate skipped"],
    ),
    "rhenanbartels_hrv__exercise_rri.hrm": (
        "hrm", 4117, 1.589, 2561.791, "2008-02-08T08:50:31", 38, 115, 4117,
        ["start time is the watch's local time (time zone unknown), taken as UTC"],
    ),
    "rhenanbartels_hrv__noisy_rri.hrm": (
        "hrm", 3581, 0.904, 2403.015, "2008-01-25T08:57:29", 38, 115, 3581,
        ["start time is the watch's local time (time zone unknown), taken as UTC"],
    ),
    "obss_BIOBSS__Polar_Sense_HR.txt": (
        "polar-txt", 548, 0.0, 546.964, "2022-04-25T11:39:02.323", 43, 68, 0,
        ["start time is the phone's local time (time zone unknown), taken as UTC",
         "73 rows with 0 bpm (no contact) kept as no-value samples"],
    ),
}  # fmt: skip

BROKEN = {
    "dtcooper_python-fitparse__activity-filecrc.fit": "corrupt FIT file (CRC mismatch)",
    "dtcooper_python-fitparse__activity-unexpected-eof.fit": "no heart-rate data in the readable part of this FIT file (it is cut short)",
    "dtcooper_python-fitparse__2015-10-13-08-43-15.fit": "no heart-rate data in this FIT file",
    "vkurup_python-tcxparser__no_hr.tcx": "no heart-rate data in this TCX file",
}


def test_tables_cover_every_real_file() -> None:
    if not REAL_HR.exists():
        pytest.skip(f"{REAL_HR} is absent")
    names = {p.name for p in REAL_HR.iterdir() if p.name != "README.md"}
    assert names == set(REAL) | set(BROKEN)


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_file(name: str) -> None:
    fmt, count, first, last, start, low, high, rr, notes = REAL[name]
    recs = load_recordings(real_file(name))
    assert len(recs) == 1
    rec = recs[0]
    samples = rec.samples
    assert rec.format == fmt and len(samples) == len(rec.events) == count
    assert samples[0].t == pytest.approx(first) and samples[-1].t == pytest.approx(last)
    assert all(b.t > a.t for a, b in pairwise(samples))
    assert rec.started_at == (utc(start) if start else None)
    rates = [s.bpm for s in samples if s.bpm]
    assert (min(rates), max(rates)) == (low, high)
    assert sum(len(s.rr_ms) for s in samples) == rr
    assert rec.notes == notes
    assert rec.device.get("name")
    # and the engine makes a sane summary of it
    summary = summarize(SampleArrays.from_samples(samples), Params(hrmax=185))
    assert summary.duration_s == pytest.approx(last - first)
    assert summary.samples_total == count and summary.samples_accepted > 0.8 * len(rates)
    assert summary.rr_total == rr
    assert summary.credited_s + summary.gap_s <= summary.duration_s + 1e-6
    assert summary.mean_bpm is not None and low <= summary.mean_bpm <= high


def test_real_devices() -> None:
    devices = {
        "dtcooper_python-fitparse__activity-small-fenix2-run.fit": {
            "name": "Garmin fenix2", "manufacturer": "garmin", "product": "fenix2", "serial_number": 3882015183,
        },
        "dtcooper_python-fitparse__coros-pace-2-cycling-misaligned-fields.fit": {
            "name": "COROS PACE 2", "manufacturer": "coros", "product": 802,
        },
        "tormoder_fit__unterminated-strings.fit": {
            "name": "Wahoo Fitness ELEMNT ROAM", "manufacturer": "wahoo_fitness", "product": 37,
            "serial_number": 4280537786,
        },
        "vkurup_python-tcxparser__test.tcx": {"name": "Forerunner 410 Software Version 2.20", "product": 1250},
        "alenrajsp_tcxreader__cross-country-skiing_activity_1.tcx": {"name": "vívoactive HR", "product": 2337},
        "rhenanbartels_hrv__exercise_rri.hrm": {"name": "Polar S810", "monitor": 13, "hrm_version": "106"},
    }  # fmt: skip
    for name, device in devices.items():
        assert load_recording(real_file(name)).device == device, name


def test_real_rr_attachment() -> None:
    """fenix 5: 62 RR values in 49 hrv messages, each after the record it follows in the file."""
    samples = load_recording(real_file("dtcooper_python-fitparse__garmin-fenix-5-walk.fit")).samples
    assert samples[0].rr_ms == samples[1].rr_ms == ()
    assert samples[2].rr_ms == (824.0, 834.0, 859.0, 908.0, 898.0)
    assert len(samples[-1].rr_ms) == 24  # the 14 s gap, then the beats written after the last record
    # beats land where they happened: the RR time so far keeps up with the samples' time
    elapsed = 0.0
    for s in samples[:-1]:
        elapsed += sum(s.rr_ms) / 1000
        assert abs(elapsed - s.t) < 2.5, s
    hrm = load_recording(real_file("rhenanbartels_hrv__exercise_rri.hrm")).samples
    assert hrm[0].rr_ms == (1589.0,) and hrm[0].bpm == 38 and hrm[1].bpm == round(60000 / 783)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_real_broken_file(name: str) -> None:
    path = real_file(name)
    with pytest.raises(RecordingError) as info:
        load_recordings(path)
    assert str(info.value) == f"{path}: {BROKEN[name]}"


def test_real_gzip(tmp_path: Path) -> None:
    for name in ("tormoder_fit__unterminated-strings.fit", "vkurup_python-tcxparser__test.tcx"):
        gz = tmp_path / f"{name}.gz"
        gz.write_bytes(gzip.compress(real_file(name).read_bytes()))
        plain, packed = load_recording(real_file(name)), load_recording(gz)
        assert packed.samples == plain.samples and packed.started_at == plain.started_at
        assert packed.path == str(gz)


# ------------------------------------------------------------------ synthetic TCX, GPX, HRM, Polar


def test_tcx_two_activities_in_time_order() -> None:
    first, second = load_recordings(DATA / "two_activities.tcx")
    assert (first.format, first.started_at, first.device) == (
        "tcx", utc("2024-05-01T07:00:00"), {"name": "Forerunner 965", "product": 4315},
    )  # fmt: skip
    # repeated time keeps the first, a point without HR or time is skipped (and the one without
    # HR stamped 4 s does not hide the one with HR at 3 s after it), a +02:00 time is converted
    # to UTC, laps are joined
    assert [(s.t, s.bpm) for s in first.samples] == [
        (0.0, 100),
        (2.5, 102),
        (3.0, 99),
        (6.0, 106),
        (8.0, 108),
        (12.0, 112),
    ]
    assert first.notes == [
        "activity 1 of 2 in the file",
        "sport: Running",
        "1 trackpoint without heart rate skipped",
        "1 trackpoint without a valid time skipped",
        "1 trackpoint with a repeated time dropped (first kept)",
    ]
    assert second.started_at == utc("2024-05-02T17:00:00") and second.device["name"] == "Edge 530"
    assert [s.t for s in second.samples] == [0.0, 5.0, 10.0, 70.0, 75.0]
    assert second.notes == [
        "activity 2 of 2 in the file",
        "sport: Biking",
        "track split by 1 pause; pauses are time gaps and no session time",
    ]
    only = load_recording(DATA / "two_activities.tcx")
    assert only.samples == first.samples
    assert only.notes[-1] == "file holds 2 activities; analysing the first; `hrcoach import` imports all"


def test_gpx_trackpointextension_v2_and_segments() -> None:
    (rec,) = load_recordings(DATA / "tpx_v2.gpx")
    assert rec.format == "gpx" and rec.device == {"name": "Garmin Connect"}
    assert rec.started_at == utc("2024-05-01T07:00:00")
    assert [(s.t, s.bpm) for s in rec.samples] == [
        (0.0, 130),
        (1.0, 131),
        (2.0, 133),
        (62.0, 128),
        (63.0, 129),
    ]
    assert rec.notes == ["2 track segments joined; pauses between them are time gaps"]


def test_gpx_v1_missing_hr_and_several_tracks() -> None:
    early, late = load_recordings(DATA / "tpx_v1_missing_hr.gpx")  # the track without HR is left out
    assert early.started_at == utc("2024-05-03T09:00:00") and [s.bpm for s in early.samples] == [120, 125]
    assert late.started_at == utc("2024-05-03T18:00:10")
    assert [(s.t, s.bpm) for s in late.samples] == [(0.0, 140), (3.0, 142), (5.0, 145)]
    assert late.notes == ["track 2 of 2 in the file", "3 track points without heart rate skipped"]


def test_gpx_plain_heartrate_extensions() -> None:
    (rec,) = load_recordings(DATA / "plain_extensions.gpx")
    assert [(s.t, s.bpm) for s in rec.samples] == [(0.0, 101), (1.0, 102), (2.0, 103)]
    assert rec.device == {"name": "SomeApp 2.1"} and rec.notes == []


def test_hrm_normal_mode() -> None:
    (rec,) = load_recordings(DATA / "normal_mode.hrm")
    assert rec.format == "hrm" and rec.started_at == utc("2024-05-01T07:00:00")
    assert [(s.t, s.bpm, s.rr_ms) for s in rec.samples] == [
        (0.0, 120, ()), (5.0, 125, ()), (10.0, 0, ()), (15.0, 131, ()), (20.0, 133, ()), (25.0, 135, ()),
    ]  # fmt: skip
    assert rec.device == {"name": "Polar RS800", "monitor": 37, "hrm_version": "106"}
    assert rec.notes[-1] == "1 line with 0 bpm kept as no-value samples"


def test_hrm_rr_mode_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "rr.hrm"
    path.write_text("[Params]\nVersion=106\nInterval=238\nDate=bad\n[HRData]\n800\n0\n750\t12\n")
    (rec,) = load_recordings(path)
    assert [(s.t, s.bpm, s.rr_ms) for s in rec.samples] == [(0.8, 75, (800.0,)), (1.55, 80, (750.0,))]
    assert rec.started_at is None and rec.notes == ["1 RR interval of 0 or out of range skipped"]
    path.write_text("[Params]\nInterval=1\n[HRData]\n120\nabc\n")
    with pytest.raises(RecordingError, match=r"rr\.hrm:5: HRData must start with a number"):
        load_recordings(path)
    path.write_text("[Params]\nInterval=5\n[HRData]\n0\n0\n")
    with pytest.raises(RecordingError, match="no heart-rate data"):
        load_recordings(path)


def test_polar_sensor_logger_with_rr(tmp_path: Path) -> None:
    (rec,) = load_recordings(DATA / "sensor_logger_rr.txt")
    assert rec.format == "polar-txt" and rec.started_at == utc("2024-05-01T07:00:00")
    assert [(s.t, s.bpm, s.rr_ms) for s in rec.samples] == [
        (0.0, 0, ()), (1.0, 120, (500.0, 498.0)), (2.0, 121, (495.0,)), (3.5, 122, ()),
    ]  # fmt: skip
    assert rec.notes[1:] == [
        "1 row with 0 bpm (no contact) kept as no-value samples",
        "1 row with a repeated or backwards timestamp dropped",
    ]
    rr_only = tmp_path / "rr.txt"
    rr_only.write_text(
        "Phone timestamp;RR-interval [ms]\n2024-05-01T07:00:00.000;800\n2024-05-01T07:00:01.000;750\n"
    )
    assert [(s.bpm, s.rr_ms) for s in load_recording(rr_only).samples] == [(75, (800.0,)), (80, (750.0,))]


def test_polar_sensor_logger_ppi_rows_each_count_at_their_sensor_time(tmp_path: Path) -> None:
    """#13.8: a PPI file's intervals were all ignored. Its rows reach the phone in batches (one
    phone timestamp for several): the sensor timestamp places each; a blocked row has no value."""
    path = tmp_path / "Polar_Sense_PPI.txt"
    path.write_text(
        "Phone timestamp;sensor timestamp [ns];PP-interval [ms];error estimate [ms];blocker;contact;contact supported\n"
        "2022-04-25T11:39:03.274;599279621445823000;810;10;0;1;1\n"
        "2022-04-25T11:39:03.274;599279622255823000;800;10;0;1;1\n"
        "2022-04-25T11:39:03.274;599279623055823000;1500;40;1;1;1\n"
        "2022-04-25T11:39:05.301;599279624555823000;750;10;0;0;1\n"
    )
    (rec,) = load_recordings(path)
    assert rec.started_at == utc("2022-04-25T11:39:03.274")
    assert [(round(s.t, 3), s.bpm, s.rr_ms, s.contact.value) for s in rec.samples] == [
        (0.0, 74, (810.0,), "detected"),
        (0.81, 75, (800.0,), "detected"),
        (1.61, 0, (), "detected"),
        (3.11, 80, (750.0,), "not_detected"),
    ]
    assert "1 interval the sensor flagged (blocker: movement) kept as no-value samples" in rec.notes


@pytest.mark.parametrize(
    "name",
    ["two_activities.tcx", "tpx_v2.gpx", "plain_extensions.gpx", "normal_mode.hrm", "sensor_logger_rr.txt"],
)
def test_gzip_variants_and_sniffing(tmp_path: Path, name: str) -> None:
    want = load_recordings(DATA / name)
    gz = tmp_path / f"{name}.gz"
    gz.write_bytes(gzip.compress((DATA / name).read_bytes()))
    assert [r.samples for r in load_recordings(gz)] == [r.samples for r in want]
    # content wins over a wrong or missing extension (but .txt needs its header line)
    renamed = tmp_path / "download.dat"
    renamed.write_bytes((DATA / name).read_bytes())
    assert [r.format for r in load_recordings(renamed)] == [r.format for r in want]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("x.tcx", b"<TrainingCenterDatabase><Activities/>", "not a valid TCX file (XML error:"),
        ("x.tcx", b"<gpx/>", "no heart-rate data in this GPX file"),  # the content decides
        ("x.gpx", b"<gpx><trk><trkseg/></trk></gpx>", "no heart-rate data in this GPX file"),
        ("x.fit", b"hello, world", "not a FIT file"),
        ("x.txt", b"hello", "unknown format; hrcoach reads"),
        ("x.tcx.gz", b"not gzip at all", "cannot read"),
        ("x.hrm", b"[Params]\nInterval=x\n", "Interval must be a whole number"),
        ("x.txt", b"Phone timestamp;Speed\n", "no 'HR [bpm]', RR or PP-interval column"),
        ("x.txt", b"Phone timestamp;HR [bpm]\nyesterday;80\n", "x.txt:2: bad timestamp"),
    ],
)
def test_bad_files_are_one_line(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RecordingError) as info:
        load_recordings(path)
    msg = str(info.value)
    assert msg.startswith(str(path)) and expected in msg and "\n" not in msg


@pytest.mark.parametrize(
    ("name", "root"),
    [("x.tcx", "TrainingCenterDatabase"), ("x.gpx", "gpx")],
)
def test_xml_entities_are_refused(tmp_path: Path, name: str, root: str) -> None:
    laughs = (
        f'<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        f"<{root}>&c;</{root}>"
    )
    external = f'<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY x SYSTEM "file:///etc/passwd">]><{root}>&x;</{root}>'
    for text in (laughs, external):
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(RecordingError, match="with a DOCTYPE"):
            load_recordings(path)


def test_sniff() -> None:
    assert files.sniff(b"\x0e\x20\x00\x00\x00\x00\x00\x00.FIT") == "fit"
    assert (
        files.sniff(b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- hi <gpx> -->\n<ns:TrainingCenterDatabase>')
        == "tcx"
    )
    assert files.sniff(b"  <gpx version='1.1'>") == "gpx"
    assert files.sniff(b"<html>") is None
    assert files.sniff(b"\r\n[Params]\r\nVersion=106") == "hrm"
    assert files.sniff(b"Phone timestamp;HR [bpm]\n") == "polar-txt"
    assert files.sniff(b"t_s,bpm\n0,120\n") is None
    assert "FIT (.fit)" in files.FORMATS and "gzipped" in files.FORMATS


# ------------------------------------------------------------------ fuzzing: Recording or RecordingError

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def only_recording_or_error(read: Callable[[], list[Recording]], path: Path) -> None:
    try:
        recs = read()
    except RecordingError as exc:
        msg = str(exc)
        assert msg.startswith(str(path)) and "\n" not in msg and len(msg) < 400, msg
        return
    assert recs and all(isinstance(r, Recording) and r.samples for r in recs)
    assert all(isinstance(s.bpm, int) and s.bpm >= 0 for r in recs for s in r.samples)


def mutate(data: bytes, draw: st.DataObject) -> bytes:
    out = bytearray(data)
    edits = draw.draw(
        st.lists(st.tuples(st.integers(0, max(len(out) - 1, 0)), st.integers(0, 255)), max_size=6)
    )
    for i, value in edits:
        if i < len(out):
            out[i] = value
    cut = draw.draw(st.none() | st.integers(0, len(out)))
    return bytes(out[:cut] if cut is not None else out)


TEXT_CHARS = st.sampled_from(list("0123456789;:.,-=[]<>/ \n\tTZabcHRP\x00é"))


def mutate_text(text: str, draw: st.DataObject) -> str:
    chars = list(text)
    for _ in range(draw.draw(st.integers(0, 6))):
        i = draw.draw(st.integers(0, len(chars)))
        op = draw.draw(st.sampled_from(["insert", "replace", "delete"]))
        if op == "insert":
            chars.insert(i, draw.draw(TEXT_CHARS))
        elif i < len(chars):
            chars[i : i + 1] = [] if op == "delete" else [draw.draw(TEXT_CHARS)]
    return "".join(chars)


@FUZZ
@given(draw=st.data())
def test_fuzz_tcx(draw: st.DataObject) -> None:
    path = Path("fuzz.tcx")
    data = mutate((DATA / "two_activities.tcx").read_bytes(), draw)
    only_recording_or_error(lambda: tcx_read.read_bytes(path, data), path)


@FUZZ
@given(draw=st.data())
def test_fuzz_gpx(draw: st.DataObject) -> None:
    path = Path("fuzz.gpx")
    base = draw.draw(st.sampled_from(["tpx_v2.gpx", "tpx_v1_missing_hr.gpx", "plain_extensions.gpx"]))
    text = mutate_text((DATA / base).read_text(), draw)
    only_recording_or_error(lambda: gpx_read.read_bytes(path, text.encode()), path)


@FUZZ
@given(draw=st.data())
def test_fuzz_hrm(draw: st.DataObject) -> None:
    path = Path("fuzz.hrm")
    text = mutate_text((DATA / "normal_mode.hrm").read_text(), draw)
    if draw.draw(st.booleans()):
        text = text.replace("Interval=5", "Interval=238")
    only_recording_or_error(lambda: hrm_read.read_text(path, text), path)


@FUZZ
@given(draw=st.data())
def test_fuzz_polar_txt(draw: st.DataObject) -> None:
    path = Path("fuzz.txt")
    text = mutate_text((DATA / "sensor_logger_rr.txt").read_text(), draw)
    only_recording_or_error(lambda: polar_txt_read.read_text(path, text), path)


@FUZZ
@given(draw=st.data())
def test_fuzz_dispatch(draw: st.DataObject, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Any file under any supported name, gzipped or not: Recording or one-line RecordingError."""
    base = draw.draw(st.sampled_from(sorted(p.name for p in DATA.iterdir())))
    suffix = draw.draw(
        st.sampled_from([".fit", ".tcx", ".gpx", ".hrm", ".txt", ".csv", ".tcx.gz", ".fit.gz"])
    )
    data = mutate((DATA / base).read_bytes(), draw)
    path = tmp_path_factory.mktemp("fuzz") / f"file{suffix}"
    path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    only_recording_or_error(lambda: load_recordings(path), path)
