"""An emulated Bluetooth LE heart-rate strap for the end-to-end test, on bumble.

Inside the guest, `open_radio()` attaches a bumble `Controller` to /dev/vhci (the kernel
registers it as hci0, and bluetoothd drives it as any adapter) and puts it on a `Radio`, a bumble
`LocalLink` that can take a controller out of range. `Strap` is a second controller on that
radio carrying a bumble `Device`: the Heart Rate Service (0x2A37 notify, 0x2A38 read) and the
Battery Service (0x2A19 read), advertised under a random static address.

Once a second, while a client is subscribed, the strap notifies one Heart Rate Measurement that
identifies itself: flags 0x1E (contact detected, energy expended present, RR present), bpm a
triangle wave 120-150, energy expended = the sequence number, one RR interval 400 + seq % 400
(in 1/1024 s). Every notification is logged (monotonic time, seq, hex) to a JSON-lines file
and kept in `Strap.sent`.

The three ways a strap goes away:
- `drop_link()`: the strap terminates the connection (LL_TERMINATE_IND, reason 0x13) and stays
  silent (no advertising) until `advertise()`;
- `pause()` / `resume()`: the link stays up, the notifications stop;
- `leave()` / `come_back()`: the strap goes out of range: the radio drops every packet to and
  from it, nobody is told, and only when the connection's supervision timeout (as the central
  set it in CONNECT_IND) has passed do both controllers report the connection lost (reason 0x08,
  as a real controller does); the strap itself advertises again into the void.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bumble import hci, ll
from bumble.controller import Controller
from bumble.device import Device, DeviceConfiguration
from bumble.gatt import Characteristic, Service
from bumble.link import LocalLink
from bumble.transport import open_transport

log = logging.getLogger("strap")

HEART_RATE_SERVICE = "180D"
HEART_RATE_MEASUREMENT = "2A37"
BODY_SENSOR_LOCATION = "2A38"
BATTERY_SERVICE = "180F"
BATTERY_LEVEL = "2A19"
REMOTE_USER_TERMINATED = 0x13
CONNECTION_TIMEOUT = 0x08
FLAGS = 0x1E  # contact detected (0x06) | energy expended (0x08) | RR present (0x10)


def measurement(seq: int) -> tuple[bytes, int, int]:
    """The payload of notification `seq`, with its bpm and RR value (1/1024 s)."""
    bpm = 120 + abs(seq % 60 - 30)
    rr = 400 + seq % 400
    return bytes([FLAGS, bpm]) + (seq & 0xFFFF).to_bytes(2, "little") + rr.to_bytes(2, "little"), bpm, rr


def advertising_data(name: bytes) -> bytes:
    """Flags (LE general discoverable, no BR/EDR), the Heart Rate Service UUID and the name."""
    ads = [(0x01, bytes([0x06])), (0x03, bytes.fromhex("0d18")), (0x09, name)]
    data = b"".join(bytes([len(value) + 1, kind]) + value for kind, value in ads)
    if len(data) > 31:
        raise ValueError(f"advertising data is {len(data)} bytes, a legacy advertisement holds 31")
    return data


class Radio(LocalLink):
    """A LocalLink on which a controller can be out of range: its packets go nowhere."""

    def __init__(self) -> None:
        super().__init__()
        self.out_of_range: set[Controller] = set()
        self.supervision_s: dict[str, float] = {}  # by peripheral address, from CONNECT_IND
        self.dropped = 0

    def _cut(self, *controllers: Controller | None) -> bool:
        return any(c in self.out_of_range for c in controllers if c is not None)

    def send_acl_data(
        self, sender_controller: Any, destination_address: Any, transport: Any, data: bytes
    ) -> None:
        if self._cut(sender_controller, self.find_le_controller(destination_address)):
            self.dropped += 1
            return
        super().send_acl_data(sender_controller, destination_address, transport, data)

    def send_advertising_pdu(self, sender_controller: Any, packet: Any) -> None:
        if self._cut(sender_controller):
            return
        if isinstance(packet, ll.ConnectInd):
            self.supervision_s[str(packet.advertiser_address)] = packet.timeout / 100
        loop = asyncio.get_running_loop()
        for c in self.controllers:
            if c is not sender_controller and c not in self.out_of_range:
                loop.call_soon(c.on_ll_advertising_pdu, packet)

    def send_ll_control_pdu(self, sender_address: Any, receiver_address: Any, packet: Any) -> None:
        if self._cut(self.find_le_controller(sender_address), self.find_le_controller(receiver_address)):
            self.dropped += 1
            return
        if isinstance(packet, ll.ConnectionUpdateInd):
            self.supervision_s[str(receiver_address)] = packet.timeout / 100
        super().send_ll_control_pdu(sender_address, receiver_address, packet)

    def supervision_timeout(self, address: str) -> float:
        return self.supervision_s.get(address, 0.42)  # 0x002a: the Linux default

    def lose(self, controller: Controller, reason: int) -> int:
        """Every connection to or from `controller` ends on both sides with `reason`."""
        address = controller.random_address
        lost = 0
        for c in list(self.controllers):
            for conn in list(c.le_connections.values()):
                if c is controller or conn.peer_address == address:
                    c.on_le_disconnected(conn, reason)
                    lost += 1
        return lost


@dataclass
class RadioSetup:
    radio: Radio
    host_controller: Controller
    transport: Any


async def open_radio(vhci: str = "vhci") -> RadioSetup:
    """The controller BlueZ sees as hci0 (through /dev/vhci), on a fresh `Radio`."""
    transport = await open_transport(vhci)
    radio = Radio()
    host_controller = Controller(
        "hrcoach-e2e-adapter", host_source=transport.source, host_sink=transport.sink, link=radio
    )
    # bumble answers LE Create Connection with the legacy LE Connection Complete event; the kernel
    # waits for the enhanced one when LL Privacy or Extended Advertising is supported.
    host_controller.le_features &= ~(hci.LeFeatureMask.LL_PRIVACY | hci.LeFeatureMask.LE_EXTENDED_ADVERTISING)
    return RadioSetup(radio, host_controller, transport)


@dataclass
class Sent:
    mono: float
    seq: int
    hex: str
    bpm: int
    rr: int


@dataclass
class Strap:
    radio: Radio
    name: str
    log_path: Path
    address: str = "C4:7E:5A:11:22:33"  # random static: the two top bits set
    battery: int = 87
    location: int = 1  # chest
    period_s: float = 1.0
    sent: list[Sent] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.controller = Controller("strap", link=self.radio)
        config = DeviceConfiguration(
            name=self.name,
            address=hci.Address(self.address, hci.Address.RANDOM_DEVICE_ADDRESS),
            advertising_interval_min=100,
            advertising_interval_max=100,
        )
        self.device = Device.from_config_with_hci(config, self.controller, self.controller)
        self.device.advertising_data = advertising_data(self.name.encode())
        self.hrm = Characteristic(
            HEART_RATE_MEASUREMENT, Characteristic.Properties.NOTIFY, Characteristic.READABLE, b""
        )
        self.device.add_services(
            [
                Service(
                    HEART_RATE_SERVICE,
                    [
                        self.hrm,
                        Characteristic(
                            BODY_SENSOR_LOCATION,
                            Characteristic.Properties.READ,
                            Characteristic.READABLE,
                            bytes([self.location]),
                        ),
                    ],
                ),
                Service(
                    BATTERY_SERVICE,
                    [
                        Characteristic(
                            BATTERY_LEVEL,
                            Characteristic.Properties.READ,
                            Characteristic.READABLE,
                            bytes([self.battery]),
                        )
                    ],
                ),
            ]
        )
        self.device.on("connection", self._on_connection)
        self.hrm.on("subscription", self._on_subscription)
        self.connection: Any = None
        self.subscribed = False
        self.notifying = True
        self.silent = False  # neither advertising nor accepting (after drop_link)
        self.seq = 0
        self._log = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115 (kept for the run)
        self._task: asyncio.Task[None] | None = None
        self.changed = asyncio.Event()

    # -- log --------------------------------------------------------------------------------------
    def note(self, ev: str, **fields: Any) -> dict[str, Any]:
        entry = {"mono": round(time.monotonic(), 4), "ev": ev, **fields}
        self.events.append(entry)
        self._log.write(json.dumps(entry) + "\n")
        self._log.flush()
        self.changed.set()
        return entry

    def last(self, ev: str, after: float = 0.0) -> dict[str, Any] | None:
        return next((e for e in reversed(self.events) if e["ev"] == ev and e["mono"] >= after), None)

    # -- bumble callbacks -------------------------------------------------------------------------
    def _on_connection(self, connection: Any) -> None:
        self.connection = connection
        self.subscribed = False
        self.note("connected", peer=str(connection.peer_address))
        connection.on("disconnection", lambda reason: self._on_disconnection(connection, reason))

    def _on_disconnection(self, connection: Any, reason: int) -> None:
        if self.connection is connection:
            self.connection = None
            self.subscribed = False
        self.note("disconnected", reason=f"0x{reason:02x}")
        if not self.silent:
            asyncio.get_running_loop().create_task(self._advertise_quietly())

    def _on_subscription(self, connection: Any, notify_enabled: bool, indicate_enabled: bool = False) -> None:
        if connection is self.connection:
            self.subscribed = bool(notify_enabled)
            self.note("subscribed" if notify_enabled else "unsubscribed")

    # -- control ----------------------------------------------------------------------------------
    async def start(self) -> None:
        await self.device.power_on()
        await self.advertise()
        self._task = asyncio.get_running_loop().create_task(self._notifier())

    async def advertise(self) -> None:
        self.silent = False
        await self.device.start_advertising(auto_restart=False)
        self.note("advertising")

    async def _advertise_quietly(self) -> None:
        try:
            await self.device.start_advertising(auto_restart=False)
            self.note("advertising", heard=self.controller not in self.radio.out_of_range)
        except Exception as exc:  # a strap that cannot advertise again is a finding, not a crash
            self.note("advertising_failed", error=repr(exc))

    async def drop_link(self) -> None:
        """Terminate the link and stay silent (no advertising) until `advertise()`."""
        self.silent = True
        await self.device.stop_advertising()
        if self.connection is not None:
            self.note("drop_link")
            await self.connection.disconnect(reason=REMOTE_USER_TERMINATED)
        else:
            self.note("drop_link", connected=False)

    def pause(self) -> None:
        self.notifying = False
        self.note("pause")

    def resume(self) -> None:
        self.notifying = True
        self.note("resume")

    async def leave(self) -> float:
        """Out of range: the radio goes silent; the supervision timeout ends the link later.
        Returns that timeout in seconds."""
        self.notifying = False
        self.radio.out_of_range.add(self.controller)
        timeout = self.radio.supervision_timeout(self.address)
        self.note("out_of_range", supervision_timeout_s=timeout)
        asyncio.get_running_loop().call_later(timeout, self._supervision_timeout)
        return timeout

    def _supervision_timeout(self) -> None:
        if self.controller in self.radio.out_of_range:
            n = self.radio.lose(self.controller, CONNECTION_TIMEOUT)
            self.note("supervision_timeout", connections=n)

    async def come_back(self) -> None:
        self.radio.out_of_range.discard(self.controller)
        self.notifying = True
        self.note("in_range")
        if self.connection is None:
            await self.advertise()

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
        self.note("stop", sent=len(self.sent))
        self._log.close()

    # -- the notifications ------------------------------------------------------------------------
    async def _notifier(self) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            next_at += self.period_s
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            if loop.time() - next_at > self.period_s:  # fell behind (a slow guest): no burst
                next_at = loop.time()
            conn = self.connection
            if not (self.notifying and self.subscribed and conn is not None):
                continue
            self.seq += 1
            payload, bpm, rr = measurement(self.seq)
            try:
                await self.device.notify_subscriber(conn, self.hrm, payload)
            except Exception as exc:
                self.note("notify_failed", seq=self.seq, error=repr(exc))
                continue
            sent = Sent(round(time.monotonic(), 4), self.seq, payload.hex(), bpm, rr)
            self.sent.append(sent)
            self.note("notify", seq=sent.seq, hex=sent.hex)
