"""`Logbook`: what the Textual app is shown of what hrcoach keeps, and the one way it changes
it. It reads the session log (made consistent with the profile file first, then every finished
session listed and the weekly dose worked out), opens one session for its summary, and saves the
profile. Every answer is a plain value and every failure a value too (`HistoryRead.error`,
`Problem`, a message): nothing raises for a bad log or an unwritable file.

Its calls block (SQLite, the batch engine, files): the app makes them from thread workers. The
screens are handed what comes back and never hold a `Logbook` (tests/test_layers.py).
(`hrcoach.cli.logbook` is the command-line side of the same log: `history`, `sessions`, `show`.)
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from hrcoach import paths
from hrcoach.config import Profile, ProfileError, load_profile, profile_toml
from hrcoach.engine.batch import SampleArrays, classify
from hrcoach.engine.laps import LapSplit as LapSplit
from hrcoach.engine.laps import lap_splits
from hrcoach.engine.summary import Summary
from hrcoach.engine.zones import BDNF, WINDOWS, Window
from hrcoach.store import db
from hrcoach.store.history import WEEKLY_MIN as WEEKLY_MIN
from hrcoach.store.history import WEEKLY_SESSIONS as WEEKLY_SESSIONS
from hrcoach.store.history import History as History
from hrcoach.store.history import Week as Week
from hrcoach.store.history import local_today, weekly
from hrcoach.store.history import streak_line as streak_line
from hrcoach.store.maintain import recompute
from hrcoach.store.records import StoredSetup, load_arrays
from hrcoach.store.sessions import (
    DOSE_ORIGINS,
    DamagedSession,
    SessionInfo,
    delete_session,
    get_session,
    list_sessions,
    session_cues,
    session_laps,
)


@dataclass
class SessionResult:
    """A finished session as its summary screen shows it (from the live screen or the log)."""

    summary: Summary
    cues: list[tuple[float, str]]  # (seconds into the session, message)
    trace: list[tuple[float, float]]  # (t, accepted bpm)
    where: str  # where it was saved, or why not
    session_id: int | None = None
    title: str = "Session summary"
    notes: list[str] = field(default_factory=list)
    laps: list[LapSplit] = field(default_factory=list)
    target_s: float | None = (
        None  # the goal the session was coached toward (a plan's), when not the summary's
    )
    plan: str = ""  # the plan's next target and why, after a live session with a plan


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One logged session as the history lists it."""

    id: int
    started_at: datetime
    origin: str  # live, replay, import or demo
    status: str
    duration_s: float
    bdnf_s: float | None  # None: no summary
    device: str  # its name (or product), "" when not known
    long_span: bool = False  # the wall span is far longer than the time recorded
    dated: bool = True  # False: imported without a start date, out of the dose until dated

    @property
    def practice(self) -> bool:
        """A demo or a replay: listed, not counted toward the weekly dose."""
        return self.origin not in DOSE_ORIGINS

    @classmethod
    def of(cls, info: SessionInfo) -> SessionRow:
        return cls(
            id=info.id,
            started_at=info.started_at,
            origin=info.origin,
            status=info.status,
            duration_s=info.duration_s,
            bdnf_s=info.summary.bdnf_s if info.summary else None,
            device=str(info.device.get("name") or info.device.get("product") or ""),
            long_span=bool(info.summary and info.summary.span_note),
            dated=info.dated,
        )


NO_WEEKS = History([], 0, False)


@dataclass(frozen=True)
class HistoryRead:
    """One read of the log: every finished session (oldest first) and the weeks with and without
    the demo sessions; or why it could not be read (`error`). `notes` are worth a word to the
    runner (summaries recomputed, a profile that could not be read)."""

    sessions: list[SessionRow] = field(default_factory=list)
    own: History = NO_WEEKS  # the runner's own sessions
    everything: History = NO_WEEKS  # demos and replays too
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    def weeks(self, *, practice: bool) -> History:
        return self.everything if practice else self.own


@dataclass(frozen=True, slots=True)
class StoredSession:
    """A logged session opened for its summary, and the window it was coached toward."""

    result: SessionResult
    window: Window


@dataclass(frozen=True, slots=True)
class Problem:
    """Why something asked of the logbook did not happen, said in one line."""

    message: str
    severity: Literal["warning", "error"] = "error"


