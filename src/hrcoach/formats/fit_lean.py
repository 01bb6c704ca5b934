"""The FIT messages hrcoach reads, decoded without the SDK's per-byte machinery.

Garmin's SDK (`garmin_fit_sdk`) decodes every field of every message through a byte stream that
feeds a pure-Python CRC, about 15k records a second; hrcoach reads a dozen fields of ten message
types. This walk unpacks each message with one precompiled `struct` per definition and keeps only
those fields (`fit_defs.WANTED`), each value exactly as the SDK gives it with
`convert_datetimes_to_dates` and `merge_heart_rates` off: the same invalid-value rule, array and
string handling, type names (from the SDK's own Profile), scale and offset, sub-fields, and
developer fields with their keys. `hr` messages are decoded whole, their components expanded
(`fit_hr`). Other messages are handed over empty, so counts and bounds stay the same.

The SDK stays the reference: whenever this walk meets something it does not reproduce (a
compressed-timestamp header, an unknown base type, a message without a definition or past the
end, a field of size 0), it raises `Unsupported` and the caller decodes the file with the SDK
instead. The CRC was checked before (`fit_layout`). `tests/test_fit_lean.py` holds its messages
equal to the SDK's on every real file and fixture, on made hr messages and on mutated files.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from hrcoach.formats.fit_defs import (
    BASE,
    DATA_ID,
    DESCRIPTION,
    HR,
    STRING,
    WANTED,
    Def,
    DevField,
    Mesg,
    Unsupported,
    raw_value,
    string_value,
)
from hrcoach.formats.fit_hr import HrMessages
from hrcoach.formats.recording import RecordingError

__all__ = ["WANTED", "Described", "Mesg", "Take", "Unsupported", "walk"]

Take = Callable[[int, Mesg], None]
MAX_COMPILED = 64  # definitions kept compiled (a device uses a dozen or so, again and again)
Described = Callable[[int, Mesg, Mesg], None]


class _Walk:
    def __init__(self, data: bytes, take: Take, described: Described | None) -> None:
        self.data = data
        self.take = take
        self.described = described
        self.defs: dict[int, Def] = {}
        self.compiled: dict[bytes, Def] = {}  # a definition's bytes -> compiled (devices repeat them)
        self.dev_ids: list[Mesg] = []  # developer_data_id messages, as decoded
        self.dev_fields: dict[int, list[tuple[int, int, str, int]]] = {}  # index -> (number, base, code, key)
        self.descriptions = 0
        self.hr = HrMessages()
        self.raw_defs: dict[int, bytes] = {}  # local number -> the definition message's bytes
        self.registry = 0  # counts changes to the developer fields declared
        self.plans: dict[Def, tuple[int, list[DevField]]] = {}  # the registry it was made with

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
                if d.num == HR:  # every field, components expanded, as the SDK does (fit_hr)
                    take(HR, self.hr.decode(self.raw_defs[head & 0x0F], data[pos + 1 : pos + 1 + d.size]))
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
            d = Def(num, endian, fields, dev)
            if len(self.compiled) < MAX_COMPILED:  # bounded: a file of endless new definitions
                self.compiled[key] = d
        self.defs[data[pos] & 0x0F] = d
        if d.num == HR:
            self.raw_defs[data[pos] & 0x0F] = bytes(data[pos:at])
        return at

    def message(self, d: Def, pos: int) -> None:
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
            v = raw_value(values, i, n, kind, invalid)
            if v is not None:
                m[name] = v if convert is None else convert(v)
        if d.dev:
            self.developer(d, pos, m)
        self.take(d.num, m)

    def general(self, d: Def, pos: int, values: tuple[Any, ...]) -> None:
        """The SDK's two steps: every raw value read, then the profile applied (except to
        developer data ids and field descriptions, which it keeps raw)."""
        raw: Mesg = {}
        for name, i, n, kind, invalid, _, _ in d.fields:
            v = raw_value(values, i, n, kind, invalid)
            if v is not None:
                raw[name] = v
        if d.num == DATA_ID:
            self.data_id(raw)
            self.take(d.num, raw)
            return
        if d.num == DESCRIPTION:
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

    def developer(self, d: Def, pos: int, m: Mesg) -> None:
        plan = self.plans.get(d)
        if plan is None or plan[0] != self.registry:
            plan = self.plans[d] = (self.registry, self.plan(d))
        out: dict[int, Any] = {}
        data = self.data
        for at, unpack, string, key in plan[1]:
            values = unpack(data, pos + at)
            value: Any = list(values) if len(values) > 1 else values[0]
            if string:
                value = string_value(value) if isinstance(value, bytes) else value
            if value is not None:
                out[key] = value
        if out:
            m["developer_fields"] = out

    def plan(self, d: Def) -> list[DevField]:
        """How to read a definition's developer fields with the fields declared so far: (offset,
        unpacker, is a string, key) of each declared one; the others are skipped, as by the SDK."""
        plan: list[DevField] = []
        for at, size, index, number, endian in d.dev:
            field = next((f for f in self.dev_fields.get(index, ()) if f[0] == number), None)
            if field is None:
                continue
            _, base, code, key = field
            bsize = BASE[base][0]
            if size % bsize or not size:
                raise Unsupported("a developer field of a size its type cannot fill")
            unpack = struct.Struct(f"{endian}{size // bsize}{code}").unpack_from
            plan.append((at, unpack, base == STRING, key))
        return plan

    def data_id(self, raw: Mesg) -> None:
        if "developer_data_index" not in raw:
            raise Unsupported("developer_data_id without its index")
        self.dev_ids.append(raw)
        if raw["developer_data_index"] == 0xFF:  # the SDK registers no index 255 (however typed)
            return
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
        index = raw["developer_data_index"]
        fields = self.dev_fields.get(index) if index != 0xFF else None
        if fields is not None:
            base = raw["fit_base_type_id"] & 0x1F if "fit_base_type_id" in raw else -1
            if base not in BASE or "field_definition_number" not in raw:
                raise Unsupported("field_description of an unknown type")
            fields.append((raw["field_definition_number"], base, BASE[base][1], key))
            self.registry += 1
        self.take(DESCRIPTION, raw)
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
