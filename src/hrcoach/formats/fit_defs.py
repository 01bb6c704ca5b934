"""FIT message definitions compiled for the lean walk (`fit_lean`): which fields hrcoach reads
(`WANTED`), and each field's value exactly as Garmin's SDK gives it: the same invalid-value rule,
array and string handling, type names (from the SDK's own Profile), scale and offset, and
sub-fields. Anything the walk does not reproduce raises `Unsupported`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from garmin_fit_sdk import Profile
from garmin_fit_sdk import fit as FIT

Mesg = dict[Any, Any]

_MESGS: dict[int, Any] = Profile["messages"]
_NUM: dict[str, int] = Profile["mesg_num"]
_TYPES: dict[str, Any] = Profile["types"]
# base type: (size, struct code, invalid value), and the numeric profile types: the SDK's own
BASE: dict[int, tuple[int, str, int]] = {
    k: (d["size"], d["type_code"], d["invalid"]) for k, d in FIT.BASE_TYPE_DEFINITIONS.items()
}
STRING, BYTE = FIT.BASE_TYPE["STRING"], FIT.BASE_TYPE["BYTE"]
NUMERIC = frozenset(FIT.NUMERIC_FIELD_TYPES)
TO_BASE: dict[str, int] = FIT.FIELD_TYPE_TO_BASE_TYPE  # a profile type's base type

# message name -> the fields hrcoach reads (fit_scan); hr messages are read whole (fit_hr)
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
HR, DATA_ID, DESCRIPTION = _NUM["HR"], _NUM["DEVELOPER_DATA_ID"], _NUM["FIELD_DESCRIPTION"]


class Unsupported(Exception):
    """Something this walk does not reproduce: decode the file with the SDK."""


def field_layout(size: int, base: int) -> tuple[int, str, int, int]:
    """A field of `size` bytes and base type `base` as the SDK reads it: (elements, struct code,
    invalid value, kind), kind 0 a single value, 1 an array, 2 a byte array, 3 a string (one
    element of the unpacked tuple). A size its type cannot fill is read as bytes."""
    if base not in BASE:
        raise Unsupported("invalid base type")
    bsize, code, invalid = BASE[base]
    if size % bsize:
        base, (bsize, code, invalid) = 0x02, BASE[0x02]
    n = size // bsize
    if n == 0:
        raise Unsupported("a field of size 0")
    kind = 3 if base == STRING else 2 if n > 1 and base == BYTE else 1 if n > 1 else 0
    return n, (f"{n}{code}" if n > 1 else code), invalid, kind


def convert_for(ftype: str, scale: list[Any], offset: list[Any]) -> tuple[dict[Any, Any] | None, Converter]:
    """The SDK's value for a raw value of a field of this profile type: type values to names,
    then scale and offset for numeric types; a list element by element, None kept. Returns the
    names (for a single value) and a converter for any value, None where the value is the raw
    one (x / 1 is not taken and x - 0 is x)."""
    names = _TYPES.get(ftype)
    numeric = ftype in NUMERIC and len(scale) <= 1
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
DevField = tuple[int, Callable[[bytes, int], tuple[Any, ...]], bool, int]  # offset, unpack, string, key


def _sub_fields(profile: Any, wanted: frozenset[str]) -> tuple[_Sub, ...]:
    """(sub-field name, reference field name, its raw value, converter) of the sub-fields wanted."""
    out: list[_Sub] = []
    for sub in profile["sub_fields"]:
        if sub["name"] in wanted:
            _, convert = convert_for(sub["type"], sub["scale"], sub["offset"])
            out.extend((sub["name"], item["name"], item["raw_value"], convert) for item in sub["map"])
    return tuple(out)


class Def:
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
            n, code, invalid, kind = field_layout(fsize, base)
            codes.append(code)
            size += fsize
            fp = profile.get(fid)
            name = fp["name"] if fp is not None else fid
            if self.wanted is not None and fp is not None and name in self.wanted:
                names, convert = convert_for(fp["type"], fp["scale"], fp["offset"])
                subs = _sub_fields(fp, self.wanted)
                fields.append((name, index, n, kind, invalid, convert, subs))
                if kind == 0 and (convert is None or names is not None):
                    simple.append((name, index, invalid, names))
            index += 1 if kind == 3 else n
        self.unpack = struct.Struct(endian + "".join(codes)).unpack_from
        self.fields = tuple(fields)
        self.general = (
            num in (DATA_ID, DESCRIPTION)
            or any(f[6] for f in fields)
            or len({f[0] for f in fields}) < len(fields)  # a field twice: the later one wins, in order
        )
        self.simple = tuple(simple)
        self.rest = tuple(f for f in fields if not any(f[0] == x[0] and f[1] == x[1] for x in simple))
        self.dev = []
        for number, dsize, dindex in dev:
            self.dev.append((size, dsize, dindex, number, endian))
            size += dsize
        self.size = size


def raw_value(values: tuple[Any, ...], i: int, n: int, kind: int, invalid: int) -> Any:
    """A field's raw value as the SDK reads it, None when it has none."""
    if kind == 0:
        return values[i] if values[i] != invalid else None
    if kind == 1:
        arr = [v if v != invalid else None for v in values[i : i + n]]
        return arr if any(v is not None for v in arr) else None
    if kind == 2:
        arr = list(values[i : i + n])
        return arr if any(v != invalid for v in arr) else None
    return string_value(values[i])


def string_value(raw: bytes) -> Any:
    text = raw.decode("utf-8", errors="ignore").rstrip("\0")
    if not text:
        return None
    parts = text.split("\0")
    return parts[0] if len(parts) == 1 else parts
