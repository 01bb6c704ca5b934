"""How sessions, samples and their setup are kept in rows: one codec for writer and readers."""

from __future__ import annotations

import functools
import math
import sqlite3
from array import array
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, TypeAdapter

from hrcoach.config import Profile, ProfileError
from hrcoach.engine.accounting import Params
from hrcoach.engine.batch import CONTACT_CODES, SampleArrays
from hrcoach.engine.rr_batch import flat_rr
from hrcoach.engine.summary import Summary
from hrcoach.formats.recording import Position, position_ok
from hrcoach.models import HeartRateSample, SensorContact
from hrcoach.session import SessionSetup
from hrcoach.store import blocks
from hrcoach.store.blocks import CONTACTS, MAX_STORED_T_S

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


SUMMARY_JSON: TypeAdapter[Summary] = TypeAdapter(Summary)  # built once, here, as StoredSetup is


def summary_json(summary: Summary) -> str:
    """A summary as the log keeps it (pydantic's compact JSON)."""
    return SUMMARY_JSON.dump_json(summary).decode("utf-8")


def parse_summary(text: str | bytes) -> Summary:
    """A summary the log kept, validated (a ValueError when it is damaged); one stored before
    `span_s` existed reads with `span_s` None."""
    return SUMMARY_JSON.validate_json(text)


@functools.lru_cache(maxsize=256)
def parse_setup(text: str) -> StoredSetup:
    """A stored setup, each text parsed once (most sessions share one; the models are never
    changed in place: `model_copy` makes new ones)."""
    return StoredSetup.model_validate_json(text)


def utc_text(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_utc(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def pack_rr(rr: tuple[float, ...]) -> bytes | None:
    return array("d", rr).tobytes() if rr else None


def unpack_rr(blob: bytes | None) -> tuple[float, ...]:
    """A stored RR blob; a damaged one (not whole doubles, not a blob) reads as none."""
    if not blob:
        return ()
    try:
        return tuple(v for v in array("d", blob) if math.isfinite(v))
    except (TypeError, ValueError):
        return ()


def pack_positions(points: Sequence[Position]) -> bytes:
    return array("d", (v for p in points for v in p)).tobytes()


def unpack_positions(blob: object) -> list[Position]:
    """A stored track; a damaged one (not whole triples of doubles) reads as none, and points
    that are not a position are left out."""
    if not isinstance(blob, bytes) or len(blob) % 24:
        return []
    values = array("d", blob)
    points = zip(values[0::3], values[1::3], values[2::3], strict=True)
    return [p for p in points if position_ok(*p)]


def sample_ok(t: object, bpm: object, contact: object) -> bool:
    """Whether a stored sample row reads back: a damaged one (a hand edit, a bad disk) is skipped."""
    return (
        isinstance(t, int | float)
        and not isinstance(t, bool)
        and math.isfinite(t)
        and 0 <= t <= MAX_STORED_T_S
        and isinstance(bpm, int)
        and 0 <= bpm <= 0xFFFF
        and isinstance(contact, int)
    )


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
    """A session's samples, from its block or its rows (a damaged block reads as none)."""
    try:
        block = blocks.read(conn, session_id)
    except ValueError:
        return
    if block is not None:
        yield from blocks.samples_of(block)
        return
    rows = conn.execute(
        "SELECT t, bpm, rr, contact, energy_kj FROM samples WHERE session_id = ? ORDER BY seq", (session_id,)
    )
    contacts = CONTACTS
    for t, bpm, rr, contact, energy in rows:
        if not sample_ok(t, bpm, contact):
            continue  # damaged: `hrcoach check` says so
        yield HeartRateSample(
            t,
            bpm,
            unpack_rr(rr),
            contacts.get(contact, SensorContact.NOT_SUPPORTED),
            energy if isinstance(energy, int) else None,
        )


def compact(conn: sqlite3.Connection, session_id: int) -> bool:
    """Move a finished session's sample rows into its block (`blocks`), in one transaction.
    False when it has no rows, some do not read back (they stay rows, skipped one by one on
    reading, as `hrcoach check` reports), or the log refuses the write (a full disk): rows read
    as a block does, so a session is saved either way."""
    try:
        if damaged_samples(conn, session_id):
            return False
        samples = list(iter_samples(conn, session_id))
        if not samples:
            return False
        blocks.replace_rows(conn, session_id, samples)
    except sqlite3.Error:
        return False
    return True


def load_arrays(conn: sqlite3.Connection, session_id: int, *, rr: bool = True) -> SampleArrays:
    """A session's samples straight into the batch engine's columns (what recompute reads);
    with `rr=False` the RR intervals are left out (when the RR counts are known already).
    Raises ValueError for a damaged sample block (damaged rows are skipped one by one)."""
    block = blocks.read(conn, session_id, rr=rr)
    if block is not None:
        return blocks.arrays_of(block, rr=rr)
    column = "rr" if rr else "NULL"
    rows = conn.execute(
        f"SELECT t, bpm, contact, {column} FROM samples WHERE session_id = ? ORDER BY seq", (session_id,)
    ).fetchall()
    if not rows:
        return SampleArrays.from_samples([])
    try:
        return _arrays(rows, rr)
    except (TypeError, ValueError, OverflowError):  # a damaged row: skip it, keep the others
        rows = [r for r in rows if sample_ok(r[0], r[1], r[2])]
        return _arrays(rows, rr) if rows else SampleArrays.from_samples([])


def _arrays(rows: list[Any], rr: bool) -> SampleArrays:
    t, bpm, contact, blobs = zip(*rows, strict=True)
    ms = np.rint(np.array(t, dtype=np.float64) * 1000)  # = round(t * 1000)
    if not np.isfinite(ms).all() or (ms < 0).any() or (ms > MAX_STORED_T_S * 1000).any():
        raise ValueError("a sample time out of range")
    bpm_a = np.array(bpm, dtype=np.int64)
    if (bpm_a < 0).any() or (bpm_a > 0xFFFF).any():
        raise ValueError("a heart rate out of range")
    values, lengths = flat_rr([unpack_rr(b) for b in blobs] if rr else [])
    return SampleArrays(
        ms=ms.astype(np.int64),
        bpm=bpm_a,
        contact=np.array(contact, dtype=np.int64).clip(-128, 127).astype(np.int8),
        rr_values=values,
        rr_lengths=lengths,
    )


def damaged_samples(conn: sqlite3.Connection, session_id: int) -> int:
    """How many of a session's sample rows do not read back (and are skipped); a damaged block
    counts as all of its samples."""
    try:
        blocks.read(conn, session_id)
    except ValueError:
        row = conn.execute("SELECT n FROM sample_blocks WHERE session_id = ?", (session_id,)).fetchone()
        return max(int(row[0]) if isinstance(row[0], int) else 0, 1)
    rows = conn.execute("SELECT t, bpm, contact FROM samples WHERE session_id = ?", (session_id,))
    return sum(1 for t, bpm, contact in rows if not sample_ok(t, bpm, contact))


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
