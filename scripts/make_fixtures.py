"""Regenerate the synthetic heart-rate captures in fixtures/hr_streams/ (deterministic, seeded).

    uv run python scripts/make_fixtures.py [OUT_DIR]

The model works beat by beat, as a heart does: a target heart rate per segment, approached with
a first-order response (faster going up than coming down), cardiac drift during steady running,
a slow random wander, and beat-to-beat RR variability (respiratory sinus arrhythmia plus noise)
that shrinks as the rate rises. A simulated strap then notifies about once a second with the
rate averaged over its last beats and the RR intervals completed since its previous notification,
encoded byte for byte by hrcoach.protocol. Only the stdlib's seeded `random` is used, so the
output is identical on every machine.

To add a stream: add a `Spec` to SPECS and a row to fixtures/hr_streams/README.md.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hrcoach.formats.capture import CaptureWriter, RawNotification
from hrcoach.models import BatteryRead, LinkChanged, LinkState
from hrcoach.protocol import Measurement, SensorContact, encode_measurement

ROOT = Path(__file__).resolve().parent.parent
HRMAX = 185  # every stream assumes HRmax 185 (Tanaka, age 33)
START = datetime(2026, 3, 2, 7, 0, 0, tzinfo=UTC)


@dataclass
class Spec:
    name: str
    seed: int
    resting: float
    segments: list[tuple[float, float]]  # (duration s, target bpm)
    drift_bpm_per_min: float = 0.15
    device: dict[str, str] = field(default_factory=dict)
    contact: SensorContact = SensorContact.DETECTED
    uint16: bool = False
    energy: bool = False
    dropouts: list[tuple[float, float]] = field(default_factory=list)  # (start, end) s
    contact_lost: list[tuple[float, float]] = field(default_factory=list)
    startup_zeros: int = 0
    spikes: list[tuple[float, int]] = field(default_factory=list)  # (t, bpm)
    bogus_rr_at: list[float] = field(default_factory=list)
    rr_backlog: int = 0
    day_offset: int = 0

    @property
    def duration(self) -> float:
        return sum(d for d, _ in self.segments)


def heart(spec: Spec, rng: random.Random) -> Iterator[tuple[float, float, float]]:
    """Yield (beat end time s, RR s, underlying bpm) for the whole stream."""
    hr = spec.resting
    wander = 0.0
    t = 0.0
    seg_idx, seg_end = 0, spec.segments[0][0]
    steady_since = 0.0
    phase = rng.random() * 2 * math.pi
    resp_hz = 0.25
    while t < spec.duration + 2:
        while seg_idx < len(spec.segments) - 1 and t >= seg_end:
            seg_idx += 1
            seg_end += spec.segments[seg_idx][0]
            steady_since = t
        target = spec.segments[seg_idx][1]
        if seg_idx == 0:  # the first segment is a warm-up: the effort ramps up from rest
            target = spec.resting + (target - spec.resting) * min(1.0, t / spec.segments[0][0])
        target += spec.drift_bpm_per_min * (t - steady_since) / 60.0 * (target > 110)
        rr_nominal = 60.0 / hr
        tau = 25.0 if target > hr else 45.0
        hr += (target - hr) * (1 - math.exp(-rr_nominal / tau))
        wander += -wander * rr_nominal / 60.0 + rng.gauss(0, 0.35) * math.sqrt(rr_nominal)
        bpm = max(40.0, hr + wander)
        rsa = 0.05 * max(0.1, (160.0 - bpm) / 100.0) ** 2
        rr = 60.0 / bpm * (1 + rsa * math.sin(2 * math.pi * resp_hz * t + phase) + rng.gauss(0, 0.012))
        t += rr
        yield t, rr, bpm


def _in(t: float, windows: list[tuple[float, float]]) -> bool:
    return any(a <= t < b for a, b in windows)


def notifications(spec: Spec) -> Iterator[RawNotification | LinkChanged | BatteryRead]:
    rng = random.Random(spec.seed)
    beats = heart(spec, rng)
    pending: list[float] = []
    recent: list[float] = []
    energy_j = 0.0
    battery = 87
    yield BatteryRead(0.4, battery)
    link_up = True
    next_beat = next(beats)
    k = 0
    spikes = dict(spec.spikes)
    while True:
        k += 1
        t = round(k * 1.0 + 0.002 + rng.uniform(-0.015, 0.015), 3)
        if t > spec.duration:
            break
        while next_beat[0] <= t:
            pending.append(next_beat[1])
            recent = ([*recent, next_beat[1]])[-4:]
            next_beat = next(beats)
        if _in(t, spec.dropouts):
            if link_up:
                yield LinkChanged(t, LinkState.DISCONNECTED, "link lost")
                yield LinkChanged(round(t + 1.0, 3), LinkState.RECONNECTING)
                link_up = False
            pending.clear()
            continue
        if not link_up:
            yield LinkChanged(round(t - 0.5, 3), LinkState.CONNECTED)
            link_up = True
        bpm = round(60.0 / (sum(recent) / len(recent))) if recent else 0
        energy_j += bpm * 0.12 * 1.0 * 1000 / 60  # crude kJ model: ~7 kJ/min at 60 bpm
        contact = spec.contact
        rr = [round(v * 1024) for v in pending]
        if k == 1 and spec.rr_backlog:
            # A strap that buffered beats before the first notification went out.
            rr = [
                round(60.0 / spec.resting * 1024 * (1 + rng.gauss(0, 0.02)))
                for _ in range(spec.rr_backlog - len(rr))
            ] + rr
        if k <= spec.startup_zeros:
            bpm, rr = 0, []
        if _in(t, spec.contact_lost):
            contact, rr = SensorContact.NOT_DETECTED, []
            bpm = 0 if rng.random() < 0.5 else rng.randint(60, 90)
        for st, sbpm in list(spikes.items()):
            if abs(st - t) < 0.5:
                bpm, rr = sbpm, []
                del spikes[st]
        if any(abs(bt - t) < 0.5 for bt in spec.bogus_rr_at):
            rr = [*rr, 53]
        pending.clear()
        m = Measurement(
            bpm=bpm,
            contact=contact,
            energy_kj=round(energy_j / 1000) if spec.energy else None,
            rr_1024=tuple(rr),
        )
        yield RawNotification(t, encode_measurement(m, uint16=spec.uint16))
        if k % 1800 == 0:
            battery -= 1
            yield BatteryRead(round(t + 0.3, 3), battery)


POLAR = {
    "name": "Polar H10 8C4F1E2A",
    "address": "C4:7C:8D:6A:1E:2A",
    "body_sensor_location": "chest",
}
GARMIN = {
    "name": "HRM-Dual:123456",
    "address": "E4:11:22:33:44:55",
    "body_sensor_location": "chest",
}
COOSPO = {"name": "H6M 42017", "address": "D1:02:03:04:05:06", "body_sensor_location": "chest"}
WAHOO = {"name": "TICKR 7E21", "address": "F0:0D:AA:BB:CC:DD", "body_sensor_location": "chest"}

SPECS = [
    Spec("steady_35min", 1, 72, [(180, 118), (1920, 128)], device=POLAR),
    Spec(
        "tempo_45min",
        2,
        70,
        [(480, 118), (120, 128), (1200, 139), (720, 120), (180, 100)],
        device=GARMIN,
        day_offset=1,
    ),
    Spec(
        "intervals_overshoot",
        3,
        68,
        [(480, 120)] + [(120, 166), (120, 124)] * 6 + [(360, 104)],
        device=WAHOO,
        day_offset=2,
    ),
    Spec("walk_5min", 4, 74, [(300, 101)], drift_bpm_per_min=0.0, device=COOSPO, day_offset=3),
    Spec(
        "dropout_reconnect",
        5,
        71,
        [(150, 118), (1050, 130)],
        device=POLAR,
        dropouts=[(420, 428), (600, 655)],
        day_offset=4,
    ),
    Spec(
        "contact_lost",
        6,
        73,
        [(120, 118), (780, 132)],
        device=GARMIN,
        contact_lost=[(400, 440)],
        day_offset=5,
    ),
    Spec(
        "startup_glitches",
        7,
        75,
        [(120, 115), (600, 129)],
        device=COOSPO,
        contact=SensorContact.NOT_SUPPORTED,
        startup_zeros=5,
        spikes=[(6.0, 212), (7.0, 131), (200.0, 251), (310.0, 62), (480.0, 229)],
        bogus_rr_at=[150.0, 420.0],
        day_offset=6,
    ),
    Spec(
        "uint16_energy",
        8,
        70,
        [(120, 116), (480, 126)],
        device=WAHOO,
        contact=SensorContact.NOT_SUPPORTED,
        uint16=True,
        energy=True,
        day_offset=7,
    ),
    Spec("rr_backlog", 9, 66, [(90, 112), (270, 125)], device=POLAR, rr_backlog=8, day_offset=8),
    Spec(
        "soak_3h",
        10,
        69,
        [(300, 118), (3600, 128), (600, 140), (4500, 130), (1800, 124)],
        drift_bpm_per_min=0.05,
        device=GARMIN,
        day_offset=9,
    ),
]


def write(spec: Spec, out: Path) -> Path:
    path = out / f"{spec.name}.hrcap.jsonl"
    device = dict(spec.device)
    with CaptureWriter(path, started_at=START + timedelta(days=spec.day_offset), device=device) as w:
        for event in notifications(spec):
            w.write(event)
    return path


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "fixtures" / "hr_streams"
    out.mkdir(parents=True, exist_ok=True)
    for spec in SPECS:
        print(write(spec, out))
    if not argv:  # the bundled demo recording is the steady run
        demo = ROOT / "src" / "hrcoach" / "data" / "demo_run.hrcap.jsonl"
        demo.write_bytes((out / "steady_35min.hrcap.jsonl").read_bytes())
        print(demo)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
