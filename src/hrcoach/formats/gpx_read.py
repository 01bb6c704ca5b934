"""GPX 1.0/1.1 tracks with heart rate: Garmin TrackPointExtension v1/v2 `hr` under any prefix,
and the plain `<heartrate>`/`<hr>`/`<heart_rate>` extensions some apps write. One Recording per
`trk` (segments are joined: a pause between them is a gap), in time order.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hrcoach.formats.recording import Recording, RecordingError, sport_name
from hrcoach.formats.tcx_read import (
    Point,
    build,
    child_text,
    children,
    degrees,
    finish,
    parse_bpm,
    parse_time,
)
from hrcoach.formats.xml_points import local, parse

_HR_NAMES = {"hr", "heartrate", "heart_rate", "heartratebpm"}


def _bpm(point: ET.Element) -> int | None:
    for elem in point.iter():
        if elem is not point and local(elem.tag).lower() in _HR_NAMES:
            bpm = parse_bpm(elem.text)
            if bpm is not None:
                return bpm
    return None


def _point(point: ET.Element) -> Point:
    return parse_time(child_text(point, "time")), _bpm(point), degrees(point.get("lat"), point.get("lon"))


def read_bytes(path: Path, data: bytes) -> list[Recording]:
    return read_chunks(path, [data])


def read_chunks(path: Path, chunks: Iterable[bytes]) -> list[Recording]:
    doc = parse(path, chunks, "GPX", ("trkpt", "time"), _point)
    root = doc.root
    if local(root.tag) != "gpx":
        raise RecordingError(f"{path}: not a GPX file (root element <{local(root.tag)}>)")
    creator = root.get("creator")
    device: dict[str, Any] = {"name": creator.strip()} if creator and creator.strip() else {}
    recs: list[Recording] = []
    for track in children(root, "trk"):
        rec = build(path, "gpx", doc.points_under(track), device, "track point")
        if rec is None:
            continue
        rec.sport = sport_name(child_text(track, "type"))
        segments = sum(1 for _ in children(track, "trkseg"))
        if segments > 1:
            rec.notes.append(f"{segments} track segments joined; pauses between them are time gaps")
        recs.append(rec)
    return finish(path, recs, "GPX", "track")
