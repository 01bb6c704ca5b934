"""`hrcoach plan`: set up the progressive plan and see where it stands (`hrcoach.plan` has the
rules). The plan's settings live in plan.toml beside the profile; its targets are worked out
from them and the session log every time, so they always agree with history."""

from __future__ import annotations

import argparse
import json
from datetime import date, timedelta

from hrcoach import paths
from hrcoach.cli.errors import UsageError
from hrcoach.plan import (
    WEEKLY_MIN,
    Done,
    Plan,
    PlanFileError,
    PlanSettings,
    plan_on,
    read_settings,
    settings_toml,
    with_illness,
)

MAX_BYTES = 64 * 1024


def load() -> PlanSettings | None:
    """The plan's settings, None when no plan was started; a UsageError in one line when the
    file is not a plan or not the user's own."""
    path = paths.plan_path()
    try:
        paths.check_private_file(path)
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if isinstance(exc, paths.UnsafePath):
            raise
        raise UsageError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(data) > MAX_BYTES:
        raise UsageError(f"{path}: over {MAX_BYTES // 1024} KiB, not a plan file")
    try:
        return read_settings(path, data)
    except PlanFileError as exc:
        raise UsageError(str(exc)) from None


def save(settings: PlanSettings) -> None:
    path = paths.plan_path()
    try:
        paths.write_private(path, settings_toml(settings))
    except OSError as exc:
        if isinstance(exc, paths.UnsafePath):
            raise
        raise UsageError(f"{path}: cannot write the plan ({exc.strerror or exc})") from None


def sessions_done() -> list[Done]:
    """Every session that counts (live or imported, dated), by its local day."""
    from hrcoach.store import db
    from hrcoach.store.sessions import list_sessions

    try:
        conn = db.connect()
    except db.StoreError as exc:
        raise UsageError(str(exc)) from None
    try:
        return [
            Done(s.started_at.astimezone().date(), s.summary.bdnf_s / 60)
            for s in list_sessions(conn, counted_only=True)
            if s.counts and s.summary is not None
        ]
    finally:
        conn.close()


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{what}: not a date: {text!r} (e.g. 2026-11-30)") from None


def run(args: argparse.Namespace) -> int:
    from hrcoach.store.history import local_today

    today = local_today()
    settings = load()
    if args.action == "start":
        started = _day(args.start_day, "--from") if args.start_day else today
        try:
            settings = PlanSettings(started=started, start_min=args.minutes, per_week=args.per_week)
        except ValueError as exc:
            raise UsageError(f"plan: {exc}") from None
        save(settings)
    elif args.action == "ill":
        if settings is None:
            raise UsageError("no plan yet: `hrcoach plan start` begins one")
        first = _day(args.first, "FIRST")
        last = _day(args.last, "LAST") if args.last else today
        if last < first:
            raise UsageError(f"the illness ends ({last}) before it begins ({first})")
        settings = with_illness(settings, first, last)
        save(settings)
    if settings is None:
        if args.json:
            print(json.dumps({"plan": None}))
            return 0
        print("No plan yet. `hrcoach plan start` begins one: 5 minutes in the 60-80 % window,")
        print("3 sessions a week, growing to 30+ minutes as you meet it (`--minutes N`, `--per-week N`).")
        return 0
    done = sessions_done()
    plan = plan_on(settings, done, today)
    if args.json:
        print(json.dumps(as_json(settings, plan, done, today)))
        return 0
    print(plan_text(settings, plan, done, today))
    return 0


def _this_week(settings: PlanSettings, done: list[Done], today: date) -> tuple[int, float]:
    monday = max(today - timedelta(days=today.weekday()), settings.started)
    week = [d for d in done if monday <= d.day <= today]
    return len(week), sum(d.window_min for d in week)


def plan_text(settings: PlanSettings, plan: Plan, done: list[Done], today: date) -> str:
    sessions, minutes = _this_week(settings, done, today)
    rungs = " ".join(f"[{r}]" if i == plan.rung else str(r) for i, r in enumerate(plan.ladder))
    lines = [
        f"Plan since {settings.started.isoformat()}: {settings.per_week} sessions a week, "
        f"from {settings.start_min} to {settings.goal_min}+ min in the 60-80 % window",
        f"Next session: {plan.target_min} min in the window ({plan.why})",
        f"This week: {sessions} of {settings.per_week} sessions,"
        f" {minutes:.0f} of {WEEKLY_MIN} min in the window",
        f"Steps (min): {rungs}",
    ]
    if settings.ill:
        lines.append("Ill: " + ", ".join(f"{a} to {b}" for a, b in settings.ill) + " (not missed weeks)")
    recent = plan.steps[-5:]
    if recent:
        lines.append("Recent:")
        lines += [f"  {s.day.isoformat()}  {s.why}" for s in recent]
    return "\n".join(lines)


def as_json(settings: PlanSettings, plan: Plan, done: list[Done], today: date) -> dict[str, object]:
    sessions, minutes = _this_week(settings, done, today)
    return {
        "plan": {
            "started": settings.started.isoformat(),
            "start_min": settings.start_min,
            "per_week": settings.per_week,
            "goal_min": settings.goal_min,
            "ill": [[a.isoformat(), b.isoformat()] for a, b in settings.ill],
        },
        "next_target_min": plan.target_min,
        "why": plan.why,
        "ladder": list(plan.ladder),
        "rung": plan.rung,
        "this_week": {"sessions": sessions, "window_min": round(minutes, 1), "weekly_min": WEEKLY_MIN},
        "steps": [{"day": s.day.isoformat(), "target_min": s.target_min, "why": s.why} for s in plan.steps],
    }
