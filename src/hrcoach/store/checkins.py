"""A session's check-in: how the runner felt before and after (mood and effort, 1 to 5 each, every
one skippable) and a note, stored beside the session and deleted with it. What it is shown as is
a plain description, never a diagnosis: `mood_trend` compares mood after sessions with more and
less time in the window, and says how many sessions that rests on."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, fields, replace

from hrcoach.store import db
from hrcoach.text import clean

NOTE_MAX = 500
SCALE = (1, 5)
KEYS = ("mood_before", "mood_after", "effort_before", "effort_after")


@dataclass(frozen=True, slots=True)
class CheckIn:
    mood_before: int | None = None
    mood_after: int | None = None
    effort_before: int | None = None
    effort_after: int | None = None
    note: str = ""

    def __post_init__(self) -> None:
        for key in KEYS:
            value = getattr(self, key)
            if value is not None and (isinstance(value, bool) or not SCALE[0] <= value <= SCALE[1]):
                raise ValueError(f"{key.replace('_', ' ')}: 1 to 5, not {value!r}")

    @property
    def empty(self) -> bool:
        return all(getattr(self, k) is None for k in KEYS) and not self.note

    def merged(self, other: CheckIn) -> CheckIn:
        """This check-in with every value `other` gives (None and "" leave one as it was)."""
        given = {
            f.name: getattr(other, f.name) for f in fields(other) if getattr(other, f.name) not in (None, "")
        }
        return replace(self, **given)

    def as_json(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def note_text(text: str) -> str:
    """A typed note as stored: no control characters, at most NOTE_MAX characters."""
    return clean(text, NOTE_MAX)


def get_checkin(conn: sqlite3.Connection, session_id: int) -> CheckIn | None:
    row = conn.execute(
        "SELECT mood_before, mood_after, effort_before, effort_after, note FROM checkins"
        " WHERE session_id = ?",
        (session_id,),
    ).fetchone()
    return _of(row) if row else None


def all_checkins(conn: sqlite3.Connection) -> dict[int, CheckIn]:
    rows = conn.execute(
        "SELECT session_id, mood_before, mood_after, effort_before, effort_after, note FROM checkins"
    ).fetchall()
    out = {}
    for row in rows:
        checkin = _of(row[1:])
        if checkin is not None:
            out[int(row[0])] = checkin
    return out


def _of(row: tuple[object, ...]) -> CheckIn | None:
    """A stored row as a check-in; None for a row damaged past its CHECKs (it reads as none)."""
    mb, ma, eb, ea = (v if isinstance(v, int) and not isinstance(v, bool) else None for v in row[:4])
    try:
        return CheckIn(mb, ma, eb, ea, note=note_text(row[4]) if isinstance(row[4], str) else "")
    except ValueError:
        return None


def save_checkin(conn: sqlite3.Connection, session_id: int, checkin: CheckIn) -> CheckIn:
    """Merge `checkin` into the session's (a value not given stays as it was); the result."""
    with db.transaction(conn):
        before = get_checkin(conn, session_id) or CheckIn()
        after = before.merged(replace(checkin, note=note_text(checkin.note)))
        conn.execute(
            "INSERT INTO checkins (session_id, mood_before, mood_after, effort_before, effort_after, note)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET"
            " mood_before = excluded.mood_before, mood_after = excluded.mood_after,"
            " effort_before = excluded.effort_before, effort_after = excluded.effort_after,"
            " note = excluded.note",
            (
                session_id,
                after.mood_before,
                after.mood_after,
                after.effort_before,
                after.effort_after,
                after.note,
            ),
        )
    return after


def clear_checkin(conn: sqlite3.Connection, session_id: int) -> None:
    """Remove the session's check-in, note and all."""
    with db.transaction(conn):
        conn.execute("DELETE FROM checkins WHERE session_id = ?", (session_id,))


def checkin_line(checkin: CheckIn) -> str:
    """One line: `mood 2 -> 4, effort 3 -> 4` with what was given, and the note."""
    parts = []
    for what in ("mood", "effort"):
        before, after = getattr(checkin, f"{what}_before"), getattr(checkin, f"{what}_after")
        if before is None and after is None:
            continue
        parts.append(
            f"{what} {before if before is not None else '-'} -> {after if after is not None else '-'}"
        )
    text = ", ".join(parts) + " (1-5)" if parts else ""
    if checkin.note:
        text += ("; " if text else "") + f"note: {checkin.note}"
    return text


def mood_trend(points: list[tuple[float, int]], split_min: float = 20.0) -> str | None:
    """A plain description of mood after sessions (1-5) against minutes in the window, from
    (minutes, mood after) of each session that has one; None with fewer than two."""
    if len(points) < 2:
        return None
    more = [m for minutes, m in points if minutes >= split_min]
    less = [m for minutes, m in points if minutes < split_min]

    def mean(xs: list[int]) -> str:
        return f"{sum(xs) / len(xs):.1f} over {len(xs)} session{'s' * (len(xs) != 1)}"

    if more and less:
        return (
            f"Mood after sessions: {mean(more)} with {split_min:.0f}+ min in the window, {mean(less)} with"
            " less. A description of your own check-ins, not a diagnosis."
        )
    side = f"with {split_min:.0f}+" if more else f"under {split_min:.0f}"
    return (
        f"Mood after sessions: {mean(more or less)}, all {side} min in the window."
        " A description of your own check-ins, not a diagnosis."
    )
