"""How sessions, samples and their setup are kept in rows: one codec for writer and readers."""

from __future__ import annotations

import math
import sqlite3
from array import array
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from hrcoach.config import Profile, ProfileError
from hrcoach.engine.accounting import Params
from hrcoach.engine.batch import CONTACT_CODES, SampleArrays
from hrcoach.models import HeartRateSample, SensorContact
from hrcoach.session import SessionSetup

CONTACTS = {code: contact for contact, code in CONTACT_CODES.items()}
SampleRow = tuple[int, int, float, int, bytes | None, int, int | None]


class StoredSetup(BaseModel):
    """What a session's summary was computed against (a snapshot of the profile in force)."""

    model_config = ConfigDict(frozen=True)

    hrmax: int
    hrmax_source: str
    max_gap_s: float = 10.0
    grace_s: float = 60.0
    goal_min: float = 30.0
    target: str = "bdnf"

    @classmethod
    def of(cls, params: Params, hrmax_source: str, target: str = "bdnf") -> StoredSetup:
        return cls(
            hrmax=params.hrmax,
            hrmax_source=hrmax_source,
            max_gap_s=params.max_gap_s,
            grace_s=params.grace_s,
            goal_min=params.goal_min,
            target=target,
        )

    @classmethod
    def of_session(cls, setup: SessionSetup) -> StoredSetup:
        """What a session coached against `setup` is stored with."""
        return cls.of(setup.params, setup.hrmax_source, setup.coach.window.name)

    @classmethod
    def in_force(cls, profile: Profile) -> StoredSetup | None:
        """The setup `profile` puts in force, or None while it has no HRmax (no age, no HRmax)."""
        try:
            return cls.of_session(SessionSetup.from_profile(profile))
        except ProfileError:
            return None

    def params(self) -> Params:
        return Params(self.hrmax, self.max_gap_s, self.grace_s, self.goal_min)

    def engine_view(self) -> tuple[Any, ...]:
        """What changes a summary (the coaching target does not)."""
        return (self.hrmax, self.hrmax_source, self.max_gap_s, self.grace_s, self.goal_min)


def utc_text(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_utc(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def pack_rr(rr: tuple[float, ...]) -> bytes | None:
    return array("d", rr).tobytes() if rr else None


def unpack_rr(blob: bytes | None) -> tuple[float, ...]:
    return tuple(array("d", blob)) if blob else ()


def sample_row(session_id: int, seq: int, s: HeartRateSample) -> SampleRow:
    return (
        session_id,
        seq,
        s.t,
        s.bpm,
        pack_rr(s.rr_ms),
        CONTACT_CODES[s.contact],
        s.energy_kj,
    )


def load_samples(conn: sqlite3.Connection, session_id: int) -> list[HeartRateSample]:
    """A session's raw samples in the order they were recorded."""
    return list(iter_samples(conn, session_id))


def iter_samples(conn: sqlite3.Connection, session_id: int) -> Iterator[HeartRateSample]:
    rows = conn.execute(
        "SELECT t, bpm, rr, contact, energy_kj FROM samples WHERE session_id = ? ORDER BY seq", (session_id,)
    )
    contacts = CONTACTS
    for t, bpm, rr, contact, energy in rows:
        yield HeartRateSample(
            t, bpm, unpack_rr(rr), contacts.get(contact, SensorContact.NOT_SUPPORTED), energy
        )


def load_arrays(conn: sqlite3.Connection, session_id: int, *, rr: bool = True) -> SampleArrays:
    """A session's samples straight into the batch engine's columns (what recompute reads);
    with `rr=False` the RR intervals are left out (when the RR counts are known already)."""
    column = "rr" if rr else "NULL"
    rows = conn.execute(
        f"SELECT t, bpm, contact, {column} FROM samples WHERE session_id = ? ORDER BY seq", (session_id,)
    ).fetchall()
    if not rows:
        return SampleArrays.from_samples([])
    t, bpm, contact, blobs = zip(*rows, strict=True)
    return SampleArrays(
        ms=np.rint(np.array(t, dtype=np.float64) * 1000).astype(np.int64),  # = round(t * 1000)
        bpm=np.array(bpm, dtype=np.int64),
        contact=np.array(contact, dtype=np.int8),
        rr=[unpack_rr(b) for b in blobs] if rr else [],
    )


def load_pauses(conn: sqlite3.Connection, session_id: int) -> list[tuple[float, float]]:
    """A session's timer pauses (stopped, started), as an imported file recorded them."""
    rows = conn.execute(
        "SELECT t, value FROM events WHERE session_id = ? AND kind = 'pause' ORDER BY t", (session_id,)
    )
    out: list[tuple[float, float]] = []
    for t, value in rows:
        try:
            started = float(value)
        except ValueError:
            continue  # a damaged row: no pause rather than a wrong one
        if math.isfinite(started) and started > t:
            out.append((float(t), started))
    return out


def local_offset_s(when: datetime) -> int:
    """This machine's UTC offset at `when`, in seconds: a live session's own local time."""
    offset = when.astimezone().utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0
