"""Captures replay through the real decoder, byte for byte."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from hrcoach.formats import bounded
from hrcoach.formats.capture import CaptureError, CaptureEvent, RawNotification, iter_capture
from hrcoach.formats.recording import Recording, RecordingError
from hrcoach.models import Event, HeartRateSample, MalformedFrame
from hrcoach.protocol import ProtocolError, decode_measurement


def decode_events(events: Iterable[CaptureEvent]) -> Iterator[Event]:
    """Raw capture events to session events: notifications go through the 0x2A37 decoder."""
    for ev in events:
        if isinstance(ev, RawNotification):
            try:
                m = decode_measurement(ev.data)
            except ProtocolError as exc:
                yield MalformedFrame(ev.t, ev.data, str(exc))
                continue
            yield HeartRateSample(ev.t, m.bpm, m.rr_ms, m.contact, m.energy_kj)
        else:
            yield ev


def read(path: Path) -> Recording:
    try:
        header, raw = iter_capture(path)
        events = []
        beats = 0
        for event in decode_events(raw):
            events.append(event)
            bounded.count(path, len(events))
            if isinstance(event, HeartRateSample) and event.rr_ms:
                beats += len(event.rr_ms)
                bounded.count_rr(path, beats)
    except CaptureError as exc:
        raise RecordingError(str(exc)) from None
    except OSError as exc:
        raise RecordingError(f"{path}: cannot read ({exc.strerror or exc})") from None
    rec = Recording(str(path), "capture", events, header.started_at, header.device)
    bad = sum(isinstance(e, MalformedFrame) for e in events)
    if bad:
        rec.notes.append(f"{bad} malformed notification(s) dropped")
    return rec
