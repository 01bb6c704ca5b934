"""The runner's profile: pydantic settings kept in a TOML file under the config dir.

The pydantic model (`Profile`, in `config.model`) is imported only when it is used: a command
that only reads the profile (`analyze`) takes `read_profile`, which checks a plain file itself
(every field of a known name, of its exact type, within its bounds) and hands anything else to
the model, so pydantic's coercions and its errors stay the only rules."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from pydantic import ValidationError

    from hrcoach.config.model import Profile as Profile

NOTICE = "hrcoach is a training coach, not a medical device: stop and seek advice if you feel unwell."


def __getattr__(name: str) -> Any:
    if name == "Profile":  # pydantic only when the model is asked for
        from hrcoach.config.model import Profile

        return Profile
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class ProfileError(ValueError):
    """A profile that cannot be used; the message names the file and the field. `kind` is
    pydantic's error type when a value was refused (e.g. "greater_than_equal", "int_parsing")."""

    def __init__(self, message: str, kind: str = "") -> None:
        super().__init__(message)
        self.kind = kind


class ProfileLike(Protocol):
    """What a session's set-up reads of a profile: a `Profile` or a `PlainProfile`."""

    @property
    def age(self) -> int | None: ...
    @property
    def hrmax(self) -> int | None: ...
    @property
    def formula(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def warmup_min(self) -> float: ...
    @property
    def goal_min(self) -> float: ...
    @property
    def max_gap_s(self) -> float: ...
    @property
    def hold_grace_s(self) -> float: ...


@dataclass(frozen=True, slots=True)
class PlainProfile:
    """A profile read without pydantic: the same fields and defaults as `Profile` (a test
    holds them to it)."""

    age: int | None = None
    sex: str | None = None
    hrmax: int | None = None
    resting_hr: int | None = None
    formula: str = "tanaka"
    target: str = "bdnf"
    warmup_min: float = 5.0
    goal_min: float = 30.0
    max_gap_s: float = 10.0
    hold_grace_s: float = 60.0
    runs_on: str = "any"
    cue_sound: str = "bell"


# `Profile`'s bounds and choices, for values plain enough to need no coercion (a test holds
# these to the model's own)
INT_BOUNDS = {"age": (10, 100), "hrmax": (100, 240), "resting_hr": (25, 120)}
FLOAT_BOUNDS = {"warmup_min": (0, 30), "goal_min": (5, 300), "max_gap_s": (2, 120), "hold_grace_s": (0, 600)}
CHOICES = {
    "sex": ("female", "male"),
    "formula": ("tanaka", "fox", "gulati", "nes"),
    "target": ("bdnf", "anandamide"),
    "runs_on": ("any", "treadmill", "street", "trail", "track"),
    "cue_sound": ("bell", "speech", "both", "off"),
}


def plain_profile(data: dict[str, Any]) -> PlainProfile | None:
    """`data` as a profile when every value is one `Profile` takes as it is (an int or a choice
    of its exact type, a number within its bounds), else None: for the model to judge."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        kind = type(value)
        if key in INT_BOUNDS:
            lo, hi = INT_BOUNDS[key]
            if kind is not int or not lo <= value <= hi:
                return None
        elif key in FLOAT_BOUNDS:
            lo, hi = FLOAT_BOUNDS[key]
            if kind not in (int, float) or not lo <= value <= hi:
                return None
            value = float(value)
        elif key in CHOICES:
            if kind is not str or value not in CHOICES[key]:
                return None
        else:
            return None
        values[key] = value
    return PlainProfile(**values)


def _refused(path: Path, exc: ValidationError) -> ProfileError:
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"]) or "profile"
    return ProfileError(f"{path}: {field}: {err['msg']}", kind=str(err["type"]))


def _read(path: Path) -> dict[str, Any] | None:
    """The TOML at `path`, None when there is no file yet."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: not valid TOML ({exc})") from None


def _validated(path: Path, data: dict[str, Any]) -> Profile:
    from pydantic import ValidationError

    from hrcoach.config.model import Profile

    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise _refused(path, exc) from None


def load_profile(path: Path) -> Profile:
    """The profile at `path`, or the defaults when there is no file yet."""
    return _validated(path, _read(path) or {})


def read_profile(path: Path) -> ProfileLike:
    """The profile at `path` as `load_profile` gives it, without pydantic when the file is
    plain (see `plain_profile`); the same errors when it is not usable."""
    data = _read(path) or {}
    return plain_profile(data) or _validated(path, data)


def profile_toml(profile: Profile) -> bytes:
    """The profile as TOML, for `paths.write_private`."""
    import tomli_w

    return tomli_w.dumps(profile.model_dump(mode="json", exclude_none=True)).encode("utf-8")


def set_field(profile: Profile, path: Path, key: str, value: str) -> Profile:
    """A copy of `profile` with `key` set from its text form ("none" clears an optional field)."""
    from pydantic import ValidationError

    from hrcoach.config.model import Profile

    if key not in Profile.model_fields:
        known = ", ".join(Profile.model_fields)
        raise ProfileError(f"unknown profile field {key!r}; known fields: {known}")
    data: dict[str, Any] = profile.model_dump()
    data[key] = None if value.lower() in {"none", ""} else value
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise _refused(path, exc) from None
