"""The session log: schema, live writing with per-second commits, recovery, imports, recompute."""

from __future__ import annotations

import sqlite3
import stat
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from hrcoach.config import Profile
from hrcoach.engine.batch import SampleArrays, classify, summarize
from hrcoach.formats.files import load_recording
from hrcoach.models import HeartRateSample
from hrcoach.session import Session, SessionSetup
from hrcoach.store import db, history
from hrcoach.store.history import streak_line, weekly
from hrcoach.store.log import SessionLog
from hrcoach.store.maintain import recompute, recover_unfinished, stale_sessions
from hrcoach.store.records import StoredSetup, load_arrays, load_samples, sample_row
from hrcoach.store.sessions import find_import, get_session, list_sessions, save_session, session_cues
from tests.conftest import stream

START = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)  # a Monday


def setup_for(age: int = 33) -> tuple[SessionSetup, StoredSetup]:
    s = SessionSetup.from_profile(Profile(age=age))
    return s, StoredSetup.of(s.params, s.hrmax_source)


def live(conn_path: Path, name: str, *, stop_after: int | None = None) -> tuple[SessionLog, Session]:
    """Feed a fixture through Session + SessionLog as the live worker does."""
    s_setup, stored = setup_for()
    session = Session(s_setup)
    log = SessionLog(origin="replay", started_at=START, setup=stored, path=conn_path)
    for i, ev in enumerate(load_recording(stream(name)).events):
        if stop_after is not None and i >= stop_after:
            return log, session
        log.record(ev, session.ingest(ev))
    tick = session.finish()
    log.record(None, tick)
    log.finish(session.summary())
    return log, session


def test_schema_is_versioned_private_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "data" / "log.sqlite3"
    conn = db.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    conn.execute(
        "INSERT INTO sessions (started_at, origin, status, setup) VALUES ('x', 'live', 'open', '{}')"
    )
    for extra in ("-wal", "-shm"):
        assert stat.S_IMODE(path.with_name(path.name + extra).stat().st_mode) == 0o600
    conn.close()
    assert db.connect(path).execute("SELECT count(*) FROM sessions").fetchone()[0] == 1  # reopened as is


def test_a_database_from_a_newer_hrcoach_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    db.connect(path).execute("PRAGMA user_version = 99")
    with pytest.raises(db.StoreError, match="newer hrcoach"):
        db.connect(path)


def test_a_damaged_file_is_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(db.StoreError, match="damaged") as err:
        db.connect(path)
    assert "\n" not in str(err.value)


