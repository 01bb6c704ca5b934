"""`hrcoach import FILE...`: recordings from other tools into the session log.

Each activity in a file becomes one session, saved in one transaction (never half). A file is
recognised by the SHA-256 of its bytes, so importing it again says where it already is; an
activity whose time a session in the log already covers (the same run from another file or
device) is skipped with a line saying which, unless `--anyway`. A file that cannot be read is one
line and the others still import; the exit code is then 2. Several files are decoded by a pool
of processes, one per core, and saved by this one, the log's only writer (`_decoded`).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import multiprocessing
import os
import sqlite3
import sys
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hrcoach.cli import UsageError, common, logstore, render
from hrcoach.formats.files import load_recordings
from hrcoach.formats.recording import Recording, RecordingError
from hrcoach.store import db
from hrcoach.store.records import StoredSetup
from hrcoach.store.sessions import UNDATED_NOTE, find_import, imports_of, same_activity, save_session


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Progress:
    """A bar on stderr, redrawn in place; only on a terminal and only for several files."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.on = total > 1 and sys.stderr.isatty()

    def show(self, done: int, name: str) -> None:
        if not self.on:
            return
        width = 24
        filled = width * done // self.total
        bar = "#" * filled + "-" * (width - filled)
        sys.stderr.write(f"\r\x1b[K[{bar}] {done}/{self.total} {name[:40]}")
        sys.stderr.flush()

    def clear(self) -> None:
        if self.on:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _known(conn: sqlite3.Connection, path: Path, anyway: bool) -> tuple[str, list[dict[str, Any]] | None]:
    """The file's SHA-256 ("" when it cannot be read: decoding says why), and the report of its
    import when it was imported before (every activity in one transaction): no need to decode."""
    try:
        sha = _sha256(path)
    except OSError:
        return "", None  # no such file, a folder, unreadable: load_recordings says which, in one line
    if not anyway and (known := imports_of(conn, sha)):
        return sha, [
            {"file": str(path), "part": p, "status": "already imported", "session": i} for p, i in known
        ]
    return sha, None


def _save_file(
    conn: sqlite3.Connection,
    path: Path,
    sha: str,
    recordings: list[Recording],
    setup: StoredSetup,
    *,
    anyway: bool,
    start: Callable[[Path], datetime | None],
) -> list[dict[str, Any]]:
    if not sha:
        try:
            sha = _sha256(path)
        except OSError as exc:
            raise RecordingError(f"{path}: cannot read ({exc.strerror or exc})") from None
    # asked before the transaction (a question waiting on the runner must not hold the log
    # locked against a live session), once per file: its activities follow one another
    undated = any(
        r.started_at is None and find_import(conn, sha, p) is None for p, r in enumerate(recordings)
    )
    given = start(path) if undated else None
    try:
        with db.transaction(conn):
            return _save_all(conn, path, recordings, sha, setup, anyway=anyway, given=given)
    except sqlite3.IntegrityError:  # another import of the same file got there first
        with db.transaction(conn):
            return _save_all(conn, path, recordings, sha, setup, anyway=anyway, given=given)


