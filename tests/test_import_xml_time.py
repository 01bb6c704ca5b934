"""TCX and GPX time order: a point without heart rate never hides one with it at the same time,
a few points stamped in the future or the past are left out (never a new floor), a file mostly
out of order is refused, and whitespace before `<?xml` does not refuse a file."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hrcoach.formats.files import load_recordings
from hrcoach.formats.recording import RecordingError
from tests.test_import_fit import ACTIVITY
from tests.test_importers import mutate, only_recording_or_error

T0 = datetime(2024, 5, 1, 7, 0, tzinfo=UTC)


def iso(s: float) -> str:
    return (T0 + timedelta(seconds=s)).isoformat().replace("+00:00", "Z")


def tcx(points: list[tuple[float, int | None]], lead: str = "") -> str:
    trackpoints = "".join(
        f"<Trackpoint><Time>{iso(t)}</Time>"
        + (f"<HeartRateBpm><Value>{bpm}</Value></HeartRateBpm>" if bpm is not None else "")
        + "</Trackpoint>"
        for t, bpm in points
    )
    return (
        f'{lead}<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        f'<Activities><Activity Sport="Running"><Id>{iso(0)}</Id><Lap StartTime="{iso(0)}">'
        f"<Track>{trackpoints}</Track></Lap></Activity></Activities></TrainingCenterDatabase>"
    )


def gpx(points: list[tuple[float, int | None]]) -> str:
    pts = "".join(
        f'<trkpt lat="1" lon="2"><time>{iso(t)}</time>'
        + (f"<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{bpm}</gpxtpx:hr>"
           "</gpxtpx:TrackPointExtension></extensions>" if bpm is not None else "")
        + "</trkpt>"
        for t, bpm in points
    )  # fmt: skip
    return (
        '<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1"'
        ' xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        f"<trk><trkseg>{pts}</trkseg></trk></gpx>"
    )


WRITERS = {"tcx": tcx, "gpx": gpx}


def load(tmp_path: Path, fmt: str, points: list[tuple[float, int | None]]) -> list[tuple[float, int]]:
    path = tmp_path / f"a.{fmt}"
    path.write_text(WRITERS[fmt](points))
    (rec,) = load_recordings(path)
    return [(s.t, s.bpm) for s in rec.samples]


@pytest.mark.parametrize("fmt", ["tcx", "gpx"])
def test_a_point_without_heart_rate_never_hides_one_with_it(tmp_path: Path, fmt: str) -> None:
    # a Suunto-like file: at every second a point without HR comes first, then one with it
    points: list[tuple[float, int | None]] = []
    for s in range(10):
        points += [(s, None), (s, 120 + s)]
    assert load(tmp_path, fmt, points) == [(float(s), 120 + s) for s in range(10)]


@pytest.mark.parametrize("fmt", ["tcx", "gpx"])
def test_a_few_points_stamped_in_the_future_are_left_out_not_a_floor(tmp_path: Path, fmt: str) -> None:
    year = 365 * 86400.0
    points: list[tuple[float, int | None]] = [(s, 130) for s in range(0, 600)]
    points[100:103] = [(year + i, 200) for i in range(3)]  # a clock glitch: three points a year ahead
    kept = load(tmp_path, fmt, points)
    assert len(kept) == 597 and kept[-1] == (599.0, 130)
    assert all(bpm == 130 for _, bpm in kept)


def test_the_notes_say_what_was_left_out(tmp_path: Path) -> None:
    points: list[tuple[float, int | None]] = [(s, 130) for s in range(20)]
    points[5] = (10_000.0, 150)  # in the future
    points.insert(8, (7.0, 140))  # repeated time
    path = tmp_path / "a.tcx"
    path.write_text(tcx(points))
    (rec,) = load_recordings(path)
    assert rec.notes == [
        "1 trackpoint with a repeated time dropped (first kept)",
        "1 trackpoint with a time out of order left out",
    ]


@pytest.mark.parametrize("fmt", ["tcx", "gpx"])
def test_a_file_mostly_out_of_order_is_refused(tmp_path: Path, fmt: str) -> None:
    points: list[tuple[float, int | None]] = [(float(100 - s), 130) for s in range(100)]
    path = tmp_path / f"a.{fmt}"
    path.write_text(WRITERS[fmt](points))
    with pytest.raises(RecordingError, match=r"times of 99 of 100 .* out of order; not imported"):
        load_recordings(path)


def test_whitespace_before_the_xml_declaration_is_read(tmp_path: Path) -> None:
    points: list[tuple[float, int | None]] = [(s, 130) for s in range(5)]
    path = tmp_path / "polar.tcx"
    path.write_bytes(b"\xef\xbb\xbf" + tcx(points, lead="\r\n  \n").encode())
    (rec,) = load_recordings(path)
    assert len(rec.samples) == 5


# ------------------------------------------------------------------ recordings in a .zip


def test_a_fit_in_a_zip_is_read_as_the_fit(tmp_path: Path) -> None:
    import zipfile

    from tests.test_import_fit import ACTIVITY as fit

    plain = tmp_path / "ride.fit"
    plain.write_bytes(fit)
    packed = tmp_path / "export.zip"
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("README.txt", "not a recording")
        z.writestr("12345_ACTIVITY.fit", fit)
    (rec,) = load_recordings(packed)
    assert rec.samples == load_recordings(plain)[0].samples
    assert rec.path == f"{packed}:12345_ACTIVITY.fit"


def test_a_zip_without_a_recording_or_a_damaged_member_is_one_line(tmp_path: Path) -> None:
    import zipfile

    empty = tmp_path / "notes.zip"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("a.txt", "hello")
    with pytest.raises(RecordingError, match=r"notes\.zip: no recording in this zip \(it holds a\.txt\)$"):
        load_recordings(empty)
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("x.fit", b"not a fit file at all")
    with pytest.raises(RecordingError, match=r"bad\.zip:x\.fit: not a FIT file$"):
        load_recordings(bad)
    cut = tmp_path / "cut.zip"
    cut.write_bytes(bad.read_bytes()[:30])
    with pytest.raises(RecordingError, match=r"cut\.zip: not a readable zip file"):
        load_recordings(cut)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(draw=st.data())
def test_fuzz_zip(tmp_path_factory: pytest.TempPathFactory, draw: st.DataObject) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.fit", ACTIVITY)
        z.writestr("b.tcx", tcx([(s, 130) for s in range(20)]))
    path = tmp_path_factory.mktemp("zip") / "fuzz.zip"
    path.write_bytes(b"PK\x03\x04" + mutate(buf.getvalue(), draw)[4:])
    only_recording_or_error(lambda: load_recordings(path), path)


def test_a_zip_member_without_a_name_is_no_crash(tmp_path: Path) -> None:
    """Found by test_fuzz_zip: ZipInfo.is_dir() raises IndexError on an empty member name."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo(""), b"not a recording")
        z.writestr("b.tcx", tcx([(s, 130) for s in range(20)]))
    path = tmp_path / "nameless.zip"
    path.write_bytes(buf.getvalue())
    only_recording_or_error(lambda: load_recordings(path), path)
