"""FIT activities, decoded by Garmin's FIT SDK (`garmin_fit_sdk`).

- A file the device did not finish writing (cut short, or a header left at an earlier size) gives
  its complete messages, with a note saying so; a file damaged inside (its messages fill the size
  it declares, but the CRC does not match) is refused. See `fit_layout`.
- Heart rate comes from `record` messages. A record without one takes the mean of the file's
  `hr` messages (HRM-Swim/Tri straps, wrist HR under water) since the previous record; records
  with neither are skipped and counted in a note.
- RR intervals: `hrv` message times (s -> ms) go, in file order, to the next record that becomes
  a sample (the beats since the previous record, as a strap notification carries them); those
  after the last record go to the last sample. None is dropped.
- `t` counts seconds from the first sample. Timestamps below 0x10000000 count from device
  power-on: imported, `started_at` from file_id.time_created when that is a date, else None.
- Time order: of the records with heart rate (one without never hides one with at the same
  time), the longest run in strictly increasing time is kept; a repeated time keeps its first
  record, and records out of that order (a few stamped in the future or the past) are left out,
  never taken as a new floor. When more than half would be left out, the file is refused. Timer
  pauses stay as time gaps. Each is noted with its count.
- Several sessions (multisport, chained FIT files): one Recording each, in time order.
- Compressed-timestamp headers (old watches, e.g. FR70) are rewritten first (`fit_layout`).
"""

from __future__ import annotations

import math
import struct
from array import array
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from garmin_fit_sdk import Decoder, Profile, Stream, expand_heart_rates

from hrcoach.formats import bounded, fit_dev, fit_layout, fit_lean
from hrcoach.formats.fit_rows import Rows
from hrcoach.formats.recording import Position, Recording, RecordingError, position_ok, sport_name
from hrcoach.formats.tcx_read import plural
from hrcoach.formats.time_order import keep_mask, repeated
from hrcoach.models import Event, HeartRateSample

_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
_RELATIVE = 0x10000000  # date_time values below this are seconds since device power-on
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
class _Scan:
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
            ts = ts if type(ts) is int and ts < 2**32 else _int(ts)  # the common case first
            if ts is not None and 0 <= ts < 2**32:  # a FIT date_time is a uint32
                bpm = m.get("heart_rate")
                bpm = bpm if type(bpm) is int and 0 < bpm < 255 else _int(bpm)
                bpm = bpm if bpm and 0 < bpm < 255 else 0
                lat, lon = m.get("position_lat"), m.get("position_long")
                if lat is not None or lon is not None:
                    lat, lon = _int(lat), _int(lon)
                own, held = None, False
                if self.own:  # an hrcoach export: a record without its fields was held over
                    dev = m.get("developer_fields")
                    ms, beats = (
                        (dev.get(self.own_keys[k]) for k in (fit_dev.MS, fit_dev.BPM))
                        if isinstance(dev, dict)
                        else (None, None)
                    )
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
                sec = v if type(v) is float else _number(v)  # nan and inf fail the range
                if sec is not None and 0 < sec < 65.535:
                    rr.append(float(round(sec * 1000)))
            bounded.count_rr(self.path, len(self.rows.rr))
        elif num == _HR:
            self.hr.append(m)
        elif num == _EVENT and m.get("event") == "timer":
            ts, kind = _int(m.get("timestamp")), m.get("event_type")
            if ts is not None and isinstance(kind, str) and (kind == "start" or kind in _STOPS):
                self.timer.append((ts, kind == "start"))
        elif num == _SESSION:
            start = _int(m.get("start_time"))
            if start is not None:
                sport, sub = m.get("sport"), m.get("sub_sport")
                self.starts.append(
                    (start, sport if isinstance(sport, str) else "", sub if isinstance(sub, str) else "")
                )
        elif num == _ACTIVITY and self.local_offset is None:
            utc, local = _int(m.get("timestamp")), _int(m.get("local_timestamp"))
            if utc is not None and local is not None and utc >= _RELATIVE and abs(local - utc) <= 18 * 3600:
                self.local_offset = round((local - utc) / 900) * 900  # time zones go by quarter hours
        elif num == _LAP:
            start = _int(m.get("start_time"))
            if start is not None:
                self.laps.append(start)
        elif num == _FILE_ID and not self.file_id:  # the first with a field hrcoach reads
            self.file_id = {k: v for k, v in m.items() if k in fit_lean.WANTED[num]}
        elif num == _DEVICE_INFO and not self.creator and m.get("device_index") in ("creator", 0):
            self.creator = {k: v for k, v in m.items() if k in fit_lean.WANTED[num]}
        elif num == _TIMESTAMP_CORRELATION and self.utc_offset is None:
            utc, system = _int(m.get("timestamp")), _int(m.get("system_timestamp"))
            if utc is not None and system is not None and utc >= _RELATIVE > system:
                self.utc_offset = utc - system


