"""The simulated adapter (tests/fakeble.py), driven only through bleak's public BleakScanner/BleakClient."""

from __future__ import annotations

import asyncio

import pytest
from bleak import BleakClient, BleakScanner
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.exc import BleakCharacteristicNotFoundError, BleakDeviceNotFoundError, BleakError

from tests.conftest import stream
from tests.fakeble import (
    BATTERY_LEVEL,
    BATTERY_SERVICE,
    BODY_SENSOR_LOCATION,
    HEART_RATE_MEASUREMENT,
    HEART_RATE_SERVICE,
    SimClock,
    SimulatedAdapter,
    SimulatedStrap,
    drops_from_capture,
    script_from_capture,
)

DROPOUT = stream("dropout_reconnect")
H10 = SimulatedStrap(name="Polar H10 8C4F1E2A", address="C4:7C:8D:6A:1E:2A", rssi=-61)


class Received:
    """A notification callback that remembers what it got and wakes a waiter after `want` of them."""

    def __init__(self, want: int = 0) -> None:
        self.senders: list[str] = []
        self.payloads: list[bytes] = []
        self.want = want
        self.enough = asyncio.Event()

    def __call__(self, sender: BleakGATTCharacteristic, data: bytearray) -> None:
        assert isinstance(data, bytearray)
        self.senders.append(sender.uuid)
        self.payloads.append(bytes(data))
        if len(self.payloads) >= self.want:
            self.enough.set()


def test_discover_reports_rssi_name_and_services_and_filters_by_service() -> None:
    scale = SimulatedStrap(name="Scale", address="AA:BB:CC:00:00:01", heart_rate_service=False)
    adapter = SimulatedAdapter([H10, scale])

    async def main() -> None:
        found = await BleakScanner.discover(
            0.05, return_adv=True, service_uuids=["180d"], backend=adapter.scanner_backend()
        )
        assert list(found) == [H10.address]
        device, adv = found[H10.address]
        assert (device.name, adv.local_name, adv.rssi) == (H10.name, H10.name, -61)
        assert adv.service_uuids == [HEART_RATE_SERVICE]
        everything = await BleakScanner.discover(0.05, backend=adapter.scanner_backend())
        assert {d.address for d in everything} == {H10.address, scale.address}
        by_name = await BleakScanner.find_device_by_name(H10.name, 1.0, backend=adapter.scanner_backend())
        assert by_name is not None and by_name.address == H10.address

    asyncio.run(main())
    assert adapter.stats.scans == 3 and adapter.stats.advertisements >= 3


def test_connect_discovers_services_and_reads_battery_and_body_location() -> None:
    adapter = SimulatedAdapter(H10)
    bare = SimulatedAdapter(SimulatedStrap(battery_level=None, body_sensor_location=None))

    async def main() -> None:
        device = await BleakScanner.find_device_by_address(
            H10.address, 1.0, backend=adapter.scanner_backend()
        )
        assert device is not None
        async with BleakClient(device, backend=adapter.client_backend()) as client:
            assert client.is_connected and client.name == H10.name
            assert client.backend_id == "FakeClientBackend"
            hrs = client.services.get_service(HEART_RATE_SERVICE)
            assert hrs is not None and [c.uuid for c in hrs.characteristics] == [
                HEART_RATE_MEASUREMENT,
                BODY_SENSOR_LOCATION,
            ]
            hrm = client.services.get_characteristic(HEART_RATE_MEASUREMENT)
            assert hrm is not None and hrm.properties == ["notify"] and len(hrm.descriptors) == 1
            assert client.services.get_service(BATTERY_SERVICE) is not None
            assert await client.read_gatt_char(BATTERY_LEVEL) == bytearray([87])
            assert await client.read_gatt_char(BODY_SENSOR_LOCATION) == bytearray(b"\x01")
        assert not client.is_connected

        async with BleakClient("c4:7c:8d:6a:1e:2a", backend=bare.client_backend()) as client:
            assert client.services.get_service(BATTERY_SERVICE) is None
            with pytest.raises(BleakCharacteristicNotFoundError):
                await client.read_gatt_char(BATTERY_LEVEL)

    asyncio.run(main())
    assert (adapter.stats.connects, adapter.stats.reads, adapter.stats.disconnects) == (1, 2, 1)


