"""A FIT file scanned into what hrcoach reads of it (`Scan`): record columns, RR, hr messages,
timer events, sessions, laps, the file's and creator's ids and time offsets. The messages come
from the lean walk (`fit_lean`), or from Garmin's SDK for what the walk leaves to it; both hand
over the same messages (tests/test_fit_lean.py).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from garmin_fit_sdk import Decoder, Profile, Stream

from hrcoach.formats import bounded, fit_dev, fit_layout, fit_lean
from hrcoach.formats.fit_rows import Rows
from hrcoach.formats.recording import RecordingError

RELATIVE = 0x10000000  # date_time values below this are seconds since device power-on
_NUM: dict[str, int] = Profile["mesg_num"]
_ACTIVITY = _NUM["ACTIVITY"]
_DEVICE_INFO = _NUM["DEVICE_INFO"]
_EVENT = _NUM["EVENT"]
_FILE_ID = _NUM["FILE_ID"]
_HR = _NUM["HR"]
_HRV = _NUM["HRV"]
_LAP = _NUM["LAP"]
_RECORD = _NUM["RECORD"]
_SESSION = _NUM["SESSION"]
_TIMESTAMP_CORRELATION = _NUM["TIMESTAMP_CORRELATION"]
_STOPS = {"stop", "stop_all", "stop_disable", "stop_disable_all"}

Mesg = dict[Any, Any]
MAX_MESSAGES = 3 * bounded.MAX_SAMPLES  # a record and an hrv message a second, and the rest


@dataclass
class Scan:
    path: Path
    rows: Rows = field(default_factory=Rows)
    file_id: Mesg = field(default_factory=dict)
    creator: Mesg = field(default_factory=dict)
    starts: list[tuple[int, str, str]] = field(default_factory=list)  # session start_time, sport, sub
    timer: list[tuple[int, bool]] = field(default_factory=list)  # timestamp, running
    hr: list[Any] = field(default_factory=list)
    laps: list[int] = field(default_factory=list)  # lap start_time
    utc_offset: int | None = None  # UTC minus system time, from timestamp_correlation
    local_offset: int | None = None  # local minus UTC, from the activity message
    messages: int = 0
    own_keys: dict[str, int] = field(default_factory=dict)  # hrcoach's developer fields (fit_dev)
    _after_own: tuple[int, int] | None = None  # (ts, bpm) of the last record that had them

    def described(self, key: int, data_id: Mesg, description: Mesg) -> None:
        """A developer field declared: remember hrcoach's own two."""
        name = description.get("field_name")
        if data_id.get("application_id") == fit_dev.APP_ID and name in (fit_dev.MS, fit_dev.BPM):
            self.own_keys[name] = key

    @property
    def own(self) -> bool:
        """Whether the file carries hrcoach's per-sample fields (an hrcoach FIT export)."""
        return len(self.own_keys) == 2

    def take(self, num: int, m: Mesg) -> None:
        """One decoded message, as the SDK hands it over."""
        self.messages += 1
        if self.messages > MAX_MESSAGES:
            raise RecordingError(
                f"{self.path}: more than {MAX_MESSAGES:,} FIT messages, longer than hrcoach reads"
            )
        if num == _RECORD:
            ts = m.get("timestamp")
            ts = ts if type(ts) is int and ts < 2**32 else integer(ts)  # the common case first
            if ts is not None and 0 <= ts < 2**32:  # a FIT date_time is a uint32
                bpm = m.get("heart_rate")
                bpm = bpm if type(bpm) is int and 0 < bpm < 255 else integer(bpm)
                bpm = bpm if bpm and 0 < bpm < 255 else 0
                lat, lon = m.get("position_lat"), m.get("position_long")
                if lat is not None or lon is not None:
                    lat, lon = integer(lat), integer(lon)
                own, held = None, False
                if self.own:  # an hrcoach export: a record without its fields was held over
                    dev = m.get("developer_fields")
                    if isinstance(dev, dict):
                        ms, beats = dev.get(self.own_keys[fit_dev.MS]), dev.get(self.own_keys[fit_dev.BPM])
                    else:
                        ms = beats = None
                    # held over: no fields, the second after one that has them, the same bpm
                    held = ms is None and beats is None and self._after_own == (ts - 1, bpm)
                    own = None if ms is None and beats is None else fit_dev.read(ms, beats)
                    self._after_own = (ts, bpm) if own else None
                self.rows.add(ts, bpm, lat, lon, own, held)
                bounded.count(self.path, len(self.rows) + len(self.rows.own_ms))  # own samples too
        elif num == _HRV:
            times = m.get("time")
            rr = self.rows.rr
            for v in times if isinstance(times, list) else [times]:
                if v is None:
                    continue
                sec = v if type(v) is float else number(v)  # nan and inf fail the range
                if sec is not None and 0 < sec < 65.535:
                    rr.append(float(round(sec * 1000)))
            bounded.count_rr(self.path, len(self.rows.rr))
        elif num == _HR:
            self.hr.append(m)
        elif num == _EVENT and m.get("event") == "timer":
            ts, kind = integer(m.get("timestamp")), m.get("event_type")
            if ts is not None and isinstance(kind, str) and (kind == "start" or kind in _STOPS):
                self.timer.append((ts, kind == "start"))
        elif num == _SESSION:
            start = integer(m.get("start_time"))
            if start is not None:
                sport, sub = m.get("sport"), m.get("sub_sport")
                self.starts.append(
                    (start, sport if isinstance(sport, str) else "", sub if isinstance(sub, str) else "")
                )
        elif num == _ACTIVITY and self.local_offset is None:
            utc, local = integer(m.get("timestamp")), integer(m.get("local_timestamp"))
            if utc is not None and local is not None and utc >= RELATIVE and abs(local - utc) <= 18 * 3600:
                self.local_offset = round((local - utc) / 900) * 900  # time zones go by quarter hours
        elif num == _LAP:
            start = integer(m.get("start_time"))
            if start is not None:
                self.laps.append(start)
        elif num == _FILE_ID and not self.file_id:  # the first with a field hrcoach reads
            self.file_id = {k: v for k, v in m.items() if k in fit_lean.WANTED[num]}
        elif num == _DEVICE_INFO and not self.creator and m.get("device_index") in ("creator", 0):
            self.creator = {k: v for k, v in m.items() if k in fit_lean.WANTED[num]}
        elif num == _TIMESTAMP_CORRELATION and self.utc_offset is None:
            utc, system = integer(m.get("timestamp")), integer(m.get("system_timestamp"))
            if utc is not None and system is not None and utc >= RELATIVE > system:
                self.utc_offset = utc - system


