"""The end-to-end scenario, run inside the guest by guest_init.sh (tools venv: bumble + stdlib).

The real `hrcoach` (its own venv) against the emulated strap of strap.py, through the real
Linux Bluetooth stack: hci_vhci, bluetoothd, D-Bus, bleak's BlueZ backend.

1. `hrcoach scan --json` must list the strap; a plain `hrcoach scan` too (its output is checked
   for terminal control bytes: the strap's name carries an escape sequence and a BEL).
2. `hrcoach run --headless --age 40 --record FILE` in the background.
3. ~15 s of streaming, then (a) the strap drops the link and stays silent 10 s; ~15 s; (b) the
   strap stops notifying for 12 s with the link up; ~15 s; (c) the strap goes out of range 10 s
   (no disconnect: the supervision timeout ends the link); ~15 s; then SIGINT.
4. Assertions (PASS/FAIL each) and the figures; exit 1 on any failure.

Everything lands in --out: strap.jsonl, hrcoach's stdout/stderr, the capture, the session
log, report.txt, results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import sys
import time
from array import array
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from strap import Sent, Strap, open_radio

HOSTILE_NAME = "HRC [H6M] \x1b]52;c;aGk=\x07"  # an OSC 52 clipboard write, brackets, a bell
STREAM_S = 15  # notifications between events
QUIET_S = 10.0  # how long the strap stays away in (a) and (c)
PAUSE_S = 12.0  # the notification pause of (b): more than max_gap_s (10 s) between two beats
RECONNECT_BOUND_S = 20.0
T0 = time.monotonic()


def say(msg: str) -> None:
    print(f"e2e-guest [{time.monotonic() - T0:6.1f}s] {msg}", flush=True)


class Report:
    def __init__(self) -> None:
        self.results: list[tuple[bool, str, str]] = []
        self.figures: dict[str, float | None] = {}

    def check(self, ok: bool, what: str, detail: str = "") -> bool:
        self.results.append((bool(ok), what, detail))
        line = f"{'PASS' if ok else 'FAIL'}: {what}" + (f" ({detail})" if detail else "")
        print(line, flush=True)
        return bool(ok)

    @property
    def failed(self) -> int:
        return sum(not ok for ok, _, _ in self.results)


class Guest:
    """What the scenario runs: hrcoach with its HRCOACH_HOME, and the strap's radio."""

    def __init__(self, out: Path, hrcoach: str) -> None:
        self.out = out
        self.hrcoach = hrcoach
        self.home = out.parent / "hrcoach-home"  # HRCOACH_HOME: config and the session log
        self.home.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "HRCOACH_HOME": str(self.home), "TERM": "dumb"}
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)

    async def hrcoach_cmd(self, *args: str, timeout: float = 120.0) -> tuple[int, bytes, bytes]:
        t = time.monotonic()
        proc = await asyncio.create_subprocess_exec(
            self.hrcoach,
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self.env,
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(), timeout)
        except TimeoutError:
            proc.kill()
            out, err = await proc.communicate()
            return -999, out, err + b"\n(e2e: killed after timeout)"
        say(f"hrcoach {' '.join(args)} -> exit {proc.returncode} in {time.monotonic() - t:.1f} s")
        return proc.returncode or 0, out, err


