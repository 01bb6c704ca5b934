"""Issue 14.5 (in part): one damaged row never breaks the log. A session that does not read back
is said once with its id and skipped; the others list, show and count; a damaged *open* session
stops no command."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from hrcoach.cli import main
from hrcoach.store import db
from hrcoach.store.records import load_samples, sample_row
from tests.conftest import stream

DAMAGE = {
    "setup": "UPDATE sessions SET setup = '{not json' WHERE id = ?",
    "started_at": "UPDATE sessions SET started_at = 'yesterday' WHERE id = ?",
    "notes": "UPDATE sessions SET notes = 'x' WHERE id = ?",
    "device": "UPDATE sessions SET device = '{' WHERE id = ?",
    "duration": "UPDATE sessions SET duration_s = 'long' WHERE id = ?",
}


@pytest.fixture
def three(capsys: pytest.CaptureFixture[str]) -> list[int]:
    assert main(["profile", "set", "age", "33"]) == 0
    capsys.readouterr()
    files = [stream(n) for n in ("walk_5min", "steady_35min", "rr_backlog")]
    assert main(["import", "--json", *map(str, files)]) == 0
    ids = [r["session"] for r in json.loads(capsys.readouterr().out)]
    return ids


@pytest.mark.parametrize("field", sorted(DAMAGE))
def test_a_damaged_session_is_said_once_and_the_others_still_list(
    three: list[int], capsys: pytest.CaptureFixture[str], field: str
) -> None:
    with sqlite3.connect(db.db_path()) as conn:
        conn.execute(DAMAGE[field], (three[1],))
    assert main(["sessions", "--json"]) == 0
    out, err = capsys.readouterr()
    assert sorted(s["id"] for s in json.loads(out)) == [three[0], three[2]]
    assert err.count("\n") == 1 and f"session {three[1]} in the log is damaged" in err
    assert main(["history", "--json"]) == 0
    capsys.readouterr()
    assert main(["show", str(three[1])]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"session {three[1]} in the log is damaged" in err
    assert main(["show", str(three[0])]) == 0


def test_a_damaged_open_session_stops_no_command(
    three: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(db.db_path()) as conn:
        cur = conn.execute(
            "INSERT INTO sessions (started_at, origin, status, setup) VALUES ('2026-11-16T07:00:00Z', 'live',"
            " 'open', '{broken')"
        )
        conn.execute("INSERT INTO samples VALUES (?, 0, 1.0, 120, NULL, 2, NULL)", (cur.lastrowid,))
        broken = cur.lastrowid
    for command in (["sessions"], ["profile", "show"], ["analyze", str(stream("walk_5min"))]):
        assert main(command) == 0, command
        err = capsys.readouterr().err
        assert f"session {broken} was left open and is damaged; it is skipped" in err
        assert "Traceback" not in err


def test_a_damaged_summary_is_computed_again_from_the_samples(
    three: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", str(three[1]), "--json"]) == 0
    before = json.loads(capsys.readouterr().out)["summary"]
    with sqlite3.connect(db.db_path()) as conn:
        conn.execute("UPDATE sessions SET summary = '[1, 2' WHERE id = ?", (three[1],))
    assert main(["show", str(three[1]), "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["summary"] == before and "damaged" not in err


def as_rows(sid: int) -> None:
    """The session's samples as rows, as a log from before sample blocks (schema 7) holds them,
    and as an open or recovered session's are."""
    conn = db.connect(db.db_path())
    samples = load_samples(conn, sid)
    with db.transaction(conn):
        conn.execute("DELETE FROM sample_blocks WHERE session_id = ?", (sid,))
        conn.executemany(
            "INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?, ?)",
            [sample_row(sid, i, s) for i, s in enumerate(samples)],
        )
    conn.close()


def test_damaged_sample_rows_are_skipped_and_check_counts_them(
    three: list[int], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sid = three[1]
    as_rows(sid)
    with sqlite3.connect(db.db_path()) as conn:
        conn.execute("UPDATE samples SET bpm = 'x' WHERE session_id = ? AND seq = 10", (sid,))
        conn.execute("UPDATE samples SET t = 'abc' WHERE session_id = ? AND seq = 11", (sid,))
        conn.execute("UPDATE samples SET rr = x'0102030405' WHERE session_id = ? AND seq = 12", (sid,))
    out = tmp_path / "s.csv"
    assert main(["export", str(sid), "--format", "csv", "-o", str(out)]) == 0
    assert len(out.read_text().splitlines()) == 1 + 2100 - 2  # two rows skipped; the bad RR read as none
    assert main(["profile", "set", "hrmax", "180"]) == 0  # a recompute reads every session's samples
    assert main(["show", str(sid), "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["summary"]["samples_total"] == 2098
    assert main(["check"]) == 1
    said = capsys.readouterr().out
    assert f"session {sid}: 2 damaged sample row(s) are skipped" in said


def test_check_moves_a_damaged_session_aside_and_says_where(
    three: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(db.db_path()) as conn:
        conn.execute("UPDATE sessions SET setup = '{not json' WHERE id = ?", (three[0],))
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert f"session {three[0]} in the log is damaged (" in out and "moved aside to " in out
    aside = Path(out.split("moved aside to ")[1].split("\n")[0])
    rows = json.loads(aside.read_text())
    assert rows["sessions"][0][0] == three[0] and rows["sample_blocks"][0][1] == 299  # walk_5min's
    assert main(["check"]) == 0
    assert "3 sessions" not in capsys.readouterr().out
    assert main(["sessions", "--json"]) == 0
    listed, err = capsys.readouterr()
    assert sorted(s["id"] for s in json.loads(listed)) == three[1:] and err == ""


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE sample_blocks SET bpm = substr(bpm, 1, 7) WHERE session_id = ?",  # cut short
        "UPDATE sample_blocks SET n = n + 1 WHERE session_id = ?",
        "UPDATE sample_blocks SET t = 'text' WHERE session_id = ?",
        "UPDATE sample_blocks SET contact = substr(contact, 1, 3) WHERE session_id = ?",
    ],
)
def test_a_damaged_sample_block_keeps_its_summary_and_check_says_so(
    three: list[int], capsys: pytest.CaptureFixture[str], tmp_path: Path, damage: str
) -> None:
    sid = three[1]
    assert main(["show", str(sid), "--json"]) == 0
    before = json.loads(capsys.readouterr().out)["summary"]
    with sqlite3.connect(db.db_path()) as conn:
        assert conn.execute(damage, (sid,)).rowcount == 1
    assert main(["profile", "set", "hrmax", "180"]) == 0  # the recompute skips it, never zeroes it
    capsys.readouterr()
    assert main(["show", str(sid), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"] == before
    assert main(["export", str(sid), "--format", "csv", "-o", str(tmp_path / "s.csv")]) == 2
    assert "nothing to export" in capsys.readouterr().err
    assert main(["check"]) == 1
    assert f"session {sid}: " in capsys.readouterr().out
