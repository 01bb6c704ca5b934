"""`hrcoach profile [show | set KEY VALUE]`."""

from __future__ import annotations

import argparse

from hrcoach import paths
from hrcoach.cli import UsageError
from hrcoach.config import NOTICE, Profile, ProfileError, load_profile, profile_toml, set_field
from hrcoach.engine.zones import hrmax_in_force


def show(prof: Profile) -> str:
    lines = [f"Profile {paths.profile_path()}"]
    for name, field in Profile.model_fields.items():
        value = getattr(prof, name)
        lines.append(f"  {name:<13}{'-' if value is None else value!s:<10} {field.description or ''}")
    try:
        hrmax, source = hrmax_in_force(prof)
        lines.append(f"HRmax in force: {hrmax} bpm, {source}")
    except ProfileError as exc:
        lines.append(f"HRmax in force: none yet ({exc})")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    path = paths.profile_path()
    prof = load_profile(path)
    if args.action == "set":
        first_time = not path.exists()
        prof = set_field(prof, path, args.key, args.value)
        try:
            paths.write_private(path, profile_toml(prof))
        except OSError as exc:
            raise UsageError(f"{path}: cannot write the profile ({exc.strerror or exc})") from None
        if first_time:
            print(NOTICE)
        _recompute_history()
    print(show(prof))
    return 0


def _recompute_history() -> None:
    """A new HRmax (or gap/grace/goal) recomputes every stored summary, so history agrees."""
    from hrcoach.cli import logstore
    from hrcoach.store import db

    if db.db_path().exists():
        logstore.make_consistent(logstore.open_store(), verbose=True)
