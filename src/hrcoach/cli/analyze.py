"""`hrcoach analyze FILE`: a recording through engine and coach, as fast as possible.

A file holding several activities (multisport FIT, several TCX activities or GPX tracks) is
analysed activity by activity: one text block each; in `--json` the top-level object describes
the first activity, as for a single-activity file, and `activities` lists every activity's object.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from hrcoach.cli import common, render
from hrcoach.formats.files import load_recordings
from hrcoach.formats.recording import Recording
from hrcoach.session import Session, SessionSetup


def _analyse(rec: Recording, setup: SessionSetup) -> Session:
    session = Session(setup, pauses=rec.pauses)
    feed = session.feed
    for ev in rec.events:
        feed(ev)
    session.finish()
    return session


def _json(rec: Recording, session: Session) -> dict[str, Any]:
    out: dict[str, Any] = session.summary().as_dict()
    out["file"] = rec.path
    out["format"] = rec.format
    out["started_at"] = rec.started_at.isoformat() if rec.started_at else None
    out["notes"] = rec.notes
    out["cues"] = [{"t": round(c.t, 3), "kind": c.kind.value, "message": c.message} for c in session.cues]
    return out


def _text(rec: Recording, session: Session, which: str) -> str:
    device = rec.device.get("name")
    when = rec.started_at.strftime("%Y-%m-%d %H:%M UTC") if rec.started_at else None
    title = f"{Path(rec.path).name}{which}  ({', '.join(x for x in (rec.format, device, when) if x)})"
    lines = [render.summary_text(session.summary(), session.cues, title)]
    lines += [f"Note        {note}" for note in rec.notes]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    recs = load_recordings(Path(args.file))
    setup = common.setup_from_args(args, common.profile_to_read())
    done = [(rec, _analyse(rec, setup)) for rec in recs]
    if args.json:
        objects = [_json(rec, session) for rec, session in done]
        out = dict(objects[0])
        if len(objects) > 1:
            out["activities"] = objects
        print(json.dumps(out))
        return 0
    blocks = [
        _text(rec, session, f"  [activity {i} of {len(done)}]" if len(done) > 1 else "")
        for i, (rec, session) in enumerate(done, start=1)
    ]
    print("\n\n".join(blocks))
    return 0
