"""HRmax estimates, %HRmax, the five zones and the two target windows.

All comparisons are made in integers (100·bpm against percent·HRmax), so a sample at exactly
60.0 % is in the window on every path, live or batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hrcoach.config import ProfileError, ProfileLike


class Formula(StrEnum):
    TANAKA = "tanaka"
    FOX = "fox"
    GULATI = "gulati"
    NES = "nes"


FORMULA_TEXT = {
    Formula.TANAKA: "Tanaka",
    Formula.FOX: "Fox",
    Formula.GULATI: "Gulati",
    Formula.NES: "Nes",
}
FORMULA_EQUATION = {
    Formula.TANAKA: "208 - 0.7 x age",
    Formula.FOX: "220 - age",
    Formula.GULATI: "206 - 0.88 x age",
    Formula.NES: "211 - 0.64 x age",
}


def estimate_hrmax(age: int, formula: Formula = Formula.TANAKA) -> int:
    """Age-predicted HRmax in whole bpm (rounded half up)."""
    value = {
        Formula.TANAKA: 208 - 0.7 * age,
        Formula.FOX: 220.0 - age,
        Formula.GULATI: 206 - 0.88 * age,
        Formula.NES: 211 - 0.64 * age,
    }[formula]
    return int(value + 0.5)


@dataclass(frozen=True, slots=True)
class Window:
    """An inclusive %HRmax window: lo <= 100·bpm/HRmax <= hi. Everything that names a window
    or its bounds (cues, the TUI's labels, gauge and tables) takes them from here."""

    name: str
    lo: int
    hi: int
    title: str  # what it is called mid-sentence: "BDNF", "anandamide"

    @property
    def label(self) -> str:
        """Plain text, for cues and the command line: "BDNF 60-80 %"."""
        return f"{self.title} {self.lo}-{self.hi} %"

    @property
    def span(self) -> str:
        """The bounds as the screens show them: "60–80 %"."""
        return f"{self.lo}–{self.hi} %"

    @property
    def heading(self) -> str:
        """Title and bounds to begin a line with: "BDNF 60–80 %", "Anandamide 70–80 %"."""
        return f"{self.title[:1].upper()}{self.title[1:]} {self.span}"

    def contains(self, bpm: int, hrmax: int) -> bool:
        return self.lo * hrmax <= 100 * bpm <= self.hi * hrmax

    def bounds_bpm(self, hrmax: int) -> tuple[float, float]:
        return self.lo * hrmax / 100, self.hi * hrmax / 100


BDNF = Window("bdnf", 60, 80, "BDNF")
ANANDAMIDE = Window("anandamide", 70, 80, "anandamide")
WINDOWS = {w.name: w for w in (BDNF, ANANDAMIDE)}

ZONE_FLOORS = (50, 60, 70, 80, 90)  # zone z (1..5) starts at ZONE_FLOORS[z-1] %; Z5 is open above


def zone_of(bpm: int, hrmax: int) -> int:
    """0 below 50 %, else 1..5 for [50,60), [60,70), [70,80), [80,90), [90, ...)."""
    scaled = 100 * bpm
    zone = 0
    for z, floor in enumerate(ZONE_FLOORS, start=1):
        if scaled >= floor * hrmax:
            zone = z
    return zone


def pct_of(bpm: float, hrmax: int) -> float:
    return 100.0 * bpm / hrmax


def hrmax_in_force(profile: ProfileLike) -> tuple[int, str]:
    """(HRmax, where it comes from). Raises ProfileError when neither age nor HRmax is known."""
    if profile.hrmax is not None:
        return profile.hrmax, "measured"
    if profile.age is not None:
        f = Formula(profile.formula)
        return estimate_hrmax(profile.age, f), f"estimated with {FORMULA_TEXT[f]} from age {profile.age}"
    raise ProfileError("no HRmax: set your age or a measured HRmax, e.g. `hrcoach profile set age 42`")
