"""What several commands share: the profile, and the HRmax a run is coached against."""

from __future__ import annotations

import argparse

from hrcoach import paths
from hrcoach.config import Profile, load_profile
from hrcoach.engine.zones import FORMULA_TEXT, Formula, estimate_hrmax
from hrcoach.session import SessionSetup


def profile() -> Profile:
    return load_profile(paths.profile_path())


def setup_from_args(
    args: argparse.Namespace, prof: Profile, *, fallback_age: int | None = None
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


def use_tui(args: argparse.Namespace) -> bool:
    """The Textual screen, unless --headless or not on a terminal (piped, redirected, CI)."""
    import sys

    return not getattr(args, "headless", False) and sys.stdout.isatty() and sys.stdin.isatty()
