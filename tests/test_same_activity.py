"""One activity counts once (#13.4): the same run from another file is skipped with a line that
says which session it already is (`--anyway` imports it), replays and demos stay out of the
weekly dose unless asked, and a session can be deleted, from the command line and in the app."""

from __future__ import annotations

import gzip
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hrcoach.cli import main
from hrcoach.formats.files import load_recording
from hrcoach.store import db
from hrcoach.store.records import StoredSetup
from hrcoach.store.sessions import save_session
from tests.conftest import REAL_HR, stream


def out_json(capsys: pytest.CaptureFixture[str], *args: str, code: int = 0) -> Any:
    assert main([*args, "--json"]) == code
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def profile(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "set", "age", "33"]) == 0
    capsys.readouterr()


def test_the_same_run_from_other_files_counts_once(
    profile: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = stream("steady_35min")
    (first,) = out_json(capsys, "import", str(original))
    sid = first["session"]
    tcx = tmp_path / "export.tcx"
    assert main(["export", str(sid), "--format", "tcx", "-o", str(tcx)]) == 0
    crlf = tmp_path / "crlf.tcx"
    crlf.write_bytes(tcx.read_bytes().replace(b"\n", b"\r\n"))
    packed = tmp_path / "steady.hrcap.jsonl.gz"
    packed.write_bytes(gzip.compress(original.read_bytes()))
    capsys.readouterr()
    report = out_json(capsys, "import", str(tcx), str(crlf), str(packed))
    assert [(r["status"], r["session"]) for r in report] == [("same activity", sid)] * 3
    assert len(out_json(capsys, "sessions")) == 1
    assert main(["import", str(tcx)]) == 0  # not a failure: said, and nothing counted twice
    out = capsys.readouterr().out
    assert out.startswith(f"export.tcx: the same activity as session {sid} (")
    assert "steady_35min.hrcap.jsonl), skipped so it counts once; `--anyway` imports it" in out
    (forced,) = out_json(capsys, "import", str(tcx), "--anyway")
    assert forced["status"] == "imported" and forced["session"] != sid


def test_another_run_the_same_day_is_not_the_same_activity(
    profile: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.test_import_xml_time import tcx

    morning, evening, overlapping = (tmp_path / f"{n}.tcx" for n in ("morning", "evening", "overlap"))
    morning.write_text(tcx([(float(s), 130) for s in range(1200)]))
    evening.write_text(tcx([(3600.0 + s, 130) for s in range(1200)]))
    overlapping.write_text(tcx([(1000.0 + s, 130) for s in range(1200)]))  # shares 200 s of 1199
    report = out_json(capsys, "import", str(morning), str(evening), str(overlapping))
    assert [r["status"] for r in report] == ["imported"] * 3


@pytest.mark.skipif(not REAL_HR.is_dir(), reason="../shared/real_hr is absent")
def test_a_garmin_fit_and_its_gpx_export_count_once(
    profile: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fit = REAL_HR / "dtcooper_python-fitparse__activity-small-fenix2-run.fit"
    rec = load_recording(fit)
    assert rec.started_at is not None
    gpx = tmp_path / "fenix2.gpx"  # as Garmin Connect exports it: every other point, HR in TPX
    points = "".join(
        f'<trkpt lat="1" lon="2"><time>{(rec.started_at + timedelta(seconds=s.t)).isoformat()}</time>'
        f"<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{s.bpm}</gpxtpx:hr>"
        "</gpxtpx:TrackPointExtension></extensions></trkpt>"
        for s in rec.samples[::2]
    )
    gpx.write_text(
        '<?xml version="1.0"?><gpx version="1.1" creator="Garmin Connect" '
        'xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        f"<trk><trkseg>{points}</trkseg></trk></gpx>"
    )
    (a,) = out_json(capsys, "import", str(fit))
    (b,) = out_json(capsys, "import", str(gpx))
    assert (b["status"], b["session"]) == ("same activity", a["session"])


def test_replays_and_demos_stay_out_of_the_weekly_dose_unless_asked(
    profile: None, capsys: pytest.CaptureFixture[str]
) -> None:
    samples = load_recording(stream("steady_35min")).samples
    setup = StoredSetup.model_validate_json(
        '{"hrmax": 185, "hrmax_source": "age", "max_gap_s": 10.0, "grace_s": 60.0, "goal_min": 30.0}'
    )
    now = datetime.now(UTC).replace(microsecond=0)
    conn = db.connect()
    for hours, origin in ((1, "live"), (3, "replay"), (5, "demo"), (7, "replay")):
        save_session(
            conn, origin=origin, started_at=now - timedelta(hours=hours), samples=samples, setup=setup
        )
    conn.close()
    week = out_json(capsys, "history", "--weeks", "1")["weeks"][-1]
    everything = out_json(capsys, "history", "--weeks", "1", "--all")["weeks"][-1]
    if everything["sessions"] == 4:  # all four fell in this week (not so early on a Monday)
        assert week["sessions"] == 1 and week["bdnf_min"] * 4 == pytest.approx(
            everything["bdnf_min"], abs=0.5
        )
    listed = out_json(capsys, "sessions")
    assert [s["counts_in_dose"] for s in sorted(listed, key=lambda s: s["id"])] == [True, False, False, False]


def test_delete_asks_or_needs_yes_and_takes_the_samples_with_it(
    profile: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (first,) = out_json(capsys, "import", str(stream("walk_5min")))
    sid = str(first["session"])
    assert main(["delete", sid]) == 2  # stdin is not a terminal under pytest
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"not deleting session {sid} (" in err and "add --yes" in err
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert main(["delete", sid]) == 1 and "Nothing deleted." in capsys.readouterr().out
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    assert main(["delete", sid]) == 0
    assert capsys.readouterr().out.startswith(f"Deleted session {sid} (")
    assert out_json(capsys, "sessions") == []
    with sqlite3.connect(db.db_path()) as conn:  # its samples go with it, rows or block
        for table in ("samples", "sample_blocks", "tracks", "events"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
    assert main(["delete", sid, "--yes"]) == 2
    assert "no session" in capsys.readouterr().err
    (again,) = out_json(capsys, "import", str(stream("walk_5min")))  # the file may come back
    assert again["status"] == "imported"
