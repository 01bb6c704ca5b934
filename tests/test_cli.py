"""The `hrcoach` command as a user meets it: analyze, profile, demo, errors, --help."""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from hrcoach.cli import build_parser, main
from tests.conftest import stream

REQUIRED = {
    "hrmax",
    "hrmax_source",
    "duration_s",
    "samples_total",
    "samples_accepted",
    "rejected",
    "gaps",
    "gap_s",
    "mean_bpm",
    "max_bpm",
    "bdnf_s",
    "anandamide_s",
    "bdnf_longest_hold_s",
    "anandamide_longest_hold_s",
    "bdnf_goal_met",
    "zones_s",
    "cues",
}


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["analyze", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_analyze_json_has_every_field(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_json(capsys, str(stream("steady_35min")), "--age", "33")
    assert set(out) >= REQUIRED
    assert out["hrmax"] == 185 and out["hrmax_source"] == "estimated with Tanaka from age 33"
    assert out["bdnf_goal_met"] is True and len(out["zones_s"]) == 5  # type: ignore[arg-type]
    cues = out["cues"]
    assert isinstance(cues, list) and {"t", "kind", "message"} == set(cues[0])


def test_analyze_overrides_and_profile(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(stream("walk_5min"))
    assert run_json(capsys, path, "--hrmax", "160")["hrmax_source"] == "given on the command line"
    assert run_json(capsys, path, "--age", "40", "--formula", "fox")["hrmax"] == 180
    assert main(["profile", "set", "age", "42"]) == 0
    capsys.readouterr()
    assert run_json(capsys, path)["hrmax"] == 179
    # walk_5min peaks at 97 bpm: nothing in the window at 185, but at HRmax 140 (84-112 bpm) it is
    assert run_json(capsys, path, "--hrmax", "140")["bdnf_s"] > 150  # type: ignore[operator]


def test_analyze_csv_and_gzip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "run.csv"
    csv.write_text("t_s,bpm,rr_ms\n" + "".join(f"{i},{130},{461.5} {461.5}\n" for i in range(120)))
    out = run_json(capsys, str(csv), "--hrmax", "185")
    assert out["bdnf_s"] == 119.0 and out["format"] == "csv" and out["rr_total"] == 240
    gz = tmp_path / "steady.hrcap.jsonl.gz"
    gz.write_bytes(gzip.compress(stream("steady_35min").read_bytes()))
    assert run_json(capsys, str(gz), "--hrmax", "185")["samples_total"] == 2100


def test_analyze_human_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(stream("startup_glitches")), "--hrmax", "185"]) == 0
    out = capsys.readouterr().out
    assert "spike 2" in out and "HRmax       185 bpm (given on the command line)" in out


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: d / "missing.hrcap.jsonl", "no such file"),
        (lambda d: d, "is a directory"),
        (lambda d: _write(d / "run.fit.txt", "hello"), "unknown format"),
        (
            lambda d: _write(
                d / "bad.hrcap.jsonl",
                '{"hrcoach_capture": 1, "started_at": "2026-01-01"}\n{"t": 1}\n',
            ),
            "bad.hrcap.jsonl:2:",
        ),
        (lambda d: _write(d / "bad.csv", "t_s,bpm\n0,120\n1,abc\n"), "bad.csv:3:"),
        (
            lambda d: _write_bytes(
                d / "trunc.hrcap.jsonl.gz", gzip.compress(b'{"hrcoach_capture": 1}' * 50)[:30]
            ),
            "trunc.hrcap.jsonl.gz",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Callable[[Path], Path], expected: str
) -> None:
    path = make(tmp_path)
    assert main(["analyze", str(path), "--hrmax", "185"]) == 2
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1 and "Traceback" not in err


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_analyze_without_hrmax_says_how_to_set_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(stream("walk_5min"))]) == 2
    assert "hrcoach profile set age" in capsys.readouterr().err


