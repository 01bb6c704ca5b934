"""The lean FIT walk (`formats/fit_lean`) against Garmin's SDK, the reference: the same messages
(the fields hrcoach reads, each value as the SDK gives it) and the same recordings on every real
FIT file, every fixture exported as FIT, and mutated files; where the walk cannot be sure it hands
the file to the SDK."""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastcrc import crc16
from garmin_fit_sdk import CrcCalculator, Decoder, Encoder, Profile, Stream
from hypothesis import given
from hypothesis import strategies as st

from hrcoach.formats import fit_defs, fit_dev, fit_layout, fit_lean, fit_read
from hrcoach.formats.exports import ExportSession, render_fit
from hrcoach.formats.files import load_recording
from hrcoach.formats.recording import RecordingError
from tests.conftest import REAL_HR, STREAMS
from tests.test_fuzz import FUZZ, REAL_BASES, mutate_bytes

HR = Profile["mesg_num"]["HR"]
Messages = tuple[list[tuple[int, dict[Any, Any]]], list[tuple[Any, ...]]]


def sdk_messages(data: bytes) -> tuple[Messages, list[Exception]]:
    """What the SDK hands fit_read's listeners, each message cut to the fields the walk keeps
    (hr messages whole: the walk decodes every field of them)."""
    out: list[tuple[int, dict[Any, Any]]] = []
    described: list[tuple[Any, ...]] = []

    def listener(num: int, m: dict[Any, Any]) -> None:
        if num == HR:
            out.append((num, dict(m)))
            return
        keep = fit_lean.WANTED.get(num, frozenset()) | {"developer_fields", "key"}
        out.append((num, {k: v for k, v in m.items() if num in fit_lean.WANTED and k in keep}))

    def field(key: int, data_id: dict[Any, Any], description: dict[Any, Any]) -> None:
        described.append((key, data_id.get("application_id"), description.get("field_name")))

    _, errors = Decoder(Stream.from_byte_array(bytearray(data))).read(
        convert_datetimes_to_dates=False,
        merge_heart_rates=False,
        mesg_listener=listener,
        field_description_listener=field,
    )
    return (out, described), errors


def lean_messages(data: bytes) -> Messages:
    out: list[tuple[int, dict[Any, Any]]] = []
    described: list[tuple[Any, ...]] = []
    fit_lean.walk(
        data,
        lambda num, m: out.append((num, dict(m))),
        lambda key, data_id, d: described.append((key, data_id.get("application_id"), d.get("field_name"))),
    )
    return out, described


def fit_files() -> Iterator[tuple[str, bytes]]:
    """Every real FIT file and every fixture exported as FIT (hrcoach's developer fields)."""
    for path in sorted(REAL_HR.glob("*.fit")) if REAL_HR.exists() else []:
        yield path.name, path.read_bytes()
    for path in sorted(STREAMS.glob("*.hrcap.jsonl")):
        rec = load_recording(path)
        start = rec.started_at or datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
        yield path.name + ".fit", render_fit(ExportSession(start, rec.samples, {"name": "Polar H10"}))


def hr_file() -> bytes:
    """Records without heart rate and hr messages (HRM-Pro/Tri): two anchors (one with time256,
    expanded to fractional_timestamp) and six messages of eight 12-bit event timestamps each,
    accumulated across messages and wrapping past 4096."""
    mesg = Profile["mesg_num"]
    start = 1_000_000_000
    enc = Encoder()
    enc.write_mesg({"mesg_num": mesg["FILE_ID"], "type": "activity", "manufacturer": "garmin", "product": 1,
                    "time_created": start})  # fmt: skip
    for k in range(40):
        enc.write_mesg({"mesg_num": mesg["RECORD"], "timestamp": start + k})
    enc.write_mesg({"mesg_num": HR, "timestamp": start, "fractional_timestamp": 0.5, "event_timestamp": 1000.0,
                    "filtered_bpm": 120})  # fmt: skip
    ticks = 1000 * 1024
    for m in range(6):
        packed = 0
        for j in range(8):
            ticks += 500 + (97 * (m * 8 + j)) % 200
            packed |= (ticks & 0xFFF) << (12 * j)
        enc.write_mesg({"mesg_num": HR, "event_timestamp_12": list(packed.to_bytes(12, "little")),
                        "filtered_bpm": [121 + j + m for j in range(8)]})  # fmt: skip
    enc.write_mesg({"mesg_num": HR, "timestamp": start + 20, "time256": 0.25, "event_timestamp": 1020.0,
                    "filtered_bpm": 130})  # fmt: skip
    return bytes(enc.close())


