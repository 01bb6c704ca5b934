"""Issue #14 item 9: a shared or world-writable HRCOACH_HOME allowed a symlink attack (another
local user could have hrcoach overwrite any file the victim can write, have the log created
anywhere, and keep ownership of the "private" folders). Each case runs the real command."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hrcoach import paths
from hrcoach.cli import main
from hrcoach.store import spill


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("HRCOACH_HOME", str(home))
    return home


def refused(capsys: pytest.CaptureFixture[str], argv: list[str], said: str) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1 and err.startswith("hrcoach: "), err


def test_a_world_writable_home_is_refused(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home.chmod(0o777)
    refused(capsys, ["sessions"], f"{home}: other users can write in it (mode 777)")
    assert not (home / "data").exists()  # nothing created in it


def test_a_data_folder_that_is_a_link_is_refused(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (home / "data").symlink_to(elsewhere)
    refused(capsys, ["sessions"], f"{home / 'data'}: is a symbolic link")
    assert list(elsewhere.iterdir()) == []  # the log was not created where the link points


def test_a_log_that_is_a_link_to_another_file_is_refused(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    (home / "data").mkdir(mode=0o700)
    (home / "data" / "hrcoach.sqlite3").symlink_to(victim)
    refused(capsys, ["sessions"], "is not a regular file (a link or a device)")
    assert victim.read_bytes() == b"precious"


def test_a_link_planted_at_the_temporary_name_is_not_written_through(home: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    target = home / "config" / "profile.toml"
    target.parent.mkdir(mode=0o700)
    target.with_name("profile.toml.tmp").symlink_to(victim)
    paths.write_private(target, b"age = 40\n")
    assert victim.read_bytes() == b"precious"
    assert target.read_bytes() == b"age = 40\n" and (target.stat().st_mode & 0o777) == 0o600


def test_an_existing_read_only_folder_is_left_read_only(home: Path) -> None:
    """Before: hrcoach silently made the folder 0700 again."""
    folder = home / "data"
    folder.mkdir(mode=0o500)
    paths.ensure_private_dir(folder)
    assert (folder.stat().st_mode & 0o777) == 0o500


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user needs root")
def test_a_home_owned_by_another_user_is_refused(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.chown(home, 65534, 65534)
    refused(capsys, ["sessions"], f"{home}: belongs to another user (uid 65534)")


def test_a_recovery_folder_another_user_could_write_is_passed_over(tmp_path: Path) -> None:
    """The last recovery folder is in /tmp, where another user could make it first."""
    shared = tmp_path / "hrcoach-recovery-1000"
    shared.mkdir()
    shared.chmod(0o777)
    mine = tmp_path / "mine"
    state = {"started_at": "2026-11-16T07:00:00+00:00", "db": str(tmp_path / "log.sqlite3"), "samples": []}
    written = spill.write(state, [shared, mine])
    assert written is not None and written.parent == mine
    assert list(shared.iterdir()) == []


def test_recovery_files_in_a_folder_others_can_write_are_not_folded(tmp_path: Path) -> None:
    """Rows planted by another user would otherwise go into this user's log."""
    log = tmp_path / "log.sqlite3"
    shared = tmp_path / "planted"
    shared.mkdir()
    (shared / "hrcoach-unsaved-20261116T070000-1.json").write_text(
        json.dumps({"hrcoach_unsaved": 1, "db": str(log), "samples": []})
    )
    assert spill.pending([shared]) != []
    shared.chmod(0o777)
    assert spill.pending([shared]) == []