def test_live_session_is_logged_with_every_sample_verdict_event_and_cue(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    log, session = live(path, "dropout_reconnect")
    conn = db.connect(path)
    info = get_session(conn, log.session_id or -1)
    assert info is not None and info.status == "complete" and info.origin == "replay"
    assert info.summary == session.summary()
    rec = load_recording(stream("dropout_reconnect"))
    assert load_samples(conn, info.id) == rec.samples  # raw samples, byte-faithful
    verdicts = Counter(
        classify(SampleArrays.from_samples(load_samples(conn, info.id)), setup_for()[0].params)
    )
    assert sum(verdicts.values()) == len(rec.samples)  # the verdicts, decided again from what was saved
    assert {k.value: v for k, v in verdicts.items() if k} == session.summary().rejected
    links = conn.execute("SELECT value FROM events WHERE kind = 'link' ORDER BY t").fetchall()
    assert [v for (v,) in links] == ["disconnected", "reconnecting", "connected"] * 2
    assert [c.message for c in session_cues(conn, info.id)] == [c.message for c in session.cues]


def test_commits_happen_every_second_of_session_time(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    log, _ = live(path, "steady_35min", stop_after=600)  # no finish: as if killed here
    other = sqlite3.connect(path)  # another process's view: only what was committed
    saved = other.execute("SELECT count(*), max(t) FROM samples").fetchone()
    assert log.samples - saved[0] <= 2 and log.pending <= 3
    assert other.execute("SELECT status FROM sessions").fetchone()[0] == "open"


def test_recovery_finishes_a_session_left_open_by_a_dead_writer(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    log, _ = live(path, "steady_35min", stop_after=900)
    conn = db.connect(path)
    assert recover_unfinished(conn) == []  # its writer holds its lock: left alone
    log.close()  # now it is gone (as its lock goes when a process dies)
    assert recover_unfinished(conn) == [log.session_id]
    info = get_session(conn, log.session_id or -1)
    assert info is not None and info.status == "recovered" and info.summary is not None
    saved = load_samples(conn, info.id)
    expected = summarize(
        SampleArrays.from_samples(saved), setup_for()[1].params(), setup_for()[1].hrmax_source
    )
    assert info.summary == expected and info.summary.samples_total >= 895
    assert recover_unfinished(conn) == []


def test_storage_failure_keeps_rows_queued_and_writes_them_when_it_can(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    fail = {"on": True}

    def connect() -> sqlite3.Connection:
        if fail["on"]:
            raise db.StoreError(f"{path}: the disk is full; free some space so sessions can be saved")
        return db.connect(path)

    s_setup, stored = setup_for()
    session = Session(s_setup)
    log = SessionLog(origin="live", started_at=START, setup=stored, path=path, connect=connect)
    events = load_recording(stream("walk_5min")).events
    for ev in events[:150]:
        log.record(ev, session.ingest(ev))
    assert log.error is not None and "disk is full" in log.error and log.pending >= 148
    fail["on"] = False
    for ev in events[150:]:
        log.record(ev, session.ingest(ev))
    session.finish()
    assert log.finish(session.summary()) and log.error is None
    conn = db.connect(path)
    assert (
        len(load_samples(conn, log.session_id or -1)) == len(events) - 1
    )  # every sample (one battery event)


def test_save_session_detects_reimport_and_recompute_follows_hrmax(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "log.sqlite3")
    _, stored = setup_for()
    samples = load_recording(stream("tempo_45min")).samples
    sid = save_session(
        conn,
        origin="import",
        started_at=START,
        samples=samples,
        setup=stored,
        source_sha256="abc",
        source_part=0,
    )
    assert find_import(conn, "abc", 0) == sid and find_import(conn, "abc", 1) is None
    with pytest.raises(sqlite3.IntegrityError):
        save_session(
            conn,
            origin="import",
            started_at=START,
            samples=samples,
            setup=stored,
            source_sha256="abc",
            source_part=0,
        )
    before = get_session(conn, sid)
    assert before is not None and before.summary is not None
    new = StoredSetup(hrmax=170, hrmax_source="measured")
    assert stale_sessions(conn, new) == [sid]
    assert recompute(conn, new) == 1 and stale_sessions(conn, new) == []
    after = get_session(conn, sid)
    assert after is not None and after.summary is not None and after.summary.hrmax == 170
    assert after.summary == summarize(SampleArrays.from_samples(samples), new.params(), "measured")
    assert after.summary.bdnf_s != before.summary.bdnf_s


def test_weekly_history_dose_goal_and_streak(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "log.sqlite3")
    _, stored = setup_for()
    steady = load_recording(stream("steady_35min")).samples  # 32:11 in the BDNF window
    walk = load_recording(stream("walk_5min")).samples
    # two full weeks (5 steady runs each: 160 min), then the current week with 1 run and a walk
    days = [0, 1, 2, 4, 5]
    for week in (2, 1):
        for d in days:
            when = START - timedelta(weeks=week) + timedelta(days=d)
            save_session(conn, origin="live", started_at=when, samples=steady, setup=stored)
    save_session(conn, origin="live", started_at=START, samples=steady, setup=stored)
    save_session(conn, origin="demo", started_at=START + timedelta(hours=5), samples=walk, setup=stored)
    h = weekly(list_sessions(conn, counted_only=True), today=date(2026, 11, 18), weeks=4, tz=UTC)
    assert [w.sessions for w in h.weeks] == [0, 5, 5, 1]
    assert [w.met for w in h.weeks] == [False, True, True, False]
    assert h.weeks[1].goal_sessions == 5 and h.weeks[1].bdnf_min == round(5 * 1931 / 60, 1)
    assert h.streak == 3  # weeks with a session, this one included: the streak is not the goal
    assert h.weeks[-1].monday == date(2026, 11, 16) and h.weeks[-1].as_json()["iso_week"] == "2026-W47"
    with_demo = weekly(list_sessions(conn), today=date(2026, 11, 18), weeks=1, tz=UTC)
    assert with_demo.weeks[0].sessions == 2
    later = weekly(list_sessions(conn), today=date(2026, 12, 2), weeks=1, tz=UTC)
    assert (later.streak, later.missed_last) == (3, True)  # one week missed: never miss twice
    assert streak_line(later) == (
        "Streak: 3 weeks with a session (never miss twice); last week had none: a session this week keeps it"
    )
    gone = weekly(list_sessions(conn), today=date(2026, 12, 9), weeks=1, tz=UTC)
    assert (gone.streak, gone.missed_last) == (0, False)  # two missed in a row
    assert (
        streak_line(gone)
        == "Streak: it starts with a session this week (weeks with a session; never miss twice)"
    )


@pytest.mark.parametrize(
    ("pattern", "streak", "missed_last"),
    [
        ("xxxx", 4, False),  # oldest first; the last is this week
        ("xxx.", 3, False),  # this week under way
        ("xx..", 2, True),  # last week missed: alive
        ("x...", 0, False),
        ("x.x.x", 3, False),  # single misses pass over
        ("xx..x", 1, False),  # two in a row ended the earlier run
        ("....", 0, False),
    ],
)
def test_the_streak_counts_weeks_with_a_session_and_never_two_missed(
    pattern: str, streak: int, missed_last: bool
) -> None:
    monday = date(2026, 11, 16)
    active = {monday - timedelta(weeks=len(pattern) - 1 - i) for i, c in enumerate(pattern) if c == "x"}
    assert history._streak(active, monday) == (streak, missed_last)


def test_a_log_of_schema_1_loses_its_unread_verdict_column_and_keeps_every_sample(tmp_path: Path) -> None:
    """Schema 1 stored a verdict per sample that nothing read; migrating drops the column, and
    the samples, events and summaries stay as they were."""
    path = tmp_path / "log.sqlite3"
    old = sqlite3.connect(path, isolation_level=None)
    for statement in db.MIGRATIONS[0].split(";"):
        if statement.strip():
            old.execute(statement)
    old.execute("PRAGMA user_version = 1")
    old.execute(
        "INSERT INTO sessions (id, started_at, origin, status, setup) VALUES (1, '2026-11-16T07:00:00Z',"
        " 'live', 'open', ?)",
        (setup_for()[1].model_dump_json(),),
    )
    rows = [(1, i, float(i), 140 + i % 5, None, 1, None, "spike" if i == 3 else None) for i in range(50)]
    old.executemany("INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    old.close()
    conn = db.connect(path)
    columns = [r[1] for r in conn.execute("PRAGMA table_info(samples)")]
    assert "reason" not in columns and conn.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION
    assert [(s.t, s.bpm) for s in load_samples(conn, 1)] == [(float(i), 140 + i % 5) for i in range(50)]


def log_of_schema(path: Path, version: int) -> sqlite3.Connection:
    """A log as hrcoach left it at schema `version`, holding one finished imported session
    (id 1) without samples: the connection, for the test to add rows and close."""
    old = sqlite3.connect(path, isolation_level=None)
    for migration in db.MIGRATIONS[:version]:
        for statement in migration.split(";"):
            if statement.strip():
                old.execute(statement)
    old.execute(f"PRAGMA user_version = {version}")
    old.execute(
        "INSERT INTO sessions (id, started_at, origin, status, setup) VALUES (1, '2026-11-16T07:00:00Z',"
        " 'import', 'complete', ?)",
        (setup_for()[1].model_dump_json(),),
    )
    return old


def test_a_log_of_schema_2_gains_an_empty_sport_and_reads_as_before(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    old = log_of_schema(path, 2)
    old.close()
    conn = db.connect(path)
    info = get_session(conn, 1)
    assert info is not None and (info.sport, info.sub_sport) == ("", "")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION
    assert info.utc_offset_s is None  # not known for a session logged before it was kept


def test_a_log_of_schema_6_keeps_its_sample_rows_and_new_sessions_are_blocks(tmp_path: Path) -> None:
    """Schema 7 stores a finished session's samples as one row of columns (`store/blocks`); the
    sessions logged before keep their rows, which read exactly as before."""
    path = tmp_path / "log.sqlite3"
    old = log_of_schema(path, 6)
    samples = [HeartRateSample(float(i), 120 + i % 9, (500.0 + i,) if i % 2 else ()) for i in range(300)]
    old.executemany(
        "INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?, ?)",
        [sample_row(1, i, s) for i, s in enumerate(samples)],
    )
    old.close()
    conn = db.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION
    assert load_samples(conn, 1) == samples
    sid = save_session(
        conn,
        origin="import",
        started_at=datetime(2026, 11, 17, 7, tzinfo=UTC),
        samples=samples,
        setup=setup_for()[1],
    )
    assert conn.execute("SELECT count(*) FROM samples WHERE session_id = ?", (sid,)).fetchone() == (0,)
    assert load_samples(conn, sid) == samples  # the same samples, from one row
    assert list(load_arrays(conn, sid).rr) == list(load_arrays(conn, 1).rr)
