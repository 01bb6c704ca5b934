"""hrcoach's own FIT developer fields: every sample of a record's second, for a lossless return.

A FIT `record` is one whole second, as Garmin devices write it and as Garmin Connect and Strava
read it; a strap notifies about once a second with jitter, so a session's samples do not fall one
to a second, and a file of records alone re-imports up to a few seconds off in each window. So
each record hrcoach writes also carries two developer fields (FIT's own extension mechanism,
which every decoder reads or skips): `hrcoach_ms`, the millisecond within the record's second of
each heart-rate sample the session accepted in that second, and `hrcoach_bpm`, their heart
rates (at most MAX_PER_RECORD, the last ones: a field holds 255 bytes). A record held over an
empty second (see `export_common`) carries neither. hrcoach's FIT
reader, when a file declares these fields (by the application id below), takes the samples from
them instead of the records; every other tool sees ordinary records.
"""

from __future__ import annotations

from typing import Any

from garmin_fit_sdk import Profile

APP_ID = list(b"hrcoach.samples1")  # the developer_data_id application_id (16 bytes)
MS, BPM = "hrcoach_ms", "hrcoach_bpm"
_UINT16, _UINT8 = 0x84, 0x02  # FIT base types
MAX_PER_RECORD = 100  # a FIT field holds at most 255 bytes: 127 uint16; a strap sends 1 to 4 a second
_MESG = Profile["mesg_num"]

_ID: dict[str, Any] = {
    "mesg_num": _MESG["DEVELOPER_DATA_ID"],
    "developer_data_index": 0,
    "application_id": APP_ID,
    "application_version": 1,
}
_FIELDS: list[dict[str, Any]] = [
    {
        "mesg_num": _MESG["FIELD_DESCRIPTION"],
        "developer_data_index": 0,
        "field_definition_number": number,
        "fit_base_type_id": base,
        "field_name": name,
        "units": units,
    }
    for number, (name, base, units) in enumerate(((MS, _UINT16, "ms"), (BPM, _UINT8, "bpm")))
]


def descriptions() -> dict[int, dict[str, Any]]:
    """What the SDK's Encoder needs to write the two fields (keys 0 and 1)."""
    return {
        i: {"developer_data_id_mesg": _ID, "field_description_mesg": field} for i, field in enumerate(_FIELDS)
    }


def messages() -> list[dict[str, Any]]:
    """The developer_data_id and field_description messages that declare the fields."""
    return [_ID, *_FIELDS]


def values(samples: tuple[tuple[int, int], ...]) -> dict[int, list[int]]:
    """A record's developer fields for its second's (millisecond, bpm) samples."""
    return {0: [ms for ms, _ in samples], 1: [bpm for _, bpm in samples]}


def read(value: object, bpm: object) -> list[tuple[int, int]] | None:
    """A record's (millisecond, bpm) samples from the two fields' decoded values; None when they
    are not a well-formed pair (a damaged or foreign file: the record itself is used)."""
    ms_list = value if isinstance(value, list | tuple) else [value]
    bpm_list = bpm if isinstance(bpm, list | tuple) else [bpm]
    if not ms_list or len(ms_list) != len(bpm_list):
        return None
    out: list[tuple[int, int]] = []
    for ms, b in zip(ms_list, bpm_list, strict=True):
        if not (isinstance(ms, int) and isinstance(b, int) and 0 <= ms < 1000 and 0 < b < 255):
            return None
        if out and ms <= out[-1][0]:
            return None
        out.append((ms, b))
    return out
