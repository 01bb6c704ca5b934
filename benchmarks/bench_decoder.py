"""0x2A37 decoding speed, hrcoach against bumble and pycycling, on the same payloads in one run.

Run by hand: `uv run --group bench python benchmarks/bench_decoder.py [--quick]`.

The payloads: the 44 published real-strap payloads of `tests/published_payloads.py` plus every
notification of the 10 fixtures in `fixtures/hr_streams/` (read with `read_capture`). First every
decoder decodes every payload and the results are compared with hrcoach's (bpm, RR intervals,
energy; skin contact with bumble, whose flag has the same meaning). A payload a decoder cannot
decode is counted, said, and left out of that decoder's timing. Then each decoder is timed on the
payloads it decodes: best of N runs of about a second each (time.perf_counter), the decoders
interleaved run by run so a busy machine slows them alike.

The decoders:
  hrcoach    hrcoach.protocol.decode_measurement(data)
  bumble     bumble.profiles.heart_rate_service.HeartRateService.HeartRateMeasurement.from_bytes(data)
  pycycling  pycycling.heart_rate_service._parse_hr_measurement(data)  (the parser behind its
             notification handler; pycycling has no public parse function)
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchlib import ROOT, STREAMS, Row, emit_rows
from bumble.profiles.heart_rate_service import HeartRateService
from pycycling.heart_rate_service import _parse_hr_measurement

from hrcoach.formats.capture import RawNotification, read_capture
from hrcoach.protocol import SensorContact, decode_measurement

Decoded = tuple[int, tuple[int, ...], int | None, bool | None]  # bpm, RR (1/1024 s), energy, contact
bumble_decode = HeartRateService.HeartRateMeasurement.from_bytes


def hrcoach_values(data: bytes) -> Decoded:
    m = decode_measurement(data)
    contact = {SensorContact.DETECTED: True, SensorContact.NOT_DETECTED: False}.get(m.contact)
    return m.bpm, m.rr_1024, m.energy_kj, contact


def bumble_values(data: bytes) -> Decoded:
    m = bumble_decode(data)
    rr = tuple(round(x * 1024) for x in m.rr_intervals or ())  # bumble gives seconds: v / 1024
    return m.heart_rate, rr, m.energy_expended, m.sensor_contact_detected


def pycycling_values(data: bytes) -> Decoded:
    m = _parse_hr_measurement(data)
    # pycycling's sensor_contact is "either contact bit set", not "contact detected": not compared.
    return m.bpm, tuple(m.rr_interval), m.energy_expended, None


@dataclass
class Decoder:
    name: str
    fn: Callable[[bytes], Any]  # what is timed
    values: Callable[[bytes], Decoded]  # what is compared
    compares_contact: bool
    ok: list[bytes] = field(default_factory=list)
    failed: list[tuple[bytes, str]] = field(default_factory=list)
    rate: float = 0.0


def load_payloads() -> tuple[list[bytes], int, int]:
    spec = importlib.util.spec_from_file_location(
        "published_payloads", ROOT / "tests" / "published_payloads.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    published = [bytes.fromhex(row[0]) for row in module.PUBLISHED]
    captured = []
    files = sorted(STREAMS.glob("*.hrcap.jsonl"))
    for path in files:
        _, events = read_capture(path)
        captured += [ev.data for ev in events if isinstance(ev, RawNotification)]
    return published + captured, len(published), len(files)


def check(decoders: list[Decoder], payloads: list[bytes]) -> list[str]:
    """Decode every payload with every decoder; fill each decoder's `ok`/`failed`; the disagreements."""
    ref, others = decoders[0], decoders[1:]
    problems: dict[str, list[str]] = {}
    for data in payloads:
        results: dict[str, Decoded | None] = {}
        for d in decoders:
            try:
                results[d.name] = d.values(data)
                d.ok.append(data)
            except Exception as exc:
                results[d.name] = None
                kind = type(exc)
                name = (
                    kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
                )
                d.failed.append((data, f"{name}: {exc}"))
        want = results[ref.name]
        for d in others:
            got = results[d.name]
            if got is None:
                continue  # counted as a failure of d
            key = f"{d.name} vs {ref.name}"
            if want is None:
                problems.setdefault(key, []).append(
                    f"{data.hex()}: {ref.name} rejects it, {d.name} reads {got}"
                )
                continue
            fields = ("bpm", "RR", "energy", "contact") if d.compares_contact else ("bpm", "RR", "energy")
            diff = [f for i, f in enumerate(fields) if got[i] != want[i]]
            if diff:
                problems.setdefault(key, []).append(
                    f"{data.hex()}: {', '.join(diff)} differ ({ref.name} {want}, {d.name} {got})"
                )
    lines = []
    for key, items in problems.items():
        lines.append(f"{key}: {len(items)} payload(s) disagree, e.g. " + "; ".join(sorted(set(items))[:3]))
    return lines


