"""`hrcoach replay FILE`: a recording played in real time x speed as a live session, and logged."""

from __future__ import annotations

import argparse
from pathlib import Path

from hrcoach.cli import common
from hrcoach.cli.readout import play_logged
from hrcoach.formats.files import load_recording
from hrcoach.sources.feeds import ReplayFeed
from hrcoach.store.log import SessionLog


def run(args: argparse.Namespace) -> int:
    rec = load_recording(Path(args.file))
    prof = common.profile()
    setup = common.setup_from_args(args, prof)
    feed = ReplayFeed(rec, speed=args.speed)
    if common.use_tui(args):
        from hrcoach.tui.app import session_app

        session_app(feed, setup, prof).run()
        return 0
    log = SessionLog.for_session(
        "replay",
        setup,
        feed.started_at,
        device=rec.device,
        source_path=str(Path(args.file).resolve()),
        background=args.speed > 0,  # flat out, no one waits on the screen: write in step order
    )
    print(
        f"hrcoach replay: {Path(rec.path).name} ({rec.format}) at {args.speed:g}x, "
        f"HRmax {setup.params.hrmax} bpm ({setup.hrmax_source}). Ctrl-C stops."
    )
    for note in rec.notes:
        print(f"Note: {note}")
    play_logged(feed, setup, log)
    return 0
