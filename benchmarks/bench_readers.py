"""Each file reader against the plain way to read the same file, in the same run: wall time and
peak memory. Run: `uv run python benchmarks/bench_readers.py [--samples N] [--repeat N] [--rows]`.

One recording of N one-second samples (default 200,000: 55 hours, 40 % of the 500,000-sample
bound) is written in each format hrcoach reads most (its own capture, CSV, TCX, FIT: the
exporters write them, so every file is valid and holds the same samples). Each file is then read
in a fresh child process, best of `--repeat`:

  hrcoach  `formats.files.load_recording(path)`: the bounded, streaming reader `analyze` and
           `import` use (samples, RR, laps, notes), its memory bounds in force
  peer     the plain way, holding what it read: capture `[json.loads(line) ...]`, CSV
           `list(csv.reader(f))`, TCX `xml.etree.ElementTree.parse` (the whole tree, as hrcoach's
           reader did before issue 14), FIT the Garmin SDK's `Decoder.read()` alone (hrcoach's
           reader decoded with it until issue 15; it now walks the file itself: bench_fit.py)

Peak memory is the child's own VmHWM at exit (`/proc/self/status`), minus nothing: the baseline
row shows what the interpreter with each side's imports takes before reading a byte.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from benchlib import ROOT, Row, emit_rows, machine_line

READ = {
    "hrcoach": (
        "from hrcoach.formats.files import load_recording\n"
        "r = load_recording(Path(PATH))\n"
        "n = len(r.samples)\n"
    ),
    "capture": "import json\nwith open(PATH) as f: rows = [json.loads(l) for l in f]\nn = len(rows) - 1\n",
    "csv": "import csv\nwith open(PATH, newline='') as f: rows = list(csv.reader(f))\nn = len(rows) - 1\n",
    "tcx": (
        "import xml.etree.ElementTree as ET\n"
        "tree = ET.parse(PATH)\n"
        "n = sum(1 for e in tree.iter() if e.tag.endswith('}Trackpoint'))\n"
    ),
    "fit": (
        "from garmin_fit_sdk import Decoder, Stream\n"
        "messages, errors = Decoder(Stream.from_file(PATH)).read()\n"
        "assert not errors, errors\n"
        "n = len(messages['record_mesgs'])\n"
    ),
}
BASELINE = {
    "hrcoach": "from hrcoach.formats.files import load_recording\nn = 0\n",
    "capture": "import json\nn = 0\n",
    "csv": "import csv\nn = 0\n",
    "tcx": "import xml.etree.ElementTree as ET\nn = 0\n",
    "fit": "from garmin_fit_sdk import Decoder, Stream\nn = 0\n",
}
CHILD = """
import json, sys, time
from pathlib import Path
PATH = sys.argv[1]
t0 = time.perf_counter()
{code}
took = time.perf_counter() - t0
hwm = next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]
print(json.dumps({{"n": n, "s": took, "peak": int(hwm) * 1024}}))
"""
FORMATS = {"capture": ".hrcap.jsonl", "csv": ".csv", "tcx": ".tcx", "fit": ".fit"}


def child(code: str, path: Path) -> dict[str, float]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-c", CHILD.format(code=code), str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )
    if done.returncode:
        raise SystemExit(f"bench_readers: reading {path} failed: {done.stderr.strip()[-400:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def best(code: str, path: Path, repeat: int) -> dict[str, float]:
    runs = [child(code, path) for _ in range(repeat)]
    return {"n": runs[0]["n"], "s": min(r["s"] for r in runs), "peak": min(r["peak"] for r in runs)}


def write_files(folder: Path, samples: int) -> dict[str, Path]:
    """One recording of `samples` seconds, a little RR with each beat, in every format."""
    from hrcoach.formats.export_common import ExportSession
    from hrcoach.formats.exports import EXPORTERS, SUFFIXES
    from hrcoach.models import HeartRateSample, SensorContact

    rows = []
    for i in range(samples):
        bpm = 120 + (i // 30) % 40
        rr = (60000 / bpm,)
        rows.append(HeartRateSample(t=float(i), bpm=bpm, rr_ms=rr, contact=SensorContact.DETECTED))
    session = ExportSession(
        started_at=datetime(2026, 11, 1, 7, 0, tzinfo=UTC), samples=rows, device={"name": "bench strap"}
    )
    files = {}
    for fmt, suffix in FORMATS.items():
        assert SUFFIXES[fmt] == suffix
        path = folder / f"bench{suffix}"
        print(f"writing {path.name} ...", file=sys.stderr, flush=True)
        EXPORTERS[fmt](session, path)
        files[fmt] = path
    return files


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--samples", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rows", action="store_true", help="also print the summary rows for run_all.py")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))

    with tempfile.TemporaryDirectory(prefix="hrcoach-bench-readers-") as tmp:
        files = write_files(Path(tmp), args.samples)
        base = {side: child(code, files["csv"])["peak"] for side, code in BASELINE.items()}
        print(machine_line())
        print(f"{args.samples:,} samples per file; best of {args.repeat}; load {os.getloadavg()[0]:.2f}")
        print()
        print("| format | file MB | hrcoach s | peer s | time ratio | hrcoach MB | peer MB | memory ratio |")
        print("|---|---|---|---|---|---|---|---|")
        rows: list[Row] = []
        for fmt, path in files.items():
            ours = best(READ["hrcoach"], path, args.repeat)
            peer = best(READ[fmt], path, args.repeat)
            assert int(ours["n"]) == args.samples, (fmt, ours["n"])
            mb = path.stat().st_size / 2**20
            mine, theirs = ours["peak"] / 2**20, peer["peak"] / 2**20
            line = (
                f"| {fmt} | {mb:.1f} | {ours['s']:.2f} | {peer['s']:.2f} | {ours['s'] / peer['s']:.2f} |"
                f" {mine:.0f} | {theirs:.0f} | {mine / theirs:.2f} |"
            )
            print(line)
            rows.append(
                (
                    f"reader, {fmt}, {args.samples:,} samples ({mb:.0f} MB)",
                    f"hrcoach {ours['s']:.2f} s, {ours['peak'] / 2**20:.0f} MB peak; plain {READ_NAME[fmt]}"
                    f" {peer['s']:.2f} s, {peer['peak'] / 2**20:.0f} MB",
                )
            )
        print()
        print(
            "baseline peak (imports only): "
            + ", ".join(f"{side} {peak / 2**20:.0f} MB" for side, peak in base.items())
        )
    if args.rows:
        emit_rows(rows)


READ_NAME = {
    "capture": "json.loads per line",
    "csv": "csv.reader list",
    "tcx": "ElementTree.parse",
    "fit": "Garmin SDK Decoder.read",
}

if __name__ == "__main__":
    main()
