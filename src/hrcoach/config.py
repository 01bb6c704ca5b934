"""The runner's profile: pydantic settings kept in a TOML file under the config dir."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError

NOTICE = "hrcoach is a training coach, not a medical device: stop and seek advice if you feel unwell."


class ProfileError(ValueError):
    """A profile that cannot be used; the message names the file and the field. `kind` is
    pydantic's error type when a value was refused (e.g. "greater_than_equal", "int_parsing")."""

    def __init__(self, message: str, kind: str = "") -> None:
        super().__init__(message)
        self.kind = kind


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


def _refused(path: Path, exc: ValidationError) -> ProfileError:
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"]) or "profile"
    return ProfileError(f"{path}: {field}: {err['msg']}", kind=str(err["type"]))


def load_profile(path: Path) -> Profile:
    """The profile at `path`, or the defaults when there is no file yet."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Profile()
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: not valid TOML ({exc})") from None
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise _refused(path, exc) from None


def profile_toml(profile: Profile) -> bytes:
    """The profile as TOML, for `paths.write_private`."""
    return tomli_w.dumps(profile.model_dump(mode="json", exclude_none=True)).encode("utf-8")


def set_field(profile: Profile, path: Path, key: str, value: str) -> Profile:
    """A copy of `profile` with `key` set from its text form ("none" clears an optional field)."""
    if key not in Profile.model_fields:
        known = ", ".join(Profile.model_fields)
        raise ProfileError(f"unknown profile field {key!r}; known fields: {known}")
    data: dict[str, Any] = profile.model_dump()
    data[key] = None if value.lower() in {"none", ""} else value
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise _refused(path, exc) from None
