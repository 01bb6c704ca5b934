"""`SettingsScreen`: the runner's profile, one labelled field a row, each checked by the Profile
model on save (a bad value is explained under its field and nothing is written); the HRmax in force
follows the age, HRmax and formula as they are typed. `DiscardChangesScreen` asks before unsaved
edits are thrown away. The screen is handed the profile, a way to save one, and the path to show;
the app does the saving.
"""

from __future__ import annotations

from collections.abc import Callable
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
from hrcoach.tui.speaker import Speaker, make_speaker


class SettingsScreen(Screen[Profile | None]):
    """Edits `profile`; dismissed with the saved profile, or None. `where` is the profile file as
    shown in the title; `first_time` (nothing saved yet) shows the coaching notice."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+t", "test_cue", "Test cue"),
        Binding("escape", "cancel", "Cancel", key_display="esc"),
    ]
    TEST_CUES: ClassVar[list[tuple[str, str]]] = [  # each press plays the next kind of cue
        ("steer", "Ease off: 84 % HRmax, aim for 148 bpm or less"),
        ("milestone", "20:00 in the BDNF window"),
        ("warning", "Rising fast toward 148 bpm: settle the pace"),
    ]

    def __init__(
        self,
        profile: Profile,
        save: Save,
        *,
        where: str,
        first_time: bool = False,
        hear: Callable[[str], tuple[Speaker, str]] | None = None,
    ) -> None:
        super().__init__()
        self.original = profile
        self.save = save
        self.where = where
        self.first_time = first_time
        self.hear = hear  # the speaker for a cue_sound setting (and a note), else make_speaker's
        self.tests_played = 0

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
                yield Button("Test cue (ctrl+t)", id="test-cue")
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
        elif event.button.id == "test-cue":
            self.action_test_cue()

    def action_test_cue(self) -> None:
        """Play a cue as the cue sound being edited would: steer, milestone, warning in turn."""
        row = next(r for r in self.rows if r.field_name == "cue_sound")
        mode = str(row.value or "bell")
        speaker, note = self.hear(mode) if self.hear else make_speaker(mode, self.app.bell)
        kind, text = self.TEST_CUES[self.tests_played % len(self.TEST_CUES)]
        self.tests_played += 1
        speaker.say(text, kind)
        self.notify(note or f"Test cue ({kind}, {mode}): {text}", timeout=4, markup=False)

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
