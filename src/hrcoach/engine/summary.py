"""The summary of a session: what `analyze --json` prints and what the store keeps.

A frozen dataclass, not a pydantic model, so that a command that only computes summaries
(`analyze`) never imports pydantic (a third of its start-up); what crosses a file boundary (the
log's JSON of it) is still written and validated by pydantic, in `store.records`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hrcoach.engine.accounting import Params


def clock(seconds: float) -> str:
    """A duration as the runner reads it: `m:ss`, or `h:mm:ss` from an hour; negative reads 0:00."""
    s = max(0, round(seconds))
    h, rest = divmod(s, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


@dataclass(frozen=True, kw_only=True)  # no slots: pydantic 2.0 cannot validate into them
class Summary:
    hrmax: int
    hrmax_source: str
    duration_s: float  # the time recorded: the span without intervals over LONG_GAP_S
    span_s: float | None = None  # first to last sample (None: a summary stored before it existed)
    samples_total: int
    samples_accepted: int
    rejected: dict[str, int]
    gaps: int
    gap_s: float
    credited_s: float
    mean_bpm: float | None
    max_bpm: int | None
    bdnf_s: float
    anandamide_s: float
    bdnf_longest_hold_s: float
    anandamide_longest_hold_s: float
    bdnf_goal_s: float
    bdnf_goal_met: bool
    zones_s: list[float]
    rr_total: int
    rr_rejected: int

    def as_dict(self) -> dict[str, Any]:
        """The fields as plain JSON values, in order (what `analyze --json` prints)."""
        return dataclasses.asdict(self)

    def ended(self, started: datetime) -> datetime:
        """When a session that began at `started` ended: its last sample, the span after it."""
        return started + timedelta(seconds=self.span_s or 0.0)

    @property
    def span_note(self) -> str | None:
        """What to say when the wall span is far longer than the time recorded (a clock jump,
        a pause of hours or days); None when they agree."""
        if self.span_s is None or self.span_s - self.duration_s <= max(600.0, self.duration_s / 2):
            return None
        span = clock(self.span_s)
        return f"recorded {clock(self.duration_s)} over a span of {span} (a clock jump or a long pause)"


def build_summary(
    params: Params,
    hrmax_source: str,
    *,
    first_ms: int,
    last_ms: int,
    recorded_ms: int,
    samples_total: int,
    rejected: dict[str, int],
    credited_ms: int,
    gaps: int,
    gap_ms: int,
    bpm_ms: int,
    max_bpm: int,
    zones_ms: list[int],
    bdnf_ms: int,
    anandamide_ms: int,
    bdnf_hold_ms: int,
    anandamide_hold_ms: int,
    rr_total: int,
    rr_rejected: int,
) -> Summary:
    """One constructor for both engines, so both round and name things the same way."""
    accepted = samples_total - sum(rejected.values())
    goal_s = params.goal_min * 60
    return Summary(
        hrmax=params.hrmax,
        hrmax_source=hrmax_source,
        duration_s=recorded_ms / 1000 if samples_total else 0.0,
        span_s=(last_ms - first_ms) / 1000 if samples_total else 0.0,
        samples_total=samples_total,
        samples_accepted=accepted,
        rejected={k: v for k, v in sorted(rejected.items()) if v},
        gaps=gaps,
        gap_s=gap_ms / 1000,
        credited_s=credited_ms / 1000,
        mean_bpm=round(bpm_ms / credited_ms, 1) if credited_ms else None,
        max_bpm=max_bpm if accepted else None,
        bdnf_s=bdnf_ms / 1000,
        anandamide_s=anandamide_ms / 1000,
        bdnf_longest_hold_s=bdnf_hold_ms / 1000,
        anandamide_longest_hold_s=anandamide_hold_ms / 1000,
        bdnf_goal_s=float(goal_s),
        bdnf_goal_met=bdnf_ms >= goal_s * 1000,
        zones_s=[z / 1000 for z in zones_ms],
        rr_total=rr_total,
        rr_rejected=rr_rejected,
    )
