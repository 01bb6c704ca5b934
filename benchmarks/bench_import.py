"""Bulk import: a folder of FIT files, decoded by one process against a pool of one per core.
Run: `uv run python benchmarks/bench_import.py [--copies N] [--rows]`.

The files are the real FIT activities in ../shared/real_hr (else FIT exports of the fixtures),
each copied N times (default 4) with its name changed, so the folder is about a bulk export's
mix. Each way imports the whole folder into a fresh log (`hrcoach import --json`, in this
process), best of 2; then the folder is imported again, which must be near-instant (every file
recognised by its hash before decoding).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import tempfile
import time
from pathlib import Path

from benchlib import ROOT, STREAMS, Row, emit_rows

from hrcoach.cli import importer, main

REAL = ROOT.parent / "shared" / "real_hr"


def sources(folder: Path) -> list[Path]:
    real = sorted(REAL.glob("*.fit")) if REAL.is_dir() else []
    if real:
        return real
    out = []
    with contextlib.redirect_stdout(io.StringIO()):
        main(["profile", "set", "age", "33"])
        for k, capture in enumerate(sorted(STREAMS.glob("*.hrcap.jsonl"))):
            main(["import", str(capture)])
            path = folder / f"fixture-{k}.fit"
            main(["export", str(k + 1), "--format", "fit", "-o", str(path)])
            out.append(path)
    return out


def timed_import(files: list[Path], pool_from: int) -> float:
    importer.POOL_FROM = pool_from
    with tempfile.TemporaryDirectory() as home:
        os.environ["HRCOACH_HOME"] = home
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            main(["profile", "set", "age", "33"])
            t0 = time.perf_counter()
            main(["import", "--anyway", "--json", *map(str, files)])
            took = time.perf_counter() - t0
    return took


def main_bench() -> None:
    parser = argparse.ArgumentParser(description="bulk import, one process against a pool")
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--rows", action="store_true", help="also print run_all.py's rows as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["HRCOACH_HOME"] = str(folder / "home")
        files = []
        for src in sources(folder):
            for k in range(args.copies):
                dst = folder / f"{src.stem}-{k}.fit"
                shutil.copyfile(src, dst)
                files.append(dst)
        serial = min(timed_import(files, 10**9) for _ in range(2))
        pooled = min(timed_import(files, 4) for _ in range(2))
        with tempfile.TemporaryDirectory() as home:
            os.environ["HRCOACH_HOME"] = home
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                main(["profile", "set", "age", "33"])
                main(["import", *map(str, files)])
                t0 = time.perf_counter()
                main(["import", *map(str, files)])
                again = time.perf_counter() - t0
    cores = os.cpu_count() or 1
    print("| what | figure |\n|---|---|")
    each = serial / len(files) * 1000
    print(f"| {len(files)} FIT files, one process | {serial:.2f} s ({each:.0f} ms a file) |")
    print(f"| the same, a pool of {cores} | {pooled:.2f} s ({serial / pooled:.2f}x one process) |")
    print(f"| importing the folder again | {again:.2f} s (every file known by its hash) |")
    rows: list[Row] = [
        (
            f"bulk import, {len(files)} FIT files",
            f"one process {serial:.2f} s; a pool of {cores} {pooled:.2f} s ({serial / pooled:.2f}x);"
            f" again, all known {again:.2f} s",
        )
    ]
    if args.rows:
        emit_rows(rows)


if __name__ == "__main__":
    main_bench()
