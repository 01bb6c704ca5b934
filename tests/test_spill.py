"""Issue 14.1: samples the log still cannot take when a session ends (a disk still full or
read-only) are never thrown away: they are spilled to a recovery file, said where, and the next
command that can write the log folds them in, each sample exactly once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hrcoach import paths
from hrcoach.cli import main
from hrcoach.store import db, spill
from hrcoach.store.log import SessionLog
from hrcoach.store.records import load_samples
from hrcoach.store.sessions import get_session
from tests.test_disk_faults import START, Disk, Live, saved_samples, setup_for


def end(run: Live) -> str:
    return run.log.save(run.session.finish(), run.session.summary())


@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_a_disk_still_refusing_at_the_end_spills_every_unwritten_sample(tmp_path: Path, fault: str) -> None:
    path = tmp_path / "log.sqlite3"
    disk = Disk(path)
    run = Live(path, disk)
    run.log._spill_dirs = [tmp_path / "spill"]
    run.until(300)
    written = saved_samples(path)
    assert written > 250
    disk.fill() if fault == "full" else disk.read_only()
    run.until(float("inf"))
    said = end(run)
    assert not run.log.saved and run.log.spilled_to is not None
    (file,) = spill.pending([tmp_path / "spill"])
    assert file == run.log.spilled_to and str(file) in said and "NOT SAVED in the log" in said
    assert oct(file.stat().st_mode & 0o777) == "0o600"
    state = json.loads(file.read_text())
    on_disk = saved_samples(path)
    assert written <= on_disk < len(run.recording.samples)
    assert len(state["samples"]) == len(run.recording.samples) - on_disk  # every unwritten one

    conn = db.connect(path)  # the next command, the disk healed
    try:
        (folded,) = spill.fold(conn, path, [tmp_path / "spill"])
        assert folded.session_id == run.log.session_id and folded.samples == len(state["samples"])
    finally:
        conn.close()
    assert not file.exists()
    run.check_saved_complete()  # every sample once, in order; the summary the session had


def test_a_session_never_written_at_all_is_created_from_its_recovery_file(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    disk = Disk(path, failures=[PermissionError(13, "Permission denied")] * 10_000)
    run = Live(path, disk, name="walk_5min")
    run.log._spill_dirs = [tmp_path / "spill"]
    run.log.sport, run.log.sub_sport = "running", "treadmill"  # `run --on treadmill`
    run.until(float("inf"))
    end(run)
    assert run.log.session_id is None and run.log.spilled_to is not None
    conn = db.connect(path)
    try:
        (folded,) = spill.fold(conn, path, [tmp_path / "spill"])
        info = get_session(conn, folded.session_id)
        assert info is not None and info.status == "complete" and info.origin == "live"
        assert (info.sport, info.sub_sport) == ("running", "treadmill")  # its mark is not lost
        assert info.summary == run.session.summary()
        assert load_samples(conn, folded.session_id) == run.recording.samples
    finally:
        conn.close()


def test_the_next_command_folds_it_in_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    _, stored = setup_for()
    dirs = paths.recovery_dirs()
    log = SessionLog(
        origin="live",
        started_at=START,
        setup=stored,
        connect=Disk(db.db_path(), [OSError(28, "No space")] * 99),
    )
    run = Live(db.db_path(), Disk(db.db_path()), name="walk_5min")
    run.log = log
    run.until(float("inf"))
    end(run)
    assert run.log.spilled_to is not None and run.log.spilled_to.parent == dirs[0]
    assert main(["sessions", "--json"]) == 0
    out, err = capsys.readouterr()
    (session,) = json.loads(out)
    assert session["summary"]["samples_total"] == len(run.recording.samples)
    assert f"hrcoach: saved session {session['id']}: {len(run.recording.samples)} samples" in err
    assert spill.pending(dirs) == []
    assert main(["sessions", "--json"]) == 0 and capsys.readouterr().err == ""  # once


def test_a_recovery_file_of_another_log_is_left_alone(tmp_path: Path) -> None:
    folder = tmp_path / "spill"
    folder.mkdir()
    other = folder / "hrcoach-unsaved-20261116T070000-1.json"
    other.write_text(json.dumps({"hrcoach_unsaved": 1, "db": "/elsewhere/hrcoach.sqlite3", "samples": []}))
    broken = folder / "hrcoach-unsaved-20261116T070000-2.json"
    broken.write_text("{not json")
    conn = db.connect(tmp_path / "log.sqlite3")
    try:
        assert spill.fold(conn, tmp_path / "log.sqlite3", [folder]) == []
    finally:
        conn.close()
    assert other.exists() and broken.exists()


def test_the_live_log_commits_with_a_full_sync(tmp_path: Path) -> None:
    # 14.2: with WAL and synchronous=NORMAL a power cut can lose more than the last second
    path = tmp_path / "log.sqlite3"
    disk = Disk(path)
    run = Live(path, disk, name="walk_5min")
    run.until(5)
    assert run.log.flush() and disk.conn is not None
    assert disk.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
