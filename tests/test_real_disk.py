"""Issue 14.1 on a real file system, not on SQLite pragmas: the log's folder is a small ext4
file system of its own (a loop device; CI runs as root). Mid-session it fills up, or the kernel
turns it read-only as it does on a disk error (`errors=remount-ro`); it is still so when the
session ends. Not one sample may be lost: what the log could not take goes to a recovery file
on another file system (the cache folder), the user is told where, and the next command, once
the disk is healed, folds it in: every sample once, in order.

Laid out as on a user's machine without HRCOACH_HOME: the data folder (the log) under
XDG_DATA_HOME on the small disk, the config and cache folders elsewhere."""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hrcoach import paths
from hrcoach.cli import main
from hrcoach.models import Event, HeartRateSample
from hrcoach.sources import feeds
from hrcoach.sources.replay import replay as real_replay
from hrcoach.store import db
from tests.conftest import stream
from tests.test_disk_faults import check_cli_session, saved_samples

TOOLS = ("mkfs.ext4", "mount", "umount", "e2fsck")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


class SmallDisk:
    """An 8 MiB ext4 file system on a loop device, mounted at `at`."""

    def __init__(self, image: Path, at: Path) -> None:
        self.image, self.at = image, at
        self.filler = at / "filler"

    def mount(self) -> None:
        done = _run("mount", "-o", "loop,errors=remount-ro", str(self.image), str(self.at))
        if done.returncode:
            pytest.skip(f"a loop file system cannot be mounted here: {done.stderr.strip()}")

    def unmount(self) -> None:
        if _run("umount", str(self.at)).returncode:
            _run("umount", "-l", str(self.at))

    def fill(self) -> int:
        """Write a file until the disk says it is full; returns the bytes it took."""
        block = b"\0" * 65536
        took = 0
        with self.filler.open("ab", buffering=0) as fh:
            try:
                while True:
                    took += fh.write(block)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
        with self.filler.open("ab", buffering=0) as fh:  # and the last few bytes
            try:
                while True:
                    took += fh.write(b"\0")
            except OSError:
                pass
        return took

    def fail(self) -> None:
        """What the kernel does on a disk error with errors=remount-ro: read-only, at once."""
        device = Path(_run("findmnt", "-n", "-o", "SOURCE", str(self.at)).stdout.strip()).name
        Path(f"/sys/fs/ext4/{device}/trigger_fs_error").write_text("hrcoach test\n")
        probe = self.at / "probe"
        with pytest.raises(OSError) as raised:
            probe.write_text("x")
        assert raised.value.errno == errno.EROFS

    def heal(self) -> None:
        """Unmount, repair, mount again with the filler gone: the disk works again."""
        self.unmount()
        assert _run("e2fsck", "-fy", str(self.image)).returncode in (0, 1)  # 1: errors corrected
        self.mount()
        self.filler.unlink(missing_ok=True)


@pytest.fixture
def disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[SmallDisk]:
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("a loop file system needs root on Linux (CI runs as root)")
    if missing := [t for t in TOOLS if not shutil.which(t)]:
        pytest.skip(f"{', '.join(missing)} not installed")
    image, at = tmp_path / "disk.img", tmp_path / "disk"
    with image.open("wb") as fh:
        fh.truncate(8 << 20)
    at.mkdir()
    assert _run("mkfs.ext4", "-q", "-F", "-m", "0", str(image)).returncode == 0
    small = SmallDisk(image, at)
    small.mount()
    try:
        monkeypatch.delenv("HRCOACH_HOME")
        monkeypatch.setenv("XDG_DATA_HOME", str(at))
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        assert paths.data_dir() == at / "hrcoach"
        assert main(["profile", "set", "age", "33"]) == 0  # HRmax 185, as the fixtures assume
        capsys.readouterr()
        yield small
    finally:
        small.unmount()


def session_meeting(fault: Any, at_s: float) -> Any:
    """A replay feed that calls `fault()` once the session reaches `at_s` seconds; it records
    how many samples the log had written by then."""
    written: list[int] = []

    async def timeline(events: Iterable[Event], **kwargs: Any) -> AsyncIterator[Event]:
        fired = False
        async for ev in real_replay(events, **kwargs):
            if not fired and ev.t >= at_s:
                fired = True
                written.append(saved_samples(db.db_path()))
                fault()
            yield ev

    timeline.written = written  # type: ignore[attr-defined]
    return timeline


