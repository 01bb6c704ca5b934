"""The progressive plan: from a small first dose to 30+ minutes in the BDNF window, 3-5 times a
week. Pure and deterministic: the plan of any day is worked out again from its settings and the
sessions done (day, minutes in the window), never stored, so history and plan always agree.

The rules (README, "The plan"):

- The target climbs a ladder from the starting dose (default 5 minutes in the window) to the
  goal (default 30): each rung about a fifth above the one below, rounded up to a whole minute,
  at least one minute and at most five higher.
- A session *meets* its target when its minutes in the window reach it. When the last
  `per_week` sessions at a rung all met it (a week's worth: 3 by default; sessions on one day
  count once), the next session aims one rung higher. A session that falls short holds the rung
  and starts that count again.
- A missed week, an ISO week (Monday to Sunday) with no session between two sessions, or
  between the last session and today, steps the target back one rung for each such week (never
  below the first rung) and starts the count again; weeks before the first session are not
  missed. Weeks that fall within an illness the user reported are not missed weeks either; the
  first session after an illness began (counting from the day of the session before it) steps
  back one rung, once.
- Sessions before the plan's start day do not count. At the top rung the target stays at the goal
  and the week's aim is `per_week` sessions and 150 minutes in the window.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

WEEKLY_MIN = 150  # minutes in the window a week, the WHO's weekly dose


@dataclass(frozen=True, slots=True)
class PlanSettings:
    started: date  # the plan's first day: sessions before it do not count
    start_min: int = 5  # the first rung: minutes in the window
    per_week: int = 3  # sessions a week (3-5): also how many met sessions climb a rung
    goal_min: int = 30  # the top rung
    ill: tuple[tuple[date, date], ...] = ()  # reported illnesses, first and last day

    def __post_init__(self) -> None:
        if not 10 <= self.goal_min <= 120:
            raise ValueError("the goal must be 10 to 120 minutes")
        if not 1 <= self.start_min <= self.goal_min:
            raise ValueError(f"the starting dose must be 1 to {self.goal_min} minutes")
        if not 3 <= self.per_week <= 5:
            raise ValueError("sessions a week must be 3 to 5")


@dataclass(frozen=True, slots=True)
class Done:
    """One session that counts: its (local) day and its minutes in the BDNF window."""

    day: date
    window_min: float


@dataclass(frozen=True, slots=True)
class Step:
    """What one session or one stretch of days did to the plan."""

    day: date
    target_min: int  # the target after it
    why: str


@dataclass(slots=True)
class Plan:
    """The plan on a day: the next session's target, why, and how it got there."""

    target_min: int
    why: str
    rung: int
    ladder: tuple[int, ...]
    met_in_row: int  # days at this rung whose sessions met it, in a row
    steps: list[Step] = field(default_factory=list)
    last_met: date | None = None  # the day of the last session that met its target

    @property
    def at_goal(self) -> bool:
        return self.rung == len(self.ladder) - 1


def ladder(start_min: int, goal_min: int = 30) -> tuple[int, ...]:
    """The rungs from `start_min` to `goal_min`: each about a fifth above the last."""
    rungs = [start_min]
    while rungs[-1] < goal_min:
        up = min(max(math.ceil(rungs[-1] * 1.2), rungs[-1] + 1), rungs[-1] + 5)
        rungs.append(min(up, goal_min))
    return tuple(rungs)


def _week(day: date) -> tuple[int, int]:
    year, week, _ = day.isocalendar()
    return year, week


def _ill_on(settings: PlanSettings, monday: date) -> bool:
    """Whether an illness covers any day of the week starting `monday`."""
    sunday = monday + timedelta(days=6)
    return any(first <= sunday and last >= monday for first, last in settings.ill)


def missed_weeks(settings: PlanSettings, last: date, day: date) -> int:
    """ISO weeks strictly between the weeks of `last` and `day` with no illness in them."""
    monday = last - timedelta(days=last.weekday()) + timedelta(days=7)
    end = day - timedelta(days=day.weekday())
    missed = 0
    while monday < end:
        missed += not _ill_on(settings, monday)
        monday += timedelta(days=7)
    return missed


def _ill_between(settings: PlanSettings, last: date, day: date, *, today: bool) -> bool:
    """Whether an illness began between the last session (its day included: ill that evening)
    and a session on `day` (a session on an illness's first day was before it), or, for the
    plan of `today`, up to today."""
    return any(last <= first and (first < day or (today and first == day)) for first, _ in settings.ill)


