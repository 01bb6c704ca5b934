"""The weekly dose: sessions per ISO week against 150 window minutes and 3–4 sessions a week.

A week *meets the goal* when it holds at least `WEEKLY_MIN` minutes in the 60–80 % (BDNF) window
over at least `WEEKLY_SESSIONS` sessions (WHO: 150 min/week of moderate aerobic activity; the
reviews: 3–4 runs a week); each week shows its own dose against that goal.

The streak is separate from the goal: it counts the weeks with at least one session, "never miss
twice": a single week without one neither counts nor ends it, two in a row do. The current week
counts once it has a session; while it has none it is still under way and ends nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, tzinfo

from hrcoach.store.sessions import SessionInfo

WEEKLY_MIN = 150
WEEKLY_SESSIONS = 3
WEEKLY_SESSIONS_MAX = 4


@dataclass(frozen=True, slots=True)
class Week:
    year: int
    week: int
    monday: date
    sessions: int
    total_min: float
    bdnf_min: float
    anandamide_min: float
    goal_sessions: int  # sessions with 30+ minutes in the BDNF window
    dose_pct: float  # BDNF-window minutes against the 150-minute week
    met: bool

    def as_json(self) -> dict[str, object]:
        out = asdict(self)
        out["monday"] = self.monday.isoformat()
        out["iso_week"] = f"{self.year}-W{self.week:02d}"
        return out


@dataclass(frozen=True, slots=True)
class History:
    weeks: list[Week]  # oldest first, empty weeks included
    streak: int  # weeks with a session, never two missed in a row
    current_met: bool
    missed_last: bool = False  # last week had no session: a session this week keeps the streak

    def as_json(self) -> dict[str, object]:
        return {
            "weekly_goal": {"bdnf_min": WEEKLY_MIN, "sessions": [WEEKLY_SESSIONS, WEEKLY_SESSIONS_MAX]},
            "streak_weeks": self.streak,
            "streak_rule": "weeks with a session; one week without one does not end it, two do",
            "weeks": [w.as_json() for w in self.weeks],
        }


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _week(monday: date, items: Sequence[SessionInfo]) -> Week:
    year, week, _ = monday.isocalendar()
    bdnf = sum(s.summary.bdnf_s for s in items if s.summary) / 60
    return Week(
        year=year,
        week=week,
        monday=monday,
        sessions=len(items),
        total_min=round(sum(s.duration_s for s in items) / 60, 1),
        bdnf_min=round(bdnf, 1),
        anandamide_min=round(sum(s.summary.anandamide_s for s in items if s.summary) / 60, 1),
        goal_sessions=sum(1 for s in items if s.summary and s.summary.bdnf_goal_met),
        dose_pct=round(100 * bdnf / WEEKLY_MIN, 1),
        met=bdnf >= WEEKLY_MIN and len(items) >= WEEKLY_SESSIONS,
    )


def weekly(sessions: Sequence[SessionInfo], *, today: date, weeks: int, tz: tzinfo | None = None) -> History:
    """The last `weeks` ISO weeks up to the one holding `today` (times in `tz`, default local)."""
    by_monday: dict[date, list[SessionInfo]] = {}
    for s in sessions:
        if not s.dated:  # its week is not known: out of every week until the runner dates it
            continue
        by_monday.setdefault(_monday(s.started_at.astimezone(tz).date()), []).append(s)
    this = _monday(today)
    rows = [
        _week(m, by_monday.get(m, [])) for m in (this - timedelta(weeks=k) for k in range(weeks - 1, -1, -1))
    ]
    streak, missed_last = _streak(set(by_monday), this)
    return History(rows, streak, rows[-1].met if rows else False, missed_last)


def _streak(active: set[date], this: date) -> tuple[int, bool]:
    """Weeks with a session back from this week (under way while it has none), a single empty
    week passed over, two in a row ending it; and whether last week was empty with the streak
    still alive (this week's session keeps it)."""
    monday = this if this in active else this - timedelta(weeks=1)
    missed_last = this not in active and monday not in active
    first = min(active, default=this)
    streak, empty = 0, 0
    while monday >= first:
        if monday in active:
            streak, empty = streak + 1, 0
        else:
            empty += 1
            if empty == 2:
                break
        monday -= timedelta(weeks=1)
    return streak, missed_last and streak > 0


def streak_line(h: History) -> str:
    """The streak in words, kind ones: how many weeks, what keeps it going."""
    if not h.streak:
        return "Streak: it starts with a session this week (weeks with a session; never miss twice)"
    weeks = "week" if h.streak == 1 else "weeks"
    keep = "; last week had none: a session this week keeps it" if h.missed_last else ""
    return f"Streak: {h.streak} {weeks} with a session (never miss twice){keep}"


def local_today() -> date:
    return datetime.now().astimezone().date()
