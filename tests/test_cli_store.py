"""The session log through the `hrcoach` command: import, sessions, show, history, export,
replay and demo logging, recompute on a profile change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest
from garmin_fit_sdk import Decoder, Stream

from hrcoach.cli import main
from hrcoach.formats.files import load_recording
from tests.conftest import ROOT, real_file, stream


def out_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def profile(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "set", "age", "33"]) == 0  # HRmax 185, as the fixtures assume
    capsys.readouterr()


def test_a_file_imported_before_is_known_by_its_hash_without_decoding_it(
    profile: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """#13.8 / #15: re-importing a folder decoded every file before noticing it was imported."""
    two = tmp_path / "two.tcx"
    two.write_bytes((ROOT / "tests" / "data" / "imports" / "two_activities.tcx").read_bytes())
    files = [str(stream("steady_35min")), str(two)]
    first = out_json(capsys, "import", *files)
    from hrcoach.cli import importer

    def no_decoding(path: Path) -> None:
        raise AssertionError(f"{path} was decoded again")

    monkeypatch.setattr(importer, "load_recordings", no_decoding)
    again = out_json(capsys, "import", *files)
    assert [(r["file"], r["part"], r["session"]) for r in again] == [
        (r["file"], r["part"], r["session"]) for r in first
    ]
    assert {r["status"] for r in again} == {"already imported"}


def test_import_sessions_show_and_reimport(profile: None, capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(stream("steady_35min")), str(stream("tempo_45min"))]
    report = out_json(capsys, "import", *files)
    assert [r["status"] for r in report] == ["imported", "imported"]
    again = out_json(capsys, "import", files[0])
    assert again == [
        {"file": files[0], "part": 0, "status": "already imported", "session": report[0]["session"]}
    ]
    listed = out_json(capsys, "sessions")
    assert [s["origin"] for s in listed] == ["import", "import"]
    shown = out_json(capsys, "show", str(report[0]["session"]))
    analyzed = out_json(capsys, "analyze", files[0])
    assert shown["summary"] == {k: analyzed[k] for k in shown["summary"]}  # batch import == live analyze
    assert shown["device"]["name"].startswith("Polar H10")
    assert main(["show", str(report[0]["session"])]) == 0
    text = capsys.readouterr().out
    assert "BDNF        32:11 in 60-80 %" in text and "goal 30:00 met" in text


def test_a_corrupt_file_is_one_line_exit_2_and_the_others_still_import(
    profile: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "broken.fit"
    bad.write_bytes(b"\x0e\x10" + b"\x00" * 40)
    assert main(["import", str(bad), str(stream("walk_5min"))]) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and str(bad) in err
    assert "walk_5min.hrcap.jsonl: imported as session 1" in out
    assert len(out_json(capsys, "sessions")) == 1  # nothing half-written for the broken one


def test_import_needs_an_hrmax(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(stream("walk_5min"))]) == 2
    assert "no HRmax" in capsys.readouterr().err


def test_changing_hrmax_recomputes_every_stored_summary(
    profile: None, capsys: pytest.CaptureFixture[str]
) -> None:
    sid = out_json(capsys, "import", str(stream("tempo_45min")))[0]["session"]
    before = out_json(capsys, "show", str(sid))["summary"]
    assert main(["profile", "set", "hrmax", "172"]) == 0
    assert "Recomputed 1 session summaries for HRmax 172 bpm" in capsys.readouterr().err
    after = out_json(capsys, "show", str(sid))["summary"]
    assert after["hrmax"] == 172 and after["hrmax_source"] == "measured"
    assert after["bdnf_s"] != before["bdnf_s"]
    analyzed = out_json(capsys, "analyze", str(stream("tempo_45min")))
    assert {k: after[k] for k in ("bdnf_s", "anandamide_s", "bdnf_longest_hold_s")} == {
        k: analyzed[k] for k in ("bdnf_s", "anandamide_s", "bdnf_longest_hold_s")
    }


