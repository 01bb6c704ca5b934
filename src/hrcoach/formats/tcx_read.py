"""TCX (Garmin TrainingCenterDatabase v2): HeartRateBpm/Value of every Trackpoint, one
Recording per Activity (MultiSportSession legs included), in time order.

Elements are matched by local name, so the namespace version and prefixes do not matter.
XML is parsed with the stdlib, refusing any DOCTYPE (and so every entity declaration) before
expat reads it: no entity expansion, no external resources. The helpers here are shared with
the GPX reader.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from hrcoach.formats.recording import Recording, RecordingError, position_ok
from hrcoach.formats.recording import plural as plural  # fit_read takes it from here
from hrcoach.formats.time_order import keep_mask, repeated
from hrcoach.formats.xml_points import Parsed, local, parse
from hrcoach.models import Event, HeartRateSample

_TCX_SPORTS = {"running": "running", "biking": "cycling"}  # TCX's Sport: Running, Biking, Other
# (time, bpm, (lat, lon)) of one track point, any of them may be missing
Point = tuple[datetime | None, int | None, tuple[float, float] | None]


def children(elem: ET.Element, name: str) -> Iterator[ET.Element]:
    return (c for c in elem if local(c.tag) == name)


def descendants(elem: ET.Element, name: str) -> Iterator[ET.Element]:
    return (c for c in elem.iter() if local(c.tag) == name)


def child_text(elem: ET.Element, name: str) -> str | None:
    for c in children(elem, name):
        return (c.text or "").strip()
    return None


def parse_time(text: str | None) -> datetime | None:
    """ISO-8601 to UTC; a time without zone is taken as UTC (as TCX and GPX specify)."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip())
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except (ValueError, OverflowError):  # not a time, or one before year 1 once in UTC
        return None


def parse_bpm(text: str | None) -> int | None:
    try:
        value = round(float(text or ""))
    except (ValueError, OverflowError):
        return None
    return value if 0 < value < 256 else None


def build(
    path: Path, fmt: str, points: Iterable[Point], device: dict[str, Any], kind: str
) -> Recording | None:
    """Track points in document order -> a Recording, or None when none has a heart rate.

    Points without time or heart rate are skipped first, so one without never hides one with at
    the same time. Of the rest, the longest run in strictly increasing time is kept (a repeated
    time keeps its first point; a few points stamped in the future or the past are left out,
    never taken as a new floor); when more than half would be left out the file is refused.
    Each is noted with its count. `t` counts from the first sample.
    """
    timed: list[tuple[datetime, int, tuple[float, float] | None]] = []
    no_time = no_hr = 0
    for when, bpm, where in points:
        if when is None:
            no_time += 1
        elif bpm is None:
            no_hr += 1
        else:
            timed.append((when, bpm, where))
    if not timed:
        return None
    times = [round(when.timestamp() * 1000) for when, _, _ in timed]
    keep = keep_mask(times)
    kept = [point for point, k in zip(timed, keep, strict=True) if k]
    if len(kept) < len(timed) / 2:
        raise RecordingError(
            f"{path}: the times of {len(timed) - len(kept)} of {len(timed)} {kind}s with heart rate"
            " are out of order; not imported rather than guessed at"
        )
    dup = repeated(times, keep)
    out_of_order = len(timed) - len(kept) - dup
    del times, timed
    t0 = kept[0][0]
    events: list[Event] = [HeartRateSample((when - t0).total_seconds(), bpm) for when, bpm, _ in kept]
    positions = [(e.t, *where) for e, (_, _, where) in zip(events, kept, strict=True) if where]
    notes = []
    for count, what in (
        (no_hr, "without heart rate skipped"),
        (no_time, "without a valid time skipped"),
        (dup, "with a repeated time dropped (first kept)"),
        (out_of_order, "with a time out of order left out"),
    ):
        if count:
            notes.append(f"{plural(count, kind)} {what}")
    kept_positions = [p for p in positions if position_ok(*p)]
    return Recording(str(path), fmt, events, t0, dict(device), notes, positions=kept_positions)


def degrees(lat: str | None, lon: str | None) -> tuple[float, float] | None:
    """A point's latitude and longitude from their text, None unless both are numbers."""
    try:
        return float(lat or ""), float(lon or "")
    except ValueError:
        return None


