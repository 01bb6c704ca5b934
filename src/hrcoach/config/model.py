"""The profile as a pydantic model: what validates the profile file and any field set."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Profile(BaseModel):
    """Everything hrcoach needs to know about the runner. Every field is optional but one of
    `age` or `hrmax` is needed before a session can be coached."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    age: int | None = Field(None, ge=10, le=100, description="age in years, for the HRmax estimate")
    sex: Literal["female", "male"] | None = Field(None, description="optional")
    hrmax: int | None = Field(None, ge=100, le=240, description="measured HRmax, bpm; wins over the estimate")
    resting_hr: int | None = Field(None, ge=25, le=120, description="resting heart rate, bpm")
    formula: Literal["tanaka", "fox", "gulati", "nes"] = Field(
        "tanaka", description="HRmax estimate from age: tanaka, fox, gulati or nes"
    )
    target: Literal["bdnf", "anandamide"] = Field("bdnf", description="window to coach toward")
    warmup_min: float = Field(5.0, ge=0, le=30, description="minutes of warm-up without steering cues")
    goal_min: float = Field(30.0, ge=5, le=300, description="minutes in the BDNF window a session aims for")
    max_gap_s: float = Field(10.0, ge=2, le=120, description="a longer silence is a gap, credited to nothing")
    hold_grace_s: float = Field(
        60.0, ge=0, le=600, description="excursions shorter than this keep a hold alive"
    )
    runs_on: Literal["any", "treadmill", "street", "trail", "track"] = Field(
        "any", description="where live runs are, as exports say it: any, treadmill, street, trail or track"
    )
    cue_sound: Literal["bell", "speech", "both", "off"] = Field(
        "bell", description="how cues are heard: bell, speech (espeak-ng, say, PowerShell), both or off"
    )
