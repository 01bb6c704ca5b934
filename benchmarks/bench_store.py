"""Session-log speed. Run by hand: `uv run python benchmarks/bench_store.py [HOURS] [--rows]`.

Builds a log of HOURS (default 500) hours of 1-Hz samples in a temporary folder (sessions of the
3-hour soak fixture and the 35-minute steady run, alternately), then times: saving them (batch
import path), recomputing every summary for a new HRmax (what `hrcoach profile set hrmax N`
does), the weekly history, and the live writer's per-second commits. `--rows` also prints the
summary rows `run_all.py` collects."""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchlib import STREAMS, emit_rows

from hrcoach.config import Profile
from hrcoach.formats.files import load_recording
from hrcoach.session import Session, SessionSetup
from hrcoach.store import db
from hrcoach.store.history import weekly
from hrcoach.store.log import SessionLog
from hrcoach.store.maintain import recompute
from hrcoach.store.records import StoredSetup
from hrcoach.store.sessions import list_sessions, save_session


def main() -> None:
    parser = argparse.ArgumentParser(description="session-log speed")
    parser.add_argument("hours", nargs="?", type=float, default=500.0, help="hours of samples (default 500)")
    parser.add_argument("--rows", action="store_true", help="also print run_all.py's rows as JSON")
    args = parser.parse_args()
    hours = args.hours
    runs = [load_recording(STREAMS / f"{n}.hrcap.jsonl").samples for n in ("soak_3h", "steady_35min")]
    setup = SessionSetup.from_profile(Profile(age=33))
    stored = StoredSetup.of(setup.params, setup.hrmax_source)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.sqlite3"
        conn = db.connect(path)
        start = datetime(2020, 1, 6, 7, tzinfo=UTC)
        t0 = time.perf_counter()
        total_s, n_samples, k = 0.0, 0, 0
        while total_s < hours * 3600:
            samples = runs[k % 2]
            save_session(
                conn, origin="import", started_at=start + timedelta(days=k), samples=samples, setup=stored
            )
            total_s += samples[-1].t - samples[0].t
            n_samples += len(samples)
            k += 1
        save_time = time.perf_counter() - t0
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size_mb = path.stat().st_size / 1e6
        t0 = time.perf_counter()
        n = recompute(conn, StoredSetup(hrmax=178, hrmax_source="measured"))
        recompute_time = time.perf_counter() - t0
        t0 = time.perf_counter()
        weekly(list_sessions(conn), today=(start + timedelta(days=k)).date(), weeks=520)
        history_time = time.perf_counter() - t0
        conn.close()

        live_path = Path(tmp) / "live.sqlite3"
        session = Session(setup)
        log = SessionLog(origin="replay", started_at=start, setup=stored, path=live_path)
        events = load_recording(STREAMS / "soak_3h.hrcap.jsonl").events
        t0 = time.perf_counter()
        for ev in events:
            log.record(ev, session.ingest(ev))
        session.finish()
        log.finish(session.summary())
        live_time = time.perf_counter() - t0

    print("| what | figure |\n|---|---|")
    print(f"| log built | {k} sessions, {total_s / 3600:.0f} h, {n_samples:,} samples, {size_mb:.0f} MB |")
    print(f"| save (batch import path) | {save_time:.1f} s ({n_samples / save_time:,.0f} samples/s) |")
    print(
        f"| recompute all summaries for a new HRmax | {recompute_time:.1f} s for {n} sessions "
        f"({n_samples / recompute_time:,.0f} samples/s) |"
    )
    print(f"| weekly history over 520 weeks | {history_time * 1000:.0f} ms |")
    print(
        f"| live: 3-h session through session + log, commit per second | {live_time:.1f} s "
        f"({len(events) / live_time:,.0f} events/s) |"
    )
    if args.rows:
        h = f"{total_s / 3600:.0f} h"
        emit_rows(
            [
                (
                    f"session log, {h} ({k} sessions, {n_samples:,} samples, {size_mb:.0f} MB)",
                    f"save {save_time:.1f} s ({n_samples / save_time:,.0f} samples/s); "
                    f"recompute every summary for a new HRmax {recompute_time:.2f} s; "
                    f"weekly history (520 weeks) {history_time * 1000:.0f} ms",
                ),
                (
                    "live writer: 3-h session through session + log, commit per second",
                    f"{live_time:.1f} s ({len(events) / live_time:,.0f} events/s)",
                ),
            ]
        )


if __name__ == "__main__":
    main()
