"""FIT activities: the fields hrcoach reads, decoded by its lean walk (`fit_lean`, scanned into
columns by `fit_scan`), with Garmin's FIT SDK (`garmin_fit_sdk`) the reference and the decoder of
what the walk leaves to it.

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

from array import array
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from garmin_fit_sdk import expand_heart_rates

from hrcoach.formats.fit_rows import Rows
from hrcoach.formats.fit_scan import RELATIVE, Scan, decode, integer, number
from hrcoach.formats.recording import Position, Recording, RecordingError, position_ok, sport_name
from hrcoach.formats.tcx_read import plural
from hrcoach.formats.time_order import keep_mask, repeated
from hrcoach.models import Event, HeartRateSample

_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)


def _duration(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    return f"{m} min {s} s" if m else f"{s} s"


def read_bytes(path: Path, data: bytes) -> list[Recording]:
    scan, cut = decode(path, data)
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


def _fill_from_hr(rows: Rows, hr_mesgs: list[Any]) -> None:
    """Records without heart rate take the mean of the hr-message values since the record before."""
    if not hr_mesgs or all(rows.bpm):
        return
    beats: list[tuple[float, int]] = []
    try:
        for beat in expand_heart_rates(hr_mesgs):
            t, bpm = number(beat.get("timestamp")), integer(beat.get("heart_rate"))
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


def _recording(path: Path, rows: Rows, idx: Sequence[int], scan: Scan) -> Recording | None:
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
    if t0 >= RELATIVE:
        started_at = _EPOCH + timedelta(seconds=t0)
    elif scan.utc_offset is not None:
        started_at = _EPOCH + timedelta(seconds=t0 + scan.utc_offset)
    else:
        created = integer(scan.file_id.get("time_created"))
        if created is not None and created >= RELATIVE:
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


def _device(scan: Scan) -> dict[str, Any]:
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
