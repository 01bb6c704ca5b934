"""Several files are decoded by a pool of processes, one per core (#15), and saved by this one,
the log's only writer: the report, the sessions and their summaries are those of one process
decoding them in turn, a broken file among them is one line, and a file given twice counts once."""

from __future__ import annotations

import json
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from hrcoach.cli import importer, main
from tests.conftest import stream


def imported(capsys: pytest.CaptureFixture[str], files: list[Path], home: Path, pool_from: int) -> Any:
    os.environ["HRCOACH_HOME"] = str(home)
    importer.POOL_FROM = pool_from
    assert main(["profile", "set", "age", "33"]) == 0
    capsys.readouterr()
    code = main(["import", "--json", *map(str, files)])
    out, err = capsys.readouterr()
    assert main(["sessions", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    return code, json.loads(out), err, [(s["started_at"], s["summary"]) for s in listed]


def test_a_pool_imports_what_one_process_imports(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: no pool")  # the machines this runs on have two
    monkeypatch.setattr(importer, "POOL_FROM", importer.POOL_FROM)
    broken = tmp_path / "broken.fit"
    broken.write_bytes(b"\x0e\x10not a fit file at all")
    names = ["steady_35min", "tempo_45min", "walk_5min", "contact_lost", "dropout_reconnect"]
    files = [stream(n) for n in names] + [broken, stream("walk_5min")]
    folder = tmp_path / "files"
    folder.mkdir()
    files = [Path(shutil.copy(f, folder / f"{i}-{f.name}")) for i, f in enumerate(files)]
    pools: list[int] = []

    class Counted(ProcessPoolExecutor):
        def __init__(self, workers: int, **kwargs: Any) -> None:
            pools.append(workers)
            super().__init__(workers, **kwargs)

    monkeypatch.setattr(importer, "ProcessPoolExecutor", Counted)
    one = imported(capsys, files, tmp_path / "one", 10**9)
    assert pools == []
    pool = imported(capsys, files, tmp_path / "pool", 2)
    assert pools == [min(os.cpu_count() or 1, 6)]  # the six files not known by their hash
    assert pool == one
    code, report, err, sessions = pool
    assert code == 2 and len(sessions) == 5 and err.count("broken.fit") == 1
    assert [r["status"] for r in report] == ["imported"] * 5 + ["failed", "already imported"]


def test_a_killed_import_leaves_no_worker_behind(tmp_path: Path) -> None:
    """Killed (kill -9) while its pool decodes, an import leaves no process decoding for no
    one, and none holding its output open (a caller waiting on it would wait forever)."""
    import signal
    import subprocess
    import sys
    import time

    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: no pool")
    files = [Path(shutil.copy(stream("soak_3h"), tmp_path / f"{i}.hrcap.jsonl")) for i in range(8)]
    env = {**os.environ, "HRCOACH_HOME": str(tmp_path / "home")}
    assert (
        subprocess.run([sys.executable, "-m", "hrcoach", "profile", "set", "age", "33"], env=env).returncode
        == 0
    )
    child = subprocess.Popen(
        [sys.executable, "-m", "hrcoach", "import", "--json", *map(str, files)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while not workers and time.monotonic() < deadline and child.poll() is None:
        found = subprocess.run(["pgrep", "-P", str(child.pid)], capture_output=True, text=True).stdout
        workers = [int(p) for p in found.split()]
        time.sleep(0.02)
    if not workers:
        child.wait()
        pytest.skip("the import ended before its pool could be seen")
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=30)  # its pipes close: no worker holds them
    for pid in workers:
        for _ in range(500):
            if not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]:
                break
            time.sleep(0.01)
        else:
            pytest.fail(f"worker {pid} still running after its import was killed")