def _duration(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    return f"{m} min {s} s" if m else f"{s} s"


def _number(value: object) -> float | None:
    if type(value) is float:  # the common case first
        return value if math.isfinite(value) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _int(value: object) -> int | None:
    if type(value) is int and -(2**53) <= value <= 2**53:  # the common case: int(float(value))
        return value
    v = _number(value)
    return int(v) if v is not None else None


def read_bytes(path: Path, data: bytes) -> list[Recording]:
    scan, cut = _decode(path, data)
    _fill_from_hr(scan.rows, scan.hr)
    sports = {start: (sport, sub) for start, sport, sub in sorted(scan.starts)}  # start -> sports
    starts = sorted(sports)
    groups = _split(scan.rows, starts)
    recs: list[Recording] = []
    for i, group in enumerate(groups):
        rec = _recording(path, scan.rows, group, scan)
        if rec is None:
            continue
        if starts:
            rec.sport, rec.sub_sport = (sport_name(x) for x in sports[starts[i]])
        if len(groups) > 1:
            sport = f" ({sports[starts[i]][0]})" if sports[starts[i]][0] else ""
            rec.notes.insert(0, f"session {i + 1} of {len(groups)} in the file{sport}")
        if cut:
            rec.notes.append(cut)
        recs.append(rec)
    if not recs:
        where = "in the readable part of this FIT file (it is cut short)" if cut else "in this FIT file"
        raise RecordingError(f"{path}: no heart-rate data {where}")
    return recs


def _decode(path: Path, data: bytes) -> tuple[_Scan, str | None]:
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


def _run(path: Path, data: bytes) -> tuple[_Scan, list[Exception]]:
    """The file scanned by the lean walk (`fit_lean`), or by the SDK where the walk cannot be sure."""
    scan = _Scan(path)
    try:
        fit_lean.walk(data, scan.take, scan.described)
    except fit_lean.Unsupported:
        return _run_sdk(path, data)
    return scan, []


def _run_sdk(path: Path, data: bytes) -> tuple[_Scan, list[Exception]]:
    """The file scanned as the SDK decodes it. Each record and hrv message is emptied once
    scanned: the SDK keeps every message it decodes, and a day of records as dicts is gigabytes.
    More than MAX_MESSAGES messages, or MAX_SAMPLES records, refuse the file."""
    scan = _Scan(path)

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


def _fill_from_hr(rows: Rows, hr_mesgs: list[Any]) -> None:
    """Records without heart rate take the mean of the hr-message values since the record before."""
    if not hr_mesgs or all(rows.bpm):
        return
    beats: list[tuple[float, int]] = []
    try:
        for beat in expand_heart_rates(hr_mesgs):
            t, bpm = _number(beat.get("timestamp")), _int(beat.get("heart_rate"))
            if t is not None and bpm is not None and 0 < bpm < 255:
                beats.append((t, bpm))
    except Exception:  # the SDK helper raises RuntimeError, KeyError, TypeError... on odd messages
        return
    beats.sort()
    times = [t for t, _ in beats]
    ts = rows.ts
    for i in range(len(rows)):
        if rows.bpm[i]:
            continue
        since = ts[i - 1] if i and ts[i - 1] < ts[i] else ts[i] - 1
        values = [v for _, v in beats[bisect_right(times, since) : bisect_right(times, ts[i])]]
        if values:
            rows.bpm[i], rows.from_hr[i] = int(sum(values) / len(values) + 0.5), 1


def _split(rows: Rows, starts: list[int]) -> Sequence[Sequence[int]]:
    """The indices of each session's records."""
    if len(starts) <= 1:
        return [range(len(rows))]
    groups = [array("q") for _ in starts]
    for i, ts in enumerate(rows.ts):
        groups[max(bisect_right(starts, ts) - 1, 0)].append(i)
    return groups


def _recording(path: Path, rows: Rows, idx: Sequence[int], scan: _Scan) -> Recording | None:
    times = [rows.ts[i] for i in idx if rows.bpm[i]]  # one without HR never hides one with
    keep = keep_mask(times)
    n_kept = sum(keep)
    if not n_kept:
        return None
    if n_kept < len(times) / 2:
        raise RecordingError(
            f"{path}: the timestamps of {len(times) - n_kept} of {len(times)} records with heart"
            " rate are out of order; not imported rather than guessed at"
        )
    dup = repeated(times, keep)
    out_of_order = len(times) - n_kept - dup
    no_hr = len(idx) - len(times)
    t0 = times[keep.index(1)]
    t1 = times[len(keep) - 1 - keep[::-1].index(1)]
    del times
    events: list[Event] = []
    positions: list[Position] = []
    carry: tuple[float, ...] = ()
    hr_index = filled = 0
    for i in idx:  # RR intervals of a record left out go to the next sample kept
        rr = rows.rr_of(i)
        if not rows.bpm[i]:
            carry += rr
            continue
        own = rows.own(i)  # [] a record held over an empty second, None the record alone
        if keep[hr_index] and own != []:
            at = rows.ts[i] - t0
            own = own or [(0, rows.bpm[i])]  # hrcoach's export: the second's samples, own times
            for ms, bpm in own[:-1]:
                events.append(HeartRateSample(at + ms / 1000, bpm))
            ms, bpm = own[-1]
            events.append(HeartRateSample(at + ms / 1000, bpm, carry + rr if carry else rr))
            where = rows.position(i)
            if where is not None and position_ok(events[-1].t, *where):
                positions.append((events[-1].t, *where))
            filled += rows.from_hr[i]
            carry = ()
        else:
            carry += rr
        hr_index += 1
    if not events:  # every record was one held over an empty second: nothing was recorded
        return None
    if carry:
        last = events[-1]
        assert isinstance(last, HeartRateSample)
        events[-1] = replace(last, rr_ms=last.rr_ms + carry)
    notes: list[str] = []
    started_at: datetime | None = None
    if t0 >= _RELATIVE:
        started_at = _EPOCH + timedelta(seconds=t0)
    elif scan.utc_offset is not None:
        started_at = _EPOCH + timedelta(seconds=t0 + scan.utc_offset)
    else:
        created = _int(scan.file_id.get("time_created"))
        if created is not None and created >= _RELATIVE:
            started_at = _EPOCH + timedelta(seconds=created)
            notes.append("timestamps count from device power-on; start time is the file's creation time")
        else:
            notes.append("timestamps count from device power-on, not dates: start time unknown")
    if no_hr:
        notes.append(f"{plural(no_hr, 'record')} without heart rate skipped")
    if filled:
        notes.append(f"{plural(filled, 'record')} without heart rate took it from the hr messages")
    if dup:
        notes.append(f"{plural(dup, 'record')} with a repeated timestamp dropped (first kept)")
    if out_of_order:
        notes.append(f"{plural(out_of_order, 'record')} with a timestamp out of order left out")
    pauses = _pauses(scan.timer, t0, t1)
    if pauses:
        paused = sum(b - a for a, b in pauses)
        notes.append(
            f"timer paused {plural(len(pauses), 'time')} ({_duration(paused)} in all); "
            "pauses are time gaps and no session time"
        )
    mine = sorted(ts for ts in scan.laps if t0 - 60 <= ts < t1)  # this session's laps
    laps = sorted({float(ts - t0) for ts in mine[1:] if t0 < ts})  # the first begins the session
    return Recording(
        str(path),
        "fit",
        events,
        started_at,
        _device(scan),
        notes,
        laps=laps,
        pauses=[(float(a - t0), float(b - t0)) for a, b in pauses],
        utc_offset_s=scan.local_offset,
        positions=positions,
    )


def _pauses(timer: list[tuple[int, bool]], t0: int, t1: int) -> list[tuple[int, int]]:
    """(stopped, started again) of each timer pause that began inside the recording."""
    pauses: list[tuple[int, int]] = []
    stopped: int | None = None
    for ts, running in timer:
        if not running and stopped is None:
            stopped = ts
        elif running and stopped is not None:
            if t0 <= stopped < t1 and ts > stopped:
                pauses.append((stopped, ts))
            stopped = None
    return pauses


def _device(scan: _Scan) -> dict[str, Any]:
    fid, creator = scan.file_id, scan.creator
    maker = fid.get("manufacturer") or creator.get("manufacturer")
    product = fid.get("garmin_product") or fid.get("product")
    model = creator.get("product_name") or fid.get("product_name")
    if not isinstance(model, str):
        model = product.replace("_", " ") if isinstance(product, str) else None
    brand = maker.replace("_", " ").title() if isinstance(maker, str) else None
    if model and brand and brand.lower() in model.lower():
        brand = None
    device: dict[str, Any] = {"name": " ".join(x for x in (brand, model) if x)}
    for key, value in (
        ("manufacturer", maker),
        ("product", product),
        ("serial_number", fid.get("serial_number")),
    ):
        if isinstance(value, str | int) and not isinstance(value, bool):
            device[key] = value
    return device if device["name"] else {k: v for k, v in device.items() if k != "name"}
