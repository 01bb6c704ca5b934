"""Issue 14.10: `export -o` never replaces an existing file without --force, never replaces
anything that is not a regular file, and `-o -` writes to standard output."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hrcoach.cli import main
from tests.conftest import stream


@pytest.fixture
def sid(capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["profile", "set", "age", "33"]) == 0
    capsys.readouterr()
    assert main(["import", str(stream("walk_5min")), "--json"]) == 0
    return str(json.loads(capsys.readouterr().out)[0]["session"])


def test_an_existing_file_is_kept_unless_force(
    sid: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mine.csv"
    out.write_text("my own notes\n")
    assert main(["export", sid, "--format", "csv", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "exists; add --force to replace it" in err
    assert out.read_text() == "my own notes\n"
    assert main(["export", sid, "--format", "csv", "-o", str(out), "--force"]) == 0
    assert out.read_text().startswith("t_s,bpm,rr_ms")


def test_what_is_not_a_regular_file_is_never_replaced(
    sid: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "victim"
    target.write_text("precious\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    for path in (link, fifo):
        assert main(["export", sid, "--format", "csv", "-o", str(path), "--force"]) == 2
        assert "not a regular file; hrcoach never replaces one" in capsys.readouterr().err
    assert link.is_symlink() and target.read_text() == "precious\n" and fifo.exists()


def test_dash_writes_to_standard_output(capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["profile", "set", "age", "33"]) == 0
    assert main(["import", str(stream("walk_5min")), "--json"]) == 0
    sid = str(json.loads(capfdbinary.readouterr().out.splitlines()[-1])[0]["session"])
    assert main(["export", sid, "--format", "csv", "-o", "-"]) == 0
    out, err = capfdbinary.readouterr()
    assert out.startswith(b"t_s,bpm,rr_ms,time_utc,contact\n") and out.count(b"\n") == 300
    assert b"to standard output" in err