def finish(path: Path, recs: list[Recording], what: str, kind: str) -> list[Recording]:
    """Order several activities by time; none with heart rate is one RecordingError."""
    if not recs:
        raise RecordingError(f"{path}: no heart-rate data in this {what} file")
    recs.sort(key=lambda r: r.started_at or datetime.min.replace(tzinfo=UTC))
    if len(recs) > 1:
        for i, rec in enumerate(recs, start=1):
            rec.notes.insert(0, f"{kind} {i} of {len(recs)} in the file")
    return recs


def _device(activity: ET.Element) -> dict[str, Any]:
    for creator in children(activity, "Creator"):
        name = child_text(creator, "Name")
        device: dict[str, Any] = {"name": name} if name else {}
        product = child_text(creator, "ProductID")
        if product and product.isdigit():
            device["product"] = int(product)
        return device
    return {}


def _point(point: ET.Element) -> Point:
    bpm = None
    for hr in children(point, "HeartRateBpm"):
        bpm = parse_bpm(child_text(hr, "Value") or hr.text)
    where = None
    for pos in children(point, "Position"):
        where = degrees(child_text(pos, "LatitudeDegrees"), child_text(pos, "LongitudeDegrees"))
    return parse_time(child_text(point, "Time")), bpm, where


def _stated_offset(text: str | None) -> int | None:
    """The UTC offset a trackpoint's time states (`+02:00`); None for `Z` or none: a time in UTC
    says nothing of where the activity was."""
    if not text or text.endswith(("Z", "z")):
        return None
    try:
        offset = datetime.fromisoformat(text).utcoffset()
    except ValueError:
        return None
    return (
        int(offset.total_seconds())
        if offset is not None and abs(offset.total_seconds()) <= 18 * 3600
        else None
    )


def _track_pauses(doc: Parsed[Point], activity: ET.Element, t0: datetime) -> list[tuple[float, float]]:
    """(last point of a track, first point of the next track of the same lap), from t0."""
    pauses: list[tuple[float, float]] = []
    for lap in children(activity, "Lap"):
        ends: list[tuple[datetime, datetime]] = []
        for track in children(lap, "Track"):
            times = [w for w, _, _ in doc.points_under(track) if w]
            if times:
                ends.append((min(times), max(times)))
        for (_, stopped), (started, _) in pairwise(ends):
            if started > stopped:
                pauses.append(((stopped - t0).total_seconds(), (started - t0).total_seconds()))
    return pauses


def read_bytes(path: Path, data: bytes) -> list[Recording]:
    return read_chunks(path, [data])


def read_chunks(path: Path, chunks: Iterable[bytes]) -> list[Recording]:
    doc = parse(path, chunks, "TCX", ("Trackpoint", "Time"), _point)
    root = doc.root
    if local(root.tag) != "TrainingCenterDatabase":
        raise RecordingError(f"{path}: not a TCX file (root element <{local(root.tag)}>)")
    recs: list[Recording] = []
    activities = list(descendants(root, "Activity"))
    for activity in activities:
        rec = build(path, "tcx", doc.points_under(activity), _device(activity), "trackpoint")
        if rec is None:
            continue
        splits = sum(max(len(list(children(lap, "Track"))) - 1, 0) for lap in children(activity, "Lap"))
        if splits:
            paused = plural(splits, "pause")
            rec.notes.append(f"track split by {paused}; pauses are time gaps and no session time")
        t0 = rec.started_at  # the first sample's time (t = 0)
        if t0 is not None and splits:  # a pause between two tracks of a lap: no session time
            rec.pauses = _track_pauses(doc, activity, t0)
        if t0 is not None:  # where each lap after the first began
            t1 = t0 + timedelta(seconds=rec.events[-1].t)
            starts = [parse_time(lap.get("StartTime")) for lap in children(activity, "Lap")][1:]
            rec.laps = sorted({(w - t0).total_seconds() for w in starts if w is not None and t0 < w < t1})
        rec.utc_offset_s = _stated_offset(doc.first_time(activity))
        sport = activity.get("Sport")
        rec.sport = _TCX_SPORTS.get((sport or "").strip().lower(), "")
        if sport and len(activities) > 1:
            rec.notes.insert(0, f"sport: {sport}")
        recs.append(rec)
    return finish(path, recs, "TCX", "activity")
