"""`hrcoach run --record FILE` end to end, on the simulated adapter instead of a radio."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
from pathlib import Path
from typing import Any

import pytest
from bleak.backends.scanner import BaseBleakScanner

from hrcoach import paths
from hrcoach.cli import live, main
from hrcoach.sources import remembered
from hrcoach.sources.ble import StrapSource
from tests.conftest import stream
from tests.fakeble import SimulatedAdapter, SimulatedStrap, script_from_capture

SUMMARY_KEYS = ("HRmax", "Duration", "BDNF", "Anandamide", "Zones", "Heart rate", "Gaps", "RR")


class ScriptedStrapSource(StrapSource):
    """A StrapSource that ends (as Ctrl-C would) once the simulated strap has sent everything."""

    def __init__(self, adapter: SimulatedAdapter, **kwargs: Any) -> None:
        super().__init__(
            **{"scan_timeout": 0.005, "rng": random.Random(2), **adapter.source_hooks(), **kwargs}
        )
        self.adapter = adapter

    async def run(self) -> None:
        inner = asyncio.create_task(super().run())
        try:
            while self.adapter.clock.now() < self.adapter.script[-1][0]:
                if inner.done():
                    return inner.result()
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.05)  # let the last notification through
        finally:
            inner.cancel()
            await asyncio.gather(inner, return_exceptions=True)


def summary_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(SUMMARY_KEYS)]


def test_run_records_a_capture_that_analyze_reads_to_the_same_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = [(t, p) for t, p in script_from_capture(stream("dropout_reconnect")) if t < 240]
    adapter = SimulatedAdapter(SimulatedStrap("Polar H10 8C4F1E2A", "C4:7C:8D:6A:1E:2A"), script, speed=0)
    adapter.schedule_drop(100.5, down_for=15)

    def make_source(args: argparse.Namespace, **hooks: Any) -> StrapSource:
        assert args.device is None
        return ScriptedStrapSource(adapter, device=args.device, last_device=remembered.last_device(), **hooks)

    monkeypatch.setattr(live, "make_source", make_source)
    record = tmp_path / "today.hrcap.jsonl.gz"
    assert main(["run", "--record", str(record), "--age", "33"]) == 0
    run_out = capsys.readouterr().out
    assert f"to {record}" in run_out

    assert main(["analyze", str(record), "--age", "33"]) == 0
    analyze_out = capsys.readouterr().out
    assert summary_lines(run_out) == summary_lines(analyze_out) and len(summary_lines(run_out)) == 8
    assert "Gaps        1 " in run_out  # the 15-s drop is not credited
    assert "(capture, Polar H10 8C4F1E2A," in analyze_out  # the header names the strap
    # and the strap is remembered for next time
    kept = json.loads((paths.data_dir() / "last_device.json").read_text())
    assert kept == {"name": "Polar H10 8C4F1E2A", "address": "C4:7C:8D:6A:1E:2A"}


def test_run_refuses_an_unwritable_record_path_before_touching_bluetooth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "no" / "such" / "dir" / "x.hrcap.jsonl"
    assert main(["run", "--record", str(bad), "--age", "33"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(bad) in err and "cannot write" in err


@pytest.mark.parametrize("kind", ["existing", "link"])
def test_run_never_replaces_a_file_nor_writes_through_a_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    """Issue 14.9/14.10: `--record` names a new file; yesterday's recording, or a file a link
    points to (another user's planted link, say), is never overwritten."""
    target = tmp_path / "yesterday.hrcap.jsonl"
    target.write_text("yesterday's run\n")
    record = target
    if kind == "link":
        record = tmp_path / "today.hrcap.jsonl"
        record.symlink_to(target)
    assert main(["run", "--record", str(record), "--age", "33"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(record) in err, err
    assert ("already exists" if kind == "existing" else "symbolic link") in err, err
    assert target.read_text() == "yesterday's run\n"


class NoDBusScanner(BaseBleakScanner):
    """What bleak's BlueZ backend does on a machine without D-Bus."""

    def __init__(self, detection_callback: Any, service_uuids: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(detection_callback, service_uuids)

    async def start(self) -> None:
        raise FileNotFoundError(2, "No such file or directory")

    async def stop(self) -> None:
        pass


def test_run_without_bluetooth_leaves_no_empty_recording(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        live, "make_source", lambda args, **hooks: StrapSource(scanner_backend=NoDBusScanner, **hooks)
    )
    record = tmp_path / "x.hrcap.jsonl"
    assert main(["run", "--record", str(record), "--age", "33"]) == 2
    assert "Bluetooth unavailable" in capsys.readouterr().err
    assert not record.exists()


@pytest.mark.parametrize(
    ("flag", "profile_says", "expected"),
    [
        (["--on", "treadmill"], None, "treadmill"),
        ([], "treadmill", "treadmill"),
        (["--on", "any"], "treadmill", ""),
    ],
)
def test_a_live_run_is_marked_where_it_was_and_exports_say_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    flag: list[str], profile_says: str | None, expected: str,
) -> None:  # fmt: skip
    """#13 exports 3: `run --on` (else the profile's runs_on) marks the session, and its FIT
    export carries sub_sport treadmill like a Garmin's treadmill run."""
    from tests.test_export_truth import fit_messages

    if profile_says:
        assert main(["profile", "set", "runs_on", profile_says]) == 0
    script = [(t, p) for t, p in script_from_capture(stream("dropout_reconnect")) if t < 60]
    adapter = SimulatedAdapter(SimulatedStrap("Polar H10 8C4F1E2A", "C4:7C:8D:6A:1E:2A"), script, speed=0)
    monkeypatch.setattr(
        live, "make_source", lambda args, **hooks: ScriptedStrapSource(adapter, device=None, **hooks)
    )
    assert main(["run", "--age", "33", *flag]) == 0
    capsys.readouterr()
    assert main(["sessions", "--json"]) == 0
    (info,) = json.loads(capsys.readouterr().out)
    assert (info["sport"], info["sub_sport"]) == (("running", expected) if expected else ("", ""))
    out = tmp_path / "run.fit"
    assert main(["export", str(info["id"]), "--format", "fit", "-o", str(out)]) == 0
    (session,) = fit_messages(out)["session_mesgs"]
    assert (session["sport"], session["sub_sport"]) == ("running", expected or "generic")
