"""Issue 14.6: a read-only disk or folder does not make the log unreadable: sessions, show,
history and export still work; an import says in one line that the log is read-only."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hrcoach import paths
from hrcoach.cli import main
from hrcoach.store import db
from tests.conftest import stream


@pytest.fixture
def logged(capsys: pytest.CaptureFixture[str]) -> int:
    assert main(["profile", "set", "age", "33"]) == 0
    assert main(["import", str(stream("walk_5min")), "--json"]) == 0
    out = capsys.readouterr().out.splitlines()[-1]
    return int(json.loads(out)[0]["session"])


def test_a_log_on_a_read_only_disk_is_read(
    logged: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def read_only(path: Path) -> Path:
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(paths, "ensure_private_dir", read_only)
    conn = db.connect()
    assert conn.execute("PRAGMA query_only").fetchone()[0] == 1
    conn.close()
    assert main(["sessions", "--json"]) == 0
    assert [s["id"] for s in json.loads(capsys.readouterr().out)] == [logged]
    assert main(["show", str(logged)]) == 0 and main(["history"]) == 0
    out = tmp_path / "s.csv"
    assert main(["export", str(logged), "--format", "csv", "-o", str(out)]) == 0 and out.exists()
    capsys.readouterr()
    assert main(["import", str(stream("steady_35min"))]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the session log is read-only" in err


@pytest.mark.skipif(
    sys.platform != "linux" or os.geteuid() != 0 or not shutil.which("mount"),
    reason="a read-only bind mount needs root on Linux",
)
def test_a_log_on_a_real_read_only_mount_is_read(logged: int, tmp_path: Path) -> None:
    home = Path(os.environ["HRCOACH_HOME"])
    view = tmp_path / "ro"
    view.mkdir()
    if subprocess.run(["mount", "--bind", str(home), str(view)], capture_output=True).returncode:
        pytest.skip("mount --bind is not permitted here")
    try:
        assert (
            subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], capture_output=True).returncode == 0
        )
        env = {**os.environ, "HRCOACH_HOME": str(view)}
        run = [sys.executable, "-m", "hrcoach", "sessions", "--json"]
        done = subprocess.run(run, capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 0, done.stderr
        assert [s["id"] for s in json.loads(done.stdout)] == [logged] and done.stderr == ""
    finally:
        subprocess.run(["umount", str(view)], capture_output=True)
