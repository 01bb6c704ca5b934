"""FIT export: one stored session as a FIT activity file, written with Garmin's FIT SDK.

One `record` per whole UTC second that has a heart rate, binned as `export_common` describes,
each right after the `hrv` messages of that second's RR intervals (the beats up to a record come
before it, as in the files of Garmin devices and as the importer reads them: never carried over
to a later record). A gap is a timer stop and start. Each record also carries, in hrcoach's
developer fields (`fit_dev`), the exact samples of its second, so hrcoach re-imports its own FIT
to the same summary.
"""

from __future__ import annotations

import math
import zlib
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

from garmin_fit_sdk import FIT_EPOCH_S, Encoder, Profile

from hrcoach.formats import fit_dev
from hrcoach.formats.export_common import (
    ExportSession,
    check,
    device_name,
    emit,
    lap_seconds,
    per_second,
    segments,
    software_version,
    summarize,
)

__all__ = ["render_fit", "write_fit"]

_MESG = Profile["mesg_num"]
_FIT_SPORTS: frozenset[str] = frozenset(Profile["types"]["sport"].values())
_FIT_SUB_SPORTS: frozenset[str] = frozenset(Profile["types"]["sub_sport"].values())
_FIT_SPORT_ALIASES = {"run": "running", "biking": "cycling", "bike": "cycling", "walk": "walking"}
_HRV_PER_MESG = 5  # as Garmin devices write them
_HRV_INVALID = 0xFFFF / 1000  # uint16 invalid, after the field's scale of 1000: readers see None
_SEMICIRCLES = 2**31 / 180  # per degree
_BLE_HEART_RATE = 1  # ble_device_type.heart_rate (device_type is a sub-field; the SDK wants the raw value)


def _fit_sport(sport: str) -> str:
    key = sport.strip().lower().replace(" ", "_")
    key = _FIT_SPORT_ALIASES.get(key, key)
    return key if key in _FIT_SPORTS else "generic"


def _serial(session: ExportSession) -> int:
    """A stable non-zero serial number (uint32z) for the file id, from the strap's identity."""
    ident = str(session.device.get("address") or session.device.get("name") or "hrcoach")
    return zlib.crc32(ident.encode("utf-8")) or 1