def _definition(
    local: int, num: int, fields: list[tuple[int, int, int]], dev: list[tuple[int, int, int]] | None = None
) -> bytes:
    out = bytes([0x40 | local | (0x20 if dev is not None else 0), 0, 0]) + struct.pack(
        "<HB", num, len(fields)
    )
    out += b"".join(bytes(f) for f in fields)
    return out + (bytes([len(dev)]) + b"".join(bytes(f) for f in dev) if dev is not None else b"")


def _fit(body: bytes) -> bytes:
    header = bytearray(struct.pack("<BBHI4s", 14, 0x20, 2100, len(body), b".FIT"))
    header += struct.pack("<H", crc16.arc(bytes(header)))
    chunk = bytes(header) + body
    return chunk + struct.pack("<H", crc16.arc(chunk))


def crafted() -> dict[str, bytes]:
    """Files made by hand where the walk once differed from the SDK (found by review)."""
    mesg, t0 = Profile["mesg_num"], 1_000_000_000
    file_id = _definition(0, mesg["FILE_ID"], [(0, 1, 0x00), (1, 2, 0x84), (2, 2, 0x84), (4, 4, 0x86)])
    file_id += bytes([0]) + struct.pack("<BHHI", 4, 1, 1, t0)
    # heart_rate defined twice, an array then a single byte: the later one is the value
    twice = file_id + _definition(1, mesg["RECORD"], [(253, 4, 0x86), (3, 2, 0x02), (3, 1, 0x02)])
    twice += b"".join(bytes([1]) + struct.pack("<IBBB", t0 + k, 100, 101, 150) for k in range(30))
    # developer_data_index 255 held in a uint16: the SDK registers no such index
    app = fit_dev.APP_ID
    dev = file_id + _definition(1, mesg["DEVELOPER_DATA_ID"], [(1, 16, 0x0D), (3, 2, 0x84)])
    dev += bytes([1]) + bytes(app) + struct.pack("<H", 255)
    dev += _definition(
        2, mesg["FIELD_DESCRIPTION"], [(0, 2, 0x84), (1, 1, 0x02), (2, 1, 0x02), (3, 16, 0x07)]
    )
    for number, base, name in ((0, 0x84, fit_dev.MS), (1, 0x02, fit_dev.BPM)):
        dev += bytes([2]) + struct.pack("<HBB", 255, number, base) + name.encode().ljust(16, b"\0")
    dev += _definition(3, mesg["RECORD"], [(253, 4, 0x86), (3, 1, 0x02)], dev=[(0, 4, 255), (1, 2, 255)])
    dev += b"".join(bytes([3]) + struct.pack("<IBHHBB", t0 + k, 120, 100, 600, 130, 131) for k in range(30))
    return {"field-twice.fit": _fit(twice), "developer-index-255.fit": _fit(dev)}


FILES = dict(fit_files()) | {"hr-messages.fit": hr_file()} | crafted()


def checked(name: str, data: bytes) -> bytes:
    """The bytes fit_read decodes: the layout checked, compressed timestamps expanded."""
    data, _ = fit_layout.check(Path(name), data)
    return fit_layout.expand_compressed(data) if _compressed(data) else data


def _compressed(data: bytes) -> bool:
    try:
        fit_lean.walk(data, lambda num, m: None)
    except fit_lean.Unsupported as why:
        return "compressed" in str(why)
    return False


@pytest.mark.parametrize("name", sorted(FILES))
def test_the_walk_gives_the_sdks_messages(name: str) -> None:
    try:
        data = checked(name, FILES[name])
    except RecordingError:
        pytest.skip("refused before decoding (its CRC), by both")
    expected, errors = sdk_messages(data)
    assert errors == []
    assert lean_messages(data) == expected


def _recordings(path: Path, data: bytes) -> object:
    try:
        return [dataclasses.asdict(r) for r in fit_read.read_bytes(path, data)]
    except RecordingError as exc:
        return str(exc)


