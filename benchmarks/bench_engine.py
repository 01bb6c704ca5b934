"""Engine and analyze speed. Run by hand: `uv run python benchmarks/bench_engine.py [--rows]`.

Prints one table: samples per second for the live incremental path (engine alone, the whole
session with the coach, and that session as `analyze` runs it, making no Tick per event) and for
the numpy batch path, on the 3-hour fixture and on 1,000,000 synthetic samples, plus the wall time
of `hrcoach analyze` on the 3-hour fixture, with and without bytecode. `--rows` also prints the
summary rows `run_all.py` collects."""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile

from benchlib import STREAMS, Row, best_of, bytecode_env, emit_rows

from hrcoach.config import Profile
from hrcoach.engine.accounting import Params
from hrcoach.engine.batch import SampleArrays, summarize
from hrcoach.engine.live import LiveEngine
from hrcoach.formats.files import load_recording
from hrcoach.models import HeartRateSample
from hrcoach.session import Session, SessionSetup

SOAK = STREAMS / "soak_3h.hrcap.jsonl"
PARAMS = Params(hrmax=185)


def live(samples: list[HeartRateSample]) -> None:
    eng = LiveEngine(PARAMS)
    for s in samples:
        eng.ingest(s)
    eng.finish()
    eng.summary()


def session(samples: list[HeartRateSample]) -> None:
    sess = Session(SessionSetup.from_profile(Profile(hrmax=185)))
    for s in samples:
        sess.ingest(s)
    sess.finish()


def session_fed(samples: list[HeartRateSample]) -> None:
    """As `analyze` runs it: the same session, no Tick made per event."""
    sess = Session(SessionSetup.from_profile(Profile(hrmax=185)))
    for s in samples:
        sess.feed(s)
    sess.finish()


def synthetic(n: int) -> list[HeartRateSample]:
    rng = random.Random(7)
    bpm, out = 130, []
    for i in range(n):
        bpm = min(175, max(90, bpm + rng.randint(-2, 2)))
        value = 0 if rng.random() < 0.001 else (bpm * 2 if rng.random() < 0.001 else bpm)
        out.append(HeartRateSample(float(i), value, (60000 / bpm,)))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description="engine and analyze speed")
    parser.add_argument("--rows", action="store_true", help="also print run_all.py's rows as JSON")
    args = parser.parse_args()
    soak = load_recording(SOAK).samples
    million = synthetic(1_000_000)
    rows = []
    for name, samples, reps in (("3-hour fixture", soak, 5), ("1,000,000 samples", million, 3)):
        arrays = SampleArrays.from_samples(samples)
        n = len(samples)
        rows.append((name, "live engine", n / best_of(reps, lambda s=samples: live(s))))
        rows.append((name, "live session (engine+coach)", n / best_of(reps, lambda s=samples: session(s))))
        rows.append(
            (name, "live session, no ticks (analyze)", n / best_of(reps, lambda s=samples: session_fed(s)))
        )
        rows.append((name, "batch (numpy)", n / best_of(reps, lambda a=arrays: summarize(a, PARAMS))))
    analyze_s, analyze_cold_s = analyze_times(5)
    print(f"{'stream':<20} {'path':<34} {'samples/s':>12}")
    for stream, path, rate in rows:
        print(f"{stream:<20} {path:<34} {rate:>12,.0f}")
    print(
        f"hrcoach analyze soak_3h --json (10,800 samples, whole process, best of 5): {analyze_s:.3f} s"
        f" with bytecode, {analyze_cold_s:.3f} s without"
    )
    if args.rows:
        emit_rows(summary_rows(rows, analyze_s, analyze_cold_s))
    return 0


def analyze_times(n: int) -> tuple[float, float]:
    """Best-of-n wall times of `hrcoach analyze soak_3h --json` as a fresh process, reading bytecode
    compiled by an untimed first run, and compiling everything it imports (see `bytecode_env`)."""
    cmd = [sys.executable, "-m", "hrcoach", "analyze", str(SOAK), "--hrmax", "185", "--json"]
    with (
        tempfile.TemporaryDirectory() as home,
        tempfile.TemporaryDirectory() as pyc,
        tempfile.TemporaryDirectory() as no_pyc,
    ):
        env = dict(os.environ, HRCOACH_HOME=home)
        warm, cold = bytecode_env(env, pyc, bytecode=True), bytecode_env(env, no_pyc, bytecode=False)
        subprocess.run(cmd, check=True, capture_output=True, env=warm)  # compiles, untimed
        warm_s = best_of(n, lambda: subprocess.run(cmd, check=True, capture_output=True, env=warm))
        cold_s = best_of(n, lambda: subprocess.run(cmd, check=True, capture_output=True, env=cold))
    return warm_s, cold_s


def summary_rows(rows: list[tuple[str, str, float]], analyze_s: float, analyze_cold_s: float) -> list[Row]:
    rate = {(stream, path): r for stream, path, r in rows}
    out = []
    for stream in ("3-hour fixture", "1,000,000 samples"):
        out.append(
            (
                f"engine, {stream}: samples/s",
                f"live engine {rate[stream, 'live engine']:,.0f}; "
                f"live session (engine+coach) {rate[stream, 'live session (engine+coach)']:,.0f}, "
                f"without ticks (analyze) {rate[stream, 'live session, no ticks (analyze)']:,.0f}; "
                f"batch numpy {rate[stream, 'batch (numpy)']:,.0f}",
            )
        )
    out.append(
        (
            "`hrcoach analyze soak_3h --json` (whole process)",
            f"{analyze_s:.2f} s with bytecode, {analyze_cold_s:.2f} s without (best of 5)",
        )
    )
    return out


if __name__ == "__main__":
    raise SystemExit(main())
