from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STREAMS = ROOT / "fixtures" / "hr_streams"
REAL_HR = ROOT.parent / "shared" / "real_hr"
FIXTURE_NAMES = sorted(p.name.removesuffix(".hrcap.jsonl") for p in STREAMS.glob("*.hrcap.jsonl"))


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own HRCOACH_HOME: no test touches the user's files."""
    home = tmp_path / "hrcoach-home"
    monkeypatch.setenv("HRCOACH_HOME", str(home))
    tmp = tmp_path.with_name(tmp_path.name + "-tmp")  # beside tmp_path, which tests list
    tmp.mkdir()  # the recovery folder of last resort is in the temp folder
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return home


@pytest.fixture(autouse=True)
def _no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """An Input's cursor stays shown: a snapshot taken on a blink's off phase differs for no
    reason (seen under load)."""
    from textual.widgets import Input

    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


def stream(name: str) -> Path:
    return STREAMS / f"{name}.hrcap.jsonl"


def real_file(name: str) -> Path:
    path = REAL_HR / name
    if not path.exists():
        pytest.skip(f"{REAL_HR} is absent")
    return path
