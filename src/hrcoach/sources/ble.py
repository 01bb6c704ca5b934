"""A live strap over Bluetooth LE: scan, connect, stream, survive disconnects. The only importer
of bleak.

`StrapSource.run()` puts events on a queue for as long as it runs: a `HeartRateSample` (or a
`MalformedFrame`) per notification, stamped by the injected clock; a `LinkChanged` for every
state (searching, connecting, connected, stale, disconnected, reconnecting); a `BatteryRead`
when the strap has a battery service. A dropped link is normal: it scans again and reconnects
with a fresh client and exponential backoff with jitter. No sample is ever invented for a gap.
Every way a connection ends (lost link, failed connect, cancel) disconnects its client: on BlueZ
a client left behind keeps its notification subscription, which bluetoothd re-registers on the
next connection, and every beat would then arrive twice. Only a missing adapter or stack at the
start is fatal; a scan error later is reported as a link state and retried with the backoff.
What a misbehaving strap can cost is bounded: at most `MALFORMED_PER_S` undecodable frames a
second are queued (the rest are counted in the next one), and the queue holds `QUEUE_MAX`
events (past that, events are dropped and counted in `dropped`).
bleak's own `backend=` hooks are constructor parameters, so a simulated adapter can stand in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
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

from hrcoach.formats.capture import RawNotification
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
from hrcoach.text import clean

log = logging.getLogger("hrcoach.ble")
QUEUE_MAX = 10_000  # events; a strap sends about one a second
MALFORMED_PER_S = 5  # undecodable frames queued (and recorded) per second; the rest only counted
DISCONNECT_TIMEOUT_S = 12.0  # bleak's BlueZ disconnect waits up to 10 s for the device

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class BluetoothUnavailable(Exception):
    """Bluetooth cannot be used at all here; the message says what is wrong and what to do,
    `detail` what the stack said."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail or message


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
        log.warning("scan failed: %s: %s", type(exc).__name__, exc)
        raise BluetoothUnavailable(explain(exc), f"{type(exc).__name__}: {exc}") from None
    straps = [
        FoundStrap(clean(adv.local_name or dev.name or "") or "(unnamed)", clean(dev.address), adv.rssi, dev)
        for dev, adv in found.values()
        if HEART_RATE_SERVICE_UUID in {u.lower() for u in adv.service_uuids}
    ]
    log.info(
        "scan: %d strap(s) in %.1f s: %s",
        len(straps),
        timeout,
        ", ".join(f"{s.name} {s.address} {s.rssi} dBm" for s in straps),
    )
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
        self.queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_MAX)
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
        self.malformed = 0  # undecodable frames, queued or not
        self.dropped = 0  # events dropped because the queue was full
        self._malformed_second = -1
        self._malformed_queued = 0  # in that second
        self._malformed_skipped = 0  # not queued since the last one that was
        self._link_state: LinkState | None = None
        self._state_since = 0.0
        self._down_since: float | None = None

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

    def _put(self, event: Event) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.warning("event queue full (%d events): %d dropped so far", QUEUE_MAX, self.dropped)

    def _emit(self, event: LinkChanged | BatteryRead) -> None:
        if self._on_raw:
            self._on_raw(event)
        self._put(event)

    def _link(self, state: LinkState, detail: str = "") -> None:
        t = self.now()
        log.info(
            "link %s%s (t=%.3f s, %.3f s after %s)",
            state.value,
            f": {detail}" if detail else "",
            t,
            t - self._state_since,
            self._link_state.value if self._link_state else "start",
        )
        if state is LinkState.DISCONNECTED and self._down_since is None and self.connected_to is not None:
            self._down_since = t
        elif state is LinkState.CONNECTED and self._down_since is not None:
            log.info("reconnected after %.3f s without a link", t - self._down_since)
            self._down_since = None
        self._link_state, self._state_since = state, t
        self._emit(LinkChanged(t, state, clean(detail, 200)))

    def _delay(self, attempt: int) -> float:
        base, cap = self._backoff
        return float(min(cap, base * 2**attempt) * (0.5 + self._rng.random() / 2))

    def _on_notify(self, _char: Any, data: bytearray) -> None:
        t = self.now()
        raw = bytes(data)
        self._last_sample_t = t
        try:
            m = decode_measurement(raw)
        except ProtocolError as exc:
            self._malformed(t, raw, str(exc))
            return
        if self._on_raw:
            self._on_raw(RawNotification(t, raw))
        if self._malformed_skipped:
            self._put(MalformedFrame(t, b"", "malformed frames not kept", self._malformed_skipped))
            self._malformed_skipped = 0
        self._put(HeartRateSample(t, m.bpm, m.rr_ms, m.contact, m.energy_kj))

    def _malformed(self, t: float, raw: bytes, error: str) -> None:
        """Count every undecodable frame; queue and record only the first few of each second."""
        self.malformed += 1
        if int(t) != self._malformed_second:
            self._malformed_second, self._malformed_queued = int(t), 0
        if self._malformed_queued >= MALFORMED_PER_S:
            self._malformed_skipped += 1
            return
        self._malformed_queued += 1
        if self._on_raw:
            self._on_raw(RawNotification(t, raw))
        log.debug("malformed frame %s: %s", raw[:32].hex(), error)
        self._put(MalformedFrame(t, raw, error, self._malformed_skipped + 1))
        self._malformed_skipped = 0

    async def run(self) -> None:
        """Search, connect, stream, and on any loss start over: until cancelled.

        Raises BluetoothUnavailable when there is no usable adapter at all."""
        attempt = 0
        scanned = False  # once a scan has worked, the adapter and the stack are known to exist
        while True:
            self._link(LinkState.SEARCHING if attempt == 0 else LinkState.RECONNECTING)
            try:
                straps = await scan(self._scan_timeout, scanner_backend=self._scanner_backend)
            except BluetoothUnavailable as exc:
                if not scanned:
                    raise
                self._link(LinkState.DISCONNECTED, f"scan failed, retrying: {exc.detail}")
                await self._sleep(self._delay(attempt))
                attempt += 1
                continue
            scanned = True
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
        started = self.now()
        client = BleakClient(
            target.device or target.address,
            disconnected_callback=lambda _c: lost.set(),
            **_backend_kw(self._client_backend),
        )
        try:
            try:
                await client.connect()
                await self._read_details(client)
                await client.start_notify(HEART_RATE_MEASUREMENT_UUID, self._on_notify)
            except (TimeoutError, BleakError, OSError) as exc:
                log.warning("connect to %s failed: %s: %s", target.address, type(exc).__name__, exc)
                self._link(LinkState.DISCONNECTED, f"connect failed: {exc or type(exc).__name__}")
                return False
            log.info("connected to %s %s in %.3f s", target.name, target.address, self.now() - started)
            self.connected_to = target
            self.last_device = target.address
            if self._on_connected:
                self._on_connected(target)
            self._last_sample_t = self.now()
            self._link(LinkState.CONNECTED, target.name)
            await self._watch(lost)
        finally:
            # every way out closes the client, a lost link too: on BlueZ a client left open keeps
            # its subscription, re-registered on the next connection (each beat would come twice)
            await self._close(client)
        self._link(LinkState.DISCONNECTED, "link lost")
        return True

    async def _close(self, client: BleakClient) -> None:
        try:
            async with asyncio.timeout(DISCONNECT_TIMEOUT_S):
                await client.disconnect()
        except (TimeoutError, BleakError, OSError, EOFError) as exc:
            log.warning("disconnect from %s failed: %s: %s", client.address, type(exc).__name__, exc)

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
