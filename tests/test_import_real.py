"""Issue 5's bar: every readable file in ../shared/real_hr imports with sensible results through
`hrcoach import`, and every broken one is refused in one line without a half-written session."""

from __future__ import annotations

import json
import sys

import pytest

from hrcoach.cli import main
from tests.conftest import REAL_HR

BROKEN = {
    "dtcooper_python-fitparse__2015-10-13-08-43-15.fit": "no heart-rate data",
    "dtcooper_python-fitparse__activity-filecrc.fit": "corrupt FIT file (CRC mismatch)",
    "dtcooper_python-fitparse__activity-unexpected-eof.fit": "no heart-rate data in the readable part",
    "vkurup_python-tcxparser__no_hr.tcx": "no heart-rate data",
}


@pytest.mark.skipif(not REAL_HR.is_dir(), reason="../shared/real_hr is absent")
def test_every_real_file_imports_or_is_refused_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "set", "age", "40"]) == 0
    files = sorted(p for p in REAL_HR.iterdir() if p.name != "README.md")
    capsys.readouterr()
    assert main(["import", "--json", *map(str, files)]) == 2
    out, err = capsys.readouterr()
    report = json.loads(out)
    failed = {r["file"].rsplit("/", 1)[-1]: r["error"] for r in report if r["status"] == "failed"}
    assert set(failed) == set(BROKEN)
    for name, says in BROKEN.items():
        assert says in failed[name] and name in failed[name] and "\n" not in failed[name]
    assert err.count("\n") == len(BROKEN)
    imported = [r for r in report if r["status"] == "imported"]
    assert len(imported) == len(files) - len(BROKEN)

    assert main(["sessions", "--json"]) == 0
    sessions = json.loads(capsys.readouterr().out)
    assert len(sessions) == len(imported)  # nothing for the broken files
    for s in sessions:
        summary = s["summary"]
        assert summary["samples_total"] > 10 and summary["duration_s"] > 20, s["source"]
        assert summary["samples_accepted"] >= 0.75 * summary["samples_total"], s["source"]
        assert 40 <= summary["mean_bpm"] <= 200 and summary["max_bpm"] <= 220, s["source"]
        assert summary["credited_s"] <= summary["duration_s"]
    # the fenix2 run, the clean baseline: 47 min at 1 Hz
    fenix = next(s for s in sessions if s["source"].endswith("activity-small-fenix2-run.fit"))
    assert fenix["started_at"].startswith("2015-08-15") and 2830 <= fenix["duration_s"] <= 2840

    # no week of history is longer than a week, and the weeks add up to the sessions' durations
    assert main(["history", "--weeks", "800", "--json"]) == 0
    weeks = json.loads(capsys.readouterr().out)["weeks"]
    assert max(w["total_min"] for w in weeks) <= 7 * 24 * 60
    in_range = [s for s in sessions if s["started_at"] >= weeks[0]["monday"]]
    assert sum(w["total_min"] for w in weeks) == pytest.approx(
        sum(s["duration_s"] for s in in_range) / 60, abs=0.1 * len(weeks)
    )

    assert main(["import", "--json", *map(str, files)]) == 2  # again: every one recognised
    again = json.loads(capsys.readouterr().out)
    assert sum(r["status"] == "already imported" for r in again) == len(imported)


def test_progress_bar_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import stream

    assert main(["profile", "set", "age", "40"]) == 0
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["import", str(stream("walk_5min")), str(stream("rr_backlog"))]) == 0
    err = capsys.readouterr().err
    assert "[------------------------] 0/2 walk_5min" in err and "1/2 rr_backlog" in err