class Logbook:
    """The session log at `db_path` and the profile file at `profile_path` (by default where
    `hrcoach.paths` puts them, so `HRCOACH_HOME` moves both)."""

    def __init__(self, *, db_path: Path | None = None, profile_path: Path | None = None) -> None:
        self.db_path = db_path or db.db_path()
        self.profile_path = profile_path or paths.profile_path()

    # The log

    def read_history(self, *, weeks: int = 12, today: date | None = None) -> HistoryRead:
        """Make the log consistent with the profile file (summaries computed against another
        HRmax are recomputed), then list it and work out the last `weeks` weeks to `today`."""
        try:
            conn = db.connect(self.db_path)
        except db.StoreError as exc:
            return HistoryRead(error=str(exc))
        notes = []
        try:
            try:
                setup = StoredSetup.in_force(load_profile(self.profile_path))
            except ProfileError as exc:
                setup = None
                notes.append(f"{exc}; summaries were not checked against it")
            if setup is not None and (n := recompute(conn, setup)):  # recomputes only the stale ones
                notes.append(
                    f"Recomputed {n} session summaries for HRmax {setup.hrmax} bpm ({setup.hrmax_source})"
                )
            damaged: list[DamagedSession] = []
            infos = list_sessions(conn, damaged=damaged)
            notes += [f"{d}; it is skipped" for d in damaged]
        except sqlite3.Error as exc:
            return HistoryRead(error=db.explain(exc, self.db_path))
        finally:
            conn.close()
        day = today or local_today()
        return HistoryRead(
            sessions=[SessionRow.of(s) for s in infos],
            own=weekly([s for s in infos if s.counts], today=day, weeks=weeks),
            everything=weekly(infos, today=day, weeks=weeks),
            notes=notes,
        )

    def open_session(self, session_id: int) -> StoredSession | Problem:
        """Session `session_id` with its cues and the trace of its accepted beats."""
        try:
            conn = db.connect(self.db_path)
        except db.StoreError as exc:
            return Problem(str(exc))
        try:
            info = get_session(conn, session_id)
            if info is None or info.summary is None:
                return Problem(f"Session {session_id} is no longer in the log; r refreshes", "warning")
            result = self._result(conn, info)
        except sqlite3.Error as exc:
            return Problem(db.explain(exc, self.db_path))
        except ValueError as exc:  # a damaged row (its setup or summary no longer parses)
            return Problem(f"{self.db_path}: session {session_id} cannot be read ({exc})".splitlines()[0])
        finally:
            conn.close()
        return StoredSession(result, WINDOWS.get(info.setup.target, BDNF))

    def delete_session(self, session_id: int) -> Problem | None:
        """Delete finished session `session_id` (samples, events and cues with it); None, or why
        it was not deleted."""
        try:
            conn = db.connect(self.db_path)
        except db.StoreError as exc:
            return Problem(str(exc))
        try:
            if not delete_session(conn, session_id):
                return Problem(
                    f"Session {session_id} is not a finished session in the log; r refreshes", "warning"
                )
        except sqlite3.Error as exc:
            return Problem(db.explain(exc, self.db_path))
        finally:
            conn.close()
        return None

    def _result(self, conn: sqlite3.Connection, info: SessionInfo) -> SessionResult:
        assert info.summary is not None
        try:
            arrays = load_arrays(conn, info.id, rr=False)
        except ValueError:  # its samples are damaged: the summary stands, with no trace
            arrays = SampleArrays.from_samples([])
        verdicts = classify(arrays, info.setup.params())
        t = arrays.ms / 1000.0
        trace = [(float(t[i]), float(arrays.bpm[i])) for i, v in enumerate(verdicts) if v is None]
        t0 = float(t[0]) if len(t) else 0.0
        marks = session_laps(conn, info.id)
        start = info.started_at.astimezone().strftime("%a %d %b %H:%M") if info.dated else "undated"
        return SessionResult(
            summary=info.summary,
            cues=[(c.t - t0, c.message) for c in session_cues(conn, info.id)],
            trace=trace,
            where=f"Session {info.id} in {self.db_path}",
            session_id=info.id,
            title=f"Session {info.id}, {start}",
            notes=list(info.notes),
            laps=lap_splits(arrays, info.setup.params(), marks, verdicts=verdicts) if marks else [],
        )

    # The profile

    def has_profile(self) -> bool:
        """Whether the profile has been saved before (a first save shows the coaching notice)."""
        return self.profile_path.exists()

    def save_profile(self, profile: Profile) -> str | None:
        """Write `profile` to the profile file (0600); None, or why it was not saved."""
        try:
            paths.write_private(self.profile_path, profile_toml(profile))
        except OSError as exc:
            return f"Not saved: {self.profile_path}: {exc.strerror or exc}"
        return None
