"""What the real BlueZ stack showed that the simulated adapter hid until it learned to: a client
left open after a lost link keeps its notification subscription (every beat then arrives once
per reconnect), a scan error after a drop is transient, and a flood of bad frames must cost a
bounded amount."""

from __future__ import annotations

import asyncio
import random

import pytest

from hrcoach.formats.capture import RawNotification
from hrcoach.models import Event, HeartRateSample, LinkChanged, LinkState, MalformedFrame
from hrcoach.sources.ble import MALFORMED_PER_S, QUEUE_MAX, BluetoothUnavailable, StrapSource
from tests.fakeble import SimulatedAdapter, SimulatedStrap
from tests.test_ble_source import collect

ADDRESS = "AA:00:00:00:00:01"


def beats(n: int, start: float = 1.0) -> list[tuple[float, bytes]]:
    return [(start + i, bytes([0x06, 100 + i % 50])) for i in range(n)]


def source(adapter: SimulatedAdapter, **kwargs: object) -> StrapSource:
    return StrapSource(
        **adapter.source_hooks(),
        scan_timeout=0.005,
        backoff_s=(0.01, 0.04),
        rng=random.Random(3),
        **kwargs,  # type: ignore[arg-type]
    )


def test_every_lost_link_closes_its_client_so_no_beat_arrives_twice() -> None:
    script = beats(120)
    adapter = SimulatedAdapter(SimulatedStrap("S", ADDRESS), script, speed=0)
    adapter.refuse_connections(2)  # failed connects too
    for at in (20.5, 40.5, 60.5, 80.5):
        adapter.schedule_drop(at, down_for=2.0)
    src = source(adapter)
    events = asyncio.run(collect(src, adapter, 200))
    samples = [e for e in events if isinstance(e, HeartRateSample)]
    assert adapter.stats.link_drops == 4 and adapter.stats.connects == 5
    assert adapter.stats.released == 4  # each dropped client was closed...
    assert adapter.stats.duplicates == 0  # ...so bluetoothd had nothing to re-register
    assert len(samples) == adapter.stats.notifications_delivered == len({s.t for s in samples})
    assert adapter.subscriptions(ADDRESS) == 0  # cancelled at the end: nothing left behind


def test_a_scan_error_after_the_first_connection_is_retried_not_fatal() -> None:
    adapter = SimulatedAdapter(SimulatedStrap("S", ADDRESS), beats(40), speed=0)
    adapter.schedule_drop(10.5, down_for=1.0)
    failed_once: list[bool] = []

    def connected(_strap: object) -> None:
        if not failed_once:
            failed_once.append(True)
            adapter.fail_scans(3)  # BlueZ refuses the re-scans after the drop

    src = source(adapter, on_connected=connected)
    events = asyncio.run(collect(src, adapter, 39))
    samples = [e for e in events if isinstance(e, HeartRateSample)]
    links = [e for e in events if isinstance(e, LinkChanged)]
    scan_failed = [e for e in links if e.detail.startswith("scan failed, retrying")]
    assert adapter.stats.scan_errors == 3 and len(scan_failed) == 3
    assert "InProgress" in scan_failed[0].detail and scan_failed[0].state is LinkState.DISCONNECTED
    assert [e.state for e in links].count(LinkState.CONNECTED) == 2  # back after the errors
    assert samples[-1].t == 40.0


def test_a_scan_error_at_the_start_is_fatal() -> None:
    adapter = SimulatedAdapter(SimulatedStrap("S", ADDRESS), beats(5), speed=0)
    adapter.fail_scans(1, OSError(2, "No such file or directory"))
    with pytest.raises(BluetoothUnavailable, match="D-Bus"):
        asyncio.run(source(adapter).run())


def test_a_flood_of_malformed_frames_costs_a_bounded_queue_and_is_counted() -> None:
    flood = [(1.0 + i * 1e-4, b"\x00") for i in range(20_000)]  # 10^4 undecodable frames a second
    script = [*flood, (3.5, b"\x06\x50"), (4.5, b"\x06\x51")]
    adapter = SimulatedAdapter(SimulatedStrap("S", ADDRESS), script, speed=0)
    raws: list[object] = []
    src = source(adapter, on_raw=raws.append)

    async def main() -> list[Event]:
        task = asyncio.create_task(src.run())
        try:  # nobody reads the queue while the strap floods it
            while adapter.stats.notifications_delivered < len(script):
                await asyncio.sleep(0)
            return [src.queue.get_nowait() for _ in range(src.queue.qsize())]
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    events = asyncio.run(main())
    bad = [e for e in events if isinstance(e, MalformedFrame)]
    assert src.malformed == 20_000 and sum(e.count for e in bad) == 20_000  # every frame counted
    assert len(bad) <= 2 * MALFORMED_PER_S + 1  # two seconds of flood: a few events, not 20,000
    assert len([r for r in raws if isinstance(r, RawNotification)]) <= 2 * MALFORMED_PER_S + 2
    assert [e.bpm for e in events if isinstance(e, HeartRateSample)] == [0x50, 0x51]
    assert src.dropped == 0


def test_the_queue_is_bounded_and_counts_what_it_drops() -> None:
    adapter = SimulatedAdapter(SimulatedStrap("S", ADDRESS), [], speed=0)
    src = source(adapter)
    for i in range(QUEUE_MAX + 25):
        src._on_notify(None, bytearray([0x06, 60 + i % 100]))
    assert src.queue.qsize() == QUEUE_MAX and src.dropped == 25
