"""Start-up: `hrcoach --help`, `hrcoach analyze soak_3h`, and the TUI's time to its first frame.

Run by hand: `uv run python benchmarks/bench_startup.py [--quick] [--rows]` (Unix: uses a pty).

Every command runs as a fresh process of the installed console script (`.venv/bin/hrcoach`,
next to the interpreter; `python -m hrcoach` when there is none, and the output says which),
never through `uv run`, with HRCOACH_HOME in a temporary folder, reading bytecode compiled by a
first, untimed run (into a temporary PYTHONPYCACHEPREFIX: PYTHONDONTWRITEBYTECODE, set on some
machines, would otherwise have every run compile everything it imports):
  - `hrcoach --help`, best of 5 (and `python -m hrcoach --help`, and a bare `python -c pass`);
  - `hrcoach analyze soak_3h --hrmax 185`, best of 5; and without bytecode (every module compiled
    as it is imported: the first run of an installation nobody compiled), best of 5;
  - time to first frame: `hrcoach demo` in a pseudo-terminal (TERM=xterm-256color, 80x24), from
    just before the process is started until the pty has shown a frame with the session screen on
    it (the "BDNF" window clock and the strap's name "Polar H10" on the status bar); the process
    is killed after. Best of 3.
The breakdown says how much of it is importing: a process importing just what the command imports
before its output (best of 5), and each top-level package's share of that, both from the command's
own `-X importtime` report (PYTHONPROFILEIMPORTTIME=1; for the TUI, read off the pty).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections import Counter
from pathlib import Path

from benchlib import STREAMS, best_of, bytecode_env, emit_rows

SOAK = STREAMS / "soak_3h.hrcap.jsonl"
FRAME_MARKS = (b"BDNF", b"Polar H10")
IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+\d+ \| ( *)([\w.]+)")


def console_script() -> tuple[list[str], str]:
    script = Path(sys.executable).parent / "hrcoach"
    if script.exists():
        return [str(script)], "the console script .venv/bin/hrcoach"
    return [sys.executable, "-m", "hrcoach"], "python -m hrcoach (no console script found)"


def run_quiet(cmd: list[str], env: dict[str, str]) -> None:
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def first_frame(cmd: list[str], env: dict[str, str], timeout: float = 30.0) -> tuple[float, float, str]:
    """Seconds from process start to the first byte on the pty and to the first frame, and what
    the pty showed until then."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True, start_new_session=True
    )
    os.close(slave)
    first_byte = frame = float("nan")
    buf = b""
    try:
        while time.perf_counter() - t0 < timeout:
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:  # the child closed the pty
                break
            if not chunk:
                break
            now = time.perf_counter() - t0
            if not buf:
                first_byte = now
            buf += chunk
            if all(mark in buf for mark in FRAME_MARKS):
                frame = now
                break
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        os.close(master)
    if frame != frame:  # nan: never painted
        raise SystemExit(f"no frame within {timeout:.0f} s from {' '.join(cmd)}: {buf[-300:]!r}")
    return first_byte, frame, buf.decode("utf-8", "replace")


def import_cost(importtime: str, env: dict[str, str], n: int) -> tuple[float, list[tuple[str, float]]]:
    """What importing costs a command, from its `-X importtime` report: the best-of-n wall time of
    a process that only imports the modules the command imported at top level (interpreter start
    included), and each top-level package's share of the import time."""
    by: Counter[str] = Counter()
    top_level: list[str] = []
    for self_us, indent, name in IMPORT_LINE.findall(importtime):
        if not indent and not name.endswith("__main__"):
            top_level.append(name)
        by[name.split(".")[0]] += int(self_us)
    code = "import " + ", ".join(dict.fromkeys(top_level))
    wall = best_of(n, lambda: run_quiet([sys.executable, "-c", code], env))
    total = sum(by.values())
    return wall, [(name, us / total) for name, us in by.most_common(4)]


def fmt_breakdown(wall: float, top: list[tuple[str, float]]) -> str:
    return f"imports alone {wall:.2f} s (" + ", ".join(f"{name} {share:.0%}" for name, share in top) + ")"


