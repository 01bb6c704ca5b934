"""`hrcoach analyze FILE`: a recording through engine and coach, as fast as possible."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from hrcoach.cli import common, render
from hrcoach.session import Session
from hrcoach.sources.files import load_recording


def run(args: argparse.Namespace) -> int:
    rec = load_recording(Path(args.file))
    setup = common.setup_from_args(args, common.profile())
    session = Session(setup)
    for ev in rec.events:
        session.ingest(ev)
    session.finish()
    summary = session.summary()
    if args.json:
        out = summary.model_dump(mode="json")
        out["file"] = rec.path
        out["format"] = rec.format
        out["started_at"] = rec.started_at.isoformat() if rec.started_at else None
        out["notes"] = rec.notes
        out["cues"] = [{"t": round(c.t, 3), "kind": c.kind.value, "message": c.message} for c in session.cues]
        print(json.dumps(out))
        return 0
    device = rec.device.get("name")
    when = rec.started_at.strftime("%Y-%m-%d %H:%M UTC") if rec.started_at else None
    title = f"{Path(rec.path).name}  ({', '.join(x for x in (rec.format, device, when) if x)})"
    print(render.summary_text(summary, session.cues, title))
    for note in rec.notes:
        print(f"Note        {note}")
    return 0
