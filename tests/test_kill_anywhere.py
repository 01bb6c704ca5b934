"""The crash promise, tried at random moments across the three commands that write the log:
a live replay, a multi-file import (one file holding several activities) and a recompute of
every summary after an HRmax change. Each child is SIGKILLed at a moment chosen from a side
channel (`tests/crash_child.py`): after a random number of samples, saves or summaries, plus a
random part of the next one. Then:

- the database passes SQLite's integrity check;
- replay: the next command marks the session `recovered`; what is saved is exactly the start of
  the recording, and at most the last second is missing (plus what the writer thread was
  committing: WRITER_LAG_S of wall time, stretched SPEED-fold in session time);
- import: every file is in whole or not at all (never some activities of a file), and the same
  import run again brings in the rest, each activity once;
- recompute: every session has its old setup and summary or its new ones, never a mix, and the
  next command finishes the work: the summaries are those of an uninterrupted recompute.

HRCOACH_KILLS sets how many kills (default 3, one of each; CI runs 20): each costs two or three
hrcoach processes. What each kill cost is printed (`pytest -s`); the README's reliability
section has CI's figures."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from hrcoach.formats.files import load_recording, load_recordings
from hrcoach.models import HeartRateSample
from hrcoach.store import db
from hrcoach.store.maintain import recover_unfinished
from hrcoach.store.records import load_samples
from hrcoach.store.sessions import get_session
from tests.conftest import ROOT, stream

SPEED = 10  # replay: a second of session time every 100 ms of wall time
WRITER_LAG_S = 0.1
KILLS = int(os.environ.get("HRCOACH_KILLS", "3"))
TRIALS = [("replay", "import", "recompute")[n % 3] for n in range(KILLS)]
RECOMPUTED = 6  # three-hour sessions: each summary takes long enough to be killed in the middle of


@dataclass
class Outcome:
    kind: str
    at: str  # where the kill landed
    lost: str  # what it cost, in words


class Child:
    """One hrcoach command in a child process with its own home and side channel, which kills
    itself `after_s` seconds after the `at`-th line of its side channel."""

    def __init__(self, home: Path, args: list[str], at: int, after_s: float) -> None:
        self.side = home.with_name(home.name + "-side.txt")
        self.side.unlink(missing_ok=True)
        env = {
            **os.environ,
            "HRCOACH_HOME": str(home),
            "PYTHONPATH": str(ROOT),
            "HRCOACH_KILL": f"{at}:{after_s}",
        }
        self.done = subprocess.run(
            [sys.executable, "-m", "tests.crash_child", str(self.side), *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=120,
        )
        assert self.done.returncode == -signal.SIGKILL, f"not killed: {self.done.stderr.decode()[-500:]}"

    def lines(self) -> list[str]:
        return self.side.read_text().split()


def hrcoach(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HRCOACH_HOME": str(home), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "hrcoach", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done


def log_of(home: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(home / "data" / "hrcoach.sqlite3")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    return conn


def profile(home: Path) -> None:
    (home / "config").mkdir(parents=True, mode=0o700)
    (home / "config" / "profile.toml").write_text("age = 33\n")


# --- replay -----------------------------------------------------------------------------------


def replay_trial(home: Path, rng: random.Random) -> Outcome:
    profile(home)
    args = ["replay", str(stream("steady_35min")), "--speed", str(SPEED), "--headless"]
    child = Child(home, args, at=rng.randint(5, 80), after_s=rng.uniform(0, 1 / SPEED))
    handed = [float(x) for x in child.lines()]
    conn = log_of(home)
    assert conn.execute("SELECT status FROM sessions").fetchone()[0] == "open"
    conn.close()

    conn = db.connect(home / "data" / "hrcoach.sqlite3")  # what any command does first
    try:
        assert recover_unfinished(conn) == [1]
        info = get_session(conn, 1)
        assert info is not None and info.status == "recovered" and info.origin == "replay"
        saved = info.summary.samples_total if info.summary else 0
        samples = load_recording(stream("steady_35min")).samples
        assert saved <= len(handed)
        missing_s = handed[-1] - samples[saved - 1].t if saved else handed[-1]
        assert missing_s <= 1.0 + WRITER_LAG_S * SPEED + 1e-9, (saved, len(handed), missing_s)
        assert load_samples(conn, 1) == samples[:saved]  # the start, nothing skipped or doubled
    finally:
        conn.close()
    return Outcome("replay", f"{handed[-1]:.0f} s into the session", f"{missing_s:.2f} s of samples")


# --- import -----------------------------------------------------------------------------------


def many_activities(path: Path) -> None:
    """A TCX of three activities on three days (the fixtures' samples), as Garmin writes them."""
    parts = []
    for day, name in enumerate(["steady_35min", "tempo_45min", "intervals_overshoot"]):
        rec = load_recording(stream(name))
        assert rec.started_at is not None
        start = rec.started_at + timedelta(days=day)
        points = "".join(
            f"<Trackpoint><Time>{(start + timedelta(seconds=s.t)).isoformat().replace('+00:00', 'Z')}</Time>"
            f"<HeartRateBpm><Value>{s.bpm}</Value></HeartRateBpm></Trackpoint>"
            for s in rec.samples
        )
        when = start.isoformat().replace("+00:00", "Z")
        parts.append(
            f'<Activity Sport="Running"><Id>{when}</Id><Lap StartTime="{when}">'
            f"<Track>{points}</Track></Lap></Activity>"
        )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<TrainingCenterDatabase'
        ' xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        f"<Activities>{''.join(parts)}</Activities></TrainingCenterDatabase>\n"
    )


