"""`hrcoach demo`: the bundled 35-minute run coached as if live (plain terminal read-out)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from hrcoach.cli import common
from hrcoach.cli.readout import play_logged
from hrcoach.formats.files import load_recording
from hrcoach.sources.feeds import ReplayFeed
from hrcoach.store.log import SessionLog

DEMO_AGE = 33  # the bundled run was recorded against HRmax 185 (Tanaka, age 33)


def demo_path() -> Path:
    return Path(str(resources.files("hrcoach") / "data" / "demo_run.hrcap.jsonl"))


def run(args: argparse.Namespace) -> int:
    rec = load_recording(demo_path())
    prof = common.profile()
    setup = common.setup_from_args(args, prof, fallback_age=DEMO_AGE)
    feed = ReplayFeed(rec, speed=args.speed, origin="demo", started_at=datetime.now(UTC))
    if common.use_tui(args):
        from hrcoach.tui.app import session_app

        session_app(feed, setup, prof).run()
        return 0
    print(
        f"hrcoach demo: {rec.device.get('name', 'strap')} recording at {args.speed:g}x, "
        f"HRmax {setup.params.hrmax} bpm ({setup.hrmax_source}). Ctrl-C stops."
    )
    log = SessionLog.for_session(
        "demo", setup, feed.started_at, device=rec.device, source_path="demo", background=args.speed > 0
    )
    play_logged(feed, setup, log)
    return 0