def test_notifications_replay_the_capture_in_order() -> None:
    script = script_from_capture(DROPOUT, limit=60)
    assert len(script) == 60 and script[0] == (1.015, bytes.fromhex("164b3703"))
    adapter = SimulatedAdapter(H10, script, speed=0)
    got = Received(want=60)

    async def main() -> None:
        async with BleakClient(H10.address, backend=adapter.client_backend()) as client:
            await client.start_notify(HEART_RATE_MEASUREMENT, got)
            await asyncio.wait_for(got.enough.wait(), 5)
            hrm = client.services.get_characteristic(HEART_RATE_MEASUREMENT)
            assert (
                hrm is not None
                and await client.read_gatt_descriptor(hrm.descriptors[0].handle) == b"\x01\x00"
            )
            await client.stop_notify(HEART_RATE_MEASUREMENT)

    asyncio.run(main())
    assert got.payloads == [p for _, p in script]
    assert set(got.senders) == {HEART_RATE_MEASUREMENT}
    assert adapter.stats.notifications_delivered == 60
    assert adapter.clock.now() == script[-1][0]


def test_a_dropped_link_calls_back_stops_notifications_and_resumes_after_reconnect() -> None:
    assert [(at, round(down, 3)) for at, down in drops_from_capture(DROPOUT)] == [
        (420.997, 7.494),
        (600.993, 54.507),
    ]
    adapter = SimulatedAdapter(H10, script_from_capture(DROPOUT, limit=60), speed=0)
    adapter.schedule_drop(30.5, down_for=3.0)
    got = Received()
    dropped: list[BleakClient] = []

    async def main() -> None:
        link_lost = asyncio.Event()

        def on_disconnect(client: BleakClient) -> None:
            dropped.append(client)
            link_lost.set()

        client = BleakClient(H10.address, on_disconnect, backend=adapter.client_backend())
        await client.connect()
        await client.start_notify(HEART_RATE_MEASUREMENT, got)
        await asyncio.wait_for(link_lost.wait(), 5)
        assert dropped == [client] and not client.is_connected
        with pytest.raises(BleakError, match="Service Discovery"):
            _ = client.services  # BlueZ also forgets the services when the link goes
        before = len(got.payloads)
        await asyncio.sleep(0.01)
        assert len(got.payloads) == before == 30  # t = 1.015 .. 29.999 made it, nothing after

        refused = 0
        while True:  # out of range for 3 simulated s; each failed attempt takes 1 simulated s
            try:
                await client.connect()
                break
            except BleakDeviceNotFoundError:
                refused += 1
        assert refused == 3 and client.is_connected
        got.want, got.enough = 30 + 27, asyncio.Event()  # the 27 from t >= 33.5 remain
        await client.start_notify(HEART_RATE_MEASUREMENT, got)
        await asyncio.wait_for(got.enough.wait(), 5)
        await client.disconnect()

    asyncio.run(main())
    assert len(dropped) == 2  # the link drop, then our own disconnect (BlueZ calls back for both)
    assert len(got.payloads) == 57  # 30, then the 27 from t >= 33.5
    assert adapter.stats.link_drops == 1 and adapter.stats.disconnects == 1


def test_drop_link_from_a_callback_stops_the_stream() -> None:
    adapter = SimulatedAdapter(H10, script_from_capture(DROPOUT, limit=60), callback_on_disconnect=False)
    got = Received()
    calls: list[BleakClient] = []

    def on_hrm(sender: BleakGATTCharacteristic, data: bytearray) -> None:
        got(sender, data)
        if len(got.payloads) == 10:
            assert adapter.drop_link() == 1

    async def main() -> None:
        client = BleakClient(H10.address, calls.append, backend=adapter.client_backend())
        await client.connect()
        await client.start_notify(HEART_RATE_MEASUREMENT, on_hrm)
        for _ in range(50):
            await asyncio.sleep(0)
        assert not client.is_connected
        await client.connect()
        await client.disconnect()  # callback_on_disconnect=False: only the drop calls back

    asyncio.run(main())
    assert len(got.payloads) == 10 and len(calls) == 1


