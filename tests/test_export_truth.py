"""Exports say only what is true (#13, exports 1, 2, 6, 8): FIT and TCX carry only the samples
the session accepted and keep a gap a gap; each second's RR go with that second's record; CSV
keeps the start time and the skin contact; and every format imports back to the same summary
(CSV and capture exactly; TCX and FIT within a second of each window, with the same samples: TCX
points are at each sample's time to the millisecond, and FIT's whole-second records carry their
second's samples in hrcoach's developer fields)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest
from garmin_fit_sdk import Decoder, Stream

from hrcoach.cli import main
from hrcoach.formats.files import load_recording
from tests.conftest import REAL_HR, stream

FORMATS = ["fit", "tcx", "csv", "capture"]
SUFFIX = {"fit": ".fit", "tcx": ".tcx", "gpx": ".gpx", "csv": ".csv", "capture": ".hrcap.jsonl"}


def out_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def profile(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "set", "age", "33"]) == 0
    capsys.readouterr()


def export(capsys: pytest.CaptureFixture[str], sid: int, fmt: str, folder: Path) -> Path:
    path = folder / f"s{sid}{SUFFIX[fmt]}"
    assert main(["export", str(sid), "--format", fmt, "-o", str(path)]) == 0
    capsys.readouterr()
    return path


def fit_messages(path: Path) -> dict[str, list[dict[str, Any]]]:
    messages, errors = Decoder(Stream.from_byte_array(bytearray(path.read_bytes()))).read()
    assert errors == []
    return cast(dict[str, list[dict[str, Any]]], messages)


@pytest.mark.parametrize("name", ["contact_lost", "startup_glitches"])
def test_fit_and_tcx_carry_only_what_the_session_accepted(
    profile: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    (row,) = out_json(capsys, "import", str(stream(name)))
    summary = out_json(capsys, "show", str(row["session"]))["summary"]
    assert summary["rejected"], "the fixture has rejected samples"
    fit = fit_messages(export(capsys, row["session"], "fit", tmp_path))
    rates = [r["heart_rate"] for r in fit["record_mesgs"]]
    assert max(rates) <= summary["max_bpm"] and min(rates) >= 30
    assert fit["session_mesgs"][0]["max_heart_rate"] <= summary["max_bpm"]
    tcx = load_recording(export(capsys, row["session"], "tcx", tmp_path))
    assert max(s.bpm for s in tcx.samples) <= summary["max_bpm"]


def test_a_no_contact_stretch_stays_a_gap(
    profile: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (row,) = out_json(capsys, "import", str(stream("contact_lost")))
    summary = out_json(capsys, "show", str(row["session"]))["summary"]
    assert summary["gaps"] >= 1
    fit = fit_messages(export(capsys, row["session"], "fit", tmp_path))
    kinds = [e["event_type"] for e in fit["event_mesgs"]]
    assert kinds == ["start", *["stop_all", "start"] * summary["gaps"], "stop_all"]
    session = fit["session_mesgs"][0]
    assert session["total_timer_time"] < session["total_elapsed_time"]
    tcx_path = export(capsys, row["session"], "tcx", tmp_path)
    assert tcx_path.read_text().count("<Track>") == summary["gaps"] + 1


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", ["steady_35min", "contact_lost", "dropout_reconnect", "rr_backlog"])
def test_every_format_imports_back_to_the_same_summary(
    profile: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str, name: str
) -> None:
    (row,) = out_json(capsys, "import", str(stream(name)))
    before = out_json(capsys, "show", str(row["session"]))
    path = export(capsys, row["session"], fmt, tmp_path)
    (back,) = out_json(capsys, "import", str(path), "--anyway")
    after = out_json(capsys, "show", str(back["session"]))
    a, b = before["summary"], after["summary"]
    # the same date: FIT and TCX begin at their first point, the first sample the session accepted
    assert abs(_t(after["started_at"]) - _t(before["started_at"])) <= 5.0
    assert b["gaps"] == a["gaps"]
    if fmt in ("csv", "capture"):  # lossless: every sample as stored, the same summary
        for key in ("bdnf_s", "anandamide_s", "credited_s", "bdnf_longest_hold_s"):
            assert abs(a[key] - b[key]) <= 0.001, (key, a[key], b[key])
        assert (b["samples_total"], b["rejected"]) == (a["samples_total"], a["rejected"])
        assert (b["rr_total"], b["rr_rejected"]) == (a["rr_total"], a["rr_rejected"])
        return
    assert b["rejected"] == {}  # FIT and TCX: only what the session accepted
    # TCX: a point per accepted sample at its time to the millisecond; FIT: a record a whole
    # second, as a Garmin device writes them, each carrying its second's samples to the
    # millisecond in hrcoach's developer fields, which hrcoach reads back
    for key in ("bdnf_s", "anandamide_s", "credited_s", "bdnf_longest_hold_s"):
        assert abs(a[key] - b[key]) <= 1.0, (key, a[key], b[key])
    assert b["samples_accepted"] == a["samples_accepted"]
    if fmt == "fit":  # TCX has no RR field; FIT keeps every one
        assert b["rr_total"] == a["rr_total"]
        assert b["rr_rejected"] <= a["rr_rejected"] + 0.001 * a["rr_total"] + 2


def _t(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp()


@pytest.mark.skipif(not REAL_HR.is_dir(), reason="../shared/real_hr is absent")
def test_a_real_ride_s_rr_come_back_from_fit_no_later_than_they_left(
    profile: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (row,) = out_json(capsys, "import", str(REAL_HR / "tormoder_fit__garmin.fit"))
    a = out_json(capsys, "show", str(row["session"]))["summary"]
    path = export(capsys, row["session"], "fit", tmp_path)
    (back,) = out_json(capsys, "import", str(path), "--anyway")
    b = out_json(capsys, "show", str(back["session"]))["summary"]
    # RR written with their own second's record, never carried to a later one: re-import
    # rejects none more than the original file did
    assert b["rr_rejected"] <= a["rr_rejected"]
    assert b["rr_total"] <= a["rr_total"]


def test_fit_software_version_is_hrcoach_s(
    profile: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hrcoach import __version__

    (row,) = out_json(capsys, "import", str(stream("walk_5min")))
    creator = fit_messages(export(capsys, row["session"], "fit", tmp_path))["device_info_mesgs"][0]
    major, minor = (int(p) for p in __version__.split(".")[:2])
    assert creator["software_version"] == pytest.approx(float(f"{major}.{minor}"))


@pytest.mark.skipif(not REAL_HR.is_dir(), reason="../shared/real_hr is absent")
def test_a_capture_export_keeps_every_rr_of_a_real_ride(
    profile: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (row,) = out_json(capsys, "import", str(REAL_HR / "tormoder_fit__garmin.fit"))
    a = out_json(capsys, "show", str(row["session"]))["summary"]
    assert a["rr_total"] == 22048
    path = export(capsys, row["session"], "capture", tmp_path)  # up to 328 RR in one notification
    (back,) = out_json(capsys, "import", str(path), "--anyway")
    b = out_json(capsys, "show", str(back["session"]))["summary"]
    assert (b["rr_total"], b["rr_rejected"]) == (a["rr_total"], a["rr_rejected"])


SCHEMAS = REAL_HR.parent / "schemas"


@pytest.mark.skipif(
    not (SCHEMAS / "TrainingCenterDatabasev2.xsd").is_file(), reason="../shared/schemas is absent"
)
@pytest.mark.parametrize("name", ["steady_35min", "contact_lost", "dropout_reconnect", "startup_glitches"])
def test_every_tcx_export_is_valid_against_garmin_s_schema(
    profile: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "TrainingCenterDatabasev2.xsd")))
    (row,) = out_json(capsys, "import", str(stream(name)))
    doc = etree.parse(str(export(capsys, row["session"], "tcx", tmp_path)))
    assert schema.validate(doc), str(schema.error_log)[:500]


@pytest.mark.skipif(not REAL_HR.is_dir(), reason="../shared/real_hr is absent")
@pytest.mark.parametrize(
    ("file", "sport", "sub_sport", "tcx_sport"),
    [
        ("tormoder_fit__garmin.fit", "cycling", "road", "Biking"),
        ("dtcooper_python-fitparse__garmin-fenix-5-walk.fit", "walking", "generic", "Other"),
        ("dtcooper_python-fitparse__activity-small-fenix2-run.fit", "running", "", "Running"),
        ("vkurup_python-tcxparser__test.tcx", "running", "", "Running"),
    ],
)
def test_an_imported_activity_keeps_its_sport_when_exported(
    profile: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], file: str, sport: str, sub_sport: str,
    tcx_sport: str,
) -> None:  # fmt: skip
    (row,) = out_json(capsys, "import", str(REAL_HR / file))
    info = out_json(capsys, "show", str(row["session"]))
    assert (info["sport"], info["sub_sport"]) == (sport, sub_sport)
    session = fit_messages(export(capsys, row["session"], "fit", tmp_path))["session_mesgs"][0]
    assert (session["sport"], session["sub_sport"]) == (sport, sub_sport or "generic")
    assert f'Sport="{tcx_sport}"' in export(capsys, row["session"], "tcx", tmp_path).read_text()


# ------------------------------------------------------------------ laps (#13, exports 4)


@pytest.mark.skipif(not REAL_HR.is_dir(), reason="../shared/real_hr is absent")
@pytest.mark.parametrize("fmt", ["fit", "tcx"])
def test_laps_are_shown_and_come_back_from_every_lap_format(
    profile: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    (row,) = out_json(
        capsys, "import", str(REAL_HR / "dtcooper_python-fitparse__activity-small-fenix2-run.fit")
    )
    shown = out_json(capsys, "show", str(row["session"]))
    laps = shown["laps"]
    assert len(laps) == 4 and [lap["number"] for lap in laps] == [1, 2, 3, 4]
    assert sum(lap["duration_s"] for lap in laps) == pytest.approx(shown["summary"]["span_s"])
    assert sum(lap["bdnf_s"] for lap in laps) == pytest.approx(shown["summary"]["bdnf_s"], abs=0.01)
    assert main(["show", str(row["session"])]) == 0
    text = capsys.readouterr().out
    assert "\nLaps\n" in text and "\n    4  at " in text
    path = export(capsys, row["session"], fmt, tmp_path)
    if fmt == "fit":
        fit = fit_messages(path)
        assert len(fit["lap_mesgs"]) == 4 and fit["session_mesgs"][0]["num_laps"] == 4
    (back,) = out_json(capsys, "import", str(path), "--anyway")
    again = out_json(capsys, "show", str(back["session"]))["laps"]
    assert len(again) == 4
    for a, b in zip(laps, again, strict=True):
        assert abs(a["start_s"] - b["start_s"]) <= 1.0 and abs(a["duration_s"] - b["duration_s"]) <= 2.0
        assert abs(a["bdnf_s"] - b["bdnf_s"]) <= 2.0 + 0.01 * a["bdnf_s"]


def test_a_live_session_s_laps_are_exported(
    profile: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hrcoach.store import db

    (row,) = out_json(capsys, "import", str(stream("steady_35min")))
    t0 = load_recording(stream("steady_35min")).samples[0].t
    conn = db.connect()
    conn.executemany(
        "INSERT INTO events VALUES (?, ?, 'lap', '')",
        [(row["session"], t0 + 600.0), (row["session"], t0 + 1200.0)],
    )
    conn.close()
    laps = out_json(capsys, "show", str(row["session"]))["laps"]
    assert [round(lap["start_s"]) for lap in laps] == [0, 600, 1200]
    fit = fit_messages(export(capsys, row["session"], "fit", tmp_path))
    assert [m["lap_trigger"] for m in fit["lap_mesgs"]] == ["manual", "manual", "session_end"]
    tcx = export(capsys, row["session"], "tcx", tmp_path).read_text()
    assert tcx.count("<Lap ") == 3


@pytest.mark.skipif(not REAL_HR.is_dir(), reason="../shared/real_hr is absent")
def test_a_fit_export_s_local_time_is_the_session_s_not_this_machine_s(
    profile: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    ride = REAL_HR / "tormoder_fit__garmin.fit"
    original = fit_messages(ride)["activity_mesgs"][0]
    offset = (original["local_timestamp"] - original["timestamp"].timestamp() + 631065600) // 900 * 900
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # +14:00: as far from the ride's as it gets
    time.tzset()
    try:
        (row,) = out_json(capsys, "import", str(ride))
        assert out_json(capsys, "show", str(row["session"]))["duration_s"] > 0
        exported = fit_messages(export(capsys, row["session"], "fit", tmp_path))["activity_mesgs"][0]
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert exported["local_timestamp"] - (exported["timestamp"].timestamp() - 631065600) == offset


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_session_with_a_backwards_timestamp_exports_in_every_format(  # 14.7
    profile: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    rows = [(float(s), 130) for s in range(120)]
    rows.insert(60, (29.5, 131))  # one sample stamped 30 s back, as a glitching clock does
    csv = tmp_path / "back.csv"
    csv.write_text("t_s,bpm\n" + "".join(f"{t},{bpm}\n" for t, bpm in rows))
    (row,) = out_json(capsys, "import", str(csv), "--start", "2026-11-30T07:00:00+00:00")
    before = out_json(capsys, "show", str(row["session"]))["summary"]
    assert before["rejected"] == {"time_backwards": 1}
    path = export(capsys, row["session"], fmt, tmp_path)
    (back,) = out_json(capsys, "import", str(path), "--anyway")
    after = out_json(capsys, "show", str(back["session"]))["summary"]
    assert abs(after["bdnf_s"] - before["bdnf_s"]) <= 1.0
    if fmt in ("csv", "capture"):
        assert after["rejected"] == before["rejected"]
