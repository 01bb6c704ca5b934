"""The settings screen through Pilot: edit and save writes the profile, a bad value is explained
under its field and nothing is written, the HRmax in force follows the typing, escape asks before
throwing edits away; and how it looks at 80×24 and 160×48."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Select, Static

from hrcoach import paths
from hrcoach.config import Profile, load_profile
from hrcoach.logbook import Logbook
from hrcoach.tui.app import HrcoachApp
from hrcoach.tui.dialogs import DiscardChangesScreen
from hrcoach.tui.settings_screen import SettingsScreen
from tests.tuifakes import Ears

PROFILE = Profile(age=42)


class Host(Screen[None]):
    """Pushes the settings screen with a callback, as the app does, and keeps what it returns."""

    def __init__(self) -> None:
        super().__init__()
        self.results: list[Profile | None] = []

    def on_mount(self) -> None:
        app = cast(HrcoachApp, self.app)
        app.push_screen(app.settings_screen(), self.results.append)


def hosted(profile: Profile = PROFILE) -> tuple[HrcoachApp, Host]:
    host = Host()
    return HrcoachApp(lambda app: host, profile=profile, speaker=Ears()), host


def text(app: HrcoachApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def type_into(pilot: Pilot[None], field: str, value: str) -> None:
    editor = pilot.app.screen.query_one(f"#f-{field}", Input)
    editor.focus()
    editor.value = ""
    await pilot.press(*value)
    await pilot.pause()


async def test_edit_and_save_writes_the_profile_and_returns_it() -> None:
    app, host = hosted()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        await type_into(pilot, "age", "50")
        await type_into(pilot, "goal_min", "40")
        app.screen.query_one("#f-formula", Select).value = "fox"
        app.screen.query_one("#f-sex", Select).value = "female"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        expected = Profile(age=50, goal_min=40, formula="fox", sex="female")
        assert load_profile(paths.profile_path()) == expected
        assert app.profile == expected
        assert host.results == [expected]
        assert app.screen is cast(Screen[Any], host)
        assert [n.message for n in app._notifications] == ["Saved"]
    assert paths.profile_path().stat().st_mode & 0o777 == 0o600


async def test_the_save_button_saves_and_an_emptied_field_is_cleared() -> None:
    app, host = hosted(Profile(age=42, hrmax=190))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await type_into(pilot, "hrmax", "")
        await pilot.click("#save")
        await pilot.pause()
        assert load_profile(paths.profile_path()) == Profile(age=42)
        assert host.results == [Profile(age=42)]


async def test_a_bad_age_is_explained_under_it_focused_and_nothing_is_written() -> None:
    app, host = hosted()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await type_into(pilot, "age", "5")
        await type_into(pilot, "max_gap_s", "500")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        assert text(app, "#err-age") == "Must be from 10 to 100."
        assert text(app, "#err-max_gap_s") == "Must be from 2 to 120."
        assert app.screen.query_one("#err-age").display
        assert not app.screen.query_one("#err-hrmax").display
        assert app.focused is app.screen.query_one("#f-age")
        assert not paths.profile_path().exists()
        assert host.results == [] and app.profile == PROFILE
        await type_into(pilot, "age", "55")  # editing the field clears its message
        assert text(app, "#err-age") == ""


async def test_the_hrmax_in_force_follows_the_typing() -> None:
    app, _ = hosted()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert text(app, "#hrmax-live") == "HRmax in force: 179 bpm, estimated with Tanaka from age 42"
        app.screen.query_one("#f-formula", Select).value = "fox"
        await pilot.pause()
        assert text(app, "#hrmax-live") == "HRmax in force: 178 bpm, estimated with Fox from age 42"
        await type_into(pilot, "hrmax", "185")
        assert text(app, "#hrmax-live") == "HRmax in force: 185 bpm, measured"
        await type_into(pilot, "hrmax", "")
        await type_into(pilot, "age", "5")
        assert text(app, "#hrmax-live") == "HRmax in force: none yet (age not valid)"
        await type_into(pilot, "age", "")
        assert text(app, "#hrmax-live") == "HRmax in force: none yet: enter your age or a measured HRmax"


async def test_escape_with_edits_asks_first() -> None:
    app, host = hosted()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await type_into(pilot, "age", "60")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DiscardChangesScreen)
        await pilot.press("n")  # keep editing: the edit is still there
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        assert app.screen.query_one("#f-age", Input).value == "60"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is cast(Screen[Any], host) and host.results == [None]
        assert not paths.profile_path().exists() and app.profile == PROFILE


async def test_escape_without_edits_just_leaves() -> None:
    app, host = hosted()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await type_into(pilot, "age", "42")  # typed back to what it was: no edit
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is cast(Screen[Any], host) and host.results == [None]


async def test_every_profile_field_has_a_labelled_editor_with_its_description() -> None:
    app, _ = hosted()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        for name, field in Profile.model_fields.items():
            row = app.screen.query_one(f"#row-{name}")
            assert row.query(f"#f-{name}").filter("Input, Select")
            assert str(row.query_one(".field-help", Static).render()) == field.description


# Looks


# The title shows where the profile is kept. The test's home is its own tmp_path (conftest); the
# pictures show this fixed text instead (the path they were first taken with), so they do not
# depend on where that is.
SHOWN_PATH = "/nonexistent/hrcoach-home/config/profile.toml"


def settings_app(profile: Profile) -> HrcoachApp:
    """The settings screen as `app.settings_screen()` makes it, but showing SHOWN_PATH."""

    def first(app: HrcoachApp) -> SettingsScreen:
        shown = app.settings_screen()
        assert shown.where == str(paths.profile_path()) and shown.first_time  # nothing saved yet
        return SettingsScreen(app.profile, app.save_profile, where=SHOWN_PATH, first_time=shown.first_time)

    return HrcoachApp(first, profile=profile, speaker=Ears())


async def test_the_title_shows_the_logbook_s_profile_and_a_first_save_the_notice(tmp_path: Path) -> None:
    kept = tmp_path / "elsewhere" / "profile.toml"
    host = Host()
    app = HrcoachApp(lambda app: host, profile=PROFILE, speaker=Ears(), logbook=Logbook(profile_path=kept))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        assert text(app, "#settings-title") == f"Profile  {kept}"
        assert app.screen.query(".coach-notice")  # nothing saved yet
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert load_profile(kept) == PROFILE and not paths.profile_path().exists()
        app.action_settings()
        await pilot.pause()
        assert not app.screen.query(".coach-notice")


async def test_a_profile_that_cannot_be_written_is_said_and_the_screen_stays(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    host = Host()
    logbook = Logbook(profile_path=blocked / "profile.toml")  # its folder is a file
    app = HrcoachApp(lambda app: host, profile=PROFILE, speaker=Ears(), logbook=logbook)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await type_into(pilot, "age", "50")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen) and host.results == []
        assert app.profile == PROFILE
        [note] = app._notifications
        assert note.message.startswith(f"Not saved: {blocked / 'profile.toml'}: ")
        assert note.severity == "error"


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_snapshot_settings(snap_compare: object, size: tuple[int, int]) -> None:
    app = settings_app(Profile(age=42, hrmax=188))

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)  # type: ignore[operator]


def test_snapshot_settings_with_a_bad_value(snap_compare: object) -> None:
    app = settings_app(Profile(age=42))

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.pause()
        await type_into(pilot, "hrmax", "300")
        await pilot.press("ctrl+s")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)  # type: ignore[operator]


def test_snapshot_discard_question(snap_compare: object) -> None:
    app = settings_app(Profile(age=42))

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.pause()
        await type_into(pilot, "age", "43")
        await pilot.press("escape")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)  # type: ignore[operator]


def test_field_messages_come_from_pydantics_error_types_not_its_wording() -> None:
    from hrcoach.config import ProfileError
    from hrcoach.tui.profile_form import field_message

    path = Path("/p.toml")
    odd = "/p.toml: age: wording pydantic may change"  # what matters is the kind
    assert (
        field_message(ProfileError(odd, kind="greater_than_equal"), path, "age") == "Must be from 10 to 100."
    )
    assert field_message(ProfileError(odd, kind="int_parsing"), path, "age") == "Must be a whole number."
    assert field_message(ProfileError(odd, kind="float_parsing"), path, "goal_min") == "Must be a number."
    assert field_message(ProfileError(odd), path, "age") == "wording pydantic may change"