def _sdk_only(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise fit_lean.Unsupported("the SDK, for comparison")

    monkeypatch.setattr(fit_lean, "walk", refuse)


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_file_reads_to_the_same_recordings(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = Path(name)
    lean = _recordings(path, FILES[name])
    with monkeypatch.context() as m:
        _sdk_only(m)
        sdk = _recordings(path, FILES[name])
    assert lean == sdk


def test_every_real_file_but_the_damaged_one_is_walked_without_the_sdk() -> None:
    """The fallback is for odd files: every real file the SDK reads is walked (hr messages
    included), and the walk does not refuse what the SDK reads."""
    if not REAL_HR.exists():
        pytest.skip(f"{REAL_HR} is absent")
    walked = []
    for path in sorted(REAL_HR.glob("*.fit")):
        try:
            data = checked(path.name, path.read_bytes())
        except RecordingError:
            continue
        lean_messages(data)
        walked.append(path.name)
    assert len(walked) >= 12


def fix_crc(data: bytes) -> bytes:
    if len(data) < 16 or data[0] not in (12, 14):
        return data
    out = bytearray(data)
    struct.pack_into("<I", out, 4, len(out) - out[0] - 2)
    return bytes(out[:-2]) + struct.pack("<H", crc16.arc(bytes(out[:-2])))


def test_mutated_files_read_as_the_sdk_reads_them(tmp_path: Path) -> None:
    """Mutated small real files and an export, their CRC made right so the edits reach the
    decoders: the same recordings, or the same refusal; or, where the SDK refuses the file over
    a value hrcoach does not read (a developer field its type cannot fill in a message hrcoach
    ignores, a NaN in a record's accumulated power), the walk's recordings: it reads the file."""
    names = [n for n in REAL_BASES["fit"] if n in FILES] + ["walk_5min.hrcap.jsonl.fit", "hr-messages.fit"]
    bases = {n: FILES[n] for n in names}

    @FUZZ
    @given(draw=st.data())
    def fuzz(draw: st.DataObject) -> None:
        name = draw.draw(st.sampled_from(sorted(bases)), label="file")
        data = fix_crc(mutate_bytes(bases[name], draw))
        path = tmp_path / "m.fit"
        lean = _recordings(path, data)
        with pytest.MonkeyPatch.context() as m:
            _sdk_only(m)
            sdk = _recordings(path, data)
        if lean != sdk:
            assert isinstance(sdk, str) and not isinstance(lean, str), (lean, sdk)

    fuzz()


@given(st.binary(max_size=300), st.integers(0, 300), st.integers(0, 300))
def test_the_crc_is_fits(data: bytes, a: int, b: int) -> None:
    start, end = sorted((min(a, len(data)), min(b, len(data))))
    assert fit_layout._crc(data, start, end) == CrcCalculator.calculate_crc(data, start, end)
    assert fit_layout._crc(bytearray(data), start, end) == CrcCalculator.calculate_crc(data, start, end)


def test_what_the_walk_leaves_to_the_profile_holds() -> None:
    """The walk decodes the wanted fields alone: no component of any field of these messages
    expands into one of them, every sub-field's reference field is read too, and numeric types
    have no names (the SDK only scales them)."""
    messages = Profile["messages"]
    for num, wanted in fit_lean.WANTED.items():
        fields = messages[num]["fields"]
        numbers = {f["num"] for f in fields.values() if f["name"] in wanted}
        for f in fields.values():
            assert not set(f["components"]) & numbers, (num, f["name"])
            for sub in f["sub_fields"]:
                if sub["name"] in wanted:
                    assert all(item["name"] in wanted for item in sub["map"]), (num, sub["name"])
    for name in fit_defs.NUMERIC:
        assert name not in Profile["types"]


def test_a_file_of_endless_new_definitions_keeps_few_compiled() -> None:
    """Each definition is compiled; only MAX_COMPILED are kept (a crafted file of 21,000
    distinct definitions held them all: 929 MB)."""
    mesg = Profile["mesg_num"]
    body = b""
    for k in range(3 * fit_lean.MAX_COMPILED):  # each a field of its own beside the timestamp
        body += _definition(k % 16, mesg["RECORD"], [(253, 4, 0x86), (k, 1, 0x02)])
    walk = fit_lean._Walk(_fit(body), lambda num, m: None, None)
    walk.run()
    assert len(walk.compiled) <= fit_lean.MAX_COMPILED
