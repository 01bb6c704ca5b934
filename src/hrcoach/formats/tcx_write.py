"""TCX export: one stored session as a Garmin TrainingCenterDatabase v2 file.

One Trackpoint per sample the session accepted, at its own time to the millisecond (TCX's
xsd:dateTime takes fractions of a second), so that a TCX imports back to the same time in each
window; laps, gaps (a new Track) and the lap totals follow the whole-second binning
`export_common` describes, as FIT's do. TCX has no RR field: RR intervals are not in this format.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from hrcoach.formats.export_common import (
    ExportSession,
    check,
    device_name,
    emit,
    iso_ms,
    lap_seconds,
    per_second,
    segments,
    summarize,
    timed_points,
    version_parts,
)
from hrcoach.formats.xml_write import document, sub

__all__ = ["render_tcx", "write_tcx"]

_TCX_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
_XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
_TCX_XSD = "http://www.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd"
_TCX_SPORTS = {"running": "Running", "run": "Running", "cycling": "Biking", "biking": "Biking"}


def _iso(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bpm_element(parent: ET.Element, tag: str, bpm: int) -> None:
    sub(sub(parent, tag), "Value", str(bpm))


def render_tcx(session: ExportSession) -> bytes:
    """The session as a TrainingCenterDatabase v2 document (see `write_tcx`)."""
    check(session)
    seconds = per_second(session)
    summary = summarize(session, seconds)
    root = ET.Element("TrainingCenterDatabase")
    # Namespaces as plain attributes: the tree's tags stay unqualified, so serialising needs
    # no global ET.register_namespace, and the default namespace applies to every element.
    root.set("xmlns", _TCX_NS)
    root.set("xmlns:xsi", _XSI_NS)
    root.set("xsi:schemaLocation", f"{_TCX_NS} {_TCX_XSD}")
    sport = _TCX_SPORTS.get(session.sport.strip().lower(), "Other")
    activity = sub(sub(root, "Activities"), "Activity")
    activity.set("Sport", sport)
    sub(activity, "Id", _iso(summary.start))
    laps = lap_seconds(session, seconds)
    points, i = timed_points(session), 0
    for k, lap_secs in enumerate(laps):
        lap_start = summary.start if k == 0 else lap_secs[0].unix
        lap_end = laps[k + 1][0].unix if k + 1 < len(laps) else summary.end
        own = summarize(session, lap_secs, start=lap_start)
        lap = sub(activity, "Lap")
        lap.set("StartTime", _iso(lap_start))
        sub(lap, "TotalTimeSeconds", f"{lap_end - lap_start - own.gap_s:.1f}")
        sub(lap, "DistanceMeters", "0.0")
        sub(lap, "Calories", "0")
        _bpm_element(lap, "AverageHeartRateBpm", own.avg_bpm)
        _bpm_element(lap, "MaximumHeartRateBpm", own.max_bpm)
        sub(lap, "Intensity", "Active")
        sub(lap, "TriggerMethod", "Manual")
        for run in segments(session, lap_secs):  # a gap stays a gap: a new Track
            track = sub(lap, "Track")
            # the samples of the run's seconds (a second held over an empty one has none)
            while i < len(points) and points[i][0] < run[0].unix:
                i += 1
            while i < len(points) and points[i][0] <= run[-1].unix:
                point = sub(track, "Trackpoint")
                sub(point, "Time", iso_ms(points[i][1]))
                where = points[i][3]
                if where is not None:
                    position = sub(point, "Position")
                    sub(position, "LatitudeDegrees", f"{where[0]:.7f}")
                    sub(position, "LongitudeDegrees", f"{where[1]:.7f}")
                _bpm_element(point, "HeartRateBpm", points[i][2])
                i += 1
    strap = device_name(session)
    sub(activity, "Notes", f"{session.name} ({strap})" if strap else session.name)
    creator = sub(activity, "Creator")
    creator.set("xsi:type", "Device_t")
    sub(creator, "Name", "hrcoach")
    sub(creator, "UnitId", "0")
    sub(creator, "ProductID", "0")
    major, minor, build = version_parts()
    version = sub(creator, "Version")
    sub(version, "VersionMajor", str(major))
    sub(version, "VersionMinor", str(minor))
    sub(version, "BuildMajor", str(build))
    sub(version, "BuildMinor", "0")
    return document(root)


def write_tcx(session: ExportSession, out: BinaryIO | Path) -> None:
    """Write a Garmin TrainingCenterDatabase v2 file: one Activity, one Lap, a Track for each
    run of points without a gap (TotalTimeSeconds leaves the gaps out).

    One Trackpoint per sample with a heart rate, at its time to the millisecond; laps and gaps
    by whole UTC second (see `export_common`); no distance, so
    DistanceMeters and Calories are 0. **TCX has no field for RR intervals: they are not in
    this file** (export FIT, CSV or capture to keep them).
    Raises ValueError for an empty session or one without any heart rate."""
    emit(render_tcx(session), out)
