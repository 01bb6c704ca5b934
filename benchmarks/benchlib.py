"""What the benchmark scripts share: paths, best-of timing, the machine line, and the rows that
`run_all.py` collects from each script (`--rows`: one JSON line after the script's own table)."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STREAMS = ROOT / "fixtures" / "hr_streams"
ROWS_MARK = "BENCH-ROWS "

Row = tuple[str, str]  # (benchmark, figure)


def best_of(n: int, fn: Callable[[], object]) -> float:
    """The shortest of `n` wall times of `fn()`, in seconds."""
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bytecode_env(env: dict[str, str], cache: str, *, bytecode: bool) -> dict[str, str]:
    """`env` for a child Python that reads compiled bytecode (kept under the folder `cache`,
    written by the first run: run once before timing) or, with `bytecode=False`, compiles every
    module it imports on every run (`cache` an empty folder, nothing written): the steady state
    and the first run of an installation that was not compiled (uv does not compile unless asked).
    PYTHONDONTWRITEBYTECODE, set on some machines, would otherwise make every run the second kind
    without saying so, and a venv compiled by hand the first kind."""
    out = dict(env, PYTHONPYCACHEPREFIX=cache)
    if bytecode:
        out.pop("PYTHONDONTWRITEBYTECODE", None)
    else:
        out["PYTHONDONTWRITEBYTECODE"] = "1"
    return out


def emit_rows(rows: list[Row]) -> None:
    """Hand `rows` to run_all.py (it reads the last line starting with ROWS_MARK)."""
    print(ROWS_MARK + json.dumps(rows), flush=True)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_line() -> str:
    cores = os.cpu_count() or 0
    py = platform.python_version()
    return (
        f"Machine: {cpu_model()}, {cores} cores, {platform.system()} {platform.machine()}, "
        f"Python {py} ({sys.implementation.name})"
    )