def test_history_json_and_demo_hidden_unless_asked(profile: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--speed", "0"]) == 0
    assert "Saved as session 1" in capsys.readouterr().out
    assert main(["replay", str(stream("steady_35min")), "--speed", "0", "--headless"]) == 0
    assert "Saved as session 2" in capsys.readouterr().out
    sessions = out_json(capsys, "sessions")
    assert [s["origin"] for s in sessions] == ["replay", "demo"] or [s["origin"] for s in sessions] == [
        "demo",
        "replay",
    ]
    h = out_json(capsys, "history", "--weeks", "1")
    assert h["weeks"][0]["sessions"] == 0  # the replay started in March, the demo is hidden
    h_all = out_json(capsys, "history", "--weeks", "1", "--all")
    assert h_all["weeks"][0]["sessions"] == 1 and h_all["weeks"][0]["goal_sessions"] == 1
    assert h_all["weekly_goal"] == {"bdnf_min": 150, "sessions": [3, 4]}
    assert main(["history"]) == 0
    assert "Streak: it starts with a session this week" in capsys.readouterr().out


@pytest.mark.parametrize("fmt", ["tcx", "fit", "csv", "capture"])
def test_export_every_format(
    profile: None, fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sid = out_json(capsys, "import", str(stream("rr_backlog")))[0]["session"]
    assert main(["export", str(sid), "--format", fmt, "-o", str(tmp_path)]) == 0
    exported = next(tmp_path.glob(f"hrcoach-session-{sid}.*"))
    original = load_recording(stream("rr_backlog")).samples
    if fmt == "fit":
        messages, errors = Decoder(Stream.from_file(str(exported))).read()
        assert not errors and len(messages["record_mesgs"]) > 300
    else:
        back = load_recording(exported).samples
        assert [s.bpm for s in back if s.bpm] == [s.bpm for s in original if s.bpm] or fmt == "tcx"
        if fmt != "tcx":
            flat = [x for s in back for x in s.rr_ms]
            assert flat == pytest.approx([x for s in original for x in s.rr_ms], abs=0.001) and flat


def test_show_and_export_of_unknown_ids_are_one_line(
    profile: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", "42"]) == 2
    assert main(["export", "x", "--format", "csv"]) == 2
    err = capsys.readouterr().err
    assert "no session 42" in err and "must be a number" in err


def test_real_fit_import_then_export_fit_keeps_rr(
    profile: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = real_file("dtcooper_python-fitparse__garmin-fenix-5-walk.fit")
    sid = out_json(capsys, "import", str(path))[0]["session"]
    assert main(["export", str(sid), "--format", "fit", "-o", str(tmp_path / "walk.fit")]) == 0
    messages, errors = Decoder(Stream.from_file(str(tmp_path / "walk.fit"))).read()
    assert not errors
    rr = [
        x
        for m in messages.get("hrv_mesgs", [])
        for x in cast(list[float | None], m["time"])
        if x is not None and x < 65
    ]
    assert len(rr) == sum(len(s.rr_ms) for s in load_recording(path).samples) > 0


def test_when_the_log_cannot_be_written_the_session_still_runs_and_says_so(
    profile: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from hrcoach.store import db

    def full(*_a: object, **_k: object) -> object:
        raise db.StoreError("/x/hrcoach.sqlite3: the disk is full; free some space so sessions can be saved")

    monkeypatch.setattr(db, "connect", full)
    assert main(["replay", str(stream("walk_5min")), "--speed", "0", "--headless"]) == 0
    out, err = capsys.readouterr()
    assert err.count("disk is full") == 1  # said once, not every second
    assert "coaching goes on" in err
    assert "Session summary" in out and "NOT SAVED in the log: /x/hrcoach.sqlite3: the disk is full" in out
    assert "unwritten samples are safe in" in out  # spilled to a recovery file, said where