def test_profile_set_validates_and_persists(capsys: pytest.CaptureFixture[str], _isolated_home: Path) -> None:
    assert main(["profile", "set", "age", "42"]) == 0
    out = capsys.readouterr().out
    assert (
        "not a medical device" in out and "HRmax in force: 179 bpm, estimated with Tanaka from age 42" in out
    )
    assert main(["profile", "set", "hrmax", "188"]) == 0
    assert "188 bpm, measured" in capsys.readouterr().out
    assert main(["profile", "set", "age", "7"]) == 2
    err = capsys.readouterr().err
    assert "profile.toml: age:" in err and "greater than or equal to 10" in err
    assert main(["profile", "set", "colour", "red"]) == 2
    assert "unknown profile field 'colour'" in capsys.readouterr().err
    prof = _isolated_home / "config" / "profile.toml"
    assert prof.stat().st_mode & 0o777 == 0o600
    prof.write_text("age = 'old'\n")
    assert main(["profile"]) == 2
    assert "profile.toml: age:" in capsys.readouterr().err


def test_demo_runs_to_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--speed", "0"]) == 0
    out = capsys.readouterr().out
    assert "Goal reached" in out and "Session summary" in out and "HRmax 185" in out


def test_help_never_imports_textual_or_bleak() -> None:
    code = (
        "import sys\n"
        "from hrcoach.cli import main, build_parser\n"
        "for cmd in ([], ['analyze'], ['demo'], ['profile'], ['profile', 'set']):\n"
        "    try:\n"
        "        main([*cmd, '--help'])\n"
        "    except SystemExit as e:\n"
        "        assert e.code == 0, cmd\n"
        "bad = [m for m in ('textual', 'bleak', 'numpy') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_profile_set_with_an_unwritable_config_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from hrcoach import paths

    def refuse(path: Path, data: bytes) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(paths, "write_private", refuse)
    assert main(["profile", "set", "age", "40"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "profile.toml: cannot write the profile (Permission denied)" in err


def test_a_command_that_needs_no_engine_does_not_import_numpy(tmp_path: Path) -> None:
    """#15 start-up: every command first lists the recovery folders; that listing imported the
    engine and numpy (a quarter of a second) for `profile show` too."""
    import os
    import subprocess
    import sys

    code = (
        "import sys; from hrcoach.cli import main; main(['profile', 'show']); print('numpy' in sys.modules)"
    )
    env = {**os.environ, "HRCOACH_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"


def test_analyze_of_a_capture_does_not_import_numpy(tmp_path: Path) -> None:
    """#15 start-up: `analyze` runs the live engine, which needs no numpy; the summary's text
    module imported the laps module (and numpy, 40 ms of 0.4 s) for a type."""
    import os
    import subprocess
    import sys

    from tests.conftest import stream

    code = (
        "import sys; from hrcoach.cli import main;"
        f" main(['analyze', {str(stream('walk_5min'))!r}, '--hrmax', '185']); print('numpy' in sys.modules)"
    )
    env = {**os.environ, "HRCOACH_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"


def test_every_help_says_percent_once(capsys: pytest.CaptureFixture[str]) -> None:
    """argparse formats help strings with %, not descriptions: `--help` printed "60-80 %%"."""
    parser = build_parser()
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    texts = [parser.format_help()] + [p.format_help() for s in subs for p in s.choices.values()]
    assert "60-80 % HRmax" in texts[0]
    assert not [t for t in texts if "%%" in t]


# what `analyze` of a capture needs none of: pydantic (the profile's and the summary's models),
# numpy (the batch engine), textual, the XML parser and the CSV reader (other formats' readers)
HEAVY = ("pydantic", "numpy", "textual", "xml.etree.ElementTree", "hrcoach.formats.csv_read")


@pytest.mark.parametrize("output", [["--json"], []])
def test_analyze_with_a_profile_imports_no_pydantic_numpy_or_textual(
    tmp_path: Path, output: list[str]
) -> None:
    """#15 start-up: `analyze` reads a plain profile and computes its summaries without pydantic
    (a third of its start-up: the profile's and the summary's models were built at import), and
    reads a capture without importing the other formats' readers."""
    import os

    home = tmp_path / "home"
    env = {**os.environ, "HRCOACH_HOME": str(home)}
    for key, value in (("age", "42"), ("goal_min", "40"), ("target", "anandamide")):
        subprocess.run(
            [sys.executable, "-m", "hrcoach", "profile", "set", key, value], env=env, check=True, timeout=60
        )
    code = (
        "import sys; from hrcoach.cli import main;"
        f" code = main(['analyze', {str(stream('soak_3h'))!r}, *{output!r}]);"
        f" print(code, sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "179 bpm (estimated with Tanaka from age 42)" in done.stdout or '"hrmax": 179' in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "0 []"
