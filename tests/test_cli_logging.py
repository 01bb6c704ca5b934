"""`-v`/`-vv` and `--log-file`: what a user sends when Bluetooth misbehaves."""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hrcoach.cli import live, logs, main
from hrcoach.sources.ble import StrapSource
from tests.conftest import stream
from tests.fakeble import SimulatedAdapter, SimulatedStrap, script_from_capture
from tests.test_cli_run import ScriptedStrapSource


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    yield
    for name in ("hrcoach", "bleak"):
        logger = logging.getLogger(name)
        for h in [h for h in logger.handlers if not isinstance(h, logging.NullHandler)]:
            logger.removeHandler(h)
            h.close()
        logger.setLevel(logging.NOTSET)


def strap_run(monkeypatch: pytest.MonkeyPatch) -> SimulatedAdapter:
    script = [(t, p) for t, p in script_from_capture(stream("dropout_reconnect")) if t < 120]
    adapter = SimulatedAdapter(SimulatedStrap("Polar H10 8C4F1E2A", "C4:7C:8D:6A:1E:2A"), script, speed=0)
    adapter.schedule_drop(60.5, down_for=15)
    adapter.refuse_connections(1)

    def make_source(args: argparse.Namespace, **hooks: Any) -> StrapSource:
        return ScriptedStrapSource(adapter, device=args.device, **hooks)

    monkeypatch.setattr(live, "make_source", make_source)
    return adapter


def test_verbose_run_logs_link_states_scans_timings_and_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    strap_run(monkeypatch)
    log_file = tmp_path / "bt.log"
    assert main(["run", "-v", "--log-file", str(log_file), "--age", "33"]) == 0
    text = log_file.read_text()
    assert (log_file.stat().st_mode & 0o777) == 0o600
    for expected in (
        "link searching",
        "scan: 1 strap(s)",
        "Polar H10 8C4F1E2A C4:7C:8D:6A:1E:2A",
        "connect to C4:7C:8D:6A:1E:2A failed: BleakError: simulated: connection to",  # the stack's detail
        "connected to Polar H10 8C4F1E2A C4:7C:8D:6A:1E:2A in",
        "link disconnected: link lost",
        "reconnected after",
    ):
        assert expected in text, expected
    assert "DEBUG" not in text
    assert "INFO" not in capsys.readouterr().err  # the log went to the file only


def test_vv_logs_debug_and_bleaks_own_logger_and_plain_v_goes_to_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    strap_run(monkeypatch)
    assert main(["-vv", "run", "--age", "33"]) == 0
    assert logging.getLogger("bleak").getEffectiveLevel() == logging.DEBUG
    err = capsys.readouterr().err
    assert "INFO    hrcoach.ble: link connected" in err


def test_without_v_nothing_is_logged(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    strap_run(monkeypatch)
    assert main(["run", "--age", "33"]) == 0
    assert "hrcoach.ble" not in capsys.readouterr().err  # warnings (the refused connect) included


def test_an_unwritable_log_file_is_one_line_and_a_symlink_is_not_followed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "no" / "such" / "x.log"
    assert main(["-v", "--log-file", str(bad), "sessions"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{bad}: cannot write the log" in err
    target = tmp_path / "precious"
    target.write_text("keep")
    link = tmp_path / "link.log"
    os.symlink(target, link)
    assert main(["--log-file", str(link), "sessions"]) == 2
    assert target.read_text() == "keep"


def test_on_the_screen_the_log_goes_to_the_data_folder() -> None:
    path = logs.setup(1, None, screen=True)
    assert path == logs.default_file() and path.exists()
    logging.getLogger("hrcoach.ble").info("hello")
    assert "hello" in path.read_text()


def test_control_characters_in_a_logged_message_are_escaped(tmp_path: Path) -> None:
    log_file = tmp_path / "bt.log"
    logs.setup(1, str(log_file), screen=False)
    logging.getLogger("bleak.backends.bluezdbus.manager").warning("name %s", "HRC \x1b]52;c;aGk=\x07")
    text = log_file.read_text()
    assert "\x1b" not in text and "\x07" not in text
    assert "name HRC \\x1b]52;c;aGk=\\x07" in text  # bleak's warnings are in the -v log, escaped


def test_bleak_warnings_never_reach_the_terminal_unasked(capsys: pytest.CaptureFixture[str]) -> None:
    import hrcoach  # noqa: F401  (installs the quiet handlers)

    logging.getLogger("bleak.backends.bluezdbus.client").warning("Failed to cancel connection")
    assert capsys.readouterr().err == ""
