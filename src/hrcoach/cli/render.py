"""Plain-text rendering of summaries and cues for the terminal."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from hrcoach.engine.summary import Summary, clock

if TYPE_CHECKING:  # the laps module brings numpy: a quarter of `analyze`'s imports, for a type
    from hrcoach.engine.laps import LapSplit

__all__ = ["clock", "lap_line", "summary_text"]


class CueLike(Protocol):
    @property
    def t(self) -> float: ...
    @property
    def message(self) -> str: ...


def summary_text(s: Summary, cues: Iterable[CueLike], title: str) -> str:
    rej = ", ".join(f"{k} {v}" for k, v in s.rejected.items()) or "none"
    goal = "met" if s.bdnf_goal_met else f"not met ({clock(s.bdnf_goal_s - s.bdnf_s)} short)"
    zones = "  ".join(f"Z{i} {clock(v)}" for i, v in enumerate(s.zones_s, start=1))
    mean = f"{s.mean_bpm:.0f}" if s.mean_bpm is not None else "-"
    peak = f"{s.max_bpm}" if s.max_bpm is not None else "-"
    lines = [
        title,
        f"HRmax       {s.hrmax} bpm ({s.hrmax_source})",
        f"Duration    {clock(s.duration_s)}   samples {s.samples_total}, accepted {s.samples_accepted}"
        f" (rejected: {rej})",
        *([f"Span        {s.span_note}"] if s.span_note else []),
        f"BDNF        {clock(s.bdnf_s)} in 60-80 %   longest hold {clock(s.bdnf_longest_hold_s)}"
        f"   goal {clock(s.bdnf_goal_s)} {goal}",
        f"Anandamide  {clock(s.anandamide_s)} in 70-80 %   longest hold {clock(s.anandamide_longest_hold_s)}",
        f"Zones       {zones}",
        f"Heart rate  mean {mean} bpm, max {peak} bpm",
        f"Gaps        {s.gaps} ({clock(s.gap_s)} not credited)",
    ]
    if s.rr_total:
        lines.append(f"RR          {s.rr_total} intervals, {s.rr_rejected} rejected")
    cue_list = list(cues)
    if cue_list:
        lines.append("Cues")
        lines += [f"  {clock(c.t):>8}  {c.message}" for c in cue_list]
    return "\n".join(lines)


def lap_line(lap: LapSplit) -> str:
    """One lap split as `show` lists it."""
    mean = f"{lap.mean_bpm:.0f}" if lap.mean_bpm is not None else "-"
    return (
        f"{lap.number:>3}  at {clock(lap.start_s):>8}  {clock(lap.duration_s):>8}  mean {mean:>3} bpm"
        f"  BDNF {clock(lap.bdnf_s)}  anandamide {clock(lap.anandamide_s)}"
    )