@pytest.mark.parametrize(("fault", "home"), [("full", False), ("read-only", False), ("full", True)])
def test_a_disk_full_or_read_only_until_the_end_loses_no_sample(
    disk: SmallDisk,
    fault: str,
    home: bool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """`home`: HRCOACH_HOME is the small disk, all of it (the recovery folder is the temp one)."""
    recovery = tmp_path / "cache" / "hrcoach" / "recovery"
    if home:
        monkeypatch.setenv("HRCOACH_HOME", str(disk.at / "home"))
        assert main(["profile", "set", "age", "33"]) == 0
        recovery = Path(tempfile.gettempdir()) / f"hrcoach-recovery-{os.getuid()}"
    timeline = session_meeting(disk.fill if fault == "full" else disk.fail, at_s=300.0)
    monkeypatch.setattr(feeds, "replay", timeline)
    assert main(["replay", str(stream("steady_35min")), "--speed", "0", "--headless"]) == 0
    out, err = capsys.readouterr()
    assert timeline.written and timeline.written[0] > 200  # minutes were on disk before the fault
    said = [line for line in err.splitlines() if "coaching goes on" in line]
    assert len(said) == 1, err  # said once, in one line
    assert ("disk is full" if fault == "full" else "read-only") in said[0], said[0]
    (spilled,) = recovery.glob("hrcoach-unsaved-*.json")
    assert "NOT SAVED in the log" in out and str(spilled) in out, out
    unwritten = len(json.loads(spilled.read_text())["samples"])
    total = sum(isinstance(e, HeartRateSample) for e in load_events("steady_35min"))
    assert unwritten >= total - timeline.written[0] - 60  # the rest of the session, in the file

    disk.heal()
    assert main(["sessions", "--json"]) == 0  # the next command
    out, err = capsys.readouterr()
    assert f"{unwritten} samples" in err and "session 1" in err, err
    assert not spilled.exists()
    (info,) = json.loads(out)
    assert info["status"] == "complete"
    check_cli_session("steady_35min")  # every sample once, in order; the batch summary


def load_events(name: str) -> list[Event]:
    from hrcoach.formats.files import load_recording

    return load_recording(stream(name)).events


def test_an_import_onto_a_full_disk_says_which_file_failed_and_leaves_the_log_whole(
    disk: SmallDisk, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(stream("walk_5min"))]) == 0
    capsys.readouterr()
    disk.fill()
    files = [stream("steady_35min"), stream("tempo_45min")]
    code = main(["import", *map(str, files)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    # each file named, or, where the log itself cannot be opened (its WAL holds rows, and
    # opening it on a full disk could kill the process with SIGBUS: db.shm_unsafe), the log
    named = [[x for x in err.splitlines() if str(f) in x] for f in files]
    log_line = [x for x in err.splitlines() if str(db.db_path()) in x]
    assert all(len(n) == 1 and "disk is full" in n[0] for n in named) or (
        len(log_line) == 1 and "the disk is full" in log_line[0] and err.count("\n") == 1
    ), err
    assert main(["sessions", "--json"]) == 2  # the WAL holds rows the full disk keeps: not read
    assert "the disk is full" in capsys.readouterr().err
    disk.heal()  # (reading a WAL log on a full disk can kill the reader with SIGBUS: see db.shm_unsafe)
    conn = sqlite3.connect(db.db_path())
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 1  # nothing half-written
    conn.close()
    assert main(["import", *map(str, files)]) == 0
    capsys.readouterr()
    assert main(["sessions", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3


def test_a_full_disk_still_lists_the_log_and_an_import_says_the_disk_is_full(
    disk: SmallDisk, capsys: pytest.CaptureFixture[str]
) -> None:
    """The log is opened without its shared-memory WAL index on a full disk (every command died
    with SIGBUS there, in SQLite's first write to that memory): read as it is, written never."""
    import gc

    assert main(["import", str(stream("walk_5min"))]) == 0
    gc.collect()  # a connection this process left to the collector: closed, its WAL folded in
    capsys.readouterr()
    disk.fill()
    assert main(["sessions", "--json"]) == 0
    assert [s["status"] for s in json.loads(capsys.readouterr().out)] == ["complete"]
    steady = stream("steady_35min")
    assert main(["import", str(steady)]) == 2
    err = capsys.readouterr().err
    (line,) = [x for x in err.splitlines() if str(steady) in x]
    assert "disk is full" in line and "Traceback" not in err, err
