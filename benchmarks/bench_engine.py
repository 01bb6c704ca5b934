"""Engine and analyze speed. Run by hand: `uv run python benchmarks/bench_engine.py [--rows]`.

Prints one table: samples per second for the live incremental path (engine alone, and the whole
session with the coach) and for the numpy batch path, on the 3-hour fixture and on 1,000,000
synthetic samples, plus the wall time of `hrcoach analyze` on the 3-hour fixture. `--rows` also
prints the summary rows `run_all.py` collects."""

from __future__ import annotations

import argparse
import random
import subprocess
import sys

from benchlib import STREAMS, Row, best_of, emit_rows

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
        rows.append((name, "batch (numpy)", n / best_of(reps, lambda a=arrays: summarize(a, PARAMS))))
    cmd = [sys.executable, "-m", "hrcoach", "analyze", str(SOAK), "--hrmax", "185", "--json"]
    analyze_s = best_of(5, lambda: subprocess.run(cmd, check=True, capture_output=True))
    print(f"{'stream':<20} {'path':<30} {'samples/s':>12}")
    for stream, path, rate in rows:
        print(f"{stream:<20} {path:<30} {rate:>12,.0f}")
    print(f"hrcoach analyze soak_3h (10,800 samples, whole process): {analyze_s:.3f} s")
    if args.rows:
        emit_rows(summary_rows(rows, analyze_s))
    return 0


def summary_rows(rows: list[tuple[str, str, float]], analyze_s: float) -> list[Row]:
    rate = {(stream, path): r for stream, path, r in rows}
    out = []
    for stream in ("3-hour fixture", "1,000,000 samples"):
        out.append(
            (
                f"engine, {stream}: samples/s",
                f"live engine {rate[stream, 'live engine']:,.0f}; "
                f"live session (engine+coach) {rate[stream, 'live session (engine+coach)']:,.0f}; "
                f"batch numpy {rate[stream, 'batch (numpy)']:,.0f}",
            )
        )
    out.append(("`hrcoach analyze soak_3h --json` (whole process)", f"{analyze_s:.2f} s (best of 5)"))
    return out


if __name__ == "__main__":
    raise SystemExit(main())
