"""GPX export: one stored session with positions as a GPX 1.1 track, heart rate in Garmin's
TrackPointExtension (v1) `hr`, as Garmin Connect and Strava write and read it.

One `trkpt` per sample the session accepted that has a position, at its own time to the
millisecond (as TCX); a gap (see `export_common`) starts a new `trkseg`; the session's sport is
the track's `type`. GPX needs a position on every point, so a session without any (a live or
treadmill session) is refused with a line that says which formats hold it, and a point
without a position is left out (`hrcoach export` says how many). GPX has no field for RR
intervals, laps or timer pauses.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import BinaryIO

from hrcoach import __version__
from hrcoach.formats.export_common import (
    ExportSession,
    check,
    device_name,
    emit,
    iso_ms,
    per_second,
    segments,
    timed_points,
)
from hrcoach.formats.xml_write import document, sub

__all__ = ["render_gpx", "write_gpx"]

_GPX_NS = "http://www.topografix.com/GPX/1/1"
_TPX_NS = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
_XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
_LOCATIONS = (
    f"{_GPX_NS} http://www.topografix.com/GPX/1/1/gpx.xsd"
    f" {_TPX_NS} http://www.garmin.com/xmlschemas/TrackPointExtensionv1.xsd"
)
NO_POSITIONS = "GPX needs a position on every point and this session has none: export FIT, TCX or CSV"


def render_gpx(session: ExportSession) -> bytes:
    """The session as a GPX 1.1 document (see `write_gpx`)."""
    check(session)
    points = [p for p in timed_points(session) if p[3] is not None]
    if not points:
        raise ValueError(NO_POSITIONS)
    root = ET.Element("gpx")
    root.set("version", "1.1")
    root.set("creator", f"hrcoach {__version__}")
    root.set("xmlns", _GPX_NS)  # plain attributes: no global ET.register_namespace
    root.set("xmlns:gpxtpx", _TPX_NS)
    root.set("xmlns:xsi", _XSI_NS)
    root.set("xsi:schemaLocation", _LOCATIONS)
    meta = sub(root, "metadata")
    sub(meta, "name", session.name)
    sub(meta, "time", iso_ms(points[0][1]))
    track = sub(root, "trk")
    strap = device_name(session)
    sub(track, "name", session.name)
    if strap:
        sub(track, "desc", f"heart rate from {strap}")
    sub(track, "type", session.sport or "running")
    i = 0
    for run in segments(session, per_second(session)):  # a gap stays a gap: a new trkseg
        while i < len(points) and points[i][0] < run[0].unix:
            i += 1
        segment: ET.Element | None = None
        while i < len(points) and points[i][0] <= run[-1].unix:
            _, ms, bpm, where = points[i]
            assert where is not None
            if segment is None:
                segment = sub(track, "trkseg")
            point = sub(segment, "trkpt")
            lon = f"{where[1]:.7f}"
            point.set("lat", f"{where[0]:.7f}")
            point.set("lon", "-180.0000000" if lon == "180.0000000" else lon)  # GPX: -180 <= lon < 180
            sub(point, "time", iso_ms(ms))
            extension = sub(sub(point, "extensions"), "gpxtpx:TrackPointExtension")
            sub(extension, "gpxtpx:hr", str(bpm))
            i += 1
    return document(root)


def write_gpx(session: ExportSession, out: BinaryIO | Path) -> None:
    """Write a GPX 1.1 file: one `trk`, a `trkseg` per run of points without a gap, a `trkpt`
    (lat, lon, time to the millisecond, TrackPointExtension hr) per accepted sample with a
    position. Raises ValueError for an empty session, or one without any position."""
    emit(render_gpx(session), out)
