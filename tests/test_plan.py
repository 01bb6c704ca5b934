"""The progressive plan (`hrcoach.plan`), over simulated months: every session met, some fall
short, a two-week break, an illness and the return. Runs Monday, Wednesday and Friday unless a
test says otherwise; the plan starts on Monday 2026-01-05."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from hrcoach.plan import Done, PlanSettings, ladder, missed_weeks, plan_on

START = date(2026, 1, 5)  # a Monday
SETTINGS = PlanSettings(started=START)


def run_days(weeks: int, first: date = START, days: tuple[int, ...] = (0, 2, 4)) -> list[date]:
    return [first + timedelta(weeks=w, days=d) for w in range(weeks) for d in days]


def follow(settings: PlanSettings, days: list[date], minutes: object = None) -> list[tuple[date, int]]:
    """Each day's target, the runner doing exactly the target (or `minutes(day, target)`)."""
    done: list[Done] = []
    targets = []
    for day in days:
        target = plan_on(settings, done, day).target_min
        got = target if minutes is None else minutes(day, target)  # type: ignore[operator]
        targets.append((day, target))
        done.append(Done(day, got))
    return targets


def test_the_ladder_climbs_by_about_a_fifth_to_the_goal() -> None:
    assert ladder(5) == (5, 6, 8, 10, 12, 15, 18, 22, 27, 30)
    assert ladder(10) == (10, 12, 15, 18, 22, 27, 30)
    assert ladder(30) == (30,)
    for start in range(1, 31):
        rungs = ladder(start)
        assert rungs[0] == start and rungs[-1] == 30
        assert all(1 <= b - a <= 5 for a, b in itertools.pairwise(rungs))


def test_all_met_climbs_a_rung_a_week_to_30_minutes_then_holds() -> None:
    targets = follow(SETTINGS, run_days(14))
    weekly = [t for day, t in targets if day.weekday() == 0]
    assert weekly == [5, 6, 8, 10, 12, 15, 18, 22, 27, 30, 30, 30, 30, 30]
    plan = plan_on(SETTINGS, [Done(d, t) for d, t in targets], START + timedelta(weeks=14))
    assert plan.at_goal and plan.target_min == 30
    assert plan.why == "at the goal: 30+ min a session; aim for 3-5 sessions and 150 min in the window a week"


def test_a_session_that_falls_short_holds_the_rung_and_starts_the_count_again() -> None:
    # week 2's Wednesday falls short: 6 min is then needed three times in a row
    def minutes(day: date, target: int) -> float:
        return target - 2.5 if day == START + timedelta(weeks=1, days=2) else target

    targets = follow(SETTINGS, run_days(4), minutes)
    assert [t for _, t in targets] == [5, 5, 5, 6, 6, 6, 6, 6, 8, 8, 8, 10]
    done = [Done(d, minutes(d, t)) for d, t in targets[:5]]
    assert (
        plan_on(SETTINGS, done, targets[5][0]).why
        == "holding 6 min: the last session had 3.5 min in the window"
    )


def test_more_than_the_target_counts_as_met_and_less_never_does() -> None:
    done = [Done(START, 40.0), Done(START + timedelta(days=1), 40.0), Done(START + timedelta(days=2), 4.99)]
    assert plan_on(SETTINGS, done, START + timedelta(days=3)).target_min == 5
    done[-1] = Done(START + timedelta(days=2), 5.0)
    assert plan_on(SETTINGS, done, START + timedelta(days=3)).target_min == 6


def test_a_two_week_break_steps_back_two_rungs_and_the_climb_resumes() -> None:
    days = run_days(5) + run_days(4, first=START + timedelta(weeks=7))  # weeks 6 and 7 missed
    targets = dict(follow(SETTINGS, days))
    return_day = START + timedelta(weeks=7)
    assert targets[START + timedelta(weeks=4, days=4)] == 12  # the rung before the break
    assert targets[return_day] == 10  # 15 - two rungs (it had climbed to 15 that Friday)
    done = [Done(d, t) for d, t in targets.items() if d < return_day]
    plan = plan_on(SETTINGS, done, return_day)
    assert plan.why == "eased back to 10 min: 2 weeks without a session"
    assert targets[return_day + timedelta(weeks=1)] == 12  # met three times: climbing again


