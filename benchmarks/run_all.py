"""Every benchmark, one table. Run: `uv run --group bench python benchmarks/run_all.py [--quick]`.

Runs each benchmark script in its own fresh process (so one's memory or CPU does not leak into
another's figures: bench_memory's RSS, bench_tui's CPU), each with `--rows`, and collects the
summary rows each prints after its own table. Then prints one markdown table
`| benchmark | figure | command |` (the command reproduces that row alone) and the machine line.

  engine   bench_engine.py           live/batch samples/s, 3-h fixture and 1,000,000 samples; analyze
  store    bench_store.py 500        500 h session log: save, recompute, history, live writer
  decoder  bench_decoder.py          0x2A37 decoding, hrcoach vs bumble vs pycycling, same payloads
  tui      bench_tui.py 60           notification-to-screen latency and CPU at 1 Hz
  memory   bench_memory.py           RSS over a 3-h session in the TUI, and headless
  startup  bench_startup.py          --help, analyze, TUI first frame in a pty
  readers  bench_readers.py          each file reader against the plain way to read it: time, peak memory
  import   bench_import.py           a folder of FIT files imported by one process, then by a pool
  fit      bench_fit.py              FIT decoding: the lean walk and the whole reader against Garmin's SDK
  history  bench_history.py          `hrcoach app` opening its history on a ten-year log, vs the raw query

`--quick`: store 50 h, tui 15 s, shorter decoder timing, fewer start-up repeats (about 2 minutes
instead of 4). `--only NAME ...` runs some of them; `--verbose` also shows each script's own table
(on stderr).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from benchlib import ROOT, ROWS_MARK, machine_line

# name: (script, args for a full run, args for --quick, needs the `bench` dependency group)
BENCHES: dict[str, tuple[str, list[str], list[str], bool]] = {
    "engine": ("bench_engine.py", [], [], False),
    "store": ("bench_store.py", ["500"], ["50"], False),
    "decoder": ("bench_decoder.py", [], ["--quick"], True),
    "tui": ("bench_tui.py", ["60"], ["15"], False),
    "memory": ("bench_memory.py", [], [], True),
    "startup": ("bench_startup.py", [], ["--quick"], False),
    "readers": ("bench_readers.py", [], ["--samples", "50000", "--repeat", "1"], False),
    "history": ("bench_history.py", [], ["--sessions", "1000"], False),
    "import": ("bench_import.py", [], ["--copies", "1"], False),
    "fit": ("bench_fit.py", [], ["--repeat", "2"], False),
}


def command(script: str, args: list[str], group: bool) -> str:
    uv = "uv run --group bench" if group else "uv run"
    return " ".join([uv, "python", f"benchmarks/{script}", *args])


def run_one(name: str, quick: bool, verbose: bool) -> tuple[list[tuple[str, str, str]], float]:
    script, full, short, group = BENCHES[name]
    args = short if quick else full
    cmd = command(script, args, group)
    t0 = time.perf_counter()
    res = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args, "--rows"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    wall = time.perf_counter() - t0
    lines = res.stdout.splitlines()
    own = [line for line in lines if not line.startswith(ROWS_MARK)]
    marked = [line for line in lines if line.startswith(ROWS_MARK)]
    if verbose and own:
        print("\n".join(own), file=sys.stderr)
    if res.returncode != 0 or not marked:
        return [(name, f"FAILED (exit code {res.returncode})", f"`{cmd}`")], wall
    rows = json.loads(marked[-1][len(ROWS_MARK) :])
    return [(bench, figure, f"`{cmd}`") for bench, figure in rows], wall


def main() -> int:
    parser = argparse.ArgumentParser(description="run every benchmark and print one table")
    parser.add_argument("--quick", action="store_true", help="shorter runs (store 50 h, tui 15 s, ...)")
    parser.add_argument("--only", nargs="+", choices=list(BENCHES), metavar="NAME", help="run only these")
    parser.add_argument("--verbose", action="store_true", help="show each script's own table on stderr")
    args = parser.parse_args()
    names = args.only or list(BENCHES)
    table: list[tuple[str, str, str]] = []
    t_all = time.perf_counter()
    for i, name in enumerate(names, start=1):
        print(f"[{i}/{len(names)}] {name} ...", file=sys.stderr, flush=True)
        rows, wall = run_one(name, args.quick, args.verbose)
        print(f"[{i}/{len(names)}] {name}: {wall:.0f} s", file=sys.stderr, flush=True)
        table += rows
    total = time.perf_counter() - t_all
    print("| benchmark | figure | command |\n|---|---|---|")
    for bench, figure, cmd in table:
        print(f"| {bench} | {figure} | {cmd} |".replace("\n", " "))
    print()
    print(machine_line())
    run = "uv run --group bench python benchmarks/run_all.py" + (" --quick" if args.quick else "")
    run += f" --only {' '.join(names)}" if args.only else ""
    print(f"Made by `{run}` in {total / 60:.1f} min.")
    return 1 if any(figure.startswith("FAILED") for _, figure, _ in table) else 0


if __name__ == "__main__":
    raise SystemExit(main())
