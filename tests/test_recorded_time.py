"""A session's time is the time it was recorded, never a span with a clock jump or a pause of
days in it: both engines agree on it, the log stores it, every total uses it, and a session
whose span is far longer says so (#13.2)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from hrcoach.cli import main
from hrcoach.engine.accounting import Params
from hrcoach.engine.batch import SampleArrays, summarize
from hrcoach.models import HeartRateSample
from tests.conftest import REAL_HR
from tests.test_engine import run_live
from tests.test_import_xml_time import tcx

DAY = 86400.0
JUMP = 20 * DAY


def run_with_a_jump() -> list[tuple[float, int | None]]:
    """A 56-minute run at 1 Hz whose clock jumps 20 days forward after 28 minutes."""
    first = [(float(s), 120 + s % 7) for s in range(0, 28 * 60)]
    second = [(JUMP + s, 125 + s % 5) for s in range(28 * 60, 56 * 60)]
    return [*first, *second]


def summaries(points: list[tuple[float, int]]) -> tuple[Any, Any]:
    params = Params(hrmax=185)
    samples = [HeartRateSample(t, bpm) for t, bpm in points]
    live, _ = run_live(samples, params)
    return live.summary(), summarize(SampleArrays.from_samples(samples), params)


def test_a_clock_jump_is_no_session_time_in_either_engine() -> None:
    live, batch = summaries([(t, bpm or 0) for t, bpm in run_with_a_jump()])
    assert live == batch
    assert live.duration_s == 56 * 60 - 2  # two 1-s steps either side of the jump are not in it
    assert live.span_s == JUMP + 56 * 60 - 1 - 0
    assert live.span_note is not None and "clock jump" in live.span_note


def test_a_pause_of_a_few_minutes_is_session_time_and_needs_no_note() -> None:
    points = [(float(s), 130) for s in range(600)] + [(600.0 + 240 + s, 130) for s in range(600)]
    live, batch = summaries(points)
    assert live == batch
    assert live.duration_s == live.span_s == 1439.0 and live.span_note is None


@pytest.fixture
def jumped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> int:
    assert main(["profile", "set", "age", "33"]) == 0
    capsys.readouterr()
    path = tmp_path / "jump.tcx"
    path.write_text(tcx(run_with_a_jump()))
    assert main(["import", str(path), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    return int(row["session"])


def test_the_log_lists_and_sums_the_time_recorded(jumped: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sessions"]) == 0
    out = capsys.readouterr().out
    assert "55:58*" in out and "* recorded over a far longer span" in out
    assert main(["show", str(jumped)]) == 0
    assert "Span        recorded 55:58 over a span of 480:55:59 (a clock jump or a long pause)" in (
        capsys.readouterr().out
    )
    assert main(["history", "--weeks", "600", "--json"]) == 0
    weeks = json.loads(capsys.readouterr().out)["weeks"]
    assert max(w["total_min"] for w in weeks) <= 7 * 24 * 60
    assert sum(w["total_min"] for w in weeks) == pytest.approx(55.97, abs=0.05)


def test_a_summary_stored_before_the_span_was_kept_is_recomputed(
    jumped: int, capsys: pytest.CaptureFixture[str]
) -> None:
    from hrcoach.store.db import db_path

    with sqlite3.connect(db_path()) as conn:  # as an older hrcoach stored it: the span as duration
        (text,) = conn.execute("SELECT summary FROM sessions WHERE id = ?", (jumped,)).fetchone()
        old = json.loads(text)
        old["duration_s"] = old.pop("span_s")
        conn.execute(
            "UPDATE sessions SET summary = ?, duration_s = ? WHERE id = ?",
            (json.dumps(old), old["duration_s"], jumped),
        )
    assert main(["sessions", "--json"]) == 0
    (info,) = json.loads(capsys.readouterr().out)
    assert info["duration_s"] == info["summary"]["duration_s"] == 56 * 60 - 2
    assert info["summary"]["span_s"] == JUMP + 56 * 60 - 1


def test_a_timer_pause_s_silence_is_no_session_time_in_either_engine() -> None:
    from hrcoach.engine.live import LiveEngine

    params = Params(hrmax=185)
    points = [(float(s), 130) for s in range(600)]
    points += [(660.0 + s, 131) for s in range(600)]  # 60 s without a beat, inside a timer pause
    points += [(1260.0 + s, 132) for s in range(300)]  # beats go on inside the second pause
    pauses = [(599.5, 660.0), (1300.0, 1350.0)]
    samples = [HeartRateSample(t, bpm) for t, bpm in points]
    live = LiveEngine(params, pauses=pauses)
    for s in samples:
        live.ingest(s)
    live.finish()
    batch = summarize(SampleArrays.from_samples(samples), params, pauses=pauses)
    assert live.summary() == batch
    assert batch.span_s == 1559.0 and batch.duration_s == 1559.0 - 60.5  # the credited beats stay
    assert batch.credited_s <= batch.duration_s


@pytest.mark.skipif(not REAL_HR.is_dir(), reason="../shared/real_hr is absent")
def test_a_real_ride_s_timer_time_is_its_duration(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "set", "age", "33"]) == 0
    capsys.readouterr()
    ride = REAL_HR / "tormoder_fit__garmin.fit"  # 35 timer stops; the file's timer time is 8,789 s
    assert main(["analyze", str(ride), "--json"]) == 0
    analyzed = json.loads(capsys.readouterr().out)
    assert main(["import", str(ride), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert main(["show", str(row["session"]), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["summary"]["duration_s"] == analyzed["duration_s"] == shown["duration_s"]
    assert abs(shown["duration_s"] - 8789) <= 0.01 * 8789 and shown["summary"]["span_s"] == 10134.0