def _save_all(
    conn: sqlite3.Connection,
    path: Path,
    recordings: list[Recording],
    sha: str,
    setup: StoredSetup,
    *,
    anyway: bool,
    given: datetime | None,
) -> list[dict[str, Any]]:
    """Save each activity not imported before; `given`: the start of the first undated one."""
    results: list[dict[str, Any]] = []
    for part, rec in enumerate(recordings):
        existing = find_import(conn, sha, part)
        if existing is not None:
            results.append(
                {"file": str(path), "part": part, "status": "already imported", "session": existing}
            )
            continue
        notes = list(rec.notes)
        started, dated, offset = rec.started_at, True, rec.utc_offset_s
        samples = rec.samples
        span = timedelta(seconds=max(s.t for s in samples) - samples[0].t) if samples else timedelta(0)
        if started is None:
            if given is not None:
                started, stated = given, given.utcoffset()
                offset = offset if offset is not None or stated is None else int(stated.total_seconds())
                given += span + timedelta(seconds=1)  # the next activity of the file after this one
                notes.append("the file has no start date: the start time given at import is used")
            else:  # placed at the file's time for ordering, but in no week until it is dated
                started, dated = datetime.fromtimestamp(path.stat().st_mtime, UTC), False
                notes.append(f"{UNDATED_NOTE} (`hrcoach date ID WHEN`)")
        same = None if anyway or not dated else same_activity(conn, started, started + span)
        if same is not None:
            results.append({"file": str(path), "part": part, "status": "same activity", "session": same.id})
            continue
        sid = save_session(
            conn,
            origin="import",
            started_at=started,
            samples=samples,
            setup=setup,
            device=rec.device,
            notes=notes,
            source_path=str(path.resolve()),
            source_sha256=sha,
            source_part=part,
            sport=rec.sport,
            sub_sport=rec.sub_sport,
            laps=rec.laps,  # all three in the samples' time already
            pauses=rec.pauses,
            utc_offset_s=offset,
            dated=dated,
            positions=rec.positions,
        )
        results.append(
            {"file": str(path), "part": part, "status": "imported", "session": sid, "notes": notes}
        )
    return results


def run(args: argparse.Namespace) -> int:
    stored = logstore.profile_setup()
    if args.hrmax is not None or args.age is not None:
        s = common.setup_from_args(args, common.profile())
        stored = StoredSetup.of_session(s)
    if stored is None:
        raise UsageError(
            "no HRmax to compute summaries with: set your age (`hrcoach profile set age 42`) or HRmax"
        )
    conn = logstore.open_store()
    files = [Path(f) for f in args.files]
    progress = Progress(len(files))
    failed = 0
    report: list[dict[str, Any]] = []
    start = _start_of(args, progress)
    for i, (path, sha, known, recordings, error) in enumerate(_decoded(conn, files, args.anyway)):
        progress.show(i, path.name)
        try:
            if error is not None:
                raise error
            results = (
                known
                if known is not None
                else _save_file(conn, path, sha, recordings, stored, anyway=args.anyway, start=start)
            )
        except (RecordingError, sqlite3.Error) as exc:
            progress.clear()
            said = str(exc) if isinstance(exc, RecordingError) else f"{path}: not imported: {_log_error(exc)}"
            print(f"hrcoach: {said}", file=sys.stderr)
            report.append({"file": str(path), "status": "failed", "error": said})
            failed += 1
            continue
        progress.clear()
        report += results
        if not args.json:
            for r in results:
                _print_result(conn, r)
    progress.clear()
    if args.json:
        print(json.dumps(report))
    elif len(files) > 1:
        imported = sum(1 for r in report if r["status"] == "imported")
        print(
            f"{imported} sessions imported from {len(files) - failed} of {len(files)} files; {failed} failed"
        )
    return 2 if failed else 0


POOL_FROM = 4  # files to decode from which a pool of processes decodes them, one per core
Decoded = tuple[Path, str, list[dict[str, Any]] | None, list[Recording], RecordingError | None]
_Ahead = tuple[Path, str, list[dict[str, Any]] | None, "Future[list[Recording] | RecordingError] | None"]


