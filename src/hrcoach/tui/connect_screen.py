"""`ConnectScreen`: what `hrcoach run` shows before a live session. On the very first run it asks
for an age or a measured HRmax; then it scans for straps, lists them strongest first (the one used
last marked), and hands the chosen one to `start`. When nothing is found it says what to try; when
Bluetooth cannot be used it says why in one line and stays, so `r` can try again.

It is handed the profile, a way to save one (`save`, for the first-run answers) and the strap used
last (`last`, a name or an address); remembering the chosen strap is `start`'s business.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, ContentSwitcher, Footer, Input, LoadingIndicator, OptionList, Static
from textual.widgets.option_list import Option

from hrcoach.config import NOTICE, Profile
from hrcoach.tui.profile_form import FieldRow, Save, apply, hrmax_text, live_hrmax

if TYPE_CHECKING:
    from hrcoach.sources.ble import FoundStrap

Scan = Callable[[float], Awaitable[list["FoundStrap"]]]

NONE_YET = "HRmax in force: none yet"
LOOKING = "Looking for heart-rate straps… (wear the strap: wet electrodes wake it)"
FIRST_RUN = (
    "Before the first session hrcoach needs your age (for an HRmax estimate) or a measured HRmax. "
    "Either will do; a measured HRmax wins."
)
NOT_FOUND_TIPS = """\
  1. Wear it: wet the electrodes; a strap on the table is asleep.
  2. Free it: close the phone app, stop the watch or bike computer using it.
  3. Move closer to the computer, and check the strap's battery.
  4. Press [b]r[/b] to scan again."""


def signal_bars(rssi: int) -> str:
    """Four bars for a strong signal, none below -90 dBm (too weak to hold a link)."""
    bars = sum(rssi >= floor for floor in (-90, -80, -70, -60))
    return "▂▄▆█"[:bars].ljust(4, "·")


def matches(strap: FoundStrap, key: str | None) -> bool:
    """`key` (a name or an address, any case) names `strap`."""
    return bool(key) and (key or "").lower() in (strap.name.lower(), strap.address.lower())


class ConnectScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "pick", "Connect", show=True),
        Binding("r", "rescan", "Rescan"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        scan: Scan,
        start: Callable[[FoundStrap], None],
        *,
        profile: Profile,
        save: Save,
        device: str | None = None,
        last: str | None = None,
        timeout: float = 5.0,
    ) -> None:
        super().__init__()
        self.scan = scan
        self.start = start
        self.profile = profile
        self.save = save
        self.device = device
        self.last = last
        self.timeout = timeout
        self.state = "first-run"
        self.straps: list[FoundStrap] = []
        self.started = False

    # Layout

    def compose(self) -> ComposeResult:
        yield Static("Connect a heart-rate strap", id="connect-title")
        with Container(id="connect-outer"), Vertical(id="connect-main"):
            yield from self._body()
        yield Footer()

    def _body(self) -> ComposeResult:
        yield Static("", id="connect-hrmax", markup=False)
        with ContentSwitcher(initial="first-run", id="connect-body"):
            with Vertical(id="first-run"):
                yield Static(FIRST_RUN, id="first-run-intro")
                yield FieldRow("age", None)
                yield FieldRow("hrmax", None)
                yield Static("", id="first-run-hrmax", markup=False)
                yield Static(NOTICE, classes="coach-notice")
                with Horizontal(id="first-run-buttons"):
                    yield Button("Save and look for straps", variant="primary", id="first-run-save")
            with Vertical(id="scanning"):
                yield LoadingIndicator()
                yield Static(LOOKING, id="scanning-text")
            with Vertical(id="found"):
                yield Static("", id="found-text", markup=False)
                yield OptionList(id="straps")
                yield Static("↑↓ choose · enter connects · r scans again · q quits", classes="hint")
            with Vertical(id="none-found"):
                yield Static("", id="none-found-text", markup=False)
                yield Static(NOT_FOUND_TIPS, id="none-found-tips", markup=True)
            with Vertical(id="unavailable"):
                yield Static("", id="unavailable-message", markup=False)
                yield Static("r tries again · q quits", classes="hint")

    def on_mount(self) -> None:
        profile = self.profile
        if profile.age is None and profile.hrmax is None:
            self.query_one("#connect-title", Static).update("Welcome to hrcoach")
            self.query_one("#connect-hrmax").display = False
            self.query_one("#first-run-hrmax", Static).update(hrmax_text(profile, NONE_YET))
            self.query_one("#f-age", Input).focus()
        else:
            self.run_scan()

    def _show(self, state: str) -> None:
        self.state = state
        self.query_one(ContentSwitcher).current = state
        if state != "first-run":
            self.query_one("#connect-hrmax").display = True
            for row in self.query(FieldRow):
                row.disabled = True  # the form is done with: keys are the screen's again
            self.set_focus(None)
            self.query_one("#connect-title", Static).update("Connect a heart-rate strap")
            self.query_one("#connect-hrmax", Static).update(hrmax_text(self.profile))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "rescan":
            return self.state in {"found", "none-found", "unavailable"}
        if action == "pick":
            return self.state == "found"
        return True

    # First run

    def on_input_changed(self, event: Input.Changed) -> None:
        for row in self.query(FieldRow):
            if event.input is row.editor:
                row.show_error("")
        self.query_one("#first-run-hrmax", Static).update(
            live_hrmax(self.profile, list(self.query(FieldRow)), NONE_YET)
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.save_first_run()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "first-run-save":
            self.save_first_run()

    def save_first_run(self) -> None:
        rows = list(self.query(FieldRow))
        profile, bad = apply(self.profile, rows)
        if not bad and profile.age is None and profile.hrmax is None:
            rows[0].show_error("Enter your age or a measured HRmax (either will do).")
            bad = [rows[0]]
        if bad:
            bad[0].editor.focus()
            return
        if error := self.save(profile):
            self.notify(error, severity="error", timeout=10, markup=False)
            return
        self.profile = profile
        self.run_scan()

    # Scanning

    @work(exclusive=True, group="scan")
    async def run_scan(self) -> None:
        from hrcoach.sources.ble import BluetoothUnavailable

        self._show("scanning")
        try:
            straps = await self.scan(self.timeout)
        except BluetoothUnavailable as exc:
            self._unavailable(str(exc))
            return
        except Exception as exc:  # a scan that fails otherwise is shown the same way, not as a traceback
            self._unavailable(f"Scan failed: {exc or type(exc).__name__}")
            return
        self._found(sorted(straps, key=lambda s: s.rssi, reverse=True))

    def _unavailable(self, message: str) -> None:
        self.query_one("#unavailable-message", Static).update(message)
        self._show("unavailable")

    def _found(self, straps: list[FoundStrap]) -> None:
        self.straps = straps
        wanted = next((s for s in straps if matches(s, self.device)), None)
        if wanted is not None:
            self.pick(wanted)
            return
        missing = f"--device {self.device} was not found. " if self.device else ""
        if not straps:
            self.query_one("#none-found-text", Static).update(
                f"{missing}No heart-rate strap answered in {self.timeout:g} s. Try this:"
            )
            self._show("none-found")
            return
        last = self.last
        count = "1 strap" if len(straps) == 1 else f"{len(straps)} straps"
        self.query_one("#found-text", Static).update(f"{missing}Found {count}, strongest signal first:")
        name_w = min(32, max(len(s.name) for s in straps))
        addr_w = max(len(s.address) for s in straps)
        options = self.query_one("#straps", OptionList)
        options.clear_options()
        highlight = 0
        for i, s in enumerate(straps):
            used_last = matches(s, last)
            if used_last:
                highlight = i
            prompt = Content.assemble(
                (s.name[:name_w].ljust(name_w), "bold"),
                "  ",
                s.address.ljust(addr_w),
                f"  {s.rssi:>4} dBm ",
                signal_bars(s.rssi),
                ("  ★ used last" if used_last else "", "italic"),
            )
            options.add_option(Option(prompt, id=str(i)))
        self._show("found")
        options.highlighted = highlight
        options.focus()

    # Choosing

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.pick(self.straps[event.option_index])

    def action_pick(self) -> None:
        options = self.query_one("#straps", OptionList)
        if options.highlighted is not None:
            self.pick(self.straps[options.highlighted])

    def pick(self, strap: FoundStrap) -> None:
        if self.started:
            return
        self.started = True
        self.start(strap)

    def action_rescan(self) -> None:
        self.run_scan()

    def action_quit(self) -> None:
        self.app.exit()