def test_today_s_plan_already_counts_the_weeks_missed_so_far() -> None:
    done = [Done(d, t) for d, t in follow(SETTINGS, run_days(4))]  # at 12 min after 4 weeks
    assert plan_on(SETTINGS, done, START + timedelta(weeks=4)).target_min == 12
    assert plan_on(SETTINGS, done, START + timedelta(weeks=4, days=6)).target_min == 12  # not over
    assert plan_on(SETTINGS, done, START + timedelta(weeks=5)).target_min == 10  # one missed
    assert plan_on(SETTINGS, done, START + timedelta(weeks=20)).target_min == 5  # never below the first


def test_an_illness_is_no_missed_week_and_the_return_eases_back_one_rung() -> None:
    ill = (START + timedelta(weeks=4, days=5), START + timedelta(weeks=7, days=1))  # Sat wk5 - Tue wk8
    settings = PlanSettings(started=START, ill=(ill,))
    days = run_days(5) + run_days(3, first=START + timedelta(weeks=8))
    targets = dict(follow(settings, days))
    back = START + timedelta(weeks=8)
    assert targets[START + timedelta(weeks=4, days=4)] == 12
    assert targets[back] == 12  # at 15 when ill, one rung back; weeks 6-8 were not missed
    done = [Done(d, t) for d, t in targets.items() if d < back]
    assert plan_on(settings, done, back).why == "eased back to 12 min: back after being ill"
    assert missed_weeks(settings, START + timedelta(weeks=4, days=4), back) == 0
    assert missed_weeks(SETTINGS, START + timedelta(weeks=4, days=4), back) == 3


def test_five_sessions_a_week_climb_after_five_and_a_higher_start_starts_higher() -> None:
    settings = PlanSettings(started=START, start_min=10, per_week=5)
    targets = follow(settings, run_days(3, days=(0, 1, 2, 3, 4)))
    assert [t for _, t in targets] == [10] * 5 + [12] * 5 + [15] * 5


def test_sessions_before_the_start_do_not_count_and_the_order_given_does_not_matter() -> None:
    done = [Done(d, t) for d, t in follow(SETTINGS, run_days(6))]
    early = [Done(START - timedelta(days=k), 60.0) for k in range(1, 10)]
    today = START + timedelta(weeks=6)
    assert plan_on(SETTINGS, done + early, today) == plan_on(SETTINGS, list(reversed(done)), today)
    assert plan_on(SETTINGS, [], START).target_min == 5


@pytest.mark.parametrize(("start", "per_week"), [(0, 3), (31, 3), (5, 2), (5, 6)])
def test_settings_out_of_bounds_are_refused(start: int, per_week: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        PlanSettings(started=START, start_min=start, per_week=per_week)


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (4, 10),  # ill from the evening of Friday's session to the next Wednesday
        (7, 14),  # reported on the day of the return: ill until that day, the default LAST
    ],
)
def test_the_first_session_after_an_illness_eases_back_however_it_was_reported(first: int, last: int) -> None:
    week = START + timedelta(weeks=2)  # at 8 min after two weeks met
    settings = PlanSettings(started=START, ill=((week + timedelta(days=first), week + timedelta(days=last)),))
    done = [Done(d, t) for d, t in follow(SETTINGS, run_days(2))] + [
        Done(week, 8.0),
        Done(week + timedelta(days=4), 8.0),
    ]
    back = week + timedelta(days=14)
    plan = plan_on(settings, done, back)
    assert (plan.target_min, plan.why) == (6, "eased back to 6 min: back after being ill")


def test_sessions_on_one_day_count_once_toward_climbing() -> None:
    assert plan_on(SETTINGS, [Done(START, 6.0)] * 3, START).target_min == 5
    three_days = [Done(START + timedelta(days=d), 6.0) for d in (0, 0, 1, 2)]
    assert plan_on(SETTINGS, three_days, START + timedelta(days=2)).target_min == 6


def test_a_goal_out_of_bounds_is_refused() -> None:
    for goal in (9, 121, 20_000_000):
        with pytest.raises(ValueError, match="the goal must be 10 to 120 minutes"):
            PlanSettings(started=START, goal_min=goal)
