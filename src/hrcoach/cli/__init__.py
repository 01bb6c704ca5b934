"""The `hrcoach` command: argparse only here; each command imports what it needs when it runs,
so `--help` never loads textual or bleak."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from hrcoach import __version__
from hrcoach.cli.errors import UsageError as UsageError


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _add_hrmax_overrides(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("HRmax for this run (overrides the profile)")
    g.add_argument("--hrmax", type=int, metavar="BPM", help="use this measured HRmax")
    g.add_argument("--age", type=int, metavar="YEARS", help="estimate HRmax from this age")
    g.add_argument(
        "--formula",
        choices=["tanaka", "fox", "gulati", "nes"],
        help="estimate formula (default tanaka)",
    )


def _logging_options(p: argparse.ArgumentParser, default: object) -> None:
    p.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default,
        help="log link states, scans, connect timings and errors (-vv: debug, with bleak's own log)",
    )
    p.add_argument(
        "--log-file",
        metavar="PATH",
        default=default,
        help="write the log here (default: standard error; with the screen, hrcoach.log in the data folder)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hrcoach",
        description="Heart-rate session coach: hold 60-80 % HRmax (BDNF) and 70-80 % (anandamide).",
    )
    parser.add_argument("--version", action="version", version=f"hrcoach {__version__}")
    _logging_options(parser, None)
    logging_parent = argparse.ArgumentParser(add_help=False)
    _logging_options(logging_parent, argparse.SUPPRESS)  # `hrcoach run -v` as well as `hrcoach -v run`
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_sub_parser(logging_parent))

    p = sub.add_parser("analyze", help="summarise a recording: time in each window, holds, cues")
    p.add_argument(
        "file", help="a recording: capture, FIT, TCX, GPX, CSV, Polar HRM or Sensor Logger; .gz too"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    _add_hrmax_overrides(p)

    p = sub.add_parser("demo", help="coach a bundled 35-minute run, as if live")
    p.add_argument(
        "--speed", type=_speed, default=30.0, help="replay speed (default 30x; 1 is real time, 0 flat out)"
    )
    p.add_argument("--headless", action="store_true", help="print the read-out instead of the screen")
    _add_hrmax_overrides(p)

    p = sub.add_parser("scan", help="list nearby heart-rate straps, strongest signal first")
    p.add_argument("--timeout", type=_speed, default=5.0, help="seconds to scan (default 5)")
    p.add_argument("--json", action="store_true", help="print a JSON list")

    p = sub.add_parser("run", help="coach a live session from a Bluetooth strap")
    p.add_argument("--device", help="strap name or address (default: the last one used, else the strongest)")
    p.add_argument("--record", metavar="FILE", help="also write every raw notification to a capture file")
    p.add_argument("--headless", action="store_true", help="print the read-out instead of the screen")
    p.add_argument(
        "--on",
        choices=["any", "treadmill", "street", "trail", "track"],
        help="where this run is, as exports say it (default: the profile's runs_on)",
    )
    _add_hrmax_overrides(p)

    p = sub.add_parser("replay", help="play a recording as a live session (real time x speed) and log it")
    p.add_argument("file", help="any recording hrcoach reads (see `analyze`)")
    p.add_argument(
        "--speed", type=_speed, default=1.0, help="replay speed (default 1, real time; 0 flat out)"
    )
    p.add_argument("--headless", action="store_true", help="print the read-out instead of the screen")
    _add_hrmax_overrides(p)

    p = sub.add_parser("import", help="import recordings (FIT, TCX, GPX, CSV, HRM, captures) into the log")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true", help="print a JSON list of what happened to each file")
    p.add_argument(
        "--anyway",
        action="store_true",
        help="import an activity even when a session in the log covers the same time",
    )
    p.add_argument(
        "--start",
        metavar="WHEN",
        help="the start time of a file that has no date (local time, e.g. 2026-11-30T07:15), for the"
        " first such file; without it, you are asked at a terminal, else such a file stays undated",
    )
    _add_hrmax_overrides(p)

    p = sub.add_parser("history", help="sessions per week against the weekly dose, and the streak")
    p.add_argument("--weeks", type=int, default=8, help="how many weeks back (default 8)")
    p.add_argument("--all", action="store_true", help="count demo sessions and replays too")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("sessions", help="list logged sessions")
    p.add_argument("--json", action="store_true", help="print a JSON list")

    p = sub.add_parser("show", help="show one session's summary")
    p.add_argument("id", help="session id (see `hrcoach sessions`)")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    sub.add_parser(
        "check", help="check the session log: SQLite's integrity check, damaged sessions moved aside"
    )

    p = sub.add_parser("date", help="give a session imported without a date its start time")
    p.add_argument("id", help="session id (see `hrcoach sessions`)")
    p.add_argument("when", help="its start, local time (e.g. 2026-11-30T07:15)")
    p.add_argument(
        "--anyway",
        action="store_true",
        help="date it even when a session in the log already covers that time",
    )

    p = sub.add_parser("checkin", help="how you felt: mood and effort before and after (1-5), a note")
    p.add_argument("id", metavar="ID")
    for when in ("before", "after"):
        for what in ("mood", "effort"):
            p.add_argument(
                f"--{what}-{when}", type=int, metavar="N", help=f"{what} {when} the session, 1 to 5"
            )
    p.add_argument("--note", metavar="TEXT", help="a few words about the session")
    p.add_argument("--clear", action="store_true", help="remove the check-in, note and all")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("delete", help="delete a session from the log (asks first)")
    p.add_argument("id", help="session id (see `hrcoach sessions`)")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask (needed when not at a terminal)")

    p = sub.add_parser("export", help="export a session as FIT, TCX, GPX, CSV or a capture")
    p.add_argument("id", help="session id (see `hrcoach sessions`)")
    p.add_argument(
        "--format",
        required=True,
        choices=["fit", "tcx", "gpx", "csv", "capture"],
        help="GPX only for a session with positions (an imported outdoor activity)",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="file or folder (default: hrcoach-session-ID.EXT here); - for standard output",
    )
    p.add_argument("--force", action="store_true", help="replace an existing file")

    sub.add_parser("app", help="the coach's home screen: history, sessions, settings (Textual)")

    p = sub.add_parser("plan", help="the progressive plan: today's target in the window, and why")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    plsub = p.add_subparsers(dest="action", metavar="ACTION")
    pl = plsub.add_parser("show", help="where the plan stands (the default)")
    pl.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    pl = plsub.add_parser("start", help="start (or start again) a plan from a small first dose")
    pl.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    pl.add_argument("--minutes", type=int, default=5, help="the first target, minutes in the window (5)")
    pl.add_argument("--per-week", type=int, default=3, help="sessions a week, 3 to 5 (3)")
    pl.add_argument("--from", dest="start_day", metavar="DAY", help="the plan's first day (today)")
    pl = plsub.add_parser("ill", help="say you were ill: those weeks are not missed ones")
    pl.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    pl.add_argument("first", metavar="FIRST", help="the first day ill, e.g. 2026-11-30")
    pl.add_argument("last", metavar="LAST", nargs="?", help="the last day ill (today)")

    p = sub.add_parser("profile", help="show or change your profile (age, HRmax, target window...)")
    psub = p.add_subparsers(dest="action", metavar="ACTION")
    psub.add_parser("show", help="show the profile and the HRmax in force (the default)")
    ps = psub.add_parser("set", help="set a field, e.g. `profile set age 42` (value `none` clears it)")
    ps.add_argument("key")
    ps.add_argument("value")
    return parser


def _sub_parser(parent: argparse.ArgumentParser) -> type[argparse.ArgumentParser]:
    class SubParser(argparse.ArgumentParser):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("parents", [parent])
            super().__init__(*args, **kwargs)

    return SubParser


COMMANDS = {  # command -> (module in hrcoach.cli, function): only the one run is imported
    "analyze": ("analyze", "run"),
    "demo": ("demo", "run"),
    "replay": ("replay", "run"),
    "import": ("importer", "run"),
    "history": ("logbook", "history"),
    "sessions": ("logbook", "sessions"),
    "show": ("logbook", "show"),
    "export": ("logbook", "export"),
    "delete": ("logbook", "delete"),
    "checkin": ("logbook", "checkin"),
    "date": ("logbook", "date"),
    "check": ("check", "run"),
    "app": ("app", "run"),
    "profile": ("profile", "run"),
    "plan": ("plan", "run"),
    "scan": ("live", "scan"),
    "run": ("live", "run"),
}


def _command(name: str) -> Callable[[argparse.Namespace], int]:
    import importlib

    module, function = COMMANDS[name]
    run: Callable[[argparse.Namespace], int] = getattr(
        importlib.import_module(f"hrcoach.cli.{module}"), function
    )
    return run


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    from hrcoach.cli import logstore
    from hrcoach.config import ProfileError
    from hrcoach.formats.recording import RecordingError

    log_to = None
    if args.verbose or args.log_file:
        from hrcoach.cli import logs

        try:
            log_to = logs.setup(args.verbose or 0, args.log_file, screen=_on_screen(args))
        except logs.LogFileError as exc:
            print(f"hrcoach: {exc}", file=sys.stderr)
            return 2
    from hrcoach.paths import UnsafePath

    try:
        logstore.recover_at_start()
        return _command(args.command)(args)
    except (UsageError, ProfileError, RecordingError, UnsafePath) as exc:
        print(f"hrcoach: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `hrcoach ... | head`: the reader left; say nothing more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    finally:
        if log_to is not None and not args.log_file:
            print(f"hrcoach: log written to {log_to}", file=sys.stderr)


def _on_screen(args: argparse.Namespace) -> bool:
    """Whether this command opens the Textual screen (where standard error cannot be used)."""
    if args.command == "app":
        return True
    from hrcoach.cli import common

    return args.command in ("demo", "replay", "run") and common.use_tui(args)
