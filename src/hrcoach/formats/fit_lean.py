"""The FIT messages hrcoach reads, decoded without the SDK's per-byte machinery.

Garmin's SDK (`garmin_fit_sdk`) decodes every field of every message through a byte stream that
feeds a pure-Python CRC, about 15k records a second; hrcoach reads a dozen fields of ten message
types. This walk unpacks each message with one precompiled `struct` per definition and keeps only
those fields (`WANTED`), each value exactly as the SDK gives it with `convert_datetimes_to_dates`
and `merge_heart_rates` off: the same invalid-value rule, array and string handling, type names
(from the SDK's own Profile), scale and offset, sub-fields, and developer fields with their keys.
Other messages are handed over empty, so counts and bounds stay the same.

The SDK stays the reference: whenever this walk meets something it does not reproduce (a
compressed-timestamp header, an `hr` message whose values the SDK expands, an unknown base type,
a message without a definition or past the end, a field of size 0), it raises `Unsupported` and
the caller decodes the file with the SDK instead. The CRC was checked before (`fit_layout`).
`tests/test_fit_lean.py` holds its messages equal to the SDK's on every real file and fixture and
on mutated ones.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from fastcrc import crc16
from garmin_fit_sdk import Decoder, Profile, Stream

from hrcoach.formats.recording import RecordingError

Mesg = dict[Any, Any]
Take = Callable[[int, Mesg], None]
Described = Callable[[int, Mesg, Mesg], None]

_MESGS: dict[int, Any] = Profile["messages"]
_NUM: dict[str, int] = Profile["mesg_num"]
_TYPES: dict[str, Any] = Profile["types"]
# base type: (size, struct code, invalid value); the SDK's FIT.BASE_TYPE_DEFINITIONS
_BASE: dict[int, tuple[int, str, int]] = {
    0x00: (1, "B", 0xFF),
    0x01: (1, "b", 0x7F),
    0x02: (1, "B", 0xFF),
    0x03: (2, "h", 0x7FFF),
    0x04: (2, "H", 0xFFFF),
    0x05: (4, "i", 0x7FFFFFFF),
    0x06: (4, "I", 0xFFFFFFFF),
    0x07: (1, "s", 0x00),
    0x08: (4, "f", 0xFFFFFFFF),
    0x09: (8, "d", 0xFFFFFFFFFFFFFFFF),
    0x0A: (1, "B", 0x00),
    0x0B: (2, "H", 0x0000),
    0x0C: (4, "I", 0x00000000),
    0x0D: (1, "B", 0xFF),
    0x0E: (8, "q", 0x7FFFFFFFFFFFFFFF),
    0x0F: (8, "Q", 0xFFFFFFFFFFFFFFFF),
    0x10: (8, "Q", 0x0000000000000000),
}
_STRING, _BYTE = 0x07, 0x0D
_NUMERIC = {
    "sint8", "uint8", "sint16", "uint16", "sint32", "uint32", "float32", "float64", "uint8z",
    "uint16z", "uint32z", "byte", "sint64", "uint64", "uint64z",
}  # fmt: skip

# message name -> the fields hrcoach reads (fit_read); HR is left to the SDK, which expands it
WANTED: dict[int, frozenset[str]] = {
    _NUM[name]: frozenset(fields)
    for name, fields in {
        "FILE_ID": ("manufacturer", "product", "garmin_product", "favero_product", "serial_number",
                    "time_created", "product_name"),
        "DEVICE_INFO": ("device_index", "manufacturer", "product_name"),
        "EVENT": ("timestamp", "event", "event_type"),
        "SESSION": ("start_time", "sport", "sub_sport"),
        "LAP": ("start_time",),
        "ACTIVITY": ("timestamp", "local_timestamp"),
        "TIMESTAMP_CORRELATION": ("timestamp", "system_timestamp"),
        "RECORD": ("timestamp", "heart_rate", "position_lat", "position_long"),
        "HRV": ("time",),
        "DEVELOPER_DATA_ID": ("developer_data_index", "application_id"),
        "FIELD_DESCRIPTION": ("developer_data_index", "field_definition_number", "fit_base_type_id",
                              "field_name"),
    }.items()
}  # fmt: skip
_HR, _DATA_ID, _DESCRIPTION = _NUM["HR"], _NUM["DEVELOPER_DATA_ID"], _NUM["FIELD_DESCRIPTION"]


class Unsupported(Exception):
    """Something this walk does not reproduce: decode the file with the SDK."""


def _convert(ftype: str, scale: list[Any], offset: list[Any]) -> tuple[dict[Any, Any] | None, Converter]:
    """The SDK's value for a raw value of a field of this profile type: type values to names,
    then scale and offset for numeric types; a list element by element, None kept. Returns the
    names (for a single value) and a converter for any value, None where the value is the raw
    one (x / 1 is not taken and x - 0 is x)."""
    names = _TYPES.get(ftype)
    numeric = ftype in _NUMERIC and len(scale) <= 1
    s = scale[0] if scale else 1
    o = offset[0] if offset else 0
    if (numeric and s == 1 and o == 0) or (not numeric and names is None):
        return None, None

    def one(v: Any) -> Any:
        if v is None:
            return None
        if numeric:
            try:
                return (v / s if s != 1 else v) - o
            except TypeError:
                return v
        assert names is not None
        return names.get(v, v)

    def convert(raw: Any) -> Any:
        if isinstance(raw, list):
            if numeric and raw and isinstance(raw[0], str):  # a string field's parts
                return raw  # the SDK's arithmetic fails on the list and keeps it raw
            return [one(v) for v in raw]
        if not numeric:
            assert names is not None
            try:
                return names.get(raw, raw)
            except TypeError:
                return raw
        return one(raw)

    return (names if not numeric else None), convert


# One field of a definition: (name, index in the unpacked tuple, elements, kind, invalid,
# converter, sub-fields). kind: 0 a single value, 1 an array, 2 a byte array, 3 a string.
Converter = Callable[[Any], Any] | None
_Sub = tuple[str, str, Any, Converter]
_Field = tuple[str, int, int, int, int, Converter, tuple[_Sub, ...]]
Triple = tuple[int, int, int]  # a field definition's three bytes
_DevField = tuple[int, Callable[[bytes, int], tuple[Any, ...]], bool, int]  # offset, unpack, string, key


def _sub_fields(profile: Any, wanted: frozenset[str]) -> tuple[_Sub, ...]:
    """(sub-field name, reference field name, its raw value, converter) of the sub-fields wanted."""
    out: list[_Sub] = []
    for sub in profile["sub_fields"]:
        if sub["name"] in wanted:
            _, convert = _convert(sub["type"], sub["scale"], sub["offset"])
            out.extend((sub["name"], item["name"], item["raw_value"], convert) for item in sub["map"])
    return tuple(out)


class _Def:
    """A message definition, compiled: the struct for its fields and what to keep of them.
    `simple` holds the single values kept as they are or named (name, index, invalid, names),
    `rest` the other fields kept; `general` when the message needs the SDK's two steps (raw
    values first: sub-fields, developer data ids and field descriptions)."""

    __slots__ = ("dev", "fields", "general", "num", "rest", "simple", "size", "unpack", "wanted")

    def __init__(
        self, num: int, endian: str, defs: list[tuple[int, int, int]], dev: list[tuple[int, int, int]]
    ) -> None:
        self.num = num
        self.wanted = WANTED.get(num)
        profile = _MESGS.get(num, {"fields": {}})["fields"]
        codes: list[str] = []
        fields: list[_Field] = []
        simple: list[tuple[str, int, int, dict[Any, Any] | None]] = []
        index = 0
        size = 0
        for fid, fsize, base in defs:
            if base not in _BASE:
                raise Unsupported("invalid base type")
            bsize, code, invalid = _BASE[base]
            if fsize % bsize:
                base, (bsize, code, invalid) = 0x02, _BASE[0x02]
            n = fsize // bsize
            if n == 0:
                raise Unsupported("a field of size 0")
            codes.append(f"{n}{code}" if n > 1 else code)
            size += fsize
            fp = profile.get(fid)
            name = fp["name"] if fp is not None else fid
            if self.wanted is not None and fp is not None and name in self.wanted:
                kind = 3 if base == _STRING else 2 if n > 1 and base == _BYTE else 1 if n > 1 else 0
                names, convert = _convert(fp["type"], fp["scale"], fp["offset"])
                subs = _sub_fields(fp, self.wanted)
                fields.append((name, index, n, kind, invalid, convert, subs))
                if kind == 0 and (convert is None or names is not None):
                    simple.append((name, index, invalid, names))
            index += 1 if base == _STRING else n
        self.unpack = struct.Struct(endian + "".join(codes)).unpack_from
        self.fields = tuple(fields)
        self.general = num in (_DATA_ID, _DESCRIPTION) or any(f[6] for f in fields)
        self.simple = tuple(simple)
        self.rest = tuple(f for f in fields if not any(f[0] == x[0] and f[1] == x[1] for x in simple))
        self.dev = []
        for number, dsize, dindex in dev:
            self.dev.append((size, dsize, dindex, number, endian))
            size += dsize
        self.size = size


def _raw(values: tuple[Any, ...], i: int, n: int, kind: int, invalid: int) -> Any:
    """A field's raw value as the SDK reads it, None when it has none."""
    if kind == 0:
        return values[i] if values[i] != invalid else None
    if kind == 1:
        arr = [v if v != invalid else None for v in values[i : i + n]]
        return arr if any(v is not None for v in arr) else None
    if kind == 2:
        arr = list(values[i : i + n])
        return arr if any(v != invalid for v in arr) else None
    return _string(values[i])


