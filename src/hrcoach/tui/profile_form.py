"""The profile form's parts, shared by the settings screen and the connect screen's first-run
questions: `FieldRow` (one labelled field, its editor, its description and what is wrong with
it), `apply` (the rows' values checked by the Profile model), and the HRmax in force as typed.
Nothing here reads or writes the profile file: the screens are handed a profile and a way to
save one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal, cast, get_args, get_origin

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from hrcoach.config import Profile, ProfileError, set_field
from hrcoach.engine.zones import FORMULA_EQUATION, FORMULA_TEXT, WINDOWS, Formula, hrmax_in_force

Save = Callable[[Profile], str | None]  # writes a profile: None, or why it was not saved

LABELS = {
    "age": "Age",
    "sex": "Sex",
    "hrmax": "Measured HRmax",
    "resting_hr": "Resting HR",
    "formula": "HRmax formula",
    "target": "Target window",
    "warmup_min": "Warm-up (min)",
    "goal_min": "Goal (min)",
    "max_gap_s": "Max gap (s)",
    "hold_grace_s": "Hold grace (s)",
    "runs_on": "Runs on",
    "cue_sound": "Cue sound",
}
PLACEHOLDERS = {"age": "not set", "hrmax": "not measured", "resting_hr": "not set"}
CHOICE_TEXT = {
    "formula": {
        f.value: f"{FORMULA_TEXT[f]}  " + FORMULA_EQUATION[f].replace(" - ", "−").replace(" x ", "·")
        for f in Formula
    },
    "target": {name: w.label for name, w in WINDOWS.items()},
}
HRMAX_INPUTS = ("age", "hrmax", "formula")
SHORT = {"age": "age", "hrmax": "HRmax", "formula": "formula"}


def choices(name: str) -> tuple[str, ...] | None:
    """The allowed values of a Literal profile field, else None."""
    annotation = Profile.model_fields[name].annotation
    for candidate in (annotation, *get_args(annotation)):
        if get_origin(candidate) is Literal:
            return tuple(str(v) for v in get_args(candidate))
    return None


def text_of(value: object) -> str:
    """A profile value as the text a field shows ("" for unset)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def field_message(exc: ProfileError, path: Path, key: str) -> str:
    """The part of a `set_field` error that belongs under the field, said plainly."""
    message = str(exc).removeprefix(f"{path}: ").removeprefix(f"{key}: ")
    low, high = bounds(key)
    if exc.kind in OUT_OF_RANGE and low is not None:
        return f"Must be from {low:g} to {high:g}." if high is not None else f"Must be {low:g} or more."
    if exc.kind in NOT_WHOLE:
        return "Must be a whole number."
    if exc.kind in NOT_NUMBER:
        return "Must be a number."
    return message


# pydantic's error types (stable across its versions and languages, unlike its messages)
OUT_OF_RANGE = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}
NOT_WHOLE = {"int_parsing", "int_from_float", "int_type"}
NOT_NUMBER = {"float_parsing", "float_type", "finite_number"}


def bounds(key: str) -> tuple[float | None, float | None]:
    """The (ge, le) limits of a numeric profile field."""
    low = high = None
    for rule in Profile.model_fields[key].metadata:
        low = getattr(rule, "ge", low)
        high = getattr(rule, "le", high)
    return low, high


NO_HRMAX = "HRmax in force: none yet: enter your age or a measured HRmax"


def hrmax_text(profile: Profile, none: str = NO_HRMAX) -> str:
    """The HRmax in force and where it comes from, or `none`."""
    try:
        hrmax, source = hrmax_in_force(profile)
    except ProfileError:
        return none
    return f"HRmax in force: {hrmax} bpm, {source}"


class FieldRow(Vertical):
    """One profile field: label, input (a Select for a fixed set of values), its description,
    and a line for what is wrong with it."""

    def __init__(self, name: str, value: object) -> None:
        super().__init__(classes="field", id=f"row-{name}")
        self.field_name = name
        self.initial = text_of(value)

    def compose(self) -> ComposeResult:
        name = self.field_name
        info = Profile.model_fields[name]
        with Horizontal(classes="field-row"):
            yield Label(LABELS.get(name, name), classes="field-label")
            yield self._editor(name, info.default is None)
            yield Static(info.description or "", classes="field-help", markup=False)
        yield Static("", id=f"err-{name}", classes="field-error", markup=False)

    def _editor(self, name: str, optional: bool) -> Widget:
        allowed = choices(name)
        if allowed is not None:
            names = CHOICE_TEXT.get(name, {})
            options = [(names.get(v, v), v) for v in allowed]
            return Select(
                options,
                value=self.initial or Select.NULL,
                allow_blank=optional,
                prompt="not given",
                id=f"f-{name}",
                classes="field-input",
            )
        kind = Profile.model_fields[name].annotation
        return Input(
            self.initial,
            placeholder=PLACEHOLDERS.get(name, ""),
            type="integer" if int in (kind, *get_args(kind)) else "number",
            valid_empty=True,
            id=f"f-{name}",
            classes="field-input",
        )

    @property
    def editor(self) -> Input | Select[str]:
        return cast("Input | Select[str]", self.query_one(f"#f-{self.field_name}"))

    @property
    def value(self) -> str:
        editor = self.editor
        if isinstance(editor, Input):
            return editor.value.strip()
        return "" if editor.value is Select.NULL else str(editor.value)

    def show_error(self, message: str) -> None:
        error = self.query_one(".field-error", Static)
        error.update(message)
        error.set_class(bool(message), "-shown")
        self.set_class(bool(message), "-invalid")


def apply(profile: Profile, rows: list[FieldRow]) -> tuple[Profile, list[FieldRow]]:
    """`profile` with every row's value set, and the rows whose value was refused (each showing why)."""
    bad = []
    for row in rows:
        try:
            profile = set_field(profile, Path(), row.field_name, row.value)
        except ProfileError as exc:
            row.show_error(field_message(exc, Path(), row.field_name))
            bad.append(row)
        else:
            row.show_error("")
    return profile, bad


def live_hrmax(profile: Profile, rows: list[FieldRow], none: str = NO_HRMAX) -> str:
    """The HRmax in force with the rows' age, HRmax and formula as typed so far."""
    wrong = []
    for row in rows:
        if row.field_name not in HRMAX_INPUTS:
            continue
        try:
            profile = set_field(profile, Path(), row.field_name, row.value)
        except ProfileError:
            wrong.append(SHORT[row.field_name])
            profile = profile.model_copy(update={row.field_name: None})
    if not wrong:
        return hrmax_text(profile, none)
    note = f"({' and '.join(wrong)} not valid)"
    try:
        hrmax, source = hrmax_in_force(profile)
    except ProfileError:
        return f"HRmax in force: none yet {note}"
    return f"HRmax in force: {hrmax} bpm, {source} {note}"