def _decoded(conn: sqlite3.Connection, files: list[Path], anyway: bool) -> Iterator[Decoded]:
    """Each file, in order, with (its SHA-256, the report when it was imported before, its
    activities, or why it cannot be read). Hashing and the check against the log happen here,
    the one process that writes the log; decoding, most of an import's time, happens in a pool
    of processes, one per core, when there are several files to decode. At most a few files per
    worker are decoded ahead of the one being saved, so memory stays bounded."""
    checked = [(path, *_known(conn, path, anyway)) for path in files]
    todo = sum(1 for _, _, known in checked if known is None)
    workers = min(os.cpu_count() or 1, todo)
    if workers < 2 or todo < POOL_FROM:
        for path, sha, known in checked:
            yield path, sha, known, *(_outcome(_decode(path)) if known is None else ([], None))
        return
    fork = multiprocessing.get_context("fork") if sys.platform == "linux" else None  # no re-import
    with ProcessPoolExecutor(
        workers, mp_context=fork, initializer=_worker_start, initargs=(os.getpid(),)
    ) as pool:
        ahead: deque[_Ahead] = deque()
        for path, sha, known in checked:
            ahead.append((path, sha, known, pool.submit(_decode, path) if known is None else None))
            while len(ahead) > 3 * workers:
                yield _ready(ahead.popleft())
        while ahead:
            yield _ready(ahead.popleft())


def _worker_start(parent: int) -> None:
    """A decoding worker dies with the import that started it (killed, it must leave no process
    behind decoding for no one), and holds none of its terminal or pipes open."""
    if sys.platform == "linux":
        import ctypes
        import signal

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it died before that took hold
        os._exit(0)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def _decode(path: Path) -> list[Recording] | RecordingError:
    """A file's activities, or why it cannot be read (returned: it crosses a process boundary)."""
    try:
        return load_recordings(path)
    except RecordingError as exc:
        return exc


def _outcome(decoded: list[Recording] | RecordingError) -> tuple[list[Recording], RecordingError | None]:
    return ([], decoded) if isinstance(decoded, RecordingError) else (decoded, None)


def _ready(item: _Ahead) -> Decoded:
    path, sha, known, future = item
    return path, sha, known, *(_outcome(future.result()) if future is not None else ([], None))


def _start_of(args: argparse.Namespace, progress: Progress) -> Callable[[Path], datetime | None]:
    """Where a file without a start date gets one: `--start`, else asked at a terminal (empty
    leaves it undated), else none."""
    if args.start is not None:  # one start: for the first file without one; the others stay undated
        given = [common.parse_when(args.start, "--start")]
        return lambda _: given.pop() if given else None
    if args.json or not (sys.stdin.isatty() and sys.stdout.isatty()):
        return lambda _: None

    def ask(path: Path) -> datetime | None:
        progress.clear()
        while True:
            try:
                text = input(
                    f"{path.name} has no start date. When did it start (e.g. 2026-11-30 07:15;"
                    " empty: leave it undated)? "
                )
            except EOFError:
                return None
            if not text.strip():
                return None
            try:
                return common.parse_when(text, path.name)
            except UsageError as exc:
                print(exc, file=sys.stderr)

    return ask


def _log_error(exc: sqlite3.Error) -> str:
    """The log's refusal in one line (the disk full, the log busy...); nothing of the file is in it."""
    return db.explain(exc, db.db_path()) + "; nothing of this file was imported"


def _print_result(conn: sqlite3.Connection, r: dict[str, Any]) -> None:
    from hrcoach.store.sessions import get_session

    name = Path(r["file"]).name + (f" #{r['part'] + 1}" if r["part"] else "")
    if r["status"] == "already imported":
        print(f"{name}: already imported as session {r['session']}")
        return
    if r["status"] == "same activity":
        other = get_session(conn, r["session"])
        where = ""
        if other is not None:
            start = other.started_at.astimezone().strftime("%Y-%m-%d %H:%M")
            source = f" from {Path(other.source_path).name}" if other.source_path else ""
            where = f" ({start}, {other.origin}{source})"
        print(
            f"{name}: the same activity as session {r['session']}{where}, skipped so it counts once;"
            " `--anyway` imports it"
        )
        return
    info = get_session(conn, r["session"])
    s = info.summary if info else None
    what = (
        f"{render.clock(s.duration_s)}, BDNF window {render.clock(s.bdnf_s)}, {s.samples_total} samples"
        if s
        else ""
    )
    print(f"{name}: imported as session {r['session']} ({what})")
    for note in r.get("notes", []):
        print(f"  note: {note}")