def main() -> int:
    parser = argparse.ArgumentParser(description="start-up times")
    parser.add_argument("--quick", action="store_true", help="best of 3 / 2 instead of 5 / 3")
    parser.add_argument("--rows", action="store_true", help="also print run_all.py's rows as JSON")
    args = parser.parse_args()
    n_cmd, n_tui = (3, 2) if args.quick else (5, 3)
    hrcoach, which = console_script()
    with (
        tempfile.TemporaryDirectory() as home,
        tempfile.TemporaryDirectory() as pyc,
        tempfile.TemporaryDirectory() as no_pyc,
    ):
        env = bytecode_env(dict(os.environ, HRCOACH_HOME=home), pyc, bytecode=True)
        env.pop("PYTHONPATH", None)
        analyze_cmd = [*hrcoach, "analyze", str(SOAK), "--hrmax", "185"]
        for cmd in ([*hrcoach, "--help"], [sys.executable, "-m", "hrcoach", "--help"], analyze_cmd):
            run_quiet(cmd, env)  # compiles what they import, into `pyc`
        bare = best_of(n_cmd, lambda: run_quiet([sys.executable, "-c", "pass"], env))
        help_s = best_of(n_cmd, lambda: run_quiet([*hrcoach, "--help"], env))
        help_m = best_of(n_cmd, lambda: run_quiet([sys.executable, "-m", "hrcoach", "--help"], env))
        analyze_s = best_of(n_cmd, lambda: run_quiet(analyze_cmd, env))
        cold = bytecode_env(env, no_pyc, bytecode=False)
        analyze_cold_s = best_of(n_cmd, lambda: run_quiet(analyze_cmd, cold))
        profiled = dict(env, PYTHONPROFILEIMPORTTIME="1")
        report = subprocess.run(analyze_cmd, env=profiled, capture_output=True, text=True, check=True).stderr
        analyze_imp = import_cost(report, env, n_cmd)
        tui_env = dict(env, TERM="xterm-256color", COLUMNS="80", LINES="24")
        first_frame([*hrcoach, "demo"], tui_env)  # compiles textual and the screens, untimed
        frames = [first_frame([*hrcoach, "demo"], tui_env) for _ in range(n_tui)]
        byte_s = min(f[0] for f in frames)  # frames: (first byte, first frame, screen)
        frame_s = min(f[1] for f in frames)
        # the imports done before the first frame: the pty shows the importtime report first
        report = first_frame([*hrcoach, "demo"], dict(tui_env, PYTHONPROFILEIMPORTTIME="1"))[2]
        tui_imp = import_cost(report, env, n_cmd)

    print(f"commands run as {which}, with bytecode unless said; best of {n_cmd} (TUI: best of {n_tui})")
    print("| what | figure |\n|---|---|")
    print(f"| bare interpreter `python -c pass` | {bare * 1000:.0f} ms |")
    print(f"| `hrcoach --help` | {help_s * 1000:.0f} ms |")
    print(f"| `python -m hrcoach --help` | {help_m * 1000:.0f} ms |")
    print(f"| `hrcoach analyze soak_3h --hrmax 185` | {analyze_s:.2f} s, {fmt_breakdown(*analyze_imp)} |")
    print(f"| `hrcoach analyze soak_3h --hrmax 185` without bytecode | {analyze_cold_s:.2f} s |")
    print(f"| `hrcoach demo` in a pty: first byte | {byte_s:.2f} s |")
    print(f"| `hrcoach demo` in a pty: first frame | {frame_s:.2f} s, {fmt_breakdown(*tui_imp)} |")
    rows = [
        ("start-up: `hrcoach --help`", f"{help_s * 1000:.0f} ms (bare Python {bare * 1000:.0f} ms)"),
        (
            "start-up: `hrcoach analyze soak_3h` (whole process)",
            f"{analyze_s:.2f} s with bytecode, {analyze_cold_s:.2f} s without; {fmt_breakdown(*analyze_imp)}",
        ),
        (
            "start-up: `hrcoach demo` to its first frame (pty, 80x24)",
            f"{frame_s:.2f} s; {fmt_breakdown(*tui_imp)}",
        ),
    ]
    if args.rows:
        emit_rows(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
