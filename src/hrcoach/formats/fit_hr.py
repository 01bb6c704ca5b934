"""FIT `hr` messages (HRM-Pro/Tri/Swim straps store beats while away from the watch), decoded as
Garmin's SDK decodes them for the lean walk (`fit_lean`): every field, and the components the SDK
expands: `event_timestamp_12` into eight 12-bit `event_timestamp` values, each accumulated from the
one before (across messages: a new `event_timestamp` anchors the count again), and `time256` into
`fractional_timestamp`. The same values and types as the SDK's, in the same cases; anything else
(a None inside a value to expand, an unknown base type) raises Unsupported and the SDK decodes the
file. tests/test_fit_lean.py holds the messages equal to the SDK's on real and made files.
"""

from __future__ import annotations

import struct
from typing import Any

from garmin_fit_sdk import Profile

from hrcoach.formats.fit_defs import BASE, TO_BASE, Mesg, Unsupported, convert_for, field_layout, raw_value

_FIELDS: dict[int, Any] = Profile["messages"][Profile["mesg_num"]["HR"]]["fields"]
# a field of an hr definition: (number, name, index in the unpacked tuple, elements, kind, invalid)
_Field = tuple[int, Any, int, int, int, int]


def _layout(definition: bytes) -> tuple[struct.Struct, list[_Field]]:
    endian = ">" if definition[2] else "<"
    n = definition[5]
    codes, fields, index = [], [], 0
    for k in range(n):
        fid, size, base = definition[6 + 3 * k], definition[7 + 3 * k], definition[8 + 3 * k] & 0x1F
        count, code, invalid, kind = field_layout(size, base)
        codes.append(code)
        profile = _FIELDS.get(fid)
        fields.append((fid, profile["name"] if profile else fid, index, count, kind, invalid))
        index += 1 if kind == 3 else count
    return struct.Struct(endian + "".join(codes)), fields


def _sanitize(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values


class HrMessages:
    """The hr messages of one file, in order (the accumulated timestamps carry across them)."""

    def __init__(self) -> None:
        self.layouts: dict[bytes, tuple[struct.Struct, list[_Field]]] = {}
        self.accumulated: dict[int, list[int]] = {}  # field number -> [accumulated, last]

    def decode(self, definition: bytes, body: bytes) -> Mesg:
        layout = self.layouts.get(definition)
        if layout is None:
            layout = self.layouts[definition] = _layout(definition)
        unpack, fields = layout
        values = unpack.unpack_from(body, 0)
        raw: dict[Any, tuple[int, Any]] = {}  # name -> (field number, raw value)
        expand: list[Any] = []
        for fid, name, i, n, kind, invalid in fields:
            v = raw_value(values, i, n, kind, invalid)
            if v is None:
                continue
            raw[name] = (fid, v)
            profile = _FIELDS.get(fid)
            if profile is None:
                continue
            if profile["is_accumulated"]:  # the SDK anchors the count at each value read
                for x in v if isinstance(v, list) else [v]:
                    if not isinstance(x, int | float):
                        raise Unsupported("an accumulated field without a value")
                    self.accumulated[fid] = [int(x), int(x)]
            if profile["has_components"]:
                expand.append(name)
        message: Mesg = {}
        for name, (fid, v) in raw.items():
            profile = _FIELDS.get(fid)
            if profile is None:
                message[name] = v
                continue
            _, convert = convert_for(profile["type"], profile["scale"], profile["offset"])
            message[name] = v if convert is None else convert(v)
        message.update(self.expanded(expand, raw))
        return message

    def expanded(self, expand: list[Any], raw: dict[Any, tuple[int, Any]]) -> dict[Any, Any]:
        """The SDK's component expansion: the last field to expand first, bits read from the
        least significant, each target a list of values (one value alone)."""
        out: dict[Any, tuple[list[Any], list[int], int]] = {}
        while expand:
            fid, v = raw[expand.pop()]
            profile = _FIELDS[fid]
            base = TO_BASE.get(profile["type"])
            if base is None:
                continue
            items = v if isinstance(v, list) else [v]
            if all(x == BASE[base][2] for x in items):
                continue
            if not all(isinstance(x, int) and x >= 0 for x in items):
                raise Unsupported("a component source the SDK's bit reader would not read")
            width = BASE[base][0] * 8
            bits = sum((x & ((1 << width) - 1)) << (k * width) for k, x in enumerate(items))
            available, at = width * len(items), 0
            for i, target_num in enumerate(profile["components"]):
                size = profile["bits"][i]
                if available - at < size:
                    break
                target = _FIELDS[target_num]
                if target["name"] not in out:
                    tbase = TO_BASE.get(target["type"], target["type"])
                    out[target["name"]] = ([], [], BASE[tbase][2] if tbase in BASE else 0xFF)
                values, raws, invalid = out[target["name"]]
                value: Any = (bits >> at) & ((1 << size) - 1)
                at += size
                if target["is_accumulated"]:
                    acc = self.accumulated.setdefault(target["num"], [value, value])
                    acc[0] += (value - acc[1]) & ((1 << size) - 1)
                    acc[1] = value
                    value = acc[0]
                value = value / profile["scale"][i] - profile["offset"][i]
                value = int(value) if value.is_integer() else value
                raw_target = (value + target["offset"][0]) * target["scale"][0]
                raws.append(int(raw_target))
                values.append(None if raw_target == invalid else value)
                if target["has_components"]:
                    raise Unsupported("a component that expands again")
                if at >= available:
                    break
        return {name: _sanitize(values) for name, (values, _, _) in out.items()}
