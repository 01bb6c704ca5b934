"""Issue 14.3: an open session's writer is alive exactly while it holds its lock, whatever its
PID or host name says; a crashed writer's session is recovered, a live one is never touched."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from hrcoach.store import db
from hrcoach.store.maintain import recover_unfinished
from hrcoach.store.sessions import get_session
from tests.test_disk_faults import START, Disk, Live, setup_for


def open_rows(path: Path) -> list[tuple[int, str]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT id, status FROM sessions").fetchall()
    finally:
        conn.close()


def test_a_live_writer_under_another_host_name_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    run = Live(path, Disk(path), name="walk_5min")
    run.until(60)
    assert run.log.flush()
    conn = db.connect(path)
    conn.execute("UPDATE sessions SET writer_host = 'another-host', writer_pid = 999999999")
    assert recover_unfinished(conn) == []  # a shared home on NFS: its lock says it is alive
    run.until(float("inf"))
    assert run.log.save(run.session.finish(), run.session.summary()).startswith("Saved as session")
    conn.close()


def test_the_moment_before_the_first_samples_are_written_is_safe(tmp_path: Path) -> None:
    from hrcoach.store.log import SessionLog

    _, stored = setup_for()
    path = tmp_path / "log.sqlite3"
    log = SessionLog(origin="live", started_at=START, setup=stored, path=path)
    assert log.flush()  # the session row exists, not one sample yet
    conn = db.connect(path)
    assert recover_unfinished(conn) == [] and open_rows(path) == [(log.session_id, "open")]  # not deleted
    log.close()
    assert recover_unfinished(conn) == [] and open_rows(path) == []  # gone with its writer: no empty row
    conn.close()


def test_a_reused_pid_does_not_keep_a_crashed_session_open(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    run = Live(path, Disk(path), name="walk_5min")
    run.until(60)
    assert run.log.flush()
    run.log.close()  # its lock released, as by a crash
    conn = db.connect(path)
    conn.execute("UPDATE sessions SET writer_pid = ?", (os.getpid(),))  # the PID now someone else's
    assert recover_unfinished(conn) == [run.log.session_id]
    info = get_session(conn, run.log.session_id or -1)
    assert info is not None and info.status == "recovered"
    conn.close()


def test_a_killed_writer_s_lock_is_released_by_the_system(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    child = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(Path.cwd())!r})
        from tests.test_disk_faults import Disk, Live
        from pathlib import Path
        run = Live(Path({str(path)!r}), Disk(Path({str(path)!r})), name="walk_5min")
        run.until(30)
        assert run.log.flush()
        print("ready", flush=True)
        time.sleep(600)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        conn = db.connect(path)
        assert recover_unfinished(conn) == []  # alive in another process
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        ((sid, _),) = open_rows(path)
        assert recover_unfinished(conn) == [sid]
        assert list((path.parent / "locks").iterdir()) == []  # its lock file went with it
        conn.close()
    finally:
        if proc.poll() is None:
            proc.kill()
