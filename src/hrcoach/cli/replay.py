"""`hrcoach replay FILE`: a recording played in real time x speed as a live session, and logged."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from hrcoach.cli import common, logstore
from hrcoach.cli.demo import play_logged
from hrcoach.sources.files import load_recording


def run(args: argparse.Namespace) -> int:
    rec = load_recording(Path(args.file))
    setup = common.setup_from_args(args, common.profile())
    started = rec.started_at or datetime.now(UTC)
    log = logstore.session_log(
        "replay", setup, started, device=rec.device, source=str(Path(args.file).resolve())
    )
    print(
        f"hrcoach replay: {Path(rec.path).name} ({rec.format}) at {args.speed:g}x, "
        f"HRmax {setup.params.hrmax} bpm ({setup.hrmax_source}). Ctrl-C stops."
    )
    for note in rec.notes:
        print(f"Note: {note}")
    play_logged(rec, setup, args.speed, log)
    return 0