def test_refused_connections_fail_then_succeed() -> None:
    adapter = SimulatedAdapter(H10)

    async def attempts(client: BleakClient, errors: tuple[type[Exception], ...]) -> int:
        failures = 0
        while not client.is_connected:
            try:
                await client.connect()
            except errors:
                failures += 1
        await client.disconnect()
        return failures

    async def main() -> None:
        client = BleakClient(H10.address, backend=adapter.client_backend(), timeout=5.0)
        adapter.refuse_connections(2)
        assert await attempts(client, (BleakError,)) == 2
        adapter.refuse_connections(1, kind="timeout")
        with pytest.raises(TimeoutError):
            await client.connect()
        assert adapter.clock.now() == 2 * 1.0 + 5.0  # two refusals, then the client's timeout
        adapter.refuse_connections(until=10.0)
        assert await attempts(client, (BleakError,)) == 3  # at 7, 8, 9 simulated s

    asyncio.run(main())
    stats = adapter.stats
    assert (stats.connects_attempted, stats.connects_refused, stats.connects) == (8, 6, 2)


def test_a_strap_that_stops_advertising_is_neither_seen_nor_reachable() -> None:
    adapter = SimulatedAdapter(H10)

    async def main() -> None:
        adapter.stop_advertising(10.0)
        assert await BleakScanner.discover(0.03, backend=adapter.scanner_backend()) == []
        with pytest.raises(BleakDeviceNotFoundError):
            await BleakClient(H10.address, backend=adapter.client_backend()).connect()
        adapter.clock.advance(9.0)  # the refused connect took 1 s
        assert [d.address for d in await BleakScanner.discover(0.03, backend=adapter.scanner_backend())] == [
            H10.address
        ]

    asyncio.run(main())


def test_speed_scales_the_injected_sleep() -> None:
    wall = [0.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        wall[0] += seconds

    clock = SimClock(speed=4.0, wall=lambda: wall[0], sleep=fake_sleep)
    adapter = SimulatedAdapter(H10, [(1.0, b"\x00\x3c"), (3.0, b"\x00\x3d"), (3.5, b"\x00\x3e")], clock=clock)
    got = Received(want=3)

    async def main() -> None:
        async with BleakClient(H10.address, backend=adapter.client_backend()) as client:
            await client.start_notify(HEART_RATE_MEASUREMENT, got)
            await asyncio.wait_for(got.enough.wait(), 5)

    asyncio.run(main())
    assert slept == [0.25, 0.5, 0.125] and clock.now() == 3.5
    assert got.payloads == [b"\x00\x3c", b"\x00\x3d", b"\x00\x3e"]


def test_from_capture_replays_its_link_drop_and_async_callbacks_can_stop_notify() -> None:
    adapter = SimulatedAdapter.from_capture(DROPOUT)
    before_drop = [p for t, p in script_from_capture(DROPOUT) if t < 420.997]
    got = Received(want=len(before_drop) + 5)
    link_lost = asyncio.Event()

    async def main() -> None:
        client = BleakClient("C4:7C:8D:6A:1E:2A", lambda _: link_lost.set(), backend=adapter.client_backend())
        await client.connect()
        assert client.name == "Polar H10 8C4F1E2A"  # from the capture's header
        await client.start_notify(HEART_RATE_MEASUREMENT, got)
        await asyncio.wait_for(link_lost.wait(), 5)
        assert got.payloads == before_drop and adapter.clock.now() == 420.997
        refused = 0
        while not client.is_connected:  # down until 428.491, 1 simulated s per failed attempt
            try:
                await client.connect()
            except BleakDeviceNotFoundError:
                refused += 1
        assert refused == 8

        async def on_hrm(sender: BleakGATTCharacteristic, data: bytearray) -> None:
            got(sender, data)
            if got.enough.is_set():
                await client.stop_notify(sender)

        await client.start_notify(HEART_RATE_MEASUREMENT, on_hrm)
        await asyncio.wait_for(got.enough.wait(), 5)
        for _ in range(20):
            await asyncio.sleep(0)
        assert len(got.payloads) in (got.want, got.want + 1) and client.is_connected
        await client.disconnect()

    asyncio.run(main())
