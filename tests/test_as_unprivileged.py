"""Issue 14, the fault tests themselves: permission faults tried as a user whom permissions
bind. CI runs as root, and root ignores them, so these run hrcoach as `nobody` (`setpriv`); as
a normal user they run hrcoach as that user. Each fault gets one line and exit 2, never a
traceback, and hrcoach never changes the modes a user set on their own folders."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, stream

NOBODY = 65534


class User:
    """Runs `python -m hrcoach` as an unprivileged user, with its own home in `at`."""

    def __init__(self, at: Path) -> None:
        self.at = at
        self.home = at / "home"
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            self.prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "HRCOACH_HOME": str(self.home),
            "TMPDIR": str(self.at / "tmp"),
            "PYTHONPATH": str(ROOT / "src"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        return subprocess.run(
            [*self.prefix, sys.executable, "-m", "hrcoach", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=self.at,
            timeout=120,
        )


@pytest.fixture
def user() -> Iterator[User]:
    if sys.platform == "win32":
        pytest.skip("POSIX permissions")
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        pytest.skip("setpriv is not installed: cannot drop root")
    at = Path(tempfile.mkdtemp(prefix="hrcoach-unprivileged-", dir="/tmp"))  # a folder nobody may enter
    try:
        (at / "tmp").mkdir()
        if os.geteuid() == 0:
            for p in (at, at / "tmp"):
                os.chown(p, NOBODY, NOBODY)
        u = User(at)
        probe = u.run("--version")
        if probe.returncode:
            pytest.skip(f"python cannot run as an unprivileged user here: {probe.stderr.strip()[-200:]}")
        yield u
    finally:
        for folder in [at, *at.rglob("*")]:
            if folder.is_dir() and not folder.is_symlink():
                folder.chmod(0o700)
        shutil.rmtree(at)


def one_line_exit_2(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.returncode, done.stdout[-500:], done.stderr)
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("hrcoach: "), done.stderr
    return done.stderr


def test_a_read_only_data_folder_is_read_refused_for_writing_and_left_as_set(user: User) -> None:
    assert user.run("profile", "set", "age", "33").returncode == 0
    done = user.run("import", str(stream("walk_5min")), "--json")
    assert done.returncode == 0, done.stderr
    data = user.home / "data"
    data.chmod(0o500)
    listed = user.run("sessions", "--json")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 1
    err = one_line_exit_2(user.run("import", str(stream("steady_35min"))))
    assert "read-only" in err, err
    assert oct(data.stat().st_mode & 0o777) == "0o500"  # hrcoach did not chmod it back


def test_a_data_folder_that_cannot_be_written_from_the_start_is_one_line(user: User) -> None:
    user.home.mkdir(mode=0o700)
    (user.home / "data").mkdir(mode=0o500)
    if os.geteuid() == 0:
        for p in (user.home, user.home / "data"):
            os.chown(p, NOBODY, NOBODY)
    err = one_line_exit_2(user.run("import", str(stream("walk_5min")), "--age", "33"))
    assert "read-only" in err or "cannot" in err, err
    assert oct((user.home / "data").stat().st_mode & 0o777) == "0o500"


def test_a_config_folder_that_cannot_be_written_is_one_line(user: User) -> None:
    assert user.run("profile", "set", "age", "33").returncode == 0
    config = user.home / "config"
    config.chmod(0o500)
    err = one_line_exit_2(user.run("profile", "set", "age", "40"))
    assert str(config) in err, err
    shown = user.run("profile", "show")
    assert shown.returncode == 0 and "33" in shown.stdout, shown.stderr  # the profile as it was


def test_an_export_into_a_folder_that_cannot_be_written_is_one_line(user: User) -> None:
    assert user.run("import", str(stream("walk_5min")), "--age", "33").returncode == 0
    out = user.at / "out"
    out.mkdir(mode=0o500)
    if os.geteuid() == 0:
        os.chown(out, NOBODY, NOBODY)
    err = one_line_exit_2(user.run("export", "1", "--format", "tcx", "-o", str(out / "s.tcx")))
    assert str(out / "s.tcx") in err, err
    assert not (out / "s.tcx").exists()


def test_another_user_s_log_is_refused_not_taken_over(user: User) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to make a log of another user's")
    user.home.mkdir(mode=0o700)
    os.chown(user.home, NOBODY, NOBODY)
    (user.home / "data").mkdir(mode=0o700)  # root's, inside nobody's home
    err = one_line_exit_2(user.run("sessions"))
    assert "data" in err, err
