"""`SettingsScreen`: the runner's profile, one labelled field a row, each checked by the Profile
model on save (a bad value is explained under its field and nothing is written); the HRmax in force
follows the age, HRmax and formula as they are typed. `DiscardChangesScreen` asks before unsaved
edits are thrown away. The screen is handed the profile, a way to save one, and the path to show;
the app does the saving.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Select, Static

from hrcoach.config import NOTICE, Profile
from hrcoach.tui.dialogs import DiscardChangesScreen
from hrcoach.tui.profile_form import HRMAX_INPUTS, FieldRow, Save, apply, hrmax_text, live_hrmax


class SettingsScreen(Screen[Profile | None]):
    """Edits `profile`; dismissed with the saved profile, or None. `where` is the profile file as
    shown in the title; `first_time` (nothing saved yet) shows the coaching notice."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel", key_display="esc"),
    ]

    def __init__(self, profile: Profile, save: Save, *, where: str, first_time: bool = False) -> None:
        super().__init__()
        self.original = profile
        self.save = save
        self.where = where
        self.first_time = first_time

    @property
    def rows(self) -> list[FieldRow]:
        return list(self.query(FieldRow))

    def compose(self) -> ComposeResult:
        profile = self.original
        yield Static(Content.assemble(("Profile", "bold"), f"  {self.where}"), id="settings-title")
        yield Static(hrmax_text(profile), id="hrmax-live", markup=False)
        with VerticalScroll(id="settings-form"):
            if self.first_time:
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
        profile, bad = apply(self.original, self.rows)
        if bad:
            bad[0].editor.focus()
            bad[0].scroll_visible()
            return
        if error := self.save(profile):
            self.notify(error, severity="error", timeout=10, markup=False)
            return
        self.notify("Saved", timeout=3)
        self.dismiss(profile)

    def action_cancel(self) -> None:
        if not self.dirty():
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(DiscardChangesScreen(), answered)