def _fit_messages(session: ExportSession, utc_offset: timedelta | None) -> list[dict[str, Any]]:
    check(session)
    seconds = per_second(session)
    summary = summarize(session, seconds)
    start = summary.start - FIT_EPOCH_S
    end = summary.end - FIT_EPOCH_S
    elapsed = float(summary.elapsed_s)
    if utc_offset is None:
        utc_offset = session.started_at.astimezone().utcoffset() or timedelta(0)
    sport = _fit_sport(session.sport)
    software = software_version()

    mesgs: list[dict[str, Any]] = [
        {
            "mesg_num": _MESG["FILE_ID"],
            "type": "activity",
            "manufacturer": "development",
            "product": 0,
            "serial_number": _serial(session),
            "time_created": start,
            "product_name": "hrcoach",
        },
        {
            "mesg_num": _MESG["DEVICE_INFO"],
            "timestamp": start,
            "device_index": "creator",
            "manufacturer": "development",
            "product": 0,
            "product_name": "hrcoach",
            "serial_number": _serial(session),
            "software_version": software,
        },
    ]
    strap = device_name(session)
    if strap:
        mesgs.append(
            {
                "mesg_num": _MESG["DEVICE_INFO"],
                "timestamp": start,
                "device_index": 1,
                "source_type": "bluetooth_low_energy",
                "device_type": _BLE_HEART_RATE,
                "product_name": strap[:64],
            }
        )
    mesgs.extend(fit_dev.messages())  # declares the fields that carry each second's samples
    mesgs.append({"mesg_num": _MESG["EVENT"], "timestamp": start, "event": "timer", "event_type": "start"})

    first_of = {id(run[0]) for run in segments(session, seconds)[1:]}
    last_at: int | None = None
    for sec in seconds:
        if id(sec) in first_of and last_at is not None:  # a gap: the timer stops and starts again
            stopped = {"mesg_num": _MESG["EVENT"], "event": "timer", "event_type": "stop_all"}
            mesgs.append({**stopped, "timestamp": last_at})
            mesgs.append({**stopped, "timestamp": sec.unix - FIT_EPOCH_S, "event_type": "start"})
        values = []
        for rr in sec.rr_ms:
            ms = round(rr) if math.isfinite(rr) else 0
            if 1 <= ms <= 0xFFFE:  # uint16 milliseconds; 0xFFFF is FIT's invalid value
                values.append(ms / 1000)
        for i in range(0, len(values), _HRV_PER_MESG):  # this second's beats, then its record
            chunk = values[i : i + _HRV_PER_MESG]
            chunk += [_HRV_INVALID] * (_HRV_PER_MESG - len(chunk))  # padded, as a device does
            mesgs.append({"mesg_num": _MESG["HRV"], "time": chunk})
        if sec.bpm is not None:
            last_at = sec.unix - FIT_EPOCH_S
            record = {"mesg_num": _MESG["RECORD"], "timestamp": last_at, "heart_rate": sec.bpm}
            if sec.samples:  # the second's own samples, for hrcoach (fit_dev); none when held
                record["developer_fields"] = fit_dev.values(sec.samples[-fit_dev.MAX_PER_RECORD :])
            if sec.where is not None:  # semicircles, as FIT holds a position
                record["position_lat"] = round(sec.where[0] * _SEMICIRCLES)
                record["position_long"] = min(round(sec.where[1] * _SEMICIRCLES), 2**31 - 2)
            mesgs.append(record)

    mesgs.append({"mesg_num": _MESG["EVENT"], "timestamp": end, "event": "timer", "event_type": "stop_all"})
    sports = {
        "sport": sport,
        "sub_sport": session.sub_sport if session.sub_sport in _FIT_SUB_SPORTS else "generic",
    }
    totals = {
        "timestamp": end,
        "start_time": start,
        "total_elapsed_time": elapsed,
        "total_timer_time": float(summary.timer_s),
        "avg_heart_rate": summary.avg_bpm,
        "max_heart_rate": summary.max_bpm,
        **sports,
    }
    laps = lap_seconds(session, seconds)
    for k, lap in enumerate(laps):
        lap_start = summary.start if k == 0 else lap[0].unix
        lap_end = laps[k + 1][0].unix if k + 1 < len(laps) else summary.end
        own = summarize(session, lap, start=lap_start)
        mesgs.append(
            {
                "mesg_num": _MESG["LAP"],
                "message_index": k,
                "event": "lap",
                "event_type": "stop",
                "lap_trigger": "manual" if k + 1 < len(laps) else "session_end",
                "intensity": "active",
                "timestamp": lap_end - FIT_EPOCH_S,
                "start_time": lap_start - FIT_EPOCH_S,
                "total_elapsed_time": float(lap_end - lap_start),
                "total_timer_time": float(lap_end - lap_start - own.gap_s),
                "avg_heart_rate": own.avg_bpm,
                "max_heart_rate": own.max_bpm,
                **sports,
            }
        )
    mesgs.append(
        {
            "mesg_num": _MESG["SESSION"],
            "message_index": 0,
            "event": "session",
            "event_type": "stop",
            "trigger": "activity_end",
            "first_lap_index": 0,
            "num_laps": len(laps),
            **totals,
        }
    )
    mesgs.append(
        {
            "mesg_num": _MESG["ACTIVITY"],
            "timestamp": end,
            "total_timer_time": float(summary.timer_s),
            "num_sessions": 1,
            "type": "manual",
            "event": "activity",
            "event_type": "stop",
            "local_timestamp": end + int(utc_offset.total_seconds()),
        }
    )
    return mesgs


def render_fit(session: ExportSession, *, utc_offset: timedelta | None = None) -> bytes:
    """The session as a FIT activity file (see `write_fit`)."""
    encoder = Encoder(fit_dev.descriptions())
    for mesg in _fit_messages(session, utc_offset):
        encoder.write_mesg(mesg)
    return encoder.close()


def write_fit(session: ExportSession, out: BinaryIO | Path, *, utc_offset: timedelta | None = None) -> None:
    """Write a FIT activity file with Garmin's FIT SDK, in the order of its activity recipe:

    file_id (activity, manufacturer development), device_info (hrcoach as creator; the strap,
    when named, as a Bluetooth LE heart-rate sensor), event timer start, then per whole second
    a `record` (timestamp, heart_rate: the last heart rate received in that second, or held
    over one empty second, see `export_common`; position_lat/long when the session has one)
    right after that second's RR intervals in `hrv` messages of up to 5 (seconds, 1 ms
    resolution); a gap longer than the session's gap length is an event timer stop_all and
    start, and the timer time leaves it out; event timer stop_all, one `lap`, one `session`,
    one `activity`.

    Every RR interval of the samples given is kept (except values FIT cannot hold: below
    0.5 ms or from 65.5 s). `utc_offset` sets the activity's local_timestamp; by default
    this machine's UTC offset at the session start. Raises ValueError for an empty session
    or one without any heart rate."""
    emit(render_fit(session, utc_offset=utc_offset), out)
