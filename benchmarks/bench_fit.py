"""FIT decoding: hrcoach's lean walk against Garmin's SDK, the reference, on the same files in
the same run. Run: `uv run python benchmarks/bench_fit.py [--repeat N] [--rows]`.

The files are the real FIT activities in ../shared/real_hr that both read (else FIT exports of
the fixtures), each held in memory. Per file, best of `--repeat` (default 5), in this process:

  SDK      `Decoder.read()` as hrcoach called it before the walk (no datetimes, no heart-rate
           merge, a listener that empties each record and hrv message): the messages alone
  walk     `fit_lean.walk` with a listener that keeps nothing: the same messages, the fields
           hrcoach reads (hr messages, where a file has them, decoded by the SDK as the walk does)
  reader   `fit_read.read_bytes`: the whole FIT reader (CRC, walk, columns, the Recording)

Figures are record messages a second over all files (each file's best time, summed). The walk
and the SDK give the same messages (tests/test_fit_lean.py); this only times them.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time
from collections.abc import Callable
from pathlib import Path

from benchlib import ROOT, STREAMS, Row, emit_rows, machine_line
from garmin_fit_sdk import Decoder, Profile, Stream

from hrcoach.formats import fit_lean, fit_read

REAL = ROOT.parent / "shared" / "real_hr"
RECORD, HRV = Profile["mesg_num"]["RECORD"], Profile["mesg_num"]["HRV"]


def sources() -> dict[str, bytes]:
    real = sorted(REAL.glob("*.fit")) if REAL.is_dir() else []
    if real:
        return {p.name: p.read_bytes() for p in real}
    import tempfile

    from hrcoach.cli import main

    out = {}
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(io.StringIO()):
        import os

        os.environ["HRCOACH_HOME"] = tmp
        main(["profile", "set", "age", "33"])
        for k, capture in enumerate(sorted(STREAMS.glob("*.hrcap.jsonl"))):
            main(["import", str(capture)])
            path = Path(tmp) / f"fixture-{k}.fit"
            main(["export", str(k + 1), "--format", "fit", "-o", str(path)])
            out[path.name] = path.read_bytes()
    return out


def sdk(data: bytes) -> int:
    records = 0

    def listener(num: int, mesg: dict[object, object]) -> None:
        nonlocal records
        records += num == RECORD
        if num in (RECORD, HRV):
            mesg.clear()

    _, errors = Decoder(Stream.from_byte_array(bytearray(data))).read(
        convert_datetimes_to_dates=False, merge_heart_rates=False, mesg_listener=listener
    )
    if errors:
        raise ValueError(errors[0])
    return records


def walk(data: bytes) -> int:
    records = 0

    def take(num: int, _: dict[object, object]) -> None:
        nonlocal records
        records += num == RECORD

    fit_lean.walk(data, take)
    return records


def best(repeat: int, fn: Callable[[], int]) -> tuple[float, int]:
    times, n = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        n = fn()
        times.append(time.perf_counter() - t0)
    return min(times), n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--rows", action="store_true", help="also print run_all.py's rows as JSON")
    args = ap.parse_args()
    totals = {"SDK": 0.0, "walk": 0.0, "reader": 0.0}
    records = 0
    print("| file | records | SDK ms | walk ms | reader ms |\n|---|---|---|---|---|")
    for name, data in sources().items():
        path = Path(name)
        try:  # a damaged file, one without heart rate, one with compressed timestamps: left out
            t_reader, _ = best(args.repeat, lambda d=data, p=path: len(fit_read.read_bytes(p, d)))  # type: ignore[misc]
            t_sdk, n = best(args.repeat, lambda d=data: sdk(d))  # type: ignore[misc]
            t_walk, n_walk = best(args.repeat, lambda d=data: walk(d))  # type: ignore[misc]
        except (ValueError, fit_lean.Unsupported):
            continue
        if n != n_walk:
            raise SystemExit(f"bench_fit: {name}: the walk found {n_walk} records, the SDK {n}")
        records += n
        for key, t in (("SDK", t_sdk), ("walk", t_walk), ("reader", t_reader)):
            totals[key] += t
        print(f"| {name[:48]} | {n:,} | {t_sdk * 1000:.1f} | {t_walk * 1000:.1f} | {t_reader * 1000:.1f} |")
    rate = {k: records / t for k, t in totals.items()}
    print(
        f"\n{records:,} records: SDK {rate['SDK']:,.0f}/s, walk {rate['walk']:,.0f}/s "
        f"({rate['walk'] / rate['SDK']:.1f}x the SDK), whole reader {rate['reader']:,.0f}/s "
        f"({rate['reader'] / rate['SDK']:.1f}x the SDK alone)"
    )
    print(machine_line())
    rows: list[Row] = [
        (
            f"FIT decode, {records:,} records of the real files: records/s",
            f"lean walk {rate['walk']:,.0f}; Garmin SDK {rate['SDK']:,.0f}"
            f" (walk = {rate['walk'] / rate['SDK']:.1f}x the SDK); the whole reader"
            f" (CRC, walk, columns, Recording) {rate['reader']:,.0f}",
        )
    ]
    if args.rows:
        emit_rows(rows)


if __name__ == "__main__":
    main()
