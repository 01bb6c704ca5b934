"""Issue #14 item 8: no input file takes more than 300 MB. Each reader streams, or refuses past a
bound `formats.bounded` states, with one line and exit 2.

Every file here is read by `hrcoach analyze` in a child process under a hard address-space limit
(`RLIMIT_AS`: a bomb fails fast instead of swapping the machine; address space runs ~100 MB above
RSS for the interpreter's mappings), and its peak RSS (from `wait4`) must stay under the goal.
Bombs are small on disk: a gzip stream may be many members, each a compressed megabyte, so a few
kilobytes unpack to a gigabyte. Readers too slow to bring to their bounds here (the FIT SDK decodes
~15k records a second) have their bounds tested in process; `benchmarks/bench_readers.py`
(`--samples N`, up to the bound) reports each reader's time and peak against the plain way.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from hrcoach.formats import bounded, fit_scan
from hrcoach.formats.files import load_recording
from hrcoach.formats.recording import RecordingError
from tests.conftest import REAL_HR

RSS_GOAL = 300 * 2**20
ADDRESS_LIMIT = 450 * 2**20
# The peak is the child's own VmHWM, written at exit: ru_maxrss would count the forking test
# process's memory too (Linux keeps the high-water mark across exec).
LAUNCH = (
    "import atexit, os, resource, runpy, sys; "
    f"resource.setrlimit(resource.RLIMIT_AS, ({ADDRESS_LIMIT}, {ADDRESS_LIMIT})); "
    "hwm = lambda: next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]; "
    "atexit.register(lambda: open(os.environ['PEAK_FILE'], 'w').write(hwm())); "
    "sys.argv = ['hrcoach', *sys.argv[1:]]; runpy.run_module('hrcoach', run_name='__main__')"
)
CAPTURE_HEADER = b'{"hrcoach_capture": 1, "device": {}, "started_at": "2026-11-01T10:00:00Z"}\n'


def analyze(path: Path, home: Path) -> tuple[int, str, int]:
    """(exit code, standard error, peak RSS in bytes) of `hrcoach analyze --hrmax 190 PATH`."""
    out, peak = home / "out.txt", home / "peak.txt"
    env = {**os.environ, "HRCOACH_HOME": str(home), "OPENBLAS_NUM_THREADS": "1", "PEAK_FILE": str(peak)}
    with open(out, "wb") as o:
        done = subprocess.run(
            [sys.executable, "-c", LAUNCH, "analyze", "--hrmax", "190", str(path)],
            stdout=o,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
            timeout=120,
        )
    return done.returncode, done.stderr, int(peak.read_text()) * 1024


def refused_in_bounds(path: Path, home: Path, said: str) -> None:
    code, err, peak = analyze(path, home)
    assert "Traceback" not in err and "MemoryError" not in err, err[-2000:]
    assert code == 2, (code, err[-500:])
    assert said in err and err.count("\n") == 1 and err.startswith("hrcoach: "), err
    assert peak < RSS_GOAL, f"{peak / 2**20:.0f} MB"


def gzip_bomb(path: Path, block: bytes, unpacked: int, head: bytes = b"") -> Path:
    """`head` then `block` repeated to `unpacked` bytes, as a multi-member gzip of few bytes."""
    member = gzip.compress(block, 9)
    with gzip.open(path, "wb") as f:
        f.write(head)
    with open(path, "ab") as f:
        f.write(member * (unpacked // len(block)))
    return path


def event_lines(n: int, rr: int = 0) -> bytes:
    """n capture events (at one time: they compress to nothing); with `rr`, each notification
    carries that many RR."""
    payload = (bytes([0x10, 120]) + (800).to_bytes(2, "little") * rr) if rr else bytes([0x00, 120])
    return b'{"t": 1, "hrm": "%s"}\n' % payload.hex().encode() * n


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir(mode=0o700)
    return tmp_path / "home"


def test_a_capture_unpacking_to_a_gigabyte_of_events_stops_at_the_sample_bound(
    tmp_path: Path, home: Path
) -> None:
    """Before: a 3 MB .hrcap.jsonl.gz took 6.35 GB (captures bypassed the decompression cap)."""
    bomb = gzip_bomb(tmp_path / "bomb.hrcap.jsonl.gz", event_lines(20_000), 2**30, CAPTURE_HEADER)
    assert bomb.stat().st_size < 3 * 2**20
    refused_in_bounds(bomb, home, f"more than {bounded.MAX_SAMPLES:,} samples")


def test_a_capture_of_blank_lines_stops_at_the_line_count_bound(tmp_path: Path, home: Path) -> None:
    """Blank lines are no events, but are lines: they stop at the line bound, at once (read one
    by one to the byte bound, they took a minute)."""
    bomb = gzip_bomb(tmp_path / "blank.hrcap.jsonl.gz", b"\n" * 2**20, 300 * 2**20, CAPTURE_HEADER)
    refused_in_bounds(bomb, home, f"more than {bounded.MAX_LINES:,} lines")


def test_a_capture_that_is_one_endless_line_is_refused_at_the_line_bound(tmp_path: Path, home: Path) -> None:
    bomb = gzip_bomb(tmp_path / "line.hrcap.jsonl.gz", b"7" * 2**20, 2**30, CAPTURE_HEADER + b'{"t": ')
    refused_in_bounds(bomb, home, ":2: a line over 64 KiB")


def test_notifications_full_of_rr_stop_at_the_beat_bound(tmp_path: Path, home: Path) -> None:
    bomb = gzip_bomb(tmp_path / "rr.hrcap.jsonl.gz", event_lines(1000, rr=200), 2**30, CAPTURE_HEADER)
    refused_in_bounds(bomb, home, f"more than {bounded.MAX_RR:,} RR intervals")


def test_a_200_mb_csv_is_streamed_and_analysed_in_bounds(tmp_path: Path, home: Path) -> None:
    """Before: CSV import was not streamed (165 MB took 3.1 GB). 100,000 rows with a wide note
    column, all read (the bench takes a CSV to the sample bound)."""
    rows = 100_000
    note = b"x" * 2000
    path = tmp_path / "wide.csv"
    with open(path, "wb") as f:
        f.write(b"t_s,bpm,rr_ms,note\n")
        for start in range(0, rows, 5_000):
            f.write(
                b"".join(b"%d,%d,512 498,%s\n" % (t, 120 + t % 30, note) for t in range(start, start + 5_000))
            )
    assert path.stat().st_size > 200 * 10**6
    code, err, peak = analyze(path, home)
    assert code == 0, err[-1000:]
    assert peak < RSS_GOAL, f"{peak / 2**20:.0f} MB"
    assert "27:46:39" in (home / "out.txt").read_text()  # 99,999 s: every row was read


def test_a_csv_bomb_in_a_zip_stops_at_the_sample_bound(tmp_path: Path, home: Path) -> None:
    inner = gzip_bomb(tmp_path / "rows.csv.gz", b"".join(b"%d,120\n" % t for t in range(50_000)), 2**30)
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.write(inner, "activity.csv.gz")
    refused_in_bounds(path, home, f"more than {bounded.MAX_SAMPLES:,} samples")


def test_a_zip_member_unpacking_past_the_byte_bound_is_refused(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "zeros.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z, z.open("a.csv", "w") as m:
        block = (b"#" + b"0" * 60_000 + b"\n") * 17  # comment lines: no samples, few lines
        for _ in range(270):
            m.write(block)
    refused_in_bounds(path, home, "too large for a recording (over 256 MiB unpacked)")


def test_a_tcx_of_more_points_than_the_bound_is_refused_while_streamed(tmp_path: Path, home: Path) -> None:
    point = b"<Trackpoint><Time>2026-11-01T10:00:00Z</Time><HeartRateBpm><Value>120</Value></HeartRateBpm></Trackpoint>"
    head = b'<?xml version="1.0"?><TrainingCenterDatabase><Activities><Activity><Lap><Track>'
    bomb = gzip_bomb(tmp_path / "points.tcx.gz", point * 10_000, 700_000 * len(point), head)
    refused_in_bounds(bomb, home, f"more than {bounded.MAX_SAMPLES:,} samples")


def test_an_hrm_of_millions_of_lines_stops_at_the_sample_bound(tmp_path: Path, home: Path) -> None:
    head = b"[Params]\nVersion=106\nInterval=1\n[HRData]\n"
    bomb = gzip_bomb(tmp_path / "lines.hrm.gz", b"120\n" * 2**18, 15 * 2**20, head)
    refused_in_bounds(bomb, home, f"more than {bounded.MAX_SAMPLES:,} samples")


def test_a_fit_file_past_its_whole_read_bound_is_refused_unread(tmp_path: Path, home: Path) -> None:
    header = (
        bytes([14, 0x20]) + (2100).to_bytes(2, "little") + (40 * 2**20).to_bytes(4, "little") + b".FIT\0\0"
    )
    bomb = gzip_bomb(tmp_path / "big.fit.gz", b"\0" * 2**20, 40 * 2**20, header)
    refused_in_bounds(bomb, home, "too large for a recording (over 32 MiB unpacked)")


@pytest.mark.skipif(not REAL_HR.is_dir(), reason="../shared/real_hr is absent")
def test_fit_records_past_the_sample_bound_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    path = REAL_HR / "tormoder_fit__garmin.fit"
    records = len(load_recording(path).events)
    monkeypatch.setattr(bounded, "MAX_SAMPLES", records // 2)
    with pytest.raises(RecordingError, match=rf"^{path}: more than {records // 2:,} samples"):
        load_recording(path)


@pytest.mark.skipif(not REAL_HR.is_dir(), reason="../shared/real_hr is absent")
def test_fit_messages_past_the_message_bound_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    path = REAL_HR / "tormoder_fit__garmin.fit"
    monkeypatch.setattr(fit_scan, "MAX_MESSAGES", 1000)
    with pytest.raises(RecordingError, match=rf"^{path}: more than 1,000 FIT messages"):
        load_recording(path)