def _string(raw: bytes) -> Any:
    text = raw.decode("utf-8", errors="ignore").rstrip("\0")
    if not text:
        return None
    parts = text.split("\0")
    return parts[0] if len(parts) == 1 else parts


class _Walk:
    def __init__(self, data: bytes, take: Take, described: Described | None) -> None:
        self.data = data
        self.take = take
        self.described = described
        self.defs: dict[int, _Def] = {}
        self.compiled: dict[bytes, _Def] = {}  # a definition's bytes -> compiled (devices repeat them)
        self.dev_ids: list[Mesg] = []  # developer_data_id messages, as decoded
        self.dev_fields: dict[int, list[tuple[int, int, str, int]]] = {}  # index -> (number, base, code, key)
        self.descriptions = 0
        self.hr: list[tuple[bytes, bytes]] = []  # (its definition, the message) of each hr message
        self.raw_defs: dict[int, bytes] = {}  # local number -> the definition message's bytes
        self.registry = 0  # counts changes to the developer fields declared
        self.plans: dict[_Def, tuple[int, list[_DevField]]] = {}  # the registry it was made with

    def run(self) -> None:
        data = self.data
        pos = 0
        while pos < len(data):
            if len(data) - pos < 12 or data[pos] not in (12, 14) or data[pos + 8 : pos + 12] != b".FIT":
                raise Unsupported("not a FIT header")
            end = pos + data[pos] + struct.unpack_from("<I", data, pos + 4)[0]
            if end + 2 > len(data):
                raise Unsupported("a file past the end")
            self.messages(pos + data[pos], end)
            pos = end + 2
        if self.hr:
            self.hr_messages()

    def hr_messages(self) -> None:
        """The `hr` messages, decoded by the SDK, which expands their 12-bit event timestamps
        (accumulated from one hr message to the next): a FIT file of just them, each after its
        definition, decodes to the messages the whole file gives."""
        body = bytearray()
        last = b""
        for definition, message in self.hr:  # each definition written again when it changed
            if definition != last:
                body += definition
                last = definition
            body += message
        header = bytearray(struct.pack("<BBHI4s", 14, 0x20, 2100, len(body), b".FIT"))
        header += struct.pack("<H", crc16.arc(bytes(header)))
        whole = bytes(header) + bytes(body)
        whole += struct.pack("<H", crc16.arc(whole))
        hr = Profile["mesg_num"]["HR"]
        found: list[Mesg] = []
        _, errors = Decoder(Stream.from_byte_array(bytearray(whole))).read(
            convert_datetimes_to_dates=False,
            merge_heart_rates=False,
            mesg_listener=lambda num, m: found.append(m) if num == hr else None,
        )
        if errors:
            raise Unsupported("hr messages the SDK does not decode on their own")
        for m in found:
            self.take(hr, m)

    def messages(self, pos: int, end: int) -> None:
        data, defs, take = self.data, self.defs, self.take
        empty: Mesg = {}
        while pos < end:
            head = data[pos]
            if head & 0x80:
                raise Unsupported("a compressed-timestamp header")  # expanded first (fit_layout)
            if head & 0x40:
                pos = self.definition(pos, end)
                continue
            d = defs.get(head & 0x0F)
            if d is None:
                raise Unsupported("a message without a definition")
            if pos + 1 + d.size > end:
                raise Unsupported("a message past the end")
            if d.wanted is None:
                if d.num == _HR:  # decoded by the SDK at the end (`hr_messages`)
                    self.hr.append((self.raw_defs[head & 0x0F], bytes(data[pos : pos + 1 + d.size])))
                    pos += 1 + d.size
                    continue
                take(d.num, empty)
                if empty:
                    raise Unsupported("a listener kept the empty message")
            else:
                self.message(d, pos + 1)
            pos += 1 + d.size

    def definition(self, pos: int, end: int) -> int:
        data = self.data
        if pos + 6 > end:
            raise Unsupported("a definition past the end")
        endian = ">" if data[pos + 2] else "<"
        num = struct.unpack_from(endian + "H", data, pos + 3)[0]
        n = data[pos + 5]
        at = pos + 6
        if at + 3 * n > end:
            raise Unsupported("a definition past the end")
        fields = [(data[at + 3 * i], data[at + 3 * i + 1], data[at + 3 * i + 2] & 0x1F) for i in range(n)]
        at += 3 * n
        dev: list[tuple[int, int, int]] = []
        if data[pos] & 0x20:
            if at + 1 > end or at + 1 + 3 * data[at] > end:
                raise Unsupported("a definition past the end")
            m = data[at]
            dev = [(data[at + 1 + 3 * j], data[at + 2 + 3 * j], data[at + 3 + 3 * j]) for j in range(m)]
            at += 1 + 3 * m
        key = data[pos + 1 : at] + bytes([data[pos] & 0x20])
        d = self.compiled.get(key)
        if d is None:
            d = self.compiled[key] = _Def(num, endian, fields, dev)
        self.defs[data[pos] & 0x0F] = d
        if d.num == _HR:
            self.raw_defs[data[pos] & 0x0F] = bytes(data[pos:at])
        return at

    def message(self, d: _Def, pos: int) -> None:
        values = d.unpack(self.data, pos)
        if d.general:
            self.general(d, pos, values)
            return
        m: Mesg = {}
        for name, i, invalid, names in d.simple:
            v = values[i]
            if v != invalid:
                m[name] = v if names is None else names.get(v, v)
        for name, i, n, kind, invalid, convert, _ in d.rest:
            v = _raw(values, i, n, kind, invalid)
            if v is not None:
                m[name] = v if convert is None else convert(v)
        if d.dev:
            self.developer(d, pos, m)
        self.take(d.num, m)

    def general(self, d: _Def, pos: int, values: tuple[Any, ...]) -> None:
        """The SDK's two steps: every raw value read, then the profile applied (except to
        developer data ids and field descriptions, which it keeps raw)."""
        raw: Mesg = {}
        for name, i, n, kind, invalid, _, _ in d.fields:
            v = _raw(values, i, n, kind, invalid)
            if v is not None:
                raw[name] = v
        if d.num == _DATA_ID:
            self.data_id(raw)
            self.take(d.num, raw)
            return
        if d.num == _DESCRIPTION:
            self.description(raw)
            return
        m: Mesg = {}
        for name, _, _, _, _, convert, subs in d.fields:
            if name in raw:
                m[name] = raw[name] if convert is None else convert(raw[name])
                for sub, ref, value, sub_convert in subs:
                    if sub not in m and ref in raw and raw[ref] == value:
                        m[sub] = raw[name] if sub_convert is None else sub_convert(raw[name])
        if d.dev:
            self.developer(d, pos, m)
        self.take(d.num, m)

    def developer(self, d: _Def, pos: int, m: Mesg) -> None:
        plan = self.plans.get(d)
        if plan is None or plan[0] != self.registry:
            plan = self.plans[d] = (self.registry, self.plan(d))
        out: dict[int, Any] = {}
        data = self.data
        for at, unpack, string, key in plan[1]:
            values = unpack(data, pos + at)
            value: Any = list(values) if len(values) > 1 else values[0]
            if string:
                value = _string(value) if isinstance(value, bytes) else value
            if value is not None:
                out[key] = value
        if out:
            m["developer_fields"] = out

    def plan(self, d: _Def) -> list[_DevField]:
        """How to read a definition's developer fields with the fields declared so far: (offset,
        unpacker, is a string, key) of each declared one; the others are skipped, as by the SDK."""
        plan: list[_DevField] = []
        for at, size, index, number, endian in d.dev:
            field = next((f for f in self.dev_fields.get(index, ()) if f[0] == number), None)
            if field is None:
                continue
            _, base, code, key = field
            bsize = _BASE[base][0]
            if size % bsize or not size:
                raise Unsupported("a developer field of a size its type cannot fill")
            unpack = struct.Struct(f"{endian}{size // bsize}{code}").unpack_from
            plan.append((at, unpack, base == _STRING, key))
        return plan

    def data_id(self, raw: Mesg) -> None:
        if "developer_data_index" not in raw:
            raise Unsupported("developer_data_id without its index")
        self.dev_ids.append(raw)
        self.dev_fields[raw["developer_data_index"]] = []
        self.registry += 1

    def description(self, raw: Mesg) -> None:
        """A field_description: registered (as the SDK does, for the index's latest data id),
        handed to `take`, then declared to `described`."""
        key = self.descriptions
        self.descriptions += 1
        raw["key"] = key
        if "developer_data_index" not in raw:
            raise Unsupported("field_description without its index")
        fields = self.dev_fields.get(raw["developer_data_index"])
        if fields is not None:
            base = raw["fit_base_type_id"] & 0x1F if "fit_base_type_id" in raw else -1
            if base not in _BASE or "field_definition_number" not in raw:
                raise Unsupported("field_description of an unknown type")
            fields.append((raw["field_definition_number"], base, _BASE[base][1], key))
            self.registry += 1
        self.take(_DESCRIPTION, raw)
        if self.described is not None:
            index = raw.get("developer_data_index")
            data_id = next((x for x in self.dev_ids if x.get("developer_data_index") == index), {})
            self.described(key, {**data_id}, {**raw})


def walk(data: bytes, take: Take, described: Described | None = None) -> None:
    """Hand every message of `data` (whole FIT files, chained, their CRCs checked) to `take`,
    as the SDK's mesg_listener would see it restricted to the WANTED fields; each developer field
    declared to `described`, as the SDK's field_description_listener. Raises Unsupported."""
    try:
        _Walk(data, take, described).run()
    except RecordingError:  # a bound passed, raised by `take`
        raise
    except (struct.error, TypeError, KeyError, IndexError, ValueError) as exc:  # odd data the SDK judges
        raise Unsupported(f"{type(exc).__name__}: {exc}") from None
