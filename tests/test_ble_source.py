"""StrapSource through bleak's public API on the simulated adapter (tests/fakeble.py)."""

from __future__ import annotations

import asyncio
import itertools
import random

from hrcoach.formats.capture import RawNotification
from hrcoach.formats.capture_read import decode_events
from hrcoach.models import BatteryRead, Event, HeartRateSample, LinkChanged, LinkState, MalformedFrame
from hrcoach.sources.ble import StrapSource, scan
from tests.conftest import stream
from tests.fakeble import SimulatedAdapter, SimulatedStrap, script_from_capture

LIMIT = 300


def make(adapter: SimulatedAdapter, raws: list[object]) -> StrapSource:
    return StrapSource(
        clock=adapter.clock.now,
        scanner_backend=adapter.scanner_backend(),
        client_backend=adapter.client_backend(),
        scan_timeout=0.01,
        backoff_s=(0.01, 0.04),
        rng=random.Random(1),
        on_raw=raws.append,
    )


async def collect(src: StrapSource, adapter: SimulatedAdapter, n_samples: int) -> list[Event]:
    task = asyncio.create_task(src.run())
    events: list[Event] = []
    try:
        async with asyncio.timeout(20):
            while sum(isinstance(e, HeartRateSample | MalformedFrame) for e in events) < n_samples:
                try:  # stop when the strap has nothing more to send
                    events.append(await asyncio.wait_for(src.queue.get(), timeout=1.0))
                except TimeoutError:
                    break
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    while not src.queue.empty():
        events.append(src.queue.get_nowait())
    return events


def test_scan_finds_the_strap_with_rssi() -> None:
    adapter = SimulatedAdapter(
        [
            SimulatedStrap("Polar H10 1", "AA:BB:CC:DD:EE:01", rssi=-70),
            SimulatedStrap("HRM-Dual:9", "AA:BB:CC:DD:EE:02", rssi=-48),
        ]
    )
    found = asyncio.run(scan(0.02, scanner_backend=adapter.scanner_backend()))
    assert [(s.name, s.rssi) for s in found] == [("HRM-Dual:9", -48), ("Polar H10 1", -70)]


def test_refusals_and_three_dropouts_lose_and_duplicate_nothing() -> None:
    script = script_from_capture(stream("dropout_reconnect"), limit=LIMIT)
    adapter = SimulatedAdapter([SimulatedStrap("Polar H10 8C4F1E2A", "C4:7C:8D:6A:1E:2A")], script, speed=0)
    adapter.refuse_connections(2)  # the strap refuses twice before the first connection
    for at in (60.5, 120.5, 200.5):
        adapter.schedule_drop(at)
    raws: list[object] = []
    src = make(adapter, raws)
    events = asyncio.run(collect(src, adapter, LIMIT - 1))
    samples = [e for e in events if isinstance(e, HeartRateSample)]
    states = [e.state for e in events if isinstance(e, LinkChanged)]
    # every delivered notification became exactly one sample, in time order
    assert len(samples) == adapter.stats.notifications_delivered
    assert all(a.t < b.t for a, b in itertools.pairwise(samples))
    assert adapter.stats.connects_refused == 2 and adapter.stats.link_drops == 3
    assert states.count(LinkState.CONNECTED) == 4 and states.count(LinkState.DISCONNECTED) >= 5
    assert states[0] is LinkState.SEARCHING and LinkState.RECONNECTING in states
    assert any(isinstance(e, BatteryRead) and e.percent == 87 for e in events)
    assert src.body_sensor_location == "chest"
    # the raw record replays through the decoder to the very same samples
    replayed = [
        e
        for e in decode_events(r for r in raws if isinstance(r, RawNotification | LinkChanged | BatteryRead))
        if isinstance(e, HeartRateSample)
    ]
    assert replayed == samples
    # and each sample is the capture's notification sent at that moment, byte for byte
    by_t = {round(t, 3): d for t, d in script}
    assert all(raw.data == by_t[round(raw.t, 3)] for raw in raws if isinstance(raw, RawNotification))
    assert len(samples) >= LIMIT - 20  # only what was sent while the link was down is missing


