"""A simulated Bluetooth adapter for tests, plugged in through bleak's own backend hooks.

    adapter = SimulatedAdapter(SimulatedStrap(), script_from_capture(path), speed=0)
    devices = await BleakScanner.discover(0.1, backend=adapter.scanner_backend(), return_adv=True)
    client = BleakClient(address, disconnected_callback=cb, backend=adapter.client_backend())

Like BlueZ, a client that subscribed to 0x2A37 keeps its subscription after the link drops until
that client is disconnect()ed (its D-Bus connection released): bluetoothd re-registers every such
subscription on the next connection ("Re-register subscribed notification client"), so each
notification then reaches the new client once per subscription left behind.

Time is simulated seconds on a `SimClock`, with `speed` as in `hrcoach.sources.replay`: simulated
seconds per real second, and speed <= 0 never waits (only `await sleep(0)` between steps), so time
then moves only when a notification is delivered, a refused connect costs its time, or a test
calls `clock.advance()`. Scheduled link drops fire from the notification stream, i.e. while a
client is subscribed to 0x2A37.
"""

from __future__ import annotations

import asyncio
import bisect
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

from bleak.args import SizedBuffer
from bleak.assigned_numbers import CharacteristicPropertyName
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError, BleakGATTProtocolError, BleakGATTProtocolErrorCode
from bleak.uuids import normalize_uuid_str

from hrcoach.formats.capture import RawNotification, read_capture
from hrcoach.models import LinkChanged, LinkState

HEART_RATE_SERVICE = "0000180d-0000-1000-8000-00805f9b34fb"
HEART_RATE_MEASUREMENT = "00002a37-0000-1000-8000-00805f9b34fb"
BODY_SENSOR_LOCATION = "00002a38-0000-1000-8000-00805f9b34fb"
BATTERY_SERVICE = "0000180f-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL = "00002a19-0000-1000-8000-00805f9b34fb"
CCCD = "00002902-0000-1000-8000-00805f9b34fb"

Script = list[tuple[float, bytes]]
Sleep = Callable[[float], Awaitable[None]]
Characteristic = tuple[str, list[CharacteristicPropertyName]]


