"""`hrcoach scan` / `run` without usable Bluetooth: one clear line, exit 2, no traceback."""

from __future__ import annotations

import pytest
from bleak import BleakScanner
from bleak.exc import BleakBluetoothNotAvailableError, BleakBluetoothNotAvailableReason, BleakDBusError

from hrcoach.cli import main
from hrcoach.sources.ble import FoundStrap, choose, explain


@pytest.mark.parametrize(
    ("exc", "says"),
    [
        (FileNotFoundError(2, "No such file or directory"), "BlueZ could not be reached"),  # this machine
        (BleakBluetoothNotAvailableError("off", BleakBluetoothNotAvailableReason.POWERED_OFF), "turned off"),
        (BleakBluetoothNotAvailableError("no", BleakBluetoothNotAvailableReason.DENIED_BY_USER), "Privacy"),
        (
            BleakBluetoothNotAvailableError("no", BleakBluetoothNotAvailableReason.NO_BLUETOOTH),
            "no Bluetooth adapter",
        ),
        (BleakDBusError("org.bluez.Error.NotReady", ["Resource Not Ready"]), "turned off"),
        (PermissionError(13, "Permission denied"), "permission denied"),
    ],
)
def test_platform_errors_explained(exc: BaseException, says: str) -> None:
    assert says in explain(exc)


@pytest.mark.parametrize("argv", [["scan", "--timeout", "0.1"], ["run", "--hrmax", "185"]])
def test_no_bluetooth_is_one_line_exit_2(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def no_dbus(*_a: object, **_k: object) -> None:
        raise FileNotFoundError(2, "No such file or directory")

    monkeypatch.setattr(BleakScanner, "discover", no_dbus)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("hrcoach: Bluetooth unavailable:") and err.count("\n") == 1


def test_choose_by_name_address_last_or_strongest() -> None:
    straps = [FoundStrap("Polar H10 1", "AA", -50), FoundStrap("HRM-Dual", "BB", -70)]
    assert choose(straps, "hrm-dual", None) == straps[1]
    assert choose(straps, "bb", None) == straps[1]
    assert choose(straps, "nope", "AA") is None  # a named strap that is not there is not replaced
    assert choose(straps, None, "BB") == straps[1]
    assert choose(straps, None, "gone") == straps[0]
    assert choose([], None, None) is None