def number(value: object) -> float | None:
    if type(value) is float:  # the common case first
        return value if math.isfinite(value) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def integer(value: object) -> int | None:
    if type(value) is int and -(2**53) <= value <= 2**53:  # the common case: int(float(value))
        return value
    v = number(value)
    return int(v) if v is not None else None


def decode(path: Path, data: bytes) -> tuple[Scan, str | None]:
    """The file scanned, and a note when the file is cut short (only its complete messages)."""
    data, cut = fit_layout.check(path, data)
    scan, errors = _run(path, data)
    if errors and "compressed timestamp" in str(errors[0]).lower():
        try:
            scan, errors = _run(path, fit_layout.expand_compressed(data))
        except fit_layout.Corrupt as exc:
            raise RecordingError(f"{path}: corrupt FIT file ({exc})") from None
        except (KeyError, IndexError, ValueError, struct.error):
            raise RecordingError(f"{path}: corrupt FIT file (bad message layout)") from None
    if errors:
        raise RecordingError(f"{path}: corrupt FIT file ({_describe(errors[0])})")
    return scan, cut


def _describe(err: Exception) -> str:
    text = " ".join(str(err).split())
    if "CRC" in text:
        return "CRC mismatch"
    if "bytes remaining" in text or "unpack requires" in text:
        return "a message runs past the end of the data"
    if isinstance(err, RuntimeError) and text.startswith("FIT Runtime Error"):
        return text.removeprefix("FIT Runtime Error").strip()[:100]
    return f"undecodable message: {type(err).__name__}"


def _run(path: Path, data: bytes) -> tuple[Scan, list[Exception]]:
    """The file scanned by the lean walk (`fit_lean`), or by the SDK where the walk cannot be sure."""
    scan = Scan(path)
    try:
        fit_lean.walk(data, scan.take, scan.described)
    except fit_lean.Unsupported:
        return _run_sdk(path, data)
    return scan, []


def _run_sdk(path: Path, data: bytes) -> tuple[Scan, list[Exception]]:
    """The file scanned as the SDK decodes it. Each record and hrv message is emptied once
    scanned: the SDK keeps every message it decodes, and a day of records as dicts is gigabytes.
    More than MAX_MESSAGES messages, or MAX_SAMPLES records, refuse the file."""
    scan = Scan(path)

    def listener(num: int, mesg: Mesg) -> None:
        scan.take(num, mesg)
        if num in (_NUM["RECORD"], _NUM["HRV"]):
            mesg.clear()

    try:
        decoder = Decoder(Stream.from_byte_array(bytearray(data)))
        _, errors = decoder.read(
            convert_datetimes_to_dates=False,
            merge_heart_rates=False,
            mesg_listener=listener,
            field_description_listener=scan.described,
        )
    except Exception as exc:  # the SDK reports its own errors in `errors`; this is a backstop
        errors = [exc]
    for err in errors:
        if isinstance(err, RecordingError):  # a bound passed, raised in the listener
            raise err
    return scan, errors
