"""`hrcoach history`, `sessions`, `show ID`, `export ID`, `delete ID`, `date ID WHEN` and
`checkin ID`: reading the session log, and the few changes a runner makes to it."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from hrcoach.cli import UsageError, logstore, render
from hrcoach.engine.laps import LapSplit
from hrcoach.store.checkins import (
    CheckIn,
    all_checkins,
    checkin_line,
    clear_checkin,
    get_checkin,
    mood_trend,
    save_checkin,
)
from hrcoach.store.history import (
    WEEKLY_MIN,
    WEEKLY_SESSIONS,
    WEEKLY_SESSIONS_MAX,
    History,
    local_today,
    streak_line,
    weekly,
)
from hrcoach.store.sessions import DamagedSession, SessionInfo, get_session, list_sessions, session_cues


def _store() -> sqlite3.Connection:
    conn = logstore.open_store()
    logstore.make_consistent(conn)
    return conn


def _get(conn: sqlite3.Connection, text: str) -> SessionInfo:
    try:
        sid = int(text)
    except ValueError:
        raise UsageError(f"session id must be a number, got {text!r} (see `hrcoach sessions`)") from None
    try:
        info = get_session(conn, sid)
    except DamagedSession as exc:
        raise UsageError(str(exc)) from None
    if info is None or info.status == "open":
        raise UsageError(f"no session {sid} in the log (see `hrcoach sessions`)")
    return info


def _listed(conn: sqlite3.Connection, *, counted_only: bool = False) -> list[SessionInfo]:
    """The sessions the log can read; each damaged row said once on stderr, never a traceback."""
    damaged: list[DamagedSession] = []
    items = list_sessions(conn, counted_only=counted_only, damaged=damaged)
    for exc in damaged:
        print(f"hrcoach: {exc}; it is skipped", file=sys.stderr)
    return items


def history(args: argparse.Namespace) -> int:
    if args.weeks < 1:
        raise UsageError("--weeks must be 1 or more")
    conn = _store()
    items = _listed(conn, counted_only=not args.all)
    h = weekly(items, today=local_today(), weeks=args.weeks)
    trend = _trend(conn, items, h)
    if args.json:
        print(json.dumps(h.as_json() | {"mood_trend": trend}))
        return 0
    print(history_text(h))
    if trend:
        print(trend)
    return 0


def _trend(conn: sqlite3.Connection, items: list[SessionInfo], h: History) -> str | None:
    """Mood after sessions against minutes in the window, over the weeks shown."""
    first = h.weeks[0].monday if h.weeks else None
    checkins = all_checkins(conn)
    points = [
        (s.summary.bdnf_s / 60, mood)
        for s in items
        if s.summary is not None and s.dated and (first is None or s.started_at.astimezone().date() >= first)
        for mood in [checkins[s.id].mood_after if s.id in checkins else None]
        if mood is not None
    ]
    return mood_trend(points)


def history_text(h: History) -> str:
    lines = [
        f"Weekly goal: {WEEKLY_MIN} min in the 60-80 % window"
        f" over {WEEKLY_SESSIONS}-{WEEKLY_SESSIONS_MAX} sessions",
        f"{'week':<10} {'from':<10} {'sessions':>8} {'total':>7} {'60-80%':>7} {'70-80%':>7}"
        f" {'30+ min':>7}  dose",
    ]
    for w in h.weeks:
        bar = "#" * min(20, round(w.dose_pct / 5)) if w.sessions else ""
        mark = " met" if w.met else ""
        lines.append(
            f"{w.year}-W{w.week:02d}   {w.monday.isoformat():<10} {w.sessions:>8} {w.total_min:>7.0f}"
            f" {w.bdnf_min:>7.0f} {w.anandamide_min:>7.0f} {w.goal_sessions:>7}"
            f"  {bar:<20} {w.dose_pct:>3.0f} %{mark}"
        )
    lines.append(streak_line(h))
    return "\n".join(lines)


def sessions(args: argparse.Namespace) -> int:
    conn = _store()
    items = _listed(conn)
    if args.json:
        print(json.dumps([s.as_json() for s in items]))
        return 0
    if not items:
        print("No sessions yet: `hrcoach demo`, `hrcoach run` or `hrcoach import FILE` add some.")
        return 0
    print(
        f"{'id':>5}  {'start (local)':<16}  {'origin':<7} {'length':>8} {'60-80%':>8}  {'status':<9} device"
    )
    flagged = 0
    for s in items:
        start = s.started_at.astimezone().strftime("%Y-%m-%d %H:%M") if s.dated else "undated"
        bdnf = render.clock(s.summary.bdnf_s) if s.summary else "-"
        device = s.device.get("name") or s.device.get("product") or ""
        length = render.clock(s.duration_s)
        if s.summary and s.summary.span_note:
            length, flagged = length + "*", flagged + 1
        print(f"{s.id:>5}  {start:<16}  {s.origin:<7} {length:>8} {bdnf:>8}  {s.status:<9} {device}")
    if any(not s.dated for s in items):
        print("undated: out of the weekly dose until you give its start: `hrcoach date ID WHEN`")
    if flagged:
        print("* recorded over a far longer span (a clock jump or a long pause): `hrcoach show ID` says")
    return 0


def show(args: argparse.Namespace) -> int:
    conn = _store()
    info = _get(conn, args.id)
    cues = session_cues(conn, info.id)
    laps = _laps(conn, info)
    checkin = get_checkin(conn, info.id)
    if args.json:
        out = info.as_json()
        out["cues"] = [{"t": c.t, "kind": c.kind, "message": c.message} for c in cues]
        out["laps"] = [asdict(lap) for lap in laps]
        out["checkin"] = checkin.as_json() if checkin else None
        print(json.dumps(out))
        return 0
    start = info.started_at.astimezone().strftime("%Y-%m-%d %H:%M") if info.dated else "undated"
    device = info.device.get("name") or info.device.get("product")
    sport = info.sport.replace("_", " ")
    if info.sub_sport and info.sub_sport != "generic":
        sport += f" ({info.sub_sport.replace('_', ' ')})"
    parts = (start, info.origin, info.status, sport, device)
    title = f"Session {info.id}  ({', '.join(x for x in parts if x)})"
    if info.summary is None:
        print(title)
        return 0
    print(render.summary_text(info.summary, cues, title))
    if checkin and not checkin.empty:
        print(f"Check-in    {checkin_line(checkin)}")
    if laps:
        print("Laps")
        for lap in laps:
            print(f"  {render.lap_line(lap)}")
    if info.source_path:
        print(f"Source      {info.source_path}")
    for note in info.notes:
        print(f"Note        {note}")
    if not info.dated:
        print(f"Undated     not in the weekly dose until you give its start: `hrcoach date {info.id} WHEN`")
    return 0


def date(args: argparse.Namespace) -> int:
    from hrcoach.cli.common import parse_when
    from hrcoach.store.sessions import same_activity, set_date

    conn = _store()
    info = _get(conn, args.id)
    started = parse_when(args.when, "WHEN")
    end = started + ((info.ended_at or info.started_at) - info.started_at)
    same = None if args.anyway else same_activity(conn, started, end, exclude=info.id)
    if same is not None:
        raise UsageError(
            f"session {same.id} already covers that time (the same activity?): "
            "add --anyway to date it all the same"
        )
    was = "undated" if not info.dated else info.started_at.astimezone().strftime("%Y-%m-%d %H:%M")
    if not set_date(conn, info.id, started):
        raise UsageError(f"no session {info.id} in the log (see `hrcoach sessions`)")
    now = started.astimezone().strftime("%Y-%m-%d %H:%M")
    print(f"Session {info.id} now starts {now} (was {was}); it counts in that week's dose.")
    return 0


def checkin(args: argparse.Namespace) -> int:
    """Record or amend a session's check-in: each value given replaces that one alone."""
    conn = _store()
    info = _get(conn, args.id)
    try:
        given = CheckIn(
            args.mood_before, args.mood_after, args.effort_before, args.effort_after, args.note or ""
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.clear:
        if not given.empty:
            raise UsageError("--clear removes the check-in: give it alone")
        clear_checkin(conn, info.id)
    result = (
        save_checkin(conn, info.id, given) if not given.empty else get_checkin(conn, info.id) or CheckIn()
    )
    if args.json:
        print(json.dumps({"id": info.id, "checkin": result.as_json()}))
        return 0
    print(
        f"Session {info.id}: " + (checkin_line(result) or "no check-in yet (--mood-after N, --note TEXT...)")
    )
    return 0


def delete(args: argparse.Namespace) -> int:
    from hrcoach.store.sessions import delete_session

    conn = _store()
    info = _get(conn, args.id)
    start = info.started_at.astimezone().strftime("%Y-%m-%d %H:%M")
    what = f"session {info.id} ({start}, {info.origin}, {render.clock(info.duration_s)})"
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(f"not deleting {what} without asking: add --yes")
        answer = input(f"Delete {what} with its samples and cues? This cannot be undone [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing deleted.")
            return 1
    if not delete_session(conn, info.id):
        raise UsageError(f"no session {info.id} in the log (see `hrcoach sessions`)")
    print(f"Deleted {what}.")
    return 0


def _laps(conn: sqlite3.Connection, info: SessionInfo) -> list[LapSplit]:
    from hrcoach.engine.laps import lap_splits
    from hrcoach.store.records import load_arrays
    from hrcoach.store.sessions import session_laps

    marks = session_laps(conn, info.id)
    try:
        return lap_splits(load_arrays(conn, info.id, rr=False), info.setup.params(), marks) if marks else []
    except ValueError:  # its samples are damaged (`hrcoach check` says so): no splits
        return []


def export(args: argparse.Namespace) -> int:
    from hrcoach.engine.batch import SampleArrays, classify
    from hrcoach.formats.export_common import timed_points
    from hrcoach.formats.exports import EXPORTERS, LOSSLESS, SUFFIXES, ExportSession, write_fit
    from hrcoach.store.records import load_samples
    from hrcoach.store.sessions import session_laps, session_positions

    conn = _store()
    info = _get(conn, args.id)
    to_stdout = args.output == "-"
    out = (
        Path(args.output)
        if args.output and not to_stdout
        else Path(f"hrcoach-session-{info.id}{SUFFIXES[args.format]}")
    )
    if out.is_dir() and not out.is_symlink():
        out = out / f"hrcoach-session-{info.id}{SUFFIXES[args.format]}"
    if not to_stdout and (out.exists() or out.is_symlink()):
        if out.is_symlink() or not out.is_file():
            raise UsageError(
                f"{out}: not a regular file; hrcoach never replaces one (`-o -` writes to standard output)"
            )
        if not args.force:
            raise UsageError(f"{out}: exists; add --force to replace it")
    if not info.dated and args.format != "csv":  # its start is a placeholder: no time to write
        raise UsageError(
            f"session {info.id} has no start date: give it one first (`hrcoach date {info.id} WHEN`),"
            " or export CSV, which keeps it undated"
        )
    samples = load_samples(conn, info.id)
    params = info.setup.params()
    if args.format not in LOSSLESS:  # for other platforms: only what the session counted
        verdicts = classify(SampleArrays.from_samples(samples), params)
        samples = [s for s, v in zip(samples, verdicts, strict=True) if v is None]
    session = ExportSession(
        started_at=info.started_at,
        samples=samples,
        device=info.device,
        name=f"hrcoach session {info.id}",
        max_gap_s=params.max_gap_s,
        sport=info.sport or "running",
        sub_sport=info.sub_sport,
        laps=session_laps(conn, info.id),
        positions=session_positions(conn, info.id),
        dated=info.dated,
    )
    target: BinaryIO | Path = sys.stdout.buffer if to_stdout else out
    try:
        if args.format == "fit" and info.utc_offset_s is not None:  # the session's local time
            write_fit(session, target, utc_offset=timedelta(seconds=info.utc_offset_s))
        else:
            EXPORTERS[args.format](session, target)
    except OSError as exc:
        raise UsageError(f"{out}: cannot write ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise UsageError(f"session {info.id}: {exc}") from None
    if to_stdout:
        sys.stdout.buffer.flush()
        print(f"Exported session {info.id} as {args.format.upper()} to standard output", file=sys.stderr)
    else:
        print(f"Exported session {info.id} as {args.format.upper()} to {out}")
    if args.format == "gpx":  # a GPX point needs a position: say what that left out
        left = sum(1 for point in timed_points(session) if point[3] is None)
        if left:
            print(
                f"{left} heart-rate samples without a position are not in the GPX (FIT and TCX keep them)",
                file=sys.stderr,
            )
    return 0
