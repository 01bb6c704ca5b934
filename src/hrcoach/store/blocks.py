"""A finished session's samples as one row of columns (`sample_blocks`), not a row a sample.

A live session appends a row per sample (`samples`), so that a crash loses at most the last
second; once the session is finished (or recovered, or imported) its samples do not change, and
one row of packed arrays reads and writes tens of times faster than thousands of rows: the
history's recompute after an HRmax change reads only the columns it needs. `records.compact`
moves a finished session's rows into its block in one transaction; a session keeps one or the
other.

The columns, each little-endian and `n` long: `t` float64 seconds, `bpm` uint16, `contact` int8
(the CONTACT_CODES), `energy` int32 (-1 for none), `rr_n` uint32 (how many RR intervals each
sample has) and `rr` float64 (all of them, in order). A block whose columns do not have those
lengths is damaged: it reads as no samples, and `hrcoach check` says so.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter

import numpy as np
import numpy.typing as npt

from hrcoach.engine.batch import CONTACT_CODES, SampleArrays
from hrcoach.models import HeartRateSample, SensorContact
from hrcoach.store import db

_T, _BPM, _CONTACT, _ENERGY, _RR = map(attrgetter, ("t", "bpm", "contact", "energy_kj", "rr_ms"))
CONTACTS = {code: contact for contact, code in CONTACT_CODES.items()}
_COLUMNS = ("t", "bpm", "contact", "energy", "rr_n", "rr")
_TYPES = {"t": "<f8", "bpm": "<u2", "contact": "i1", "energy": "<i4", "rr_n": "<u4", "rr": "<f8"}
MAX_STORED_T_S = 1e10  # ~300 years: a clock jump can put samples years out; beyond this is damage


@dataclass(frozen=True, slots=True)
class Block:
    """A session's samples as columns (numpy views over the stored bytes)."""

    t: npt.NDArray[np.float64]
    bpm: npt.NDArray[np.uint16]
    contact: npt.NDArray[np.int8]
    energy: npt.NDArray[np.int32]
    rr_n: npt.NDArray[np.uint32]
    rr: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.t)


def pack(samples: Sequence[HeartRateSample]) -> tuple[int, bytes, bytes, bytes, bytes, bytes, bytes]:
    """(n, and each column's bytes) of `samples`, for the `sample_blocks` row."""
    n = len(samples)
    t = np.fromiter(map(_T, samples), dtype="<f8", count=n)
    bpm = np.fromiter(map(_BPM, samples), dtype="<u2", count=n)
    contact = np.fromiter(map(CONTACT_CODES.__getitem__, map(_CONTACT, samples)), dtype="i1", count=n)
    energies = list(map(_ENERGY, samples))
    if None in energies:
        energies = [-1 if e is None else e for e in energies]
    energy = np.array(energies, dtype="<i4")
    beats = list(map(_RR, samples))
    rr_n = np.fromiter(map(len, beats), dtype="<u4", count=n)
    rr = np.fromiter(chain.from_iterable(beats), dtype="<f8", count=int(rr_n.sum()))
    return n, t.tobytes(), bpm.tobytes(), contact.tobytes(), energy.tobytes(), rr_n.tobytes(), rr.tobytes()


def write(conn: sqlite3.Connection, session_id: int, samples: Sequence[HeartRateSample]) -> None:
    """Store `samples` as the session's block (inside the caller's transaction)."""
    conn.execute("INSERT INTO sample_blocks VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (session_id, *pack(samples)))


def replace_rows(conn: sqlite3.Connection, session_id: int, samples: Sequence[HeartRateSample]) -> None:
    """Store `samples`, the session's rows read back, as its block and delete the rows, in one
    transaction (`records.compact` is the caller)."""
    with db.transaction(conn):
        write(conn, session_id, samples)
        conn.execute("DELETE FROM samples WHERE session_id = ?", (session_id,))


def read(conn: sqlite3.Connection, session_id: int, *, rr: bool = True) -> Block | None:
    """The session's block; None when it has none (its samples are rows). A damaged block
    raises ValueError."""
    cols = ", ".join(c if rr or c not in ("rr_n", "rr") else "NULL" for c in _COLUMNS)
    row = conn.execute(f"SELECT n, {cols} FROM sample_blocks WHERE session_id = ?", (session_id,)).fetchone()
    if row is None:
        return None
    n, *blobs = row
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"session {session_id}: its sample block is damaged")
    arrays: dict[str, npt.NDArray[np.generic]] = {}
    for name, blob in zip(_COLUMNS, blobs, strict=True):
        if blob is None and not rr and name in ("rr_n", "rr"):
            arrays[name] = np.zeros(0 if name == "rr" else n, dtype=_TYPES[name])
            continue
        dtype = np.dtype(_TYPES[name])
        if not isinstance(blob, bytes) or len(blob) % dtype.itemsize:
            raise ValueError(f"session {session_id}: its sample block is damaged ({name})")
        arrays[name] = np.frombuffer(blob, dtype=dtype)
    if any(len(arrays[c]) != n for c in _COLUMNS if c != "rr") or (
        rr and int(arrays["rr_n"].sum()) != len(arrays["rr"])
    ):
        raise ValueError(f"session {session_id}: its sample block is damaged (lengths)")
    t = arrays["t"].astype(np.float64, copy=False)
    if n and (not np.isfinite(t).all() or (t < 0).any() or (t > MAX_STORED_T_S).any()):
        raise ValueError(f"session {session_id}: its sample block is damaged (times)")
    return Block(**arrays)  # type: ignore[arg-type]


def samples_of(block: Block) -> list[HeartRateSample]:
    """The block's samples, as the rows would have given them."""
    ends = np.cumsum(block.rr_n.astype(np.int64)).tolist()
    rr = block.rr.tolist()
    out: list[HeartRateSample] = []
    start = 0
    for t, bpm, contact, energy, end in zip(
        block.t.tolist(), block.bpm.tolist(), block.contact.tolist(), block.energy.tolist(), ends, strict=True
    ):
        beats = tuple(v for v in rr[start:end] if math.isfinite(v))
        start = end
        out.append(
            HeartRateSample(
                t,
                bpm,
                beats,
                CONTACTS.get(contact, SensorContact.NOT_SUPPORTED),
                energy if energy >= 0 else None,
            )
        )
    return out


def arrays_of(block: Block, *, rr: bool = True) -> SampleArrays:
    """The block as the batch engine's columns (RR left out with `rr=False`)."""
    values, lengths = block.rr.astype(np.float64), block.rr_n.astype(np.int64)
    if not rr:
        values, lengths = np.zeros(0, dtype=np.float64), np.zeros(0, dtype=np.int64)
    elif not np.isfinite(values).all():  # damage: such a value reads as no beat, as in rows
        finite = np.isfinite(values)
        sample = np.repeat(np.arange(len(lengths)), lengths)
        values, lengths = values[finite], np.bincount(sample[finite], minlength=len(lengths)).astype(np.int64)
    return SampleArrays(
        ms=np.rint(block.t * 1000).astype(np.int64),
        bpm=block.bpm.astype(np.int64),
        contact=block.contact.copy(),
        rr_values=values,
        rr_lengths=lengths,
    )
