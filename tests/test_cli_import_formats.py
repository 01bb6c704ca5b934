"""`hrcoach analyze` on imported formats: real FIT and TCX files, multi-activity files, and
broken files (one line on stderr, exit 2, no traceback)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hrcoach.cli import main
from tests.conftest import real_file
from tests.test_import_fit import ACTIVITY

DATA = Path(__file__).resolve().parent / "data" / "imports"


def analyze_json(capsys: pytest.CaptureFixture[str], path: Path) -> dict[str, Any]:
    assert main(["analyze", str(path), "--json", "--hrmax", "185"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_analyze_real_fit(capsys: pytest.CaptureFixture[str]) -> None:
    out = analyze_json(capsys, real_file("tormoder_fit__garmin.fit"))
    assert out["format"] == "fit" and out["started_at"] == "2020-11-07T19:14:40+00:00"
    # the ride's timer time (the file says 8,789 s): its timer pauses are no session time
    assert out["duration_s"] == 8811.0 and out["span_s"] == 10134.0
    assert out["samples_total"] == 8823 and out["rr_total"] == 22048
    assert out["gaps"] == 29 and out["max_bpm"] == 172 and "activities" not in out
    assert out["notes"] == [
        "timer paused 33 times (22 min 24 s in all); pauses are time gaps and no session time"
    ]


def test_analyze_real_tcx_text(capsys: pytest.CaptureFixture[str]) -> None:
    path = real_file("vkurup_python-tcxparser__test.tcx")
    assert main(["analyze", str(path), "--hrmax", "185"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "vkurup_python-tcxparser__test.tcx  (tcx, Forerunner 410 Software Version 2.20, 2012-12-26 21:29 UTC)"
    )
    assert "Duration    33:11   samples 383" in out
    assert "Note        1 trackpoint without heart rate skipped" in out


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("dtcooper_python-fitparse__activity-filecrc.fit", "corrupt FIT file (CRC mismatch)"),
        (
            "dtcooper_python-fitparse__activity-unexpected-eof.fit",
            "no heart-rate data in the readable part of this FIT file (it is cut short)",
        ),
        ("dtcooper_python-fitparse__2015-10-13-08-43-15.fit", "no heart-rate data in this FIT file"),
        ("vkurup_python-tcxparser__no_hr.tcx", "no heart-rate data in this TCX file"),
    ],
)
def test_analyze_broken_real_file(capsys: pytest.CaptureFixture[str], name: str, expected: str) -> None:
    path = real_file(name)
    assert main(["analyze", str(path), "--hrmax", "185"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"hrcoach: {path}: {expected}\n"


def test_analyze_multi_activity_json(capsys: pytest.CaptureFixture[str]) -> None:
    out = analyze_json(capsys, DATA / "two_activities.tcx")
    activities = out["activities"]
    assert [a["started_at"] for a in activities] == ["2024-05-01T07:00:00+00:00", "2024-05-02T17:00:00+00:00"]
    assert {k: v for k, v in out.items() if k != "activities"} == activities[0]
    assert [a["duration_s"] for a in activities] == [12.0, 15.0]  # a 60 s pause between two tracks
    assert [a["span_s"] for a in activities] == [12.0, 75.0]
    assert activities[1]["gaps"] == 1 and activities[1]["notes"][0] == "activity 2 of 2 in the file"


def test_analyze_multi_activity_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(DATA / "tpx_v1_missing_hr.gpx"), "--hrmax", "185"]) == 0
    out = capsys.readouterr().out
    assert out.count("HRmax       185 bpm") == 2
    assert "tpx_v1_missing_hr.gpx  [activity 1 of 2]  (gpx, StravaGPX, 2024-05-03 09:00 UTC)" in out
    assert "tpx_v1_missing_hr.gpx  [activity 2 of 2]  (gpx, StravaGPX, 2024-05-03 18:00 UTC)" in out


def test_analyze_synthetic_fit_gz(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "run.fit.gz"
    path.write_bytes(gzip.compress(ACTIVITY))
    out = analyze_json(capsys, path)
    assert out["format"] == "fit" and out["samples_total"] == 5
    assert (out["duration_s"], out["span_s"]) == (4.0, 64.0)  # a 60 s timer pause: no session time
    assert out["credited_s"] == 4.0 and out["rr_total"] == 9  # the 60 s pause is never credited
    assert (
        out["notes"][-1] == "timer paused 1 time (1 min 0 s in all); pauses are time gaps and no session time"
    )


def test_analyze_corrupt_fit_subprocess(tmp_path: Path) -> None:
    """As a user runs it: one line on stderr, exit 2, nothing on stdout."""
    path = tmp_path / "broken.fit"
    path.write_bytes(ACTIVITY[:60] + bytes([ACTIVITY[60] ^ 0xFF]) + ACTIVITY[61:])
    proc = subprocess.run(
        [sys.executable, "-m", "hrcoach", "analyze", str(path), "--hrmax", "185"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == f"hrcoach: {path}: corrupt FIT file (CRC mismatch)\n"
