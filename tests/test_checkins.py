"""Check-ins (`store/checkins`, `hrcoach checkin`): mood and effort before and after a session,
1 to 5 each and each skippable, and a note; stored with the session and deleted with it, shown by
`show` and described, never diagnosed, by `history`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hrcoach.cli import main
from hrcoach.store import db
from hrcoach.store.checkins import NOTE_MAX, CheckIn, get_checkin, mood_trend, save_checkin
from hrcoach.store.sessions import delete_session
from tests.conftest import stream
from tests.test_store import log_of_schema


def logged(*names: str) -> None:
    assert main(["profile", "set", "age", "33"]) == 0
    assert main(["import", "--anyway", *(str(stream(n)) for n in names)]) == 0


def out_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_check_in_merges_what_is_given_and_keeps_the_rest(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "log.sqlite3")
    conn.execute(
        "INSERT INTO sessions (id, started_at, origin, status, setup) VALUES (1, '2026-11-16T07:00:00Z',"
        " 'import', 'complete', '{}')"
    )
    assert get_checkin(conn, 1) is None
    assert save_checkin(conn, 1, CheckIn(mood_before=2, note="tired")) == CheckIn(
        2, None, None, None, "tired"
    )
    assert save_checkin(conn, 1, CheckIn(mood_after=4)) == CheckIn(2, 4, None, None, "tired")
    assert save_checkin(conn, 1, CheckIn(note="better \x1b[2J after")) == CheckIn(
        2, 4, None, None, "better [2J after"
    )
    assert get_checkin(conn, 1) == CheckIn(2, 4, None, None, "better [2J after")
    save_checkin(conn, 1, CheckIn(note="x" * 5000))
    stored = get_checkin(conn, 1)
    assert stored is not None and len(stored.note) == NOTE_MAX
    assert delete_session(conn, 1) and get_checkin(conn, 1) is None  # deleted with its session


@pytest.mark.parametrize("value", [0, 6, -1, True])
def test_values_outside_one_to_five_are_refused(value: int) -> None:
    with pytest.raises(ValueError, match="mood after: 1 to 5"):
        CheckIn(mood_after=value)


def test_a_log_of_schema_7_gains_check_ins(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    log_of_schema(path, 7).close()
    conn = db.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION
    assert save_checkin(conn, 1, CheckIn(effort_after=3)).effort_after == 3


def test_a_damaged_check_in_row_reads_as_none(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "log.sqlite3")
    conn.execute(
        "INSERT INTO sessions (id, started_at, origin, status, setup) VALUES (1, '2026-11-16T07:00:00Z',"
        " 'import', 'complete', '{}')"
    )
    conn.execute("PRAGMA ignore_check_constraints = ON")
    conn.execute("INSERT INTO checkins (session_id, mood_after, note) VALUES (1, 9, 'x')")
    assert get_checkin(conn, 1) is None


def test_checkin_show_and_history_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    logged("steady_35min", "walk_5min", "tempo_45min")
    assert out_json(capsys, "checkin", "1", "--mood-before", "2", "--mood-after", "4", "--note", "windy") == {
        "id": 1,
        "checkin": {
            "mood_before": 2,
            "mood_after": 4,
            "effort_before": None,
            "effort_after": None,
            "note": "windy",
        },
    }
    assert main(["checkin", "1", "--effort-after", "3"]) == 0
    assert capsys.readouterr().out == "Session 1: mood 2 -> 4, effort - -> 3 (1-5); note: windy\n"
    assert main(["checkin", "2", "--mood-after", "3"]) == 0
    assert main(["show", "1"]) == 0
    assert "Check-in    mood 2 -> 4, effort - -> 3 (1-5); note: windy" in capsys.readouterr().out
    assert out_json(capsys, "show", "3")["checkin"] is None
    assert main(["checkin", "2", "--clear", "--note", "x"]) == 2
    assert out_json(capsys, "checkin", "2", "--clear")["checkin"]["mood_after"] is None
    assert main(["checkin", "2", "--mood-after", "3"]) == 0
    history = out_json(capsys, "history", "--weeks", "1000")
    assert history["mood_trend"] == (
        "Mood after sessions: 4.0 over 1 session with 20+ min in the window, 3.0 over 1 session with less."
        " A description of your own check-ins, not a diagnosis."
    )
    assert main(["history", "--weeks", "1000"]) == 0
    assert history["mood_trend"] in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["checkin", "1", "--mood-after", "6"], "mood after: 1 to 5, not 6"),
        (["checkin", "1", "--effort-before", "0"], "effort before: 1 to 5, not 0"),
        (["checkin", "99", "--mood-after", "3"], "no session 99"),
    ],
)
def test_bad_check_ins_are_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    logged("walk_5min")
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("hrcoach: ") and message in err and err.count("\n") == 1


def test_the_mood_trend_describes_and_says_what_it_rests_on() -> None:
    assert mood_trend([]) is None and mood_trend([(30.0, 4)]) is None
    assert mood_trend([(30.0, 4), (25.0, 5)]) == (
        "Mood after sessions: 4.5 over 2 sessions, all with 20+ min in the window."
        " A description of your own check-ins, not a diagnosis."
    )
    assert "under 20 min" in (mood_trend([(5.0, 2), (10.0, 3)]) or "")