class SimClock:
    """Simulated seconds since the clock was made; `speed` simulated seconds pass per real second."""

    def __init__(
        self, speed: float = 0.0, *, wall: Callable[[], float] = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.speed = speed
        self._wall, self._sleep = wall, sleep
        self._start = wall()
        self._offset = 0.0

    def now(self) -> float:
        elapsed = (self._wall() - self._start) * self.speed if self.speed > 0 else 0.0
        return self._offset + elapsed

    def advance(self, seconds: float) -> None:
        """Jump simulated time forward (at any speed)."""
        self._offset += max(0.0, seconds)

    async def sleep_until(self, t: float) -> None:
        if self.speed <= 0:
            await self._sleep(0)
            self._offset = max(self._offset, t)
        elif (delay := (t - self.now()) / self.speed) > 0:
            await self._sleep(delay)

    async def sleep(self, seconds: float) -> None:
        await self.sleep_until(self.now() + seconds)


@dataclass
class SimulatedStrap:
    """A chest strap: what it advertises and serves. Mutable, so tests may change values mid-run."""

    name: str = "Polar H10 8C4F1E2A"
    address: str = "C4:7C:8D:6A:1E:2A"
    rssi: int = -58
    heart_rate_service: bool = True
    body_sensor_location: bytes | None = b"\x01"  # None: no 0x2A38 characteristic
    battery_level: bytes | None = bytes([87])  # None: no Battery Service at all
    script: Script | None = None  # None: stream the adapter's script

    def gatt(self) -> list[tuple[str, list[Characteristic]]]:
        services: list[tuple[str, list[Characteristic]]] = []
        if self.heart_rate_service:
            chars: list[Characteristic] = [(HEART_RATE_MEASUREMENT, ["notify"])]
            if self.body_sensor_location is not None:
                chars.append((BODY_SENSOR_LOCATION, ["read"]))
            services.append((HEART_RATE_SERVICE, chars))
        if self.battery_level is not None:
            services.append((BATTERY_SERVICE, [(BATTERY_LEVEL, ["read"])]))
        return services

    def read_value(self, uuid: str) -> bytes | None:
        return {BODY_SENSOR_LOCATION: self.body_sensor_location, BATTERY_LEVEL: self.battery_level}.get(uuid)


@dataclass
class AdapterStats:
    scans: int = 0
    advertisements: int = 0
    connects_attempted: int = 0
    connects_refused: int = 0
    connects: int = 0  # attempts that succeeded
    reads: int = 0
    notifications_delivered: int = 0
    link_drops: int = 0  # links the simulation dropped (each called the disconnected callback)
    disconnects: int = 0  # client.disconnect() calls on a live link
    released: int = 0  # disconnect() calls that released a dropped client's subscription
    duplicates: int = 0  # extra deliveries caused by subscriptions left behind (BlueZ's quirk)
    scan_errors: int = 0  # scans refused by fail_scans()


def _load(path: Path) -> tuple[dict[str, Any], Script, list[tuple[float, float]]]:
    header, events = read_capture(path)
    script = [(ev.t, ev.data) for ev in events if isinstance(ev, RawNotification)]
    drops: list[tuple[float, float]] = []
    down_at: float | None = None
    for ev in events:
        if isinstance(ev, LinkChanged) and ev.state is LinkState.DISCONNECTED:
            down_at = ev.t
        elif isinstance(ev, LinkChanged) and ev.state is LinkState.CONNECTED and down_at is not None:
            drops.append((down_at, ev.t - down_at))
            down_at = None
    return header.device, script, drops


def script_from_capture(path: Path, limit: int | None = None) -> Script:
    """The (t, payload) of each 0x2A37 notification in a capture, the first `limit` of them."""
    return _load(path)[1][:limit]


def drops_from_capture(path: Path) -> list[tuple[float, float]]:
    """(at, down_for) for each 'disconnected' link event, down until the next 'connected'."""
    return _load(path)[2]


class SimulatedAdapter:
    """The shared world: straps, the notification script, faults to inject, and counters."""

    def __init__(
        self,
        straps: SimulatedStrap | Sequence[SimulatedStrap] = (),
        script: Sequence[tuple[float, bytes]] = (),
        *,
        speed: float = 0.0,
        clock: SimClock | None = None,
        refuse_seconds: float = 1.0,
        advertise_every: float = 0.01,
        callback_on_disconnect: bool = True,
    ) -> None:
        straps = [straps] if isinstance(straps, SimulatedStrap) else list(straps) or [SimulatedStrap()]
        self.straps = {s.address.upper(): s for s in straps}
        self.script: Script = sorted(script, key=lambda e: e[0])
        self.clock = clock or SimClock(speed)
        self.refuse_seconds = refuse_seconds  # simulated time a refused connect takes (not timeouts)
        self.advertise_every = advertise_every  # real seconds between advertisements while scanning
        self.callback_on_disconnect = callback_on_disconnect  # BlueZ calls it on disconnect() too
        self.stats = AdapterStats()
        self._clients: set[FakeClientBackend] = set()
        self._cursor: dict[str, int] = {}
        self._hidden_until: dict[str, float] = {}
        self._drops: dict[str, list[tuple[float, float]]] = {}
        self._refuse_left, self._refuse_until = 0, -math.inf
        self._refuse_kind: Literal["error", "timeout"] = "error"
        self._subscribed: dict[str, set[FakeClientBackend]] = {}  # per address, as bluetoothd keeps them
        self._scan_failures: list[Exception] = []

    @classmethod
    def from_capture(
        cls, path: Path, *, limit: int | None = None, drops: bool = True, **kwargs: Any
    ) -> SimulatedAdapter:
        """A strap named as in the capture's header, streaming its notifications (and link drops)."""
        device, script, link_drops = _load(path)
        default = SimulatedStrap()
        strap = SimulatedStrap(
            str(device.get("name", default.name)), str(device.get("address", default.address))
        )
        adapter = cls(strap, script[:limit], **kwargs)
        for at, down_for in link_drops if drops else []:
            adapter.schedule_drop(at, down_for=down_for)
        return adapter

    def scanner_backend(self) -> type[FakeScannerBackend]:
        """A FakeScannerBackend subclass bound to this adapter, for BleakScanner(backend=...)."""
        return type("FakeScannerBackend", (FakeScannerBackend,), {"adapter": self})

    def client_backend(self) -> type[FakeClientBackend]:
        """A FakeClientBackend subclass bound to this adapter, for BleakClient(backend=...)."""
        return type("FakeClientBackend", (FakeClientBackend,), {"adapter": self})

    def source_hooks(self) -> dict[str, Any]:
        """What a source needs to live in this world: its clock and sleep (backoff waits pass
        simulated time) and the bleak backends, e.g. `StrapSource(**adapter.source_hooks())`."""
        return {
            "clock": self.clock.now,
            "sleep": self.clock.sleep,
            "scanner_backend": self.scanner_backend(),
            "client_backend": self.client_backend(),
        }

    def _addresses(self, address: str | None) -> list[str]:
        return list(self.straps) if address is None else [address.upper()]

    def script_for(self, address: str) -> Script:
        strap = self.straps[address.upper()]
        return self.script if strap.script is None else strap.script

    # Faults

    def stop_advertising(self, seconds: float = math.inf, *, address: str | None = None) -> None:
        """Invisible to scans, connects fail with BleakDeviceNotFoundError, for `seconds` (0 resumes)."""
        for a in self._addresses(address):
            self._hidden_until[a] = self.clock.now() + seconds

    def is_advertising(self, address: str) -> bool:
        return self.clock.now() >= self._hidden_until.get(address.upper(), -math.inf)

    def refuse_connections(
        self, times: int = 0, *, until: float | None = None, kind: Literal["error", "timeout"] = "error"
    ) -> None:
        """Refuse the next `times` connects and/or those before simulated time `until`.

        kind "error" raises BleakError after `refuse_seconds`; "timeout" raises TimeoutError
        after the client's timeout (simulated seconds)."""
        self._refuse_left, self._refuse_kind = times, kind
        self._refuse_until = -math.inf if until is None else until

    def fail_scans(self, times: int = 1, error: Exception | None = None) -> None:
        """The next `times` scans fail to start with `error` (default: a BlueZ "InProgress" error)."""
        self._scan_failures = [
            error or BleakError("[org.bluez.Error.InProgress] Operation already in progress")
        ]
        self._scan_failures *= times

    def subscriptions(self, address: str) -> int:
        """0x2A37 subscriptions bluetoothd holds for `address` (live and left behind)."""
        return len(self._subscribed.get(address.upper(), ()))

    def drop_link(self, address: str | None = None, *, down_for: float = 0.0) -> int:
        """Drop live links now: callbacks called, notifications stop. Returns how many dropped."""
        addresses = self._addresses(address)
        dropped = [c for c in self._clients if c.address.upper() in addresses]
        for client in dropped:
            client._teardown(callback=True)
        self.stats.link_drops += len(dropped)
        if down_for > 0:
            for a in addresses:
                self._hidden_until[a] = self.clock.now() + down_for
        return len(dropped)

    def schedule_drop(self, at: float, *, down_for: float = 0.0, address: str | None = None) -> None:
        """Drop the link at simulated time `at`, then stay out of range for `down_for` seconds."""
        for a in self._addresses(address):
            self._drops.setdefault(a, []).append((at, down_for))
            self._drops[a].sort()

    async def _admit(self, address: str, timeout: float) -> SimulatedStrap:
        self.stats.connects_attempted += 1
        strap = self.straps.get(address.upper())
        error: Exception | None = None
        cost = self.refuse_seconds
        if strap is None or not self.is_advertising(address):
            error = BleakDeviceNotFoundError(address, f"simulated: {address} is not in range")
        elif self._refuse_left > 0 or self.clock.now() < self._refuse_until:
            self._refuse_left = max(0, self._refuse_left - 1)
            if self._refuse_kind == "timeout":
                error, cost = TimeoutError(f"simulated: connect to {address} timed out"), timeout
            else:
                error = BleakError(f"simulated: connection to {address} refused")
        if error is not None:
            self.stats.connects_refused += 1
            await self.clock.sleep(cost)
            raise error
        assert strap is not None
        self.stats.connects += 1
        return strap


def _service_collection(strap: SimulatedStrap, wanted: set[str] | None) -> BleakGATTServiceCollection:
    """bleak's own GATT classes; handles count service, declaration+value, CCCD as on a real strap."""
    collection = BleakGATTServiceCollection()
    handle = 0
    for service_uuid, chars in strap.gatt():
        service = BleakGATTService(None, handle := handle + 1, service_uuid)
        if wanted is not None and service_uuid not in wanted:
            continue
        collection.add_service(service)
        for char_uuid, properties in chars:
            char = BleakGATTCharacteristic(
                None, handle := handle + 2, char_uuid, properties, lambda: 20, service
            )
            collection.add_characteristic(char)
            if "notify" in properties:
                collection.add_descriptor(BleakGATTDescriptor(None, handle := handle + 1, CCCD, char))
    return collection


class FakeScannerBackend(BaseBleakScanner):
    """Sees each advertising strap every `adapter.advertise_every` real seconds while scanning."""

    adapter: ClassVar[SimulatedAdapter]

    def __init__(
        self,
        detection_callback: AdvertisementDataCallback | None,
        service_uuids: list[str] | None,
        scanning_mode: str = "active",
        **kwargs: Any,  # bluez=, cb= and anything else BleakScanner passes on
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        if self._service_uuids is not None:  # the base class only lower-cases; accept "180d" too
            self._service_uuids = [normalize_uuid_str(u) for u in self._service_uuids]
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.adapter._scan_failures:
            self.adapter.stats.scan_errors += 1
            raise self.adapter._scan_failures.pop()
        self.seen_devices = {}
        self.adapter.stats.scans += 1
        self._task = asyncio.create_task(self._advertise())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _advertise(self) -> None:
        while True:
            for strap in list(self.adapter.straps.values()):
                uuids = [HEART_RATE_SERVICE] if strap.heart_rate_service else []
                if not self.adapter.is_advertising(strap.address) or not self.is_allowed_uuid(uuids):
                    continue
                adv = AdvertisementData(strap.name, {}, {}, uuids, None, strap.rssi, ())
                device = self.create_or_update_device(strap.address, strap.address, strap.name, strap, adv)
                self.adapter.stats.advertisements += 1
                self.call_detection_callbacks(device, adv)
            await asyncio.sleep(self.adapter.advertise_every)


class FakeClientBackend(BaseBleakClient):
    """One connection to a simulated strap; 0x2A37 notifications follow the script."""

    adapter: ClassVar[SimulatedAdapter]

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        *,
        disconnected_callback: Callable[[], None] | None = None,
        timeout: float = 30.0,
        services: set[str] | None = None,
        **kwargs: Any,  # bluez=, winrt= and anything else BleakClient passes on
    ) -> None:
        super().__init__(address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout)
        self._wanted = services
        self._connected = False
        self._notifying: dict[int, asyncio.Task[None] | None] = {}

    @property
    def name(self) -> str:
        strap = self.adapter.straps.get(self.address.upper())
        return strap.name if strap else self.address.replace(":", "-")

    @property
    def mtu_size(self) -> int:
        return 23

    @property
    def is_connected(self) -> bool:
        return self._connected

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        if self._connected:
            return
        strap = await self.adapter._admit(self.address, self._timeout)
        self.services = _service_collection(strap, self._wanted)
        self._connected = True
        self.adapter._clients.add(self)

    async def disconnect(self) -> None:
        subscribed = self.adapter._subscribed.get(self.address.upper(), set())
        if self._connected:
            self.adapter.stats.disconnects += 1
            self._teardown(callback=self.adapter.callback_on_disconnect)
        elif self in subscribed:
            self.adapter.stats.released += 1
        subscribed.discard(self)  # the client's D-Bus connection is released with its subscriptions

    def _teardown(self, *, callback: bool) -> None:
        self._connected = False
        self.services = None  # as BlueZ does, before the callback runs
        self.adapter._clients.discard(self)
        for task in self._notifying.values():
            if task is not None and task is not asyncio.current_task():
                task.cancel()
        self._notifying.clear()
        if callback and self._disconnected_callback is not None:
            self._disconnected_callback()

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        """Straps pair without bonding; nothing to do."""

    async def unpair(self) -> None:
        """Nothing was paired."""

    def _strap(self) -> SimulatedStrap:
        if not self._connected:
            raise BleakError("Not connected")
        return self.adapter.straps[self.address.upper()]

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        value = self._strap().read_value(characteristic.uuid)
        if value is None or "read" not in characteristic.properties:
            raise BleakGATTProtocolError(BleakGATTProtocolErrorCode.READ_NOT_PERMITTED)
        self.adapter.stats.reads += 1
        return bytearray(value)

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        self._strap()
        return bytearray(b"\x01\x00" if descriptor.characteristic_handle in self._notifying else b"\x00\x00")

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: SizedBuffer, response: bool
    ) -> None:
        self._strap()
        raise BleakGATTProtocolError(BleakGATTProtocolErrorCode.WRITE_NOT_PERMITTED)

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: SizedBuffer) -> None:
        self._strap()
        raise BleakGATTProtocolError(BleakGATTProtocolErrorCode.WRITE_NOT_PERMITTED)

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        self._strap()
        if "notify" not in characteristic.properties:
            raise BleakError(f"{characteristic.uuid} does not notify")
        await self.stop_notify(characteristic)
        hrm = characteristic.uuid == HEART_RATE_MEASUREMENT
        if hrm:
            self.adapter._subscribed.setdefault(self.address.upper(), set()).add(self)
        task = asyncio.create_task(self._stream(characteristic.handle, callback)) if hrm else None
        self._notifying[characteristic.handle] = task

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        if characteristic.uuid == HEART_RATE_MEASUREMENT:
            self.adapter._subscribed.get(self.address.upper(), set()).discard(self)
        task = self._notifying.pop(characteristic.handle, None)
        if task is not None and task is not asyncio.current_task():  # may be called from the callback
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    async def _stream(self, handle: int, callback: NotifyCallback) -> None:
        adapter, address, me = self.adapter, self.address.upper(), asyncio.current_task()
        times = [t for t, _ in adapter.script_for(address)]
        payloads = [p for _, p in adapter.script_for(address)]
        i = max(adapter._cursor.get(address, 0), bisect.bisect_left(times, adapter.clock.now()))
        drops = adapter._drops.setdefault(address, [])
        while self._connected and self._notifying.get(handle) is me:
            next_t = times[i] if i < len(times) else math.inf
            drop_at, down_for = drops[0] if drops else (math.inf, 0.0)
            if math.isinf(min(next_t, drop_at)):
                return  # the script is over: the link stays up, silent
            if drop_at <= next_t:
                await adapter.clock.sleep_until(drop_at)
                if (drop_at, down_for) in drops:
                    drops.remove((drop_at, down_for))
                adapter.drop_link(address, down_for=down_for)
                return
            await adapter.clock.sleep_until(next_t)
            if not (self._connected and self._notifying.get(handle) is me):
                return
            adapter._cursor[address] = max(adapter._cursor.get(address, 0), i + 1)
            adapter.stats.notifications_delivered += 1
            copies = max(1, adapter.subscriptions(address))  # one per subscription bluetoothd holds
            adapter.stats.duplicates += copies - 1
            for _ in range(copies):
                callback(bytearray(payloads[i]))
            i += 1
