"""What several commands share: the profile, and the HRmax a run is coached against."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from hrcoach import paths
from hrcoach.cli.errors import UsageError
from hrcoach.config import ProfileLike, load_profile, read_profile
from hrcoach.engine.zones import FORMULA_TEXT, Formula, estimate_hrmax
from hrcoach.session import SessionSetup

if TYPE_CHECKING:
    from hrcoach.config import Profile
    from hrcoach.plan import Plan


def profile() -> Profile:
    return load_profile(paths.profile_path())


def profile_to_read() -> ProfileLike:
    """The profile for a command that only reads it (no pydantic when the file is plain)."""
    return read_profile(paths.profile_path())


def setup_from_args(
    args: argparse.Namespace, prof: ProfileLike, *, fallback_age: int | None = None
) -> SessionSetup:
    """The session set-up: --hrmax, else --age/--formula, else the profile (else fallback_age)."""
    if args.hrmax is not None:
        return SessionSetup.from_profile(prof, hrmax=args.hrmax, hrmax_source="given on the command line")
    age, note = args.age, ""
    if age is None and prof.hrmax is None and prof.age is None and fallback_age is not None:
        age, note = fallback_age, "; a default: set yours with `hrcoach profile set age N`"
    if age is not None:
        f = Formula(args.formula or prof.formula)
        source = f"estimated with {FORMULA_TEXT[f]} from age {age}{note}"
        return SessionSetup.from_profile(prof, hrmax=estimate_hrmax(age, f), hrmax_source=source)
    return SessionSetup.from_profile(prof)


def _plan_today() -> Plan | None:
    """The plan for the next session today, from the log as it is now; None without a plan."""
    from hrcoach.cli import plan as planning
    from hrcoach.plan import plan_on
    from hrcoach.store.history import local_today

    settings = planning.load()
    return None if settings is None else plan_on(settings, planning.sessions_done(), local_today())


def with_plan(setup: SessionSetup) -> tuple[SessionSetup, str | None]:
    """A live run coached toward the plan's target for today (its countdown, milestones and
    goal cue), and the line saying so; the set-up as it is when there is no plan. The stored
    summary keeps the profile's goal: what counts as a 30+ session in history does not move."""
    from dataclasses import replace

    today = _plan_today()
    if today is None:
        return setup, None
    coach = replace(setup.coach, goal_s=today.target_min * 60.0)
    return replace(setup, coach=coach), f"Today's plan: {today.target_min} min in the window ({today.why})"


def next_in_plan() -> str | None:
    """After a session: the next target and why, when there is a plan."""
    after = _plan_today()
    return None if after is None else f"Next session: {after.target_min} min in the window ({after.why})"


def use_tui(args: argparse.Namespace) -> bool:
    """The Textual screen, unless --headless or not on a terminal (piped, redirected, CI)."""
    import sys

    return not getattr(args, "headless", False) and sys.stdout.isatty() and sys.stdin.isatty()


def parse_when(text: str, what: str) -> datetime:
    """A date and time the runner typed (`2026-11-30 07:15`, or with a zone), in local time when
    it has no zone; a UsageError in one line when it is not one, or is in the future."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"{what}: not a date and time: {text!r} (e.g. 2026-11-30T07:15, local time)"
        ) from None
    when = when.astimezone() if when.tzinfo is None else when
    if when > datetime.now(UTC) + timedelta(minutes=5):
        raise UsageError(f"{what}: {text!r} is in the future")
    return when  # aware, in the zone it was given in (or this machine's): the session's local time