def activities(files: list[Path]) -> dict[Path, list[list[HeartRateSample]]]:
    return {f: [r.samples for r in load_recordings(f)] for f in files}


def stored(home: Path) -> dict[int, tuple[str | None, list[HeartRateSample]]]:
    conn = log_of(home)
    try:
        rows = conn.execute("SELECT id, source_path FROM sessions ORDER BY id").fetchall()
        return {sid: (src, load_samples(conn, sid)) for sid, src in rows}
    finally:
        conn.close()


def import_trial(
    home: Path, rng: random.Random, files: list[Path], whole: dict[Path, list[list[HeartRateSample]]]
) -> Outcome:
    profile(home)
    total = sum(len(v) for v in whole.values())
    # while saving a random activity, or just after it (fixtures share a start: --anyway)
    child = Child(
        home, ["import", "--anyway", *map(str, files)], at=rng.randint(1, total), after_s=rng.uniform(0, 0.05)
    )
    begun = len(child.lines())
    after = stored(home)
    in_whole = 0
    for f, acts in whole.items():
        mine = [samples for src, samples in after.values() if src == str(f.resolve())]
        assert mine in ([], acts), f"{f.name}: {len(mine)} of {len(acts)} activities saved"  # all or none
        in_whole += bool(mine)
    hrcoach(home, "import", "--anyway", *map(str, files))  # the same import again
    final = stored(home)
    for f, acts in whole.items():
        mine = [samples for src, samples in final.values() if src == str(f.resolve())]
        assert mine == acts, f"{f.name}: after the second import"  # each activity once, whole
    assert len(final) == total
    return Outcome(
        "import",
        f"saving activity {begun} of {total}",
        f"0 activities; {in_whole} of {len(files)} files had gone in",
    )


# --- recompute --------------------------------------------------------------------------------


def rows(home: Path) -> dict[int, tuple[str, str]]:
    conn = log_of(home)
    try:
        return {
            sid: (setup, summary)
            for sid, setup, summary in conn.execute("SELECT id, setup, summary FROM sessions")
        }
    finally:
        conn.close()


def recompute_trial(
    home: Path, rng: random.Random, template: Path, reference: dict[int, tuple[str, str]]
) -> Outcome:
    shutil.copytree(template, home)
    before = rows(home)
    samples_before = {sid: s for sid, (_, s) in stored(home).items()}
    child = Child(
        home, ["profile", "set", "hrmax", "190"], at=rng.randint(1, len(before)), after_s=rng.uniform(0, 0.02)
    )
    begun = len(child.lines())
    midway = rows(home)
    new = sum(midway[sid] == reference[sid] for sid in midway)
    assert all(midway[sid] in (before[sid], reference[sid]) for sid in midway), (
        "a session's setup and summary disagree"
    )
    hrcoach(home, "history")  # the next command finishes the recompute
    profile_now = (home / "config" / "profile.toml").read_text()
    assert rows(home) == (reference if "190" in profile_now else before)
    assert {sid: s for sid, (_, s) in stored(home).items()} == samples_before  # no sample touched
    return Outcome(
        "recompute",
        f"summary {begun} of {len(before)} begun",
        f"0 sessions; {new} of {len(before)} were done",
    )


# --- the campaign -----------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_twenty_kills_across_replay_import_and_recompute_lose_nothing_promised(tmp_path: Path) -> None:
    files = [tmp_path / "three.tcx", stream("walk_5min"), stream("tempo_45min"), stream("dropout_reconnect")]
    many_activities(files[0])
    whole = activities(files)

    template = tmp_path / "template"
    profile(template)
    soaks = [tmp_path / f"soak-{n}.hrcap.jsonl" for n in range(RECOMPUTED)]
    for n, soak in enumerate(soaks):  # the same recording, files that differ (blank lines)
        soak.write_text(stream("soak_3h").read_text() + "\n" * n)
    hrcoach(template, "import", "--anyway", *map(str, soaks))
    done = tmp_path / "reference"
    shutil.copytree(template, done)
    hrcoach(done, "profile", "set", "hrmax", "190")  # uninterrupted
    reference = rows(done)
    assert reference.keys() == rows(template).keys() and reference != rows(template)

    trials: dict[str, Callable[[Path, random.Random], Outcome]] = {
        "replay": replay_trial,
        "import": lambda home, rng: import_trial(home, rng, files, whole),
        "recompute": lambda home, rng: recompute_trial(home, rng, template, reference),
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [
            pool.submit(trials[kind], tmp_path / f"home-{n}", random.Random(f"{kind}-{n}"))
            for n, kind in enumerate(TRIALS)
        ]
        outcomes = [f.result() for f in futures]
    for o in outcomes:
        print(f"kill {o.kind:9} at {o.at:28} lost {o.lost}")
    assert len(outcomes) == KILLS