def plan_on(settings: PlanSettings, sessions: Iterable[Done], today: date) -> Plan:
    """The plan for the next session on `today`, from every session done before it."""
    rungs = ladder(settings.start_min, settings.goal_min)
    plan = Plan(rungs[0], f"the first rung: {rungs[0]} min in the window", 0, rungs, 0)
    last: date | None = None  # weeks before the first session are not missed ones
    for done in sorted((s for s in sessions if settings.started <= s.day <= today), key=lambda s: s.day):
        if last is not None:
            _gap(settings, plan, last, done.day)
        last = done.day
        _session(settings, plan, done)
    if last is not None:
        _gap(settings, plan, last, today, today=True)
    return plan


def _move(plan: Plan, day: date, rung: int, why: str) -> None:
    plan.rung = rung
    plan.target_min = plan.ladder[rung]
    plan.why = why
    plan.met_in_row, plan.last_met = 0, None
    plan.steps.append(Step(day, plan.target_min, why))


def _gap(settings: PlanSettings, plan: Plan, last: date, day: date, *, today: bool = False) -> None:
    missed = missed_weeks(settings, last, day)
    back = missed
    why = f"{missed} week{'s' * (missed != 1)} without a session"
    if _ill_between(settings, last, day, today=today):
        back += 1
        why = "back after being ill" + (f", and {why}" if missed else "")
    if back:
        rung = max(plan.rung - back, 0)
        what = (
            f"eased back to {plan.ladder[rung]} min"
            if rung < plan.rung
            else f"holding {plan.ladder[rung]} min"
        )
        _move(plan, day, rung, f"{what}: {why}")


def _session(settings: PlanSettings, plan: Plan, done: Done) -> None:
    target = plan.target_min
    got = math.floor(done.window_min * 10) / 10
    if done.window_min + 1e-9 < target:
        plan.met_in_row, plan.last_met = 0, None
        plan.why = f"holding {target} min: the last session had {got:g} min in the window"
        plan.steps.append(Step(done.day, target, plan.why))
        return
    if plan.last_met != done.day:  # several sessions in a day count as one toward climbing
        plan.met_in_row += 1
    plan.last_met = done.day
    if plan.met_in_row >= settings.per_week and not plan.at_goal:
        _move(
            plan,
            done.day,
            plan.rung + 1,
            f"up to {plan.ladder[plan.rung + 1]} min: the last {settings.per_week} sessions met {target} min",
        )
        return
    left = settings.per_week - plan.met_in_row
    plan.why = (
        f"at the goal: {target}+ min a session; aim for {settings.per_week}-5 sessions and"
        f" {WEEKLY_MIN} min in the window a week"
        if plan.at_goal
        else f"holding {target} min: {left} more session{'s' * (left != 1)} meeting it, then "
        f"{plan.ladder[plan.rung + 1]} min"
    )
    plan.steps.append(Step(done.day, target, plan.why))


class PlanFileError(ValueError):
    """plan.toml cannot be read as a plan: `path: what is wrong`."""


def settings_toml(settings: PlanSettings) -> bytes:
    """The plan's settings as plan.toml."""
    lines = [
        "# hrcoach's plan (`hrcoach plan`): the targets are worked out from these and your sessions",
        f"started = {settings.started.isoformat()}",
        f"start_min = {settings.start_min}",
        f"per_week = {settings.per_week}",
        f"goal_min = {settings.goal_min}",
        "ill = [" + ", ".join(f"[{a.isoformat()}, {b.isoformat()}]" for a, b in settings.ill) + "]",
    ]
    return ("\n".join(lines) + "\n").encode()


def read_settings(where: object, data: bytes) -> PlanSettings:
    """plan.toml's settings; a PlanFileError naming `where` and the field when one is wrong."""
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PlanFileError(f"{where}: not a plan file ({exc})") from None

    def number(key: str, default: int) -> int:
        value = doc.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise PlanFileError(f"{where}: {key}: a whole number is needed, not {value!r}")
        return value

    started = doc.get("started")
    if not isinstance(started, date) or hasattr(started, "hour"):
        raise PlanFileError(f"{where}: started: a date is needed (e.g. 2026-11-30)")
    ill = doc.get("ill", [])
    if not isinstance(ill, list) or not all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(d, date) and not hasattr(d, "hour") for d in p)
        for p in ill
    ):
        raise PlanFileError(f"{where}: ill: a list of [first day, last day] pairs is needed")
    try:
        return PlanSettings(
            started=started,
            start_min=number("start_min", 5),
            per_week=number("per_week", 3),
            goal_min=number("goal_min", 30),
            ill=tuple((a, b) for a, b in ill),
        )
    except ValueError as exc:
        raise PlanFileError(f"{where}: {exc}") from None


def with_illness(settings: PlanSettings, first: date, last: date) -> PlanSettings:
    """The settings with an illness from `first` to `last` (days), overlapping ones merged."""
    spans = sorted([*settings.ill, (first, last)])
    merged: list[tuple[date, date]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return replace(settings, ill=tuple(merged))
