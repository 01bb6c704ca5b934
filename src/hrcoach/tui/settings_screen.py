"""`SettingsScreen`: the runner's profile, one labelled field a row, each checked by the Profile
model on save (a bad value is explained under its field and nothing is written); the HRmax in force
follows the age, HRmax and formula as they are typed. `DiscardChangesScreen` asks before unsaved
edits are thrown away.

The helpers here (`FieldRow`, `field_message`, `hrmax_text`, `save_profile`) serve the first-run
form of the connect screen too.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal, cast, get_args, get_origin

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Label, Select, Static

from hrcoach import paths
from hrcoach.config import NOTICE, Profile, ProfileError, profile_toml, set_field
from hrcoach.engine.zones import FORMULA_EQUATION, FORMULA_TEXT, WINDOWS, Formula, hrmax_in_force
from hrcoach.tui.dialogs import DiscardChangesScreen

if TYPE_CHECKING:
    from hrcoach.tui.app import HrcoachApp


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


def hrcoach_app(app: App[object]) -> HrcoachApp:
    return cast("HrcoachApp", app)


def save_profile(app: App[object], profile: Profile) -> bool:
    """Write `profile` to the profile file (0600) and make it the app's; False (and a
    notification saying why) when the file cannot be written."""
    path = paths.profile_path()
    try:
        paths.write_private(path, profile_toml(profile))
    except OSError as exc:
        app.notify(f"Not saved: {path}: {exc.strerror or exc}", severity="error", timeout=10, markup=False)
        return False
    hrcoach_app(app).profile = profile
    return True


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


def apply(profile: Profile, rows: list[FieldRow], path: Path) -> tuple[Profile, list[FieldRow]]:
    """`profile` with every row's value set, and the rows whose value was refused (each showing why)."""
    bad = []
    for row in rows:
        try:
            profile = set_field(profile, path, row.field_name, row.value)
        except ProfileError as exc:
            row.show_error(field_message(exc, path, row.field_name))
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


class SettingsScreen(Screen[Profile | None]):
    """Edits the app's profile (or `profile`); dismissed with the saved profile, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel", key_display="esc"),
    ]

    def __init__(self, profile: Profile | None = None) -> None:
        super().__init__()
        self._given = profile

    @property
    def original(self) -> Profile:
        return self._given if self._given is not None else hrcoach_app(self.app).profile

    @property
    def rows(self) -> list[FieldRow]:
        return list(self.query(FieldRow))

    def compose(self) -> ComposeResult:
        profile = self.original
        path = paths.profile_path()
        yield Static(Content.assemble(("Profile", "bold"), f"  {path}"), id="settings-title")
        yield Static(hrmax_text(profile), id="hrmax-live", markup=False)
        with VerticalScroll(id="settings-form"):
            if not path.exists():
                yield Static(NOTICE, classes="coach-notice")
            for name in Profile.model_fields:
                yield FieldRow(name, getattr(profile, name))
            with Horizontal(id="settings-buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save")
                yield Button("Cancel (esc)", id="cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.rows[0].editor.focus()

    def dirty(self) -> bool:
        return any(row.value != row.initial for row in self.rows)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._edited(event.input)

    def on_select_changed(self, event: Select.Changed) -> None:
        self._edited(event.select)

    def _edited(self, editor: Widget) -> None:
        row = next((a for a in editor.ancestors if isinstance(a, FieldRow)), None)
        if row is None:
            return
        row.show_error("")
        if row.field_name in HRMAX_INPUTS:
            self.query_one("#hrmax-live", Static).update(live_hrmax(self.original, self.rows))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.focus_next()  # enter moves down the form; ctrl+s saves

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        elif event.button.id == "cancel":
            self.action_cancel()

    def action_save(self) -> None:
        profile, bad = apply(self.original, self.rows, paths.profile_path())
        if bad:
            bad[0].editor.focus()
            bad[0].scroll_visible()
            return
        if save_profile(self.app, profile):
            self.app.notify("Saved", timeout=3)
            self.dismiss(profile)

    def action_cancel(self) -> None:
        if not self.dirty():
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(DiscardChangesScreen(), answered)
