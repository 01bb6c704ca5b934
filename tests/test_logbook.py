"""The logbook the TUI is given: every answer a value, every failure a value too (a damaged log,
a missing or damaged session, an unwritable profile), on a `tmp_path` log and profile."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from hrcoach.config import Profile, load_profile
from hrcoach.formats.files import load_recording
from hrcoach.logbook import HistoryRead, Logbook, Problem, StoredSession
from hrcoach.session import SessionSetup
from hrcoach.store import db
from hrcoach.store.records import StoredSetup
from hrcoach.store.sessions import save_session
from tests.conftest import stream

SETUP = SessionSetup.from_profile(Profile(age=33))


def logbook(tmp_path: Path) -> Logbook:
    return Logbook(db_path=tmp_path / "log.sqlite3", profile_path=tmp_path / "profile.toml")


def seed(book: Logbook, origin: str = "live") -> int:
    rec = load_recording(stream("walk_5min"))
    conn = db.connect(book.db_path)
    sid = save_session(
        conn,
        origin=origin,
        started_at=datetime(2026, 11, 17, 7, tzinfo=UTC),
        samples=rec.samples,
        setup=StoredSetup.of_session(SETUP),
        device={"product": "H6M"},
    )
    conn.close()
    return sid


def test_a_read_lists_rows_and_the_weeks_with_and_without_demos(tmp_path: Path) -> None:
    book = logbook(tmp_path)
    own, demo = seed(book), seed(book, "demo")
    read = book.read_history(weeks=2, today=date(2026, 11, 19))
    assert read.error is None and read.notes == []
    assert [r.id for r in read.sessions] == [own, demo] and [r.practice for r in read.sessions] == [
        False,
        True,
    ]
    assert read.sessions[0].device == "H6M" and read.sessions[0].bdnf_s is not None
    assert read.weeks(practice=False).weeks[-1].sessions == 1
    assert read.weeks(practice=True).weeks[-1].sessions == 2 and len(read.own.weeks) == 2


def test_a_damaged_log_is_an_error_value(tmp_path: Path) -> None:
    book = logbook(tmp_path)
    book.db_path.write_bytes(b"not sqlite at all" * 100)
    read = book.read_history()
    assert isinstance(read, HistoryRead) and read.sessions == []
    assert read.error is not None and str(book.db_path) in read.error
    opened = book.open_session(1)
    assert isinstance(opened, Problem) and opened.severity == "error"


def test_a_profile_that_cannot_be_read_is_a_note_and_the_log_still_read(tmp_path: Path) -> None:
    book = logbook(tmp_path)
    seed(book)
    book.profile_path.write_text("age = [\n")
    read = book.read_history()
    assert len(read.sessions) == 1 and "not valid TOML" in read.notes[0]


def test_a_session_opens_with_its_window_or_says_why_not(tmp_path: Path) -> None:
    book = logbook(tmp_path)
    sid = seed(book)
    opened = book.open_session(sid)
    assert isinstance(opened, StoredSession) and opened.window.name == "bdnf"
    assert opened.result.session_id == sid and opened.result.where == f"Session {sid} in {book.db_path}"
    assert len(opened.result.trace) == opened.result.summary.samples_accepted
    gone = book.open_session(sid + 1)
    assert gone == Problem(f"Session {sid + 1} is no longer in the log; r refreshes", "warning")
    conn = db.connect(book.db_path)
    conn.execute('UPDATE sessions SET setup = \'{"hrmax": "many"}\' WHERE id = ?', (sid,))
    conn.close()
    damaged = book.open_session(sid)
    assert isinstance(damaged, Problem) and damaged.severity == "error"
    assert damaged.message.startswith(f"{book.db_path}: session {sid} cannot be read (")
    assert "\n" not in damaged.message


def test_the_profile_is_saved_private_or_says_why_not(tmp_path: Path) -> None:
    book = logbook(tmp_path)
    assert not book.has_profile()
    assert book.save_profile(Profile(age=40)) is None
    assert book.has_profile() and load_profile(book.profile_path) == Profile(age=40)
    assert book.profile_path.stat().st_mode & 0o777 == 0o600
    (tmp_path / "file").write_text("")
    blocked = Logbook(db_path=book.db_path, profile_path=tmp_path / "file" / "profile.toml")
    error = blocked.save_profile(Profile(age=40))
    assert error is not None and error.startswith(f"Not saved: {blocked.profile_path}: ")


def test_by_default_both_files_are_where_paths_puts_them(_isolated_home: Path) -> None:
    book = Logbook()
    assert book.db_path == _isolated_home / "data" / db.DB_NAME
    assert book.profile_path == _isolated_home / "config" / "profile.toml"
