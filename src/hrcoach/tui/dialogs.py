"""Small modal screens: the key help, and the confirmation before a session ends."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from hrcoach.config import NOTICE
from hrcoach.engine.zones import ANANDAMIDE, BDNF, Window
from hrcoach.tui.gauge import HI, LO


def help_text(
    bdnf: Window = BDNF, anandamide: Window = ANANDAMIDE, *, goal_s: float = 1800.0, max_gap_s: float = 10.0
) -> str:
    """The keys and the rules, with this session's goal and gap length."""
    notice = NOTICE.replace(": ", ":\n", 1)  # two lines fit the dialog
    return f"""\
[b]Keys[/b]
  space   pause / resume          l   lap
  m       mute cues (still shown)  q   end the session
  ?       this help                ctrl+p   command palette

[b]The windows[/b]
  {bdnf.span} of HRmax   {bdnf.title}: hold it {goal_s / 60:g}+ minutes a session
  {anandamide.span} of HRmax   {anandamide.title}: the greatest increase
  The gauge runs from {LO:g} to {HI:g} % HRmax; the marker is you.
  Time counts only while the strap delivers believable beats;
  a silence longer than {max_gap_s:g} s is a gap and counts for nothing.

{notice}"""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", key_display="esc"),
    ]

    def __init__(self, text: str | None = None) -> None:
        super().__init__()
        self.text = text or help_text()

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.text, id="help-text")
            yield Label("esc closes", classes="hint")

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; `n`, escape and an accidental enter (the focus is on "no") say no."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape,q", "answer(False)", "No"),
    ]

    def __init__(self, question: str, yes: str, no: str) -> None:
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.question, id="question")
            with Horizontal(id="buttons"):
                yield Button(f"{self.yes} (y)", variant="error", id="yes")
                yield Button(f"{self.no} (n)", variant="primary", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ConfirmEndScreen(ConfirmScreen):
    def __init__(self) -> None:
        super().__init__("End this session?", "End it", "Keep going")


class DiscardChangesScreen(ConfirmScreen):
    """Asks whether unsaved edits may be thrown away; True discards them."""

    def __init__(self) -> None:
        super().__init__("Discard your unsaved changes?", "Discard", "Keep editing")