def time_all(decoders: list[Decoder], *, seconds: float, repeats: int) -> None:
    """Set each decoder's best rate (payloads/s) over `repeats` interleaved runs of ~`seconds`."""
    passes: dict[str, int] = {}
    best: dict[str, float] = {}
    for d in decoders:
        fn, data = d.fn, d.ok
        t0 = time.perf_counter()
        for p in data:
            fn(p)
        one = time.perf_counter() - t0
        passes[d.name] = max(1, round(seconds / max(one, 1e-9)))
        best[d.name] = float("inf")
    for _ in range(repeats):
        for d in decoders:
            fn, data, n = d.fn, d.ok, passes[d.name]
            t0 = time.perf_counter()
            for _ in range(n):
                for p in data:
                    fn(p)
            best[d.name] = min(best[d.name], time.perf_counter() - t0)
    for d in decoders:
        d.rate = passes[d.name] * len(d.ok) / best[d.name]


def measure(*, quick: bool = False) -> dict[str, Any]:
    payloads, n_published, n_files = load_payloads()
    decoders = [
        Decoder("hrcoach", decode_measurement, hrcoach_values, True),
        Decoder("bumble", bumble_decode, bumble_values, True),
        Decoder("pycycling", _parse_hr_measurement, pycycling_values, False),
    ]
    disagreements = check(decoders, payloads)
    time_all(decoders, seconds=0.5 if quick else 1.0, repeats=3 if quick else 5)
    return {
        "payloads": payloads,
        "n_published": n_published,
        "n_files": n_files,
        "decoders": decoders,
        "disagreements": disagreements,
    }


def report(res: dict[str, Any]) -> list[Row]:
    decoders: list[Decoder] = res["decoders"]
    payloads: list[bytes] = res["payloads"]
    hr = decoders[0]
    print(
        f"payloads: {len(payloads):,} = {res['n_published']} published + "
        f"{len(payloads) - res['n_published']:,} notifications from {res['n_files']} fixtures"
    )
    print("| decoder | decoded | cannot decode | notifications/s | hrcoach ÷ this |\n|---|---|---|---|---|")
    for d in decoders:
        print(f"| {d.name} | {len(d.ok):,} | {len(d.failed)} | {d.rate:,.0f} | {hr.rate / d.rate:.2f}× |")
    for d in decoders:
        if d.failed:
            kinds = sorted({f"{data.hex()} ({err})" for data, err in d.failed})
            print(f"{d.name} cannot decode {len(d.failed)}: {', '.join(kinds[:6])}")
    if res["disagreements"]:
        print("DISAGREEMENTS:")
        for line in res["disagreements"]:
            print("  " + line)
    else:
        compared = ", ".join(f"{d.name} ({len(d.ok):,})" for d in decoders[1:])
        print(f"agreement: every payload both decode agrees with hrcoach: {compared}")
    others = decoders[1:]
    ratios = ", ".join(f"{hr.rate / d.rate:.1f}× {d.name}" for d in others)
    agree = "all agree" if not res["disagreements"] else f"{len(res['disagreements'])} disagreement kind(s)"
    fails = (
        "; ".join(f"{d.name} cannot decode {len(d.failed)}" for d in decoders if d.failed) or "all decode all"
    )
    return [
        (
            "0x2A37 decoder: notifications/s",
            f"hrcoach {hr.rate:,.0f}, "
            + ", ".join(f"{d.name} {d.rate:,.0f}" for d in others)
            + f" (hrcoach = {ratios}); {len(payloads):,} payloads, {agree}; {fails}",
        )
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter timing runs (3 × 0.5 s)")
    parser.add_argument("--rows", action="store_true", help="also print run_all.py's rows as JSON")
    args = parser.parse_args()
    rows = report(measure(quick=args.quick))
    if args.rows:
        emit_rows(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
