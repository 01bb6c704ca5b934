"""`HrcoachApp`: the Textual application. It owns what screens share (profile, speaker, where
the log is) and nothing else; each command starts it on its own first screen."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.screen import Screen

from hrcoach.config import Profile
from hrcoach.session import SessionSetup
from hrcoach.sources.feeds import Feed
from hrcoach.store.log import SessionLog
from hrcoach.tui.session_screen import SessionScreen
from hrcoach.tui.speaker import Speaker, make_speaker

ScreenFactory = Callable[["HrcoachApp"], Screen[Any]]  # any first screen (settings returns a Profile)


class HrcoachApp(App[None]):
    CSS_PATH = "hrcoach.tcss"
    TITLE = "hrcoach"

    def __init__(
        self,
        first: ScreenFactory,
        *,
        profile: Profile,
        speaker: Speaker | None = None,
        db_path: Path | None = None,
    ) -> None:
        super().__init__()
        self.first = first
        self.profile = profile
        self.db_path = db_path
        self.speech_note = ""
        if speaker is None:
            speaker, self.speech_note = make_speaker(profile.cue_sound, self.bell)
        self.speaker = speaker

    def on_mount(self) -> None:
        self.push_screen(self.first(self))
        if self.speech_note:
            self.notify(self.speech_note, timeout=8)

    def start_session(self, feed: Feed, setup: SessionSetup) -> SessionScreen:
        """A session screen for `feed`, logged under the feed's origin."""
        log = SessionLog.for_session(
            feed.origin,
            setup,
            feed.started_at,
            device=feed.device,
            source_path=feed.source_path,
            path=self.db_path,
        )
        return SessionScreen(feed, setup, log, self.speaker)

    def open_history(self) -> None:
        from hrcoach.tui.history_screen import HistoryScreen

        self.push_screen(HistoryScreen())

    def open_settings(self) -> None:
        from hrcoach.tui.settings_screen import SettingsScreen

        self.push_screen(SettingsScreen())

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if not isinstance(screen, SessionScreen):
            yield SystemCommand("History", "Weeks, streak and every session", self.open_history)
            yield SystemCommand(
                "Settings", "Edit your profile: age, HRmax, target, cue sound", self.open_settings
            )
        if isinstance(screen, SessionScreen):
            yield SystemCommand("Pause or resume", "Hold the session (space)", screen.action_toggle_pause)
            yield SystemCommand("Lap", "Mark a lap (l)", screen.action_lap)
            yield SystemCommand("Mute or unmute cues", "Cues stay on screen (m)", screen.action_toggle_mute)
            yield SystemCommand("End session", "Asks first (q)", screen.action_end)


def session_app(feed: Feed, setup: SessionSetup, profile: Profile, **kwargs: object) -> HrcoachApp:
    """The app opening straight on a session screen for `feed`."""
    return HrcoachApp(lambda app: app.start_session(feed, setup), profile=profile, **kwargs)  # type: ignore[arg-type]
