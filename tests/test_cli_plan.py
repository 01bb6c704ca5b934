"""`hrcoach plan` end to end: started, followed over logged sessions, an illness reported, and
every kind of bad input as one line and exit 2."""

from __future__ import annotations

import json
import os
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from hrcoach import paths
from hrcoach.cli import main
from hrcoach.formats.files import load_recording
from hrcoach.store import db
from hrcoach.store.history import local_today
from hrcoach.store.sessions import save_session
from tests.conftest import stream
from tests.test_store import setup_for

TODAY = local_today()
MONDAY = TODAY - timedelta(days=TODAY.weekday())


def out_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def log_runs(days: list[date], origin: str = "live") -> None:
    """A steady run (32 min in the window at age 33) on each day, at local noon."""
    _, stored = setup_for()
    samples = load_recording(stream("steady_35min")).samples
    conn = db.connect()
    try:
        for day in days:
            when = datetime.combine(day, time(12)).astimezone()
            save_session(conn, origin=origin, started_at=when, samples=samples, setup=stored)
    finally:
        conn.close()


def test_no_plan_yet_says_how_to_start_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan"]) == 0
    assert "No plan yet. `hrcoach plan start` begins one: 5 minutes" in capsys.readouterr().out
    assert out_json(capsys, "plan") == {"plan": None}


def test_a_plan_climbs_with_the_sessions_logged_and_leaves_out_demos(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["profile", "set", "age", "33"]) == 0
    start = MONDAY - timedelta(weeks=2)
    assert main(["plan", "start", "--from", start.isoformat()]) == 0
    first = capsys.readouterr().out
    assert "Next session: 5 min in the window (the first rung: 5 min in the window)" in first
    log_runs([start + timedelta(days=d) for d in (0, 2, 4, 7, 9, 11)])
    log_runs([start + timedelta(days=12)], origin="demo")  # practice: not counted
    plan = out_json(capsys, "plan")
    assert plan["next_target_min"] == 8 and plan["rung"] == 2
    assert plan["why"] == "up to 8 min: the last 3 sessions met 6 min"
    assert plan["plan"] == {
        "started": start.isoformat(),
        "start_min": 5,
        "per_week": 3,
        "goal_min": 30,
        "ill": [],
    }
    assert [s["target_min"] for s in plan["steps"]] == [5, 5, 6, 6, 6, 8]
    assert main(["plan"]) == 0
    text = capsys.readouterr().out
    assert "Next session: 8 min in the window (up to 8 min: the last 3 sessions met 6 min)" in text
    assert "Steps (min): 5 6 [8] 10 12 15 18 22 27 30" in text


def test_an_illness_reported_keeps_the_weeks_from_counting_as_missed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    start = MONDAY - timedelta(weeks=4)
    assert main(["plan", "start", "--from", start.isoformat(), "--minutes", "10", "--per-week", "3"]) == 0
    log_runs([start + timedelta(days=d) for d in (0, 2, 4)])  # at 12 min from then on
    capsys.readouterr()
    assert out_json(capsys, "plan")["next_target_min"] == 10  # 12, three weeks missed: 10 (the floor)
    assert out_json(capsys, "plan")["why"] == "eased back to 10 min: 3 weeks without a session"
    first_ill = (start + timedelta(weeks=1)).isoformat()
    plan = out_json(capsys, "plan", "ill", first_ill)  # ill until today
    assert plan["plan"]["ill"] == [[first_ill, TODAY.isoformat()]]
    assert plan["next_target_min"] == 10  # no week missed: 12, one step back for the illness
    assert plan["why"] == "eased back to 10 min: back after being ill"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "start", "--minutes", "0"], "plan: the starting dose must be 1 to 30 minutes"),
        (["plan", "start", "--per-week", "7"], "plan: sessions a week must be 3 to 5"),
        (["plan", "start", "--from", "next tuesday"], "--from: not a date: 'next tuesday' (e.g. 2026-11-30)"),
        (["plan", "ill", "2026-11-30"], "no plan yet: `hrcoach plan start` begins one"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err == f"hrcoach: {message}\n"


def test_an_illness_that_ends_before_it_begins_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "start"]) == 0
    assert main(["plan", "ill", "2026-11-20", "2026-11-10"]) == 2
    assert capsys.readouterr().err == "hrcoach: the illness ends (2026-11-10) before it begins (2026-11-20)\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"started = 'soon'\n", "started: a date is needed (e.g. 2026-11-30)"),
        (b"started = 2026-11-02\nper_week = 9\n", "sessions a week must be 3 to 5"),
        (b"started = 2026-11-02\nstart_min = true\n", "start_min: a whole number is needed, not True"),
        (
            b"started = 2026-11-02\nill = [[2026-11-03]]\n",
            "ill: a list of [first day, last day] pairs is needed",
        ),
        (b"\xff\xfe", "not a plan file"),
    ],
)
def test_a_damaged_plan_file_is_named_in_one_line(
    content: bytes, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "start"]) == 0
    paths.plan_path().write_bytes(content)
    capsys.readouterr()
    assert main(["plan"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"hrcoach: {paths.plan_path()}: ") and message in err and err.count("\n") == 1


def test_a_plan_file_that_is_a_link_is_refused(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "start"]) == 0
    target = tmp_path / "elsewhere.toml"
    target.write_bytes(paths.plan_path().read_bytes())
    paths.plan_path().unlink()
    os.symlink(target, paths.plan_path())
    assert main(["plan"]) == 2
    assert "is not a regular file" in capsys.readouterr().err


def test_a_live_run_is_coached_toward_today_s_target_and_says_the_next(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    from hrcoach.cli import live
    from hrcoach.sources import remembered
    from hrcoach.sources.ble import StrapSource
    from tests.fakeble import SimulatedAdapter, SimulatedStrap, script_from_capture
    from tests.test_cli_run import ScriptedStrapSource

    script = [(t, p) for t, p in script_from_capture(stream("steady_35min")) if t < 720]
    adapter = SimulatedAdapter(SimulatedStrap("Polar H10 8C4F1E2A", "C4:7C:8D:6A:1E:2A"), script, speed=0)

    def make_source(args: argparse.Namespace, **hooks: Any) -> StrapSource:
        return ScriptedStrapSource(adapter, device=args.device, last_device=remembered.last_device(), **hooks)

    monkeypatch.setattr(live, "make_source", make_source)
    assert main(["plan", "start"]) == 0
    capsys.readouterr()
    assert main(["run", "--age", "33", "--headless"]) == 0
    out = capsys.readouterr().out
    assert "Today's plan: 5 min in the window (the first rung: 5 min in the window)" in out
    assert "Goal reached: 5:00 in the BDNF window" in out  # the plan's target is the coach's goal
    assert "Plan        today's target 5 min in the window: met (9:10)" in out
    assert "Next session: 5 min in the window (holding 5 min: 2 more sessions meeting it, then 6 min)" in out
