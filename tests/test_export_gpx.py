"""GPX export and positions (#13, exports 9): an imported outdoor activity keeps where each
sample was (FIT records' position_lat/long, TCX Position, GPX trkpt lat/lon), and exports it
again in FIT, TCX and GPX (GPX 1.1, Garmin TrackPointExtension `hr`); the GPX is valid against
the published GPX 1.1 schema and imports back to the same summary. A session without positions
(a live run) is refused as GPX in one line."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from hrcoach.cli import main
from hrcoach.formats.files import load_recording
from hrcoach.store.records import pack_positions, unpack_positions
from tests.conftest import REAL_HR, ROOT, stream
from tests.test_export_truth import export, out_json

GPX_XSD = ROOT / ".cache" / "schemas" / "gpx.xsd"  # scripts/gpx_schema.py puts it there
REAL = [  # (file, samples with a position in it)
    "dtcooper_python-fitparse__activity-small-fenix2-run.fit",
    "tormoder_fit__garmin.fit",
    "dtcooper_python-fitparse__Edge810-Vector-2013-08-16-15-35-10.fit",
    "vkurup_python-tcxparser__test.tcx",
]


@pytest.fixture
def profile(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "set", "age", "33"]) == 0
    capsys.readouterr()


def gpx_schema() -> Any:
    from lxml import etree

    if not GPX_XSD.is_file():
        if os.environ.get("CI"):  # CI fetches it: missing there is a failure, not a skip
            pytest.fail(f"{GPX_XSD} is missing: .ci/run runs scripts/gpx_schema.py")
        pytest.skip(f"{GPX_XSD} is absent (python3 scripts/gpx_schema.py fetches it)")
    return etree.XMLSchema(etree.parse(str(GPX_XSD)))


@pytest.mark.skipif(not REAL_HR.is_dir(), reason="../shared/real_hr is absent")
@pytest.mark.parametrize("file", REAL)
def test_a_real_activity_exports_to_valid_gpx_that_imports_back_the_same(
    profile: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], file: str
) -> None:
    from lxml import etree

    schema = gpx_schema()
    original = load_recording(REAL_HR / file)
    assert len(original.positions) > 0.9 * len(original.samples)  # every one of these has a track
    (row,) = out_json(capsys, "import", str(REAL_HR / file))
    before = out_json(capsys, "show", str(row["session"]))
    path = export(capsys, row["session"], "gpx", tmp_path)
    doc = etree.parse(str(path))
    assert schema.validate(doc), str(schema.error_log)[:500]
    hr = doc.findall(".//{http://www.garmin.com/xmlschemas/TrackPointExtension/v1}hr")
    assert len(hr) == before["summary"]["samples_accepted"] == len(doc.findall(".//{*}trkpt"))
    (back,) = out_json(capsys, "import", str(path), "--anyway")
    after = out_json(capsys, "show", str(back["session"]))
    a, b = before["summary"], after["summary"]
    assert after["started_at"] == before["started_at"] and after["sport"] == before["sport"]
    for key in ("bdnf_s", "anandamide_s", "credited_s"):
        assert abs(a[key] - b[key]) <= 1.0, (key, a[key], b[key])
    assert (b["samples_accepted"], b["gaps"]) == (a["samples_accepted"], a["gaps"])
    again = load_recording(path)
    assert len(again.positions) == len(hr)
    first = next(p for p in original.positions if p[0] == again.positions[0][0])
    assert abs(first[1] - again.positions[0][1]) < 1e-6 and abs(first[2] - again.positions[0][2]) < 1e-6


@pytest.mark.skipif(not REAL_HR.is_dir(), reason="../shared/real_hr is absent")
@pytest.mark.parametrize("fmt", ["fit", "tcx"])
def test_fit_and_tcx_exports_keep_the_track(
    profile: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    file = REAL_HR / "dtcooper_python-fitparse__activity-small-fenix2-run.fit"
    original = load_recording(file)
    (row,) = out_json(capsys, "import", str(file))
    back = load_recording(export(capsys, row["session"], fmt, tmp_path))
    assert len(back.positions) == len(original.positions) == 2808
    worst = max(
        max(abs(a[1] - b[1]), abs(a[2] - b[2]))
        for a, b in zip(original.positions, back.positions, strict=True)
    )
    assert worst < 1e-6  # FIT semicircles and TCX's 7 decimals: well under 0.1 m
    assert [p[0] for p in back.positions] == [p[0] for p in original.positions]


def test_a_session_without_positions_is_refused_as_gpx_in_one_line(
    profile: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (row,) = out_json(capsys, "import", str(stream("steady_35min")))
    out = tmp_path / "s.gpx"
    assert main(["export", str(row["session"]), "--format", "gpx", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "GPX needs a position on every point and this session has none: export FIT, TCX or CSV" in err
    assert len(err.strip().splitlines()) == 1 and not out.exists()


def test_samples_without_a_position_are_left_out_of_the_gpx_and_said(
    profile: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    points = []
    for i in range(600):
        where = (
            f"<Position><LatitudeDegrees>{52 + i * 1e-5:.7f}</LatitudeDegrees>"
            f"<LongitudeDegrees>4.9</LongitudeDegrees></Position>"
            if i >= 60  # no fix for the first minute
            else ""
        )
        points.append(
            f"<Trackpoint><Time>2026-11-30T07:{i // 60:02d}:{i % 60:02d}Z</Time>{where}"
            f"<HeartRateBpm><Value>{125 + i % 7}</Value></HeartRateBpm></Trackpoint>"
        )
    tcx = tmp_path / "run.tcx"
    tcx.write_text(
        '<?xml version="1.0"?><TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/'
        'TrainingCenterDatabase/v2"><Activities><Activity Sport="Running"><Id>2026-11-30T07:00:00Z</Id>'
        f'<Lap StartTime="2026-11-30T07:00:00Z"><Track>{"".join(points)}</Track></Lap>'
        "</Activity></Activities></TrainingCenterDatabase>"
    )
    (row,) = out_json(capsys, "import", str(tcx))
    out = tmp_path / "s.gpx"
    assert main(["export", str(row["session"]), "--format", "gpx", "-o", str(out)]) == 0
    assert "60 heart-rate samples without a position are not in the GPX" in capsys.readouterr().err
    assert len(load_recording(out).samples) == 540


def test_a_damaged_track_reads_as_none_and_bad_points_are_left_out() -> None:
    good = [(0.0, 52.1, 4.9), (1.0, 52.1001, 4.9001)]
    assert unpack_positions(pack_positions(good)) == good
    assert unpack_positions(pack_positions(good)[:-3]) == []  # not whole triples
    assert unpack_positions("text") == []
    bad = [(2.0, 91.0, 4.9), (3.0, 0.0, 0.0), (4.0, float("nan"), 4.9), (5.0, 52.0, 181.0)]
    assert unpack_positions(pack_positions(good + bad)) == good


def test_positions_stay_on_their_samples_through_a_fit_round_trip(
    profile: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file whose first sample is not on a whole second (a GPX to the millisecond) keeps each
    position on its own sample when exported to FIT and imported back."""
    from datetime import UTC, datetime

    from hrcoach.formats.exports import ExportSession, write_gpx
    from hrcoach.models import HeartRateSample

    samples = [HeartRateSample(0.437 + i, 125 + i % 5) for i in range(300)]
    where = [(s.t, 52.0 + i * 1e-5, 4.9) for i, s in enumerate(samples)]
    gpx = tmp_path / "ms.gpx"
    write_gpx(ExportSession(datetime(2026, 11, 30, 7, tzinfo=UTC), samples, {}, positions=where), gpx)
    (row,) = out_json(capsys, "import", str(gpx))
    fit = export(capsys, row["session"], "fit", tmp_path)
    (back,) = out_json(capsys, "import", str(fit), "--anyway")
    gpx_again = export(capsys, back["session"], "gpx", tmp_path)
    assert len(load_recording(gpx_again).positions) == 300  # every sample still has its position
    conn_positions = load_recording(fit).positions
    assert {t for t, _, _ in conn_positions} <= {s.t for s in load_recording(fit).samples}