def test_malformed_notification_is_counted_and_dropped() -> None:
    script = [(1.0, bytes.fromhex("1650")), (2.0, b"\x09\x50"), (3.0, bytes.fromhex("1651"))]
    adapter = SimulatedAdapter([SimulatedStrap("S", "AA:00:00:00:00:01")], script, speed=0)
    src = make(adapter, [])
    events = asyncio.run(collect(src, adapter, 3))
    assert [type(e).__name__ for e in events if not isinstance(e, LinkChanged | BatteryRead)] == [
        "HeartRateSample",
        "MalformedFrame",
        "HeartRateSample",
    ]
    assert src.malformed == 1


def test_stale_is_reported_while_connected_and_clears_when_notifications_resume() -> None:
    beats = [(3.0 + i, bytes([0x06, 120 + i])) for i in range(10)]  # the first after connecting
    beats += [(33.0 + i, bytes([0x06, 130 + i])) for i in range(6)]  # 20 s of silence between
    adapter = SimulatedAdapter([SimulatedStrap("S", "AA:00:00:00:00:01")], beats, speed=50)
    src = StrapSource(
        clock=adapter.clock.now,
        scanner_backend=adapter.scanner_backend(),
        client_backend=adapter.client_backend(),
        scan_timeout=0.005,
        watch_every_s=0.01,
    )
    events = asyncio.run(collect(src, adapter, len(beats)))
    links = [e for e in events if isinstance(e, LinkChanged)]
    stale = [e for e in links if e.state is LinkState.STALE]
    assert len(stale) == 1 and 17.0 <= stale[0].t < 33.0, links  # 5 s after the beat at 12.0
    resumed = links[links.index(stale[0]) + 1]
    assert resumed.state is LinkState.CONNECTED and resumed.detail == "notifications resumed"
    assert resumed.t >= 33.0
    # nothing was invented for the silence: the 16 notifications, no more
    assert [e.bpm for e in events if isinstance(e, HeartRateSample)] == [p[1] for _, p in beats]


async def _cancel_after(src: StrapSource, ready: asyncio.Event | None) -> BaseException | None:
    task = asyncio.create_task(src.run())
    if ready is not None:
        while not ready.is_set():
            ev = await asyncio.wait_for(src.queue.get(), timeout=5)
            if isinstance(ev, HeartRateSample):
                ready.set()
    else:
        await asyncio.sleep(0.1)
    task.cancel()
    results = await asyncio.gather(task, return_exceptions=True)
    leftovers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]
    assert not leftovers, leftovers  # no scanner or notification task left running
    return results[0]


def test_cancel_while_connected_disconnects_cleanly() -> None:
    adapter = SimulatedAdapter([SimulatedStrap("S", "AA:00:00:00:00:01")], [(1.0, b"\x06\x50")], speed=0)
    src = make(adapter, [])

    async def main() -> BaseException | None:
        return await _cancel_after(src, asyncio.Event())

    outcome = asyncio.run(main())
    assert isinstance(outcome, asyncio.CancelledError)  # the cancel, nothing else
    assert adapter.stats.connects == 1 and adapter.stats.disconnects == 1
    assert not adapter._clients  # the strap is free for the next program


def test_cancel_while_searching_gives_up_cleanly() -> None:
    adapter = SimulatedAdapter([SimulatedStrap("S", "AA:00:00:00:00:01")], [], speed=0)
    adapter.stop_advertising()  # nothing in range: search, back off, search...
    src = make(adapter, [])
    outcome = asyncio.run(_cancel_after(src, None))
    assert isinstance(outcome, asyncio.CancelledError)
    assert adapter.stats.scans >= 2 and adapter.stats.connects_attempted == 0