async def sh(*cmd: str, timeout: float = 20.0) -> tuple[int, str]:
    """A command bounded in time (bluetoothctl hangs forever without bluetoothd)."""
    proc = await asyncio.create_subprocess_exec(
        "timeout", str(int(timeout)), *cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode(errors="replace")


async def wait_for(pred: Any, timeout: float, what: str, strap: Strap | None = None) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        if strap is not None:
            strap.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(strap.changed.wait(), 0.25)
        else:
            await asyncio.sleep(0.25)
    say(f"timed out after {timeout:.0f} s waiting for {what}")
    return False


async def bring_up_adapter() -> str:
    """Wait for hci0 and make sure bluetoothd powered it. Its address."""
    hci0 = Path("/sys/class/bluetooth/hci0")
    if not await wait_for(hci0.exists, 30, "hci0"):
        raise SystemExit("e2e: FATAL: the kernel registered no hci0 for /dev/vhci")
    for _ in range(40):
        _, out = await sh("bluetoothctl", "show", timeout=15)
        if "Powered: yes" in out:
            address = next((ln.split()[1] for ln in out.splitlines() if ln.startswith("Controller")), "?")
            return address
        await sh("bluetoothctl", "power", "on", timeout=15)
        await asyncio.sleep(0.5)
    raise SystemExit("e2e: FATAL: bluetoothd never powered hci0 (see bluetoothd.log)")


async def stream(strap: Strap, n: int, what: str) -> bool:
    start = len(strap.sent)
    return await wait_for(
        lambda: len(strap.sent) >= start + n, n * 4 + 60, f"{n} notifications ({what})", strap
    )


async def wait_resumed(strap: Strap, since: float, what: str) -> bool:
    """Until a notification goes out after `since` (the strap is back): bounded generously."""
    return await wait_for(lambda: bool(strap.sent) and strap.sent[-1].mono > since, 180, what, strap)


def read_capture(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if not path.exists():
        return {}, []
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return (lines[0], lines[1:]) if lines else ({}, [])


def read_log(home: Path) -> dict[str, Any]:
    db = home / "data" / "hrcoach.sqlite3"
    if not db.exists():
        return {}
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    sessions = conn.execute("SELECT id, status, summary, device FROM sessions ORDER BY id").fetchall()
    if not sessions:
        return {"sessions": []}
    sid, status, summary, device = sessions[-1]
    samples = conn.execute(
        "SELECT seq, t, bpm, rr, contact, energy_kj FROM samples WHERE session_id = ? ORDER BY seq",
        (sid,),
    ).fetchall()
    block = conn.execute(
        "SELECT n, t, bpm, contact, energy, rr_n, rr FROM sample_blocks WHERE session_id = ?", (sid,)
    ).fetchone()
    if block is not None:  # a finished session's samples: one row of columns, read here on its own
        samples += block_rows(*block)
    events = conn.execute(
        "SELECT t, kind, value FROM events WHERE session_id = ? ORDER BY t, rowid", (sid,)
    ).fetchall()
    conn.close()
    return {
        "sessions": sessions,
        "id": sid,
        "status": status,
        "summary": json.loads(summary) if summary else None,
        "device": json.loads(device or "{}"),
        "samples": [
            {"t": t, "bpm": bpm, "rr": list(array("d", rr)) if rr else [], "energy": e}
            for _, t, bpm, rr, _, e in samples
        ],
        "events": [{"t": t, "kind": k, "value": v} for t, k, v in events],
    }


def block_rows(
    n: int, t: bytes, bpm: bytes, contact: bytes, energy: bytes, rr_n: bytes, rr: bytes
) -> list[Any]:
    """A `sample_blocks` row as `samples` rows (seq, t, bpm, rr, contact, energy): float64 times,
    uint16 bpm, int8 contact, int32 energy (-1 none), uint32 RR counts, float64 RR, little-endian."""
    times, rates, contacts = array("d", t), array("H", bpm), array("b", contact)
    energies, counts, beats = array("i", energy), array("I", rr_n), array("d", rr)
    if sys.byteorder != "little":
        for column in (times, rates, energies, counts, beats):
            column.byteswap()
    rows, at = [], 0
    for i in range(n):
        own = beats[at : at + counts[i]]
        at += counts[i]
        kj = energies[i] if energies[i] >= 0 else None
        rows.append((i, times[i], rates[i], own.tobytes() if own else None, contacts[i], kj))
    return rows


def control_bytes(data: bytes) -> list[str]:
    return [name for byte, name in ((0x1B, "ESC"), (0x07, "BEL")) if bytes([byte]) in data]


def first_mismatch(got: list[str], want: list[str]) -> str:
    for i, (g, w) in enumerate(zip(got, want, strict=False)):
        if g != w:
            return f"first difference at #{i}: got {g}, sent {w}"
    return f"lengths {len(got)} vs {len(want)}"


def duplicates(got: list[str]) -> int:
    return len(got) - len(set(got))


async def scenario(args: argparse.Namespace, rep: Report) -> None:
    out = Path(args.out)
    g = Guest(out, args.hrcoach)
    setup = await open_radio()
    adapter = await bring_up_adapter()
    say(f"hci0 up ({adapter}), powered")
    strap = Strap(setup.radio, HOSTILE_NAME, out / "strap.jsonl")
    await strap.start()
    say(f"strap {strap.address} advertising as {HOSTILE_NAME!r}")

    t = time.monotonic()
    await g.hrcoach_cmd("--help")
    rep.figures["hrcoach --help (start-up)"] = time.monotonic() - t

    # 1. scan
    listed: list[dict[str, Any]] = []
    scan_out = b""
    for attempt in range(1, 5):
        rc, scan_out, err = await g.hrcoach_cmd("scan", "--json", "--timeout", "10")
        (out / f"scan-{attempt}.json").write_bytes(scan_out + b"\n--- stderr\n" + err)
        with contextlib.suppress(ValueError):
            listed = [
                s for s in json.loads(scan_out or b"[]") if s.get("address", "").upper() == strap.address
            ]
        if listed:
            break
    rep.check(bool(listed), "hrcoach scan --json lists the strap", json.dumps(listed)[:200])
    if listed:
        rep.check(
            listed[0].get("name") == HOSTILE_NAME or "H6M" in listed[0].get("name", ""),
            "scan shows the strap's name",
            repr(listed[0].get("name")),
        )
    rc, table, err = await g.hrcoach_cmd("scan", "--timeout", "6")
    (out / "scan-table.txt").write_bytes(table + b"\n--- stderr\n" + err)
    bad = control_bytes(table + err)
    rep.check(not bad, "hrcoach scan (table) prints no terminal control bytes", ", ".join(bad) or "clean")

    # 2. run
    capture = out / "session.hrcap.jsonl"
    run_out, run_err = open(out / "run.stdout", "wb"), open(out / "run.stderr", "wb")  # noqa: SIM115
    t_run = time.monotonic()
    strap.note("run_started")
    proc = await asyncio.create_subprocess_exec(
        "env",
        "--default-signal=INT",
        g.hrcoach,
        "run",
        "--headless",
        "--age",
        "40",
        "--record",
        str(capture),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=run_out,
        stderr=run_err,
        env=g.env,
    )
    say("hrcoach run started")
    silences: list[dict[str, Any]] = []
    try:
        if not await wait_for(lambda: bool(strap.sent), 240, "the first notification", strap):
            raise RuntimeError("hrcoach never subscribed to the strap")
        say(f"streaming (first notification {strap.sent[0].mono - t_run:.1f} s after run started)")
        await stream(strap, STREAM_S, "before (a)")

        async def silence(
            case: str,
            letter: str,
            begin: Callable[[], Awaitable[str]],
            quiet_s: float,
            end: Callable[[], Awaitable[None]],
            again: str,
            back_word: str,
        ) -> None:
            """One silence: `begin` it (saying what happened), wait, `end` it, and note when
            hrcoach is back; then stream again."""
            last = strap.sent[-1]
            say(f"({letter}) {await begin()}")
            await asyncio.sleep(quiet_s)
            await end()
            back = time.monotonic()
            ok = await wait_resumed(strap, back, f"{again} after ({letter})")
            silences.append({"case": case, "last": last, "back": back, "resumed": ok})
            say(f"({letter}) {back_word if ok else 'NOT ' + back_word}")
            await stream(strap, STREAM_S, f"after ({letter})")

        async def drop() -> str:
            await strap.drop_link()
            return f"strap dropped the link; silent {QUIET_S:.0f} s"

        async def pause() -> str:
            strap.pause()
            return f"strap stopped notifying for {PAUSE_S:.0f} s"

        async def resume() -> None:
            strap.resume()

        async def leave() -> str:
            timeout = await strap.leave()
            return f"strap out of range for {QUIET_S:.0f} s (supervision timeout {timeout:.2f} s)"

        # (a) the strap drops the link, silent for QUIET_S
        await silence("drop", "a", drop, QUIET_S, strap.advertise, "reconnect", "reconnected")
        # (b) link up, no notification for PAUSE_S (the notifier is 1 s behind the last beat already)
        await silence("stale", "b", pause, PAUSE_S - 1.0, resume, "resume", "resumed")
        # (c) out of range, no disconnect: the supervision timeout ends the link
        await silence("out_of_range", "c", leave, QUIET_S, strap.come_back, "reconnect", "reconnected")
    except RuntimeError as exc:
        say(f"scenario cut short: {exc}")
    finally:
        await asyncio.sleep(1.5)  # the last notification reaches hrcoach
        stop_at = time.monotonic()
        strap.pause()
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
        try:
            rc = await asyncio.wait_for(proc.wait(), 120)
        except TimeoutError:
            proc.kill()
            rc = await proc.wait()
            say("hrcoach run did not end within 120 s of SIGINT: killed")
        say(f"hrcoach run exited {rc} {time.monotonic() - stop_at:.1f} s after SIGINT")
        run_out.close()
        run_err.close()
        await strap.stop()

    # 6. assertions
    _, sess_out, _ = await g.hrcoach_cmd("sessions", "--json")
    (out / "sessions.json").write_bytes(sess_out)
    assess(rep, g, strap, capture, rc, t_run, silences, sess_out)


def assess(
    rep: Report,
    g: Guest,
    strap: Strap,
    capture: Path,
    rc: int,
    t_run: float,
    silences: list[dict[str, Any]],
    sessions_json: bytes,
) -> None:
    out = g.out
    sent: list[Sent] = strap.sent
    say(f"strap sent {len(sent)} notifications; checking")
    rep.check(rc == 0, "hrcoach run exited 0 after SIGINT", f"exit {rc}")
    stdout, stderr = (out / "run.stdout").read_bytes(), (out / "run.stderr").read_bytes()
    bad = control_bytes(stdout + stderr)
    rep.check(not bad, "hrcoach run's stdout/stderr have no ESC or BEL bytes", ", ".join(bad) or "clean")

    logged = read_log(g.home)
    (out / "sessionlog.json").write_text(json.dumps({k: v for k, v in logged.items() if k != "sessions"}))
    with contextlib.suppress(ValueError):
        listed = json.loads(sessions_json or b"[]")
        mine = [s for s in listed if s.get("id") == logged.get("id")] if isinstance(listed, list) else []
        rep.check(
            bool(mine) and mine[0].get("status") == "complete",
            "the session is in the log, status complete (hrcoach sessions --json)",
            json.dumps(mine[0] if mine else listed)[:200],
        )
    rep.check(
        logged.get("status") == "complete", "the session log row says complete", str(logged.get("status"))
    )

    header, events = read_capture(capture)
    hrm = [e for e in events if "hrm" in e]
    device = header.get("device", {})
    rep.check(
        device.get("body_sensor_location") == "chest",
        "body sensor location read (capture header: chest)",
        json.dumps(device, ensure_ascii=True)[:200],
    )
    batteries = [e["battery"] for e in events if "battery" in e]
    rep.check(
        bool(batteries) and set(batteries) == {strap.battery},
        f"battery read ({strap.battery} %) on connect",
        f"capture battery events: {batteries}",
    )
    logged_batteries = [e["value"] for e in logged.get("events", []) if e["kind"] == "battery"]
    rep.check(
        bool(logged_batteries) and set(logged_batteries) == {str(strap.battery)},
        "battery read in the session log",
        f"{logged_batteries}",
    )

    # exactly once, in order: the capture
    want = [s.hex for s in sent]
    got = [e["hrm"] for e in hrm]
    dup = duplicates(got)
    missing = sorted(set(want) - set(got))
    rep.check(
        got == want,
        "capture: every notification exactly once, in order",
        f"{len(want)} sent, {len(got)} recorded, {dup} duplicates, {len(missing)} missing"
        + ("" if got == want else "; " + first_mismatch(got, want)),
    )
    # the time base: hrcoach's t = its monotonic clock - t0; t0 from the fastest delivery
    first_seen: dict[str, float] = {}
    for e in hrm:
        first_seen.setdefault(e["hrm"], e["t"])
    by_hex = {s.hex: s for s in sent}
    offsets = [by_hex[h].mono - t for h, t in first_seen.items() if h in by_hex]
    t0 = max(offsets) if offsets else None

    def to_mono(t: float) -> float | None:
        return None if t0 is None else t0 + t

    # exactly once: the session log's samples
    samples = logged.get("samples", [])
    want_rows = [(s.seq, s.bpm, round(s.rr * 1000 / 1024, 6)) for s in sent]
    got_rows = [(x["energy"], x["bpm"], round(x["rr"][0], 6) if x["rr"] else None) for x in samples]
    rep.check(
        got_rows == want_rows,
        "session log: every notification exactly once, in order (seq, bpm, RR)",
        f"{len(want_rows)} sent, {len(got_rows)} samples, {len(got_rows) - len(set(got_rows))} duplicates"
        + (
            ""
            if got_rows == want_rows
            else "; " + first_mismatch(list(map(str, got_rows)), list(map(str, want_rows)))
        ),
    )
    times = [x["t"] for x in samples]
    rep.check(times == sorted(times), "session log: sample times never go back", f"{len(times)} samples")
    rr_got = [round(v, 6) for x in samples for v in x["rr"]]
    rr_want = [round(s.rr * 1000 / 1024, 6) for s in sent]
    rep.check(
        rr_got == rr_want,
        "session log: every RR interval exactly once",
        f"{len(rr_want)} sent, {len(rr_got)} stored",
    )
    rejected = (logged.get("summary") or {}).get("rejected", {})
    rep.check(
        not rejected,
        "every stored sample accepted by the engine",
        ", ".join(f"{n} {why}" for why, n in sorted(rejected.items())) + " rejected" if rejected else "",
    )

    # the silences: one gap each, nothing in them, the link events inside them
    summary = logged.get("summary") or {}
    link = [e for e in events if "link" in e]
    (out / "link-events.json").write_text(json.dumps(link, indent=1))
    rep.check(
        summary.get("gaps") == len(silences),
        f"engine: {len(silences)} gaps, one per silence",
        f"summary gaps {summary.get('gaps')}, gap_s {summary.get('gap_s')}",
    )
    credited_expected = 0.0
    spans = []
    for i, s in enumerate(sent[1:], start=1):
        dt = s.mono - sent[i - 1].mono
        if dt <= 10.0:
            credited_expected += dt
        else:
            spans.append((sent[i - 1].mono, s.mono))
    credited = summary.get("credited_s")
    rep.check(
        credited is not None and abs(credited - credited_expected) <= 2.0,
        "engine: credited time = streaming time, nothing in a gap",
        f"credited {credited} s, strap streamed {credited_expected:.1f} s between beats ≤ 10 s apart",
    )
    figures = rep.figures
    if t0 is not None and sent:
        figures["run -> first beat"] = first_seen.get(sent[0].hex, 0) + t0 - t_run
    names = {
        "drop": "reconnect after drop",
        "stale": "resume after stale",
        "out_of_range": "reconnect after out-of-range",
    }
    for s in silences:
        last: Sent = s["last"]
        after = next((x for x in sent if x.mono > s["back"]), None)
        inside = [
            x
            for x in samples
            if t0 is not None and last.mono + 0.5 < x["t"] + t0 < (after.mono if after else 1e18) - 0.5
        ]
        states = [
            e["link"]
            for e in link
            if t0 is not None and last.mono <= e["t"] + t0 <= (after.mono + 3.0 if after else 1e18)
        ]
        delay = None
        if after is not None:
            seen = first_seen.get(after.hex)
            delay = (seen + t0 - s["back"]) if seen is not None and t0 is not None else after.mono - s["back"]
        figures[names[s["case"]]] = delay
        rep.check(not inside, f"({s['case']}) no sample logged inside the silence", f"{len(inside)} inside")
        expect = {
            "drop": ["disconnected"],
            "stale": ["stale", "connected"],
            "out_of_range": ["stale", "disconnected"],  # silent 5 s, then the 6 s supervision timeout
        }[s["case"]]
        rep.check(
            all(x in states for x in expect) and (s["case"] != "stale" or "disconnected" not in states),
            f"({s['case']}) link events inside the silence: {' + '.join(expect)}"
            + (", no disconnect" if s["case"] == "stale" else ""),
            " -> ".join(states) or "none",
        )
        rep.check(
            delay is not None and delay <= RECONNECT_BOUND_S,
            f"({s['case']}) hrcoach back within {RECONNECT_BOUND_S:.0f} s of the strap",
            "never" if delay is None else f"{delay:.1f} s",
        )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--hrcoach", required=True)
    args = p.parse_args()
    Path(args.out).mkdir(parents=True, exist_ok=True)
    rep = Report()
    try:
        asyncio.run(scenario(args, rep))
    except SystemExit as exc:
        rep.check(False, "scenario ran", str(exc))
    except Exception as exc:
        rep.check(False, "scenario ran", f"{type(exc).__name__}: {exc}")
        import traceback

        traceback.print_exc()
    fig = rep.figures
    text = "; ".join(f"{k} {'n/a' if v is None else f'{v:.1f} s'}" for k, v in fig.items())
    print(f"E2E figures: {text or 'none (no beat reached hrcoach)'}", flush=True)
    passed = len(rep.results) - rep.failed
    print(f"e2e: {passed} passed, {rep.failed} failed", flush=True)
    (Path(args.out) / "results.json").write_text(
        json.dumps({"results": rep.results, "figures": fig, "passed": passed, "failed": rep.failed}, indent=1)
    )
    sys.exit(1 if rep.failed or not rep.results else 0)


if __name__ == "__main__":
    main()
