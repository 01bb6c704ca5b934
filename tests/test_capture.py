"""The capture format: writer and reader agree, and a bad line names the file and line."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hrcoach.formats.capture import CaptureError, CaptureWriter, RawNotification, read_capture
from hrcoach.models import BatteryRead, LinkChanged, LinkState
from tests.conftest import FIXTURE_NAMES, stream

START = datetime(2026, 1, 5, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize("suffix", [".hrcap.jsonl", ".hrcap.jsonl.gz"])
def test_write_then_read_round_trip(tmp_path: Path, suffix: str) -> None:
    events: list[RawNotification | LinkChanged | BatteryRead] = [
        BatteryRead(0.5, 87),
        RawNotification(1.002, bytes.fromhex("163c1104")),
        LinkChanged(300.2, LinkState.DISCONNECTED, "link lost"),
        LinkChanged(310.0, LinkState.CONNECTED),
        RawNotification(310.9, bytes.fromhex("0601")),
    ]
    path = tmp_path / f"run{suffix}"
    with CaptureWriter(path, started_at=START, device={"name": "Polar H10"}) as w:
        for e in events:
            w.write(e)
    header, back = read_capture(path)
    assert header.started_at == START and header.device == {"name": "Polar H10"}
    assert back == events
    if suffix.endswith(".gz"):
        assert gzip.decompress(path.read_bytes()).startswith(b'{"hrcoach_capture": 1')


def test_writer_flushes_every_second_of_session_time(tmp_path: Path) -> None:
    path = tmp_path / "live.hrcap.jsonl"
    w = CaptureWriter(path, started_at=START, device={})
    w.write(RawNotification(0.2, b"\x06\x50"))
    w.write(RawNotification(0.7, b"\x06\x51"))
    w.write(RawNotification(1.3, b"\x06\x52"))  # one second since the last flush: on disk now
    assert len(path.read_text().splitlines()) == 4  # header + 3 events, without close()
    w.close()


def test_header_waits_for_the_device_and_keeps_earlier_events(tmp_path: Path) -> None:
    path = tmp_path / "live.hrcap.jsonl"
    w = CaptureWriter(path, started_at=START)
    w.write(LinkChanged(0.0, LinkState.SEARCHING))
    w.write(LinkChanged(0.4, LinkState.CONNECTING, "Polar H10"))
    assert path.read_text() == ""  # nothing known about the strap yet
    w.set_device({"name": "Polar H10", "address": "AA"})
    w.write(RawNotification(1.0, b"\x06\x50"))
    w.set_device({"name": "other"})  # the header is written once
    w.close()
    header, back = read_capture(path)
    assert header.device == {"name": "Polar H10", "address": "AA"}
    assert [type(e).__name__ for e in back] == ["LinkChanged", "LinkChanged", "RawNotification"]


def test_a_writer_closed_before_any_device_still_writes_a_readable_capture(tmp_path: Path) -> None:
    path = tmp_path / "nothing.hrcap.jsonl"
    w = CaptureWriter(path, started_at=START)
    w.write(LinkChanged(0.0, LinkState.SEARCHING))
    w.close()
    header, back = read_capture(path)
    assert header.device == {} and back == [LinkChanged(0.0, LinkState.SEARCHING)]


@pytest.mark.parametrize(
    ("content", "where", "what"),
    [
        ("", ":1:", "empty file"),
        ("not json\n", ":1:", "header is not JSON"),
        ('{"foo": 1}\n', ":1:", "not a capture header"),
        ('{"hrcoach_capture": 9, "started_at": "2026-01-01T00:00:00Z"}\n', ":1:", "version 9"),
        ('{"hrcoach_capture": 1, "started_at": "yesterday"}\n', ":1:", "started_at"),
        (
            '{"hrcoach_capture": 1, "started_at": "2026-01-01T00:00:00Z"}\n{"t": 1, "hrm": "zz"}\n',
            ":2:",
            "hex",
        ),
        (
            '{"hrcoach_capture": 1, "started_at": "2026-01-01T00:00:00Z"}\n\n{"t": -1, "hrm": "0650"}\n',
            ":3:",
            "'t'",
        ),
        (
            '{"hrcoach_capture": 1, "started_at": "2026-01-01T00:00:00Z"}\n{"t": 1, "link": "gone"}\n',
            ":2:",
            "link state",
        ),
        (
            '{"hrcoach_capture": 1, "started_at": "2026-01-01T00:00:00Z"}\n{"t": 1, "battery": 101}\n',
            ":2:",
            "battery",
        ),
        (
            '{"hrcoach_capture": 1, "started_at": "2026-01-01T00:00:00Z"}\n{"t": 1}\n',
            ":2:",
            "none of",
        ),
        (
            '{"hrcoach_capture": 1, "started_at": "2026-01-01T00:00:00Z"}\n[1,2]\n',
            ":2:",
            "JSON object",
        ),
    ],
)
def test_bad_captures_name_path_and_line(tmp_path: Path, content: str, where: str, what: str) -> None:
    path = tmp_path / "bad.hrcap.jsonl"
    path.write_text(content)
    with pytest.raises(CaptureError) as info:
        read_capture(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}{where}") and what in msg and "\n" not in msg


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_every_fixture_reads(name: str) -> None:
    header, events = read_capture(stream(name))
    assert header.device["name"]
    ts = [e.t for e in events]
    assert ts == sorted(ts)
    assert sum(isinstance(e, RawNotification) for e in events) > 200
