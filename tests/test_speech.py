"""Cues written to be spoken (espeak read "30:00" as "thirty zero zero" and "60-80" as "sixty dash
eighty"), and the kinds of cue sounding different: a voice per kind, bells per kind."""

from __future__ import annotations

import re

import pytest

from hrcoach.coach import CueKind
from hrcoach.tui.speaker import Bell, Voice, cue_sound_kind, speech_command, spoken


@pytest.mark.parametrize(
    ("shown", "heard"),
    [
        ("Goal reached: 30:00 in the BDNF window", "Goal reached, 30 minutes in the B D N F window"),
        ("In the 60-80 % window: hold this effort", "In the 60 to 80 percent window, hold this effort"),
        (
            "Ease off: 84 % HRmax, aim for 148 bpm or less",
            "Ease off, 84 percent of your maximum heart rate, aim for 148 beats a minute or less",
        ),
        (
            "Above 95 % HRmax for 0:35: slow down now",
            "Above 95 percent of your maximum heart rate for 35 seconds, slow down now",
        ),
        (
            "New longest hold: past your best of 1:02:05",
            "New longest hold, past your best of 1 hour 2 minutes 5 seconds",
        ),
        ("Past your best of 12:01", "Past your best of 12 minutes 1 second"),
        ("20 minutes in the BDNF window", "20 minutes in the B D N F window"),
        ("Warm-up: 5 easy minutes, coaching starts after", "Warm-up, 5 easy minutes, coaching starts after"),
    ],
)
def test_cues_are_written_to_be_spoken(shown: str, heard: str) -> None:
    assert spoken(shown) == heard
    assert ":" not in heard and not re.search(r"\d\s*-\s*\d", heard)


def test_each_kind_has_its_own_voice_and_bells(monkeypatch: pytest.MonkeyPatch) -> None:
    which = {"espeak-ng": "/e"}.get
    voices = {
        kind: tuple(speech_command("x", which, kind) or [])[1:5]
        for kind in ("info", "steer", "milestone", "warning")
    }
    assert len(set(voices.values())) == 4
    rings: list[int] = []
    bell = Bell(lambda: rings.append(1))
    for kind, n in (("info", 1), ("steer", 2), ("warning", 3), ("milestone", 1)):
        rings.clear()
        bell.say("x", kind)
        assert len(rings) == n, kind
    started: list[list[str]] = []

    class Proc:
        def __init__(self, cmd: list[str], **_: object) -> None:
            started.append(cmd)

        def poll(self) -> int:
            return 0

    monkeypatch.setattr("hrcoach.tui.speaker.subprocess.Popen", Proc)
    Voice(which).say("Goal reached: 30:00 in the BDNF window", "milestone")
    assert started == [["/e", "-p", "40", "-s", "150", "Goal reached, 30 minutes in the B D N F window"]]


def test_every_cue_kind_has_a_sound() -> None:
    kinds = {kind: cue_sound_kind(kind) for kind in CueKind}
    assert kinds[CueKind.EASE_OFF] == kinds[CueKind.PICK_UP] == "steer"
    assert kinds[CueKind.SAFETY] == kinds[CueKind.SIGNAL] == kinds[CueKind.RISING] == "warning"
    assert kinds[CueKind.MILESTONE] == kinds[CueKind.GOAL] == "milestone"
    assert kinds[CueKind.IN_WINDOW] == "info"


async def test_a_key_in_settings_plays_each_kind_of_cue_as_the_edited_sound_would() -> None:
    from textual.widgets import Select

    from hrcoach.config import Profile
    from hrcoach.tui.app import HrcoachApp
    from hrcoach.tui.settings_screen import SettingsScreen
    from tests.tuifakes import Ears
    from tests.waiting import until

    ears = Ears()
    modes: list[str] = []

    def hear(mode: str) -> tuple[Ears, str]:
        modes.append(mode)
        return ears, ""

    screen = SettingsScreen(Profile(age=33), lambda p: None, where="profile.toml", hear=hear)
    app = HrcoachApp(lambda app: screen, profile=Profile(age=33), speaker=Ears())
    async with app.run_test(size=(100, 40)) as pilot:
        await until(pilot, lambda: app.screen is screen, "the settings")
        await pilot.press("ctrl+t")
        screen.query_one("#row-cue_sound Select", Select).value = "speech"
        await pilot.pause()
        await pilot.press("ctrl+t", "ctrl+t")
        await until(pilot, lambda: len(ears.said) == 3, "three test cues")
    assert ears.kinds == ["steer", "milestone", "warning"]
    assert modes == ["bell", "speech", "speech"]


async def test_the_live_screen_says_each_cue_in_its_kind_s_sound() -> None:
    from hrcoach.formats.files import load_recording
    from hrcoach.sources.feeds import ReplayFeed
    from tests.conftest import stream
    from tests.test_tui_session import app_for, summary
    from tests.tuifakes import Ears

    ears = Ears()
    app = app_for(ReplayFeed(load_recording(stream("intervals_overshoot")), speed=0), ears)
    async with app.run_test(size=(80, 24)) as pilot:
        await summary(pilot)
    heard = dict(zip(ears.said, ears.kinds, strict=True))
    assert heard and all(kind == "steer" for text, kind in heard.items() if text.startswith("Ease off"))
    assert any(kind == "milestone" for text, kind in heard.items() if "minutes in the BDNF" in text)
