"""A deliberately naive reading of DESIGN.md's time-accounting rules, for cross-checking.

Given each sample's accept/reject verdict, it walks the accepted samples and credits intervals
in plain float seconds, with no shared code from hrcoach.engine.accounting."""

from __future__ import annotations

from collections.abc import Sequence


def account(
    samples: Sequence[tuple[float, int]], hrmax: int, max_gap_s: float = 10.0, grace_s: float = 60.0
) -> dict[str, float]:
    out = {
        "bdnf": 0.0,
        "ana": 0.0,
        "gaps": 0,
        "gap_s": 0.0,
        "credited": 0.0,
        "bdnf_hold": 0.0,
        "ana_hold": 0.0,
    }
    zones = [0.0] * 5
    holds = {"bdnf": [0.0, 0.0], "ana": [0.0, 0.0]}  # current, excursion
    prev = None
    for t, bpm in samples:
        if prev is not None:
            dt = t - prev
            if dt > max_gap_s:
                out["gaps"] += 1
                out["gap_s"] += dt
                for h in holds.values():
                    h[0] = h[1] = 0.0
            else:
                pct = 100.0 * bpm / hrmax
                out["credited"] += dt
                for z in range(5):
                    if 50 + 10 * z <= pct < 60 + 10 * z or (z == 4 and pct >= 90):
                        zones[z] += dt
                for name, lo, hi in (("bdnf", 60, 80), ("ana", 70, 80)):
                    inside = lo <= pct <= hi
                    h = holds[name]
                    if inside:
                        out[name] += dt
                        h[0] += dt
                        h[1] = 0.0
                        out[name + "_hold"] = max(out[name + "_hold"], h[0])
                    else:
                        h[1] += dt
                        if h[1] >= grace_s:
                            h[0] = 0.0
        prev = t
    out.update({f"z{i + 1}": v for i, v in enumerate(zones)})
    return out
