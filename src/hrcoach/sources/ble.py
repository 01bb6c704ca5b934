"""A live strap over Bluetooth LE: scan, connect, stream, survive disconnects. The only importer
of bleak.

`StrapSource.run()` puts events on a queue for as long as it runs: a `HeartRateSample` (or a
`MalformedFrame`) per notification, stamped by the injected clock; a `LinkChanged` for every
state (searching, connecting, connected, stale, disconnected, reconnecting); a `BatteryRead`
when the strap has a battery service. A dropped link is normal: it scans again and reconnects
with a fresh client and exponential backoff with jitter. No sample is ever invented for a gap.
bleak's own `backend=` hooks are constructor parameters, so a simulated adapter can stand in.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bleak import BleakClient, BleakScanner
from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import BaseBleakScanner
from bleak.exc import BleakBluetoothNotAvailableError, BleakBluetoothNotAvailableReason, BleakError

from hrcoach.capture import RawNotification
from hrcoach.models import BatteryRead, Event, HeartRateSample, LinkChanged, LinkState, MalformedFrame
from hrcoach.protocol import (
    BATTERY_LEVEL_UUID,
    BODY_SENSOR_LOCATION_UUID,
    HEART_RATE_MEASUREMENT_UUID,
    HEART_RATE_SERVICE_UUID,
    ProtocolError,
    decode_battery_level,
    decode_body_sensor_location,
    decode_measurement,
)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class BluetoothUnavailable(Exception):
    """Bluetooth cannot be used at all here; the message says what is wrong and what to do."""


@dataclass(frozen=True, slots=True)
class FoundStrap:
    name: str
    address: str
    rssi: int
    device: BLEDevice | None = None


_REASONS = {
    BleakBluetoothNotAvailableReason.NO_BLUETOOTH: "this computer has no Bluetooth adapter",
    BleakBluetoothNotAvailableReason.NO_BLE_CENTRAL_ROLE: "the Bluetooth adapter cannot act as a BLE central",
    BleakBluetoothNotAvailableReason.POWERED_OFF: "Bluetooth is turned off: turn it on and try again",
    BleakBluetoothNotAvailableReason.DENIED_BY_USER: "Bluetooth permission was denied: allow it for your "
    "terminal (macOS: System Settings > Privacy & Security > Bluetooth)",
    BleakBluetoothNotAvailableReason.DENIED_BY_SYSTEM: "Bluetooth use is blocked by a system policy",
}


def explain(exc: BaseException) -> str:
    """One line saying why Bluetooth is unavailable, for the errors each platform raises."""
    if isinstance(exc, BleakBluetoothNotAvailableError):
        return "Bluetooth unavailable: " + _REASONS.get(exc.reason, str(exc) or "reason unknown")
    text = str(exc)
    if isinstance(exc, FileNotFoundError | ConnectionRefusedError) or "org.freedesktop.DBus" in text:
        return (
            "Bluetooth unavailable: BlueZ could not be reached over D-Bus (no Bluetooth adapter, or "
            "bluetoothd not running; on Linux install bluez and run `systemctl start bluetooth`)"
        )
    if isinstance(exc, PermissionError) or "NotPermitted" in text or "AccessDenied" in text:
        return "Bluetooth unavailable: permission denied (Linux: add yourself to the `bluetooth` group)"
    if "NotReady" in text or "powered off" in text.lower() or "turned off" in text.lower():
        return "Bluetooth unavailable: the adapter is turned off; turn it on (`bluetoothctl power on`)"
    if "No Bluetooth adapters found" in text or "adapter" in text.lower():
        return "Bluetooth unavailable: no Bluetooth adapter found"
    return f"Bluetooth unavailable: {text or type(exc).__name__}"


def _backend_kw(backend: type[Any] | None) -> dict[str, Any]:
    return {} if backend is None else {"backend": backend}


async def scan(
    timeout: float = 5.0, *, scanner_backend: type[BaseBleakScanner] | None = None
) -> list[FoundStrap]:
    """Straps advertising the Heart Rate Service, strongest signal first.

    Raises BluetoothUnavailable when there is no usable adapter."""
    try:
        found = await BleakScanner.discover(
            timeout, return_adv=True, service_uuids=[HEART_RATE_SERVICE_UUID], **_backend_kw(scanner_backend)
        )
    except (BleakError, OSError) as exc:
        raise BluetoothUnavailable(explain(exc)) from None
    straps = [
        FoundStrap(adv.local_name or dev.name or "(unnamed)", dev.address, adv.rssi, dev)
        for dev, adv in found.values()
        if HEART_RATE_SERVICE_UUID in {u.lower() for u in adv.service_uuids}
    ]
    return sorted(straps, key=lambda s: s.rssi, reverse=True)


def choose(straps: list[FoundStrap], wanted: str | None, last: str | None) -> FoundStrap | None:
    """The strap named by `wanted` (name or address), else the last one used, else the strongest."""

    def match(s: FoundStrap, key: str) -> bool:
        return key.lower() in (s.address.lower(), s.name.lower())

    if wanted:
        return next((s for s in straps if match(s, wanted)), None)
    if last:
        chosen = next((s for s in straps if match(s, last)), None)
        if chosen:
            return chosen
    return straps[0] if straps else None


class StrapSource:
    """Streams one strap's events onto `queue` until cancelled."""

    def __init__(
        self,
        *,
        device: str | None = None,
        last_device: str | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        scanner_backend: type[BaseBleakScanner] | None = None,
        client_backend: type[BaseBleakClient] | None = None,
        scan_timeout: float = 5.0,
        backoff_s: tuple[float, float] = (1.0, 30.0),
        stale_after_s: float = 5.0,
        watch_every_s: float = 0.5,
        rng: random.Random | None = None,
        on_raw: Callable[[RawNotification | LinkChanged | BatteryRead], None] | None = None,
        on_connected: Callable[[FoundStrap], None] | None = None,
    ) -> None:
        self.queue: asyncio.Queue[Event] = asyncio.Queue()
        self.device = device
        self.last_device = last_device
        self._clock = clock
        self._sleep = sleep  # backoff waits, on the same time base as `clock`
        self._t0 = clock()
        self._scanner_backend = scanner_backend
        self._client_backend = client_backend
        self._scan_timeout = scan_timeout
        self._backoff = backoff_s
        self._stale_after = stale_after_s
        self._watch_every = watch_every_s
        self._rng = rng or random.Random()
        self._on_raw = on_raw
        self._on_connected = on_connected
        self._last_sample_t = 0.0
        self.connected_to: FoundStrap | None = None
        self.body_sensor_location: str | None = None  # as read on the last connect
        self.malformed = 0

    def now(self) -> float:
        return self._clock() - self._t0

    def device_info(self) -> dict[str, str]:
        """Name, address and body-sensor location of the strap connected last (for a capture header)."""
        if self.connected_to is None:
            return {}
        info = {"name": self.connected_to.name, "address": self.connected_to.address}
        if self.body_sensor_location:
            info["body_sensor_location"] = self.body_sensor_location
        return info

    def _emit(self, event: LinkChanged | BatteryRead) -> None:
        if self._on_raw:
            self._on_raw(event)
        self.queue.put_nowait(event)

    def _link(self, state: LinkState, detail: str = "") -> None:
        self._emit(LinkChanged(self.now(), state, detail))

    def _delay(self, attempt: int) -> float:
        base, cap = self._backoff
        return float(min(cap, base * 2**attempt) * (0.5 + self._rng.random() / 2))

    def _on_notify(self, _char: Any, data: bytearray) -> None:
        t = self.now()
        raw = bytes(data)
        if self._on_raw:
            self._on_raw(RawNotification(t, raw))
        self._last_sample_t = t
        try:
            m = decode_measurement(raw)
        except ProtocolError as exc:
            self.malformed += 1
            self.queue.put_nowait(MalformedFrame(t, raw, str(exc)))
            return
        self.queue.put_nowait(HeartRateSample(t, m.bpm, m.rr_ms, m.contact, m.energy_kj))

    async def run(self) -> None:
        """Search, connect, stream, and on any loss start over: until cancelled.

        Raises BluetoothUnavailable when there is no usable adapter at all."""
        attempt = 0
        while True:
            self._link(LinkState.SEARCHING if attempt == 0 else LinkState.RECONNECTING)
            straps = await scan(self._scan_timeout, scanner_backend=self._scanner_backend)
            target = choose(straps, self.device, self.last_device)
            if target is None:
                await self._sleep(self._delay(attempt))
                attempt += 1
                continue
            streamed = await self._session(target)
            attempt = 0 if streamed else attempt + 1
            if not streamed:
                await self._sleep(self._delay(attempt))

    async def _session(self, target: FoundStrap) -> bool:
        """One connection; returns whether it got as far as streaming."""
        lost = asyncio.Event()
        self._link(LinkState.CONNECTING, target.name)
        client = BleakClient(
            target.device or target.address,
            disconnected_callback=lambda _c: lost.set(),
            **_backend_kw(self._client_backend),
        )
        try:
            await client.connect()
            await self._read_details(client)
            await client.start_notify(HEART_RATE_MEASUREMENT_UUID, self._on_notify)
        except (TimeoutError, BleakError, OSError) as exc:
            self._link(LinkState.DISCONNECTED, f"connect failed: {exc or type(exc).__name__}")
            with contextlib.suppress(BleakError, OSError, asyncio.TimeoutError):
                await client.disconnect()
            return False
        self.connected_to = target
        self.last_device = target.address
        if self._on_connected:
            self._on_connected(target)
        self._last_sample_t = self.now()
        self._link(LinkState.CONNECTED, target.name)
        try:
            await self._watch(lost)
        finally:
            if not lost.is_set():  # cancelled while connected: leave the strap cleanly
                with contextlib.suppress(BleakError, OSError, asyncio.TimeoutError):
                    await client.disconnect()
        self._link(LinkState.DISCONNECTED, "link lost")
        return True

    async def _read_details(self, client: BleakClient) -> None:
        self.body_sensor_location = None
        with contextlib.suppress(BleakError, ProtocolError, OSError):
            self.body_sensor_location = decode_body_sensor_location(
                bytes(await client.read_gatt_char(BODY_SENSOR_LOCATION_UUID))
            ).value
        with contextlib.suppress(BleakError, ProtocolError, OSError):
            level = decode_battery_level(bytes(await client.read_gatt_char(BATTERY_LEVEL_UUID)))
            self._emit(BatteryRead(self.now(), level))

    async def _watch(self, lost: asyncio.Event) -> None:
        """Wait for the link to drop, reporting `stale` when notifications stop meanwhile."""
        stale = False
        while not lost.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(lost.wait(), timeout=self._watch_every)
            quiet = self.now() - self._last_sample_t
            if not stale and quiet >= self._stale_after:
                stale = True
                self._link(LinkState.STALE, f"no notification for {quiet:.0f} s")
            elif stale and quiet < self._stale_after:
                stale = False
                self._link(LinkState.CONNECTED, "notifications resumed")
