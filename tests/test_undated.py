"""A file without a start date (#13.7) is not dated "today": `import --start WHEN` dates it,
at a terminal the runner is asked, and otherwise it is kept out of the weekly dose, marked
undated, until `hrcoach date ID WHEN` gives it a start."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hrcoach.cli import main
from hrcoach.store import db
from hrcoach.store.sessions import get_session
from tests.test_store import log_of_schema


def out_json(capsys: pytest.CaptureFixture[str], *args: str, code: int = 0) -> Any:
    assert main([*args, "--json"]) == code
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def undated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """40 minutes at 130 bpm (in the window for age 33), in a CSV with no time of day."""
    assert main(["profile", "set", "age", "33"]) == 0
    capsys.readouterr()
    path = tmp_path / "run.csv"
    path.write_text("t_s,bpm\n" + "".join(f"{t},130\n" for t in range(0, 2400)))
    return path


def this_week(capsys: pytest.CaptureFixture[str]) -> float:
    (week,) = out_json(capsys, "history", "--weeks", "1")["weeks"]
    return float(week["bdnf_min"])


def test_an_undated_file_stays_out_of_the_dose_until_it_is_dated(
    undated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (result,) = out_json(capsys, "import", str(undated))
    sid = result["session"]
    assert any("no start date: not counted in the weekly dose" in n for n in result["notes"])
    (listed,) = out_json(capsys, "sessions")
    assert listed["dated"] is False and listed["counts_in_dose"] is False
    assert this_week(capsys) == 0  # it used to land in this week as 40 minutes
    assert main(["sessions"]) == 0
    out = capsys.readouterr().out
    assert f"{sid:>5}  undated " in out and "`hrcoach date ID WHEN`" in out
    assert main(["show", str(sid)]) == 0
    assert f"`hrcoach date {sid} WHEN`" in capsys.readouterr().out

    when = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)
    assert main(["date", str(sid), when.isoformat()]) == 0
    assert "counts in that week's dose" in capsys.readouterr().out
    (listed,) = out_json(capsys, "sessions")
    assert listed["dated"] is True and listed["counts_in_dose"] is True
    assert datetime.fromisoformat(listed["started_at"]) == when
    assert abs(this_week(capsys) - 40) < 0.1 or when.isocalendar()[1] != datetime.now().isocalendar()[1]


def test_import_start_dates_the_file(undated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (result,) = out_json(capsys, "import", str(undated), "--start", "2026-11-30T07:15:00+00:00")
    (listed,) = out_json(capsys, "sessions")
    assert listed["dated"] is True and listed["id"] == result["session"]
    assert datetime.fromisoformat(listed["started_at"]) == datetime(2026, 11, 30, 7, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("when", "said"),
    [("yesterday", "not a date and time: 'yesterday'"), ("2999-01-01T00:00", "is in the future")],
)
def test_a_bad_start_is_one_line_and_exit_2(
    undated: Path, capsys: pytest.CaptureFixture[str], when: str, said: str
) -> None:
    assert main(["import", str(undated), "--start", when]) == 2
    err = capsys.readouterr().err
    assert said in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert out_json(capsys, "sessions") == []


def test_at_a_terminal_the_runner_is_asked(
    undated: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("last tuesday\n2026-11-29 18:00\n"))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert main(["import", str(undated)]) == 0
    captured = capsys.readouterr()
    assert captured.out.count("has no start date. When did it start") == 2  # asked again after a typo
    assert "not a date and time: 'last tuesday'" in captured.err
    (listed,) = out_json(capsys, "sessions")
    local = datetime(2026, 11, 29, 18, 0).astimezone()
    assert listed["dated"] is True and datetime.fromisoformat(listed["started_at"]) == local


def test_dating_onto_an_activity_already_logged_is_refused(
    undated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (first,) = out_json(capsys, "import", str(undated), "--start", "2026-11-30T07:15:00+00:00")
    copy = undated.with_name("copy.csv")
    copy.write_text(undated.read_text() + "2400,131\n")
    (other,) = out_json(capsys, "import", str(copy))
    assert other["status"] == "imported"
    assert main(["date", str(other["session"]), "2026-11-30T07:20:00+00:00"]) == 2
    assert f"session {first['session']} already covers that time" in capsys.readouterr().err
    assert main(["date", str(other["session"]), "2026-11-30T07:20:00+00:00", "--anyway"]) == 0


def test_a_log_of_schema_5_reads_every_session_as_dated(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    old = log_of_schema(path, 5)
    old.close()
    conn = db.connect(path)
    info = get_session(conn, 1)
    assert info is not None and info.dated and info.counts
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION
    assert conn.execute("SELECT count(*) FROM tracks").fetchone()[0] == 0


def test_the_question_holds_no_lock_on_the_log(
    undated: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the runner is asked, a live session elsewhere can still write to the log."""
    wrote: list[bool] = []

    def answer(prompt: str) -> str:
        other = sqlite3.connect(db.db_path(), timeout=0.2)
        try:
            other.execute("BEGIN IMMEDIATE")  # what a live writer's commit takes
            other.execute("ROLLBACK")
            wrote.append(True)
        finally:
            other.close()
        return "2026-11-29 18:00"

    monkeypatch.setattr("builtins.input", answer)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert main(["import", str(undated)]) == 0
    assert wrote == [True]  # asked once, and the log was free meanwhile


def test_an_undated_session_exports_only_as_csv_without_a_time(
    undated: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (result,) = out_json(capsys, "import", str(undated))
    sid = str(result["session"])
    for fmt in ("fit", "tcx", "capture"):
        assert main(["export", sid, "--format", fmt, "-o", str(tmp_path / f"s.{fmt}")]) == 2
        assert f"session {sid} has no start date" in capsys.readouterr().err
    out = tmp_path / "s.csv"
    assert main(["export", sid, "--format", "csv", "-o", str(out)]) == 0
    assert out.read_text().splitlines()[0] == "t_s,bpm,rr_ms,contact"
    capsys.readouterr()
    (again,) = out_json(capsys, "import", str(out), "--anyway")
    assert any("no start date" in n for n in again["notes"])  # still undated, not dated today


def test_dating_replaces_the_note_and_keeps_the_offset_given(
    undated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (result,) = out_json(capsys, "import", str(undated))
    sid = str(result["session"])
    assert main(["date", sid, "2026-11-29T18:00:00+01:00"]) == 0
    capsys.readouterr()
    shown = out_json(capsys, "show", sid)
    assert not any("not counted in the weekly dose" in n for n in shown["notes"])
    assert "the file had no start date: given as 2026-11-29T18:00+01:00" in shown["notes"]
    conn = db.connect(db.db_path())
    assert conn.execute("SELECT utc_offset_s FROM sessions WHERE id = ?", (int(sid),)).fetchone() == (3600,)


def test_one_start_dates_one_file_and_the_others_stay_undated(
    undated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given to several undated files, one `--start` would put them all at the same time (the
    later ones then skipped as the same activity, or counted twice with --anyway)."""
    other = undated.with_name("other.csv")
    other.write_text(undated.read_text().replace(",130", ",131"))
    report = out_json(capsys, "import", str(undated), str(other), "--start", "2026-11-30T07:15:00+00:00")
    assert [r["status"] for r in report] == ["imported", "imported"]
    listed = {s["id"]: s["dated"] for s in out_json(capsys, "sessions")}
    assert listed == {report[0]["session"]: True, report[1]["session"]: False}
