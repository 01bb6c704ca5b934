"""The crash promise: SIGKILL a replayed session at random moments; the database stays intact,
the next command recovers the session, and at most the last second of samples is missing (and
what the writer thread was committing at that moment: see WRITER_LAG_S). At 120x, one second of
session time was shorter than the writer thread's commit, and up to 2 s went missing."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hrcoach.cli import main
from hrcoach.formats.files import load_recording
from hrcoach.store.db import connect as db_connect
from hrcoach.store.records import load_samples
from tests.conftest import ROOT, stream

SPEED = 10  # a second of session time every 100 ms of wall time
# The log hands its rows to the writer thread once a second of session time, and the writer
# takes a moment to commit them: at 1x that moment is nothing beside a second, but a replay at
# SPEED stretches it SPEED-fold in session time. Allowed: WRITER_LAG_S of wall time.
WRITER_LAG_S = 0.1


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("trial", range(3))
def test_sigkill_loses_at_most_the_last_second(
    trial: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = Path(os.environ["HRCOACH_HOME"])
    side = tmp_path / "handed.txt"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = ["replay", str(stream("steady_35min")), "--speed", str(SPEED), "--headless", "--age", "33"]
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.crash_child", str(side), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    want = random.Random(trial).randint(20, 60)  # samples handed over before the kill
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and child.poll() is None:
        if side.exists() and side.read_text().count("\n") >= want:
            break
        time.sleep(0.005)
    assert child.poll() is None, child.stderr.read() if child.stderr else ""
    child.send_signal(signal.SIGKILL)
    child.wait()

    handed = [float(x) for x in side.read_text().split()]
    db = home / "data" / "hrcoach.sqlite3"
    raw = sqlite3.connect(db)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert raw.execute("SELECT status FROM sessions").fetchone()[0] == "open"
    raw.close()

    assert main(["sessions", "--json"]) == 0  # any command recovers it first
    out, err = capsys.readouterr()
    assert "recovered session 1" in err
    (info,) = json.loads(out)
    assert info["status"] == "recovered" and info["origin"] == "replay"
    saved = info["summary"]["samples_total"]
    samples = load_recording(stream("steady_35min")).samples
    assert saved <= len(handed)
    missing_s = handed[-1] - samples[saved - 1].t if saved else handed[-1]
    assert missing_s <= 1.0 + WRITER_LAG_S * SPEED + 1e-9, (saved, len(handed), missing_s)
    # what was saved is exactly the start of the recording, nothing skipped or doubled
    conn = db_connect(db)
    assert load_samples(conn, info["id"]) == samples[:saved]
    conn.close()
