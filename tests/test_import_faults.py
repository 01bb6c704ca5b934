"""Issue 14.4: an import is all or nothing per file, even for a file of several activities; two
imports of the same file at once do not crash; the log refusing one file (a full disk) is one
line naming it, and the other files still import."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from hrcoach.cli import importer, main
from hrcoach.store import sessions as sessions_store
from tests.conftest import stream

MULTI = Path(__file__).parent / "data" / "imports" / "two_activities.tcx"  # two activities, one file


@pytest.fixture
def profile(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "set", "age", "33"]) == 0
    capsys.readouterr()


def sessions(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    assert main(["sessions", "--json"]) == 0
    out: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    return out


def test_a_file_of_several_activities_is_imported_whole_or_not_at_all(
    profile: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = sessions_store.save_session
    calls = {"n": 0}

    def dies_on_the_second(*args: Any, **kwargs: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # Ctrl-C, or a kill, between two activities
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "save_session", dies_on_the_second)
    assert main(["import", str(MULTI)]) != 0
    capsys.readouterr()
    assert calls["n"] == 2
    assert sessions(capsys) == []  # not the first activity either
    monkeypatch.setattr(importer, "save_session", real)
    assert main(["import", str(MULTI), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report) > 1 and all(r["status"] == "imported" for r in report)


def test_a_full_disk_on_one_file_is_one_line_and_the_others_still_import(
    profile: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = sessions_store.save_session
    files = [stream("walk_5min"), stream("steady_35min"), stream("rr_backlog")]

    def full_for_steady(*args: Any, **kwargs: Any) -> int:
        if "steady_35min" in kwargs["source_path"]:
            raise sqlite3.OperationalError("database or disk is full")
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "save_session", full_for_steady)
    assert main(["import", *map(str, files)]) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1
    assert f"{files[1]}: not imported:" in err and "the disk is full" in err and "nothing of this file" in err
    assert "2 sessions imported from 2 of 3 files; 1 failed" in out
    assert sorted(s["source"].rsplit("/", 1)[-1] for s in sessions(capsys)) == sorted(
        [files[0].name, files[2].name]
    )


def test_two_imports_of_the_same_file_at_once_do_not_crash(
    profile: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = stream("walk_5min")
    assert main(["import", str(path)]) == 0  # the other import, committed meanwhile
    capsys.readouterr()
    real = sessions_store.find_import
    first = {"yes": True}

    def not_yet(*args: Any) -> int | None:  # this one looked before the other committed
        if first.pop("yes", False):
            return None
        return real(*args)

    monkeypatch.setattr(importer, "find_import", not_yet)
    monkeypatch.setattr(importer, "same_activity", lambda *_a: None)
    assert main(["import", str(path), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["status"] == "already imported"
    assert len(sessions(capsys)) == 1
