"""`HrcoachApp`: the Textual application. It owns what screens share (profile, speaker, the
logbook) and the navigation between screens; each command starts it on its own first screen.

Screens only show what they are given. They ask the app for the rest with messages
(`HistoryScreen.ReadRequested`, `HistoryScreen.SessionChosen`) and actions (`app.history`,
`app.settings`, `app.leave`); the app does the reading and writing through its `Logbook` in
thread workers and hands the results down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.screen import Screen

from hrcoach.config import Profile
from hrcoach.logbook import HistoryRead, Logbook, Problem, StoredSession
from hrcoach.session import SessionSetup
from hrcoach.sources.feeds import Feed
from hrcoach.store.log import SessionLog
from hrcoach.tui.dialogs import ConfirmEndScreen, ConfirmScreen
from hrcoach.tui.history_screen import HistoryScreen
from hrcoach.tui.session_screen import SessionScreen
from hrcoach.tui.settings_screen import SettingsScreen
from hrcoach.tui.speaker import Speaker, make_speaker
from hrcoach.tui.summary_screen import SummaryScreen

ScreenFactory = Callable[["HrcoachApp"], Screen[Any]]  # any first screen (settings returns a Profile)


class HrcoachApp(App[None]):
    CSS_PATH = "hrcoach.tcss"
    TITLE = "hrcoach"

    def __init__(
        self,
        first: ScreenFactory,
        *,
        profile: Profile,
        logbook: Logbook | None = None,
        speaker: Speaker | None = None,
    ) -> None:
        super().__init__()
        self.first = first
        self.profile = profile
        self.logbook = logbook or Logbook()
        self.speech_note = ""
        if speaker is None:
            speaker, self.speech_note = make_speaker(profile.cue_sound, self.bell)
        self.speaker = speaker

    def on_mount(self) -> None:
        self.push_screen(self.first(self))
        if self.speech_note:
            self.notify(self.speech_note, timeout=8)

    # Sessions

    def start_session(
        self,
        feed: Feed,
        setup: SessionSetup,
        *,
        sub_sport: str = "",
        plan: Callable[[], str | None] | None = None,
    ) -> SessionScreen:
        """A session screen for `feed`, logged under the feed's origin (`sub_sport`: where a
        live run is, as FIT names it; `plan`: the plan's next target, said on the summary)."""
        log = SessionLog.for_session(
            feed.origin,
            setup,
            feed.started_at,
            device=feed.device,
            source_path=feed.source_path,
            path=self.logbook.db_path,
            sub_sport=sub_sport,
        )
        return SessionScreen(feed, setup, log, self.speaker, plan=plan)

    # Navigation

    async def action_quit(self) -> None:
        """Every way out (ctrl+q, the palette's Quit) asks first while a session runs, then
        saves it and shows its summary, as `q` on the session screen does; else quits."""
        running = next((s for s in self.screen_stack if isinstance(s, SessionScreen) and not s.ended), None)
        if running is None:
            self.exit()
        elif not isinstance(self.screen, ConfirmEndScreen):
            if self.screen is not running:  # a dialog or the palette over it: back to it first
                while self.screen is not running and len(self.screen_stack) > 1:
                    self.pop_screen()
            running.action_end()

    def action_leave(self) -> None:
        """Back to the screen below, or out when this is the first one."""
        if len(self.screen_stack) > 2:
            self.pop_screen()
        else:
            self.exit()

    def action_history(self) -> None:
        """The history: back to it when it is just below (a summary opened from it), else anew."""
        stack = self.screen_stack
        if len(stack) > 1 and isinstance(stack[-2], HistoryScreen):
            self.pop_screen()
        else:
            self.push_screen(HistoryScreen())

    def action_settings(self) -> None:
        """The profile editor; a saved change (say a new HRmax) rereads every history shown."""

        def closed(profile: Profile | None) -> None:
            if profile is not None:
                for screen in self.screen_stack:
                    if isinstance(screen, HistoryScreen):
                        self.read_history(screen)

        self.push_screen(self.settings_screen(), closed)

    def settings_screen(self) -> SettingsScreen:
        return SettingsScreen(
            self.profile,
            self.save_profile,
            where=str(self.logbook.profile_path),
            first_time=not self.logbook.has_profile(),
        )

    def save_profile(self, profile: Profile) -> str | None:
        """Write `profile` and make it the app's; None, or why it was not saved."""
        error = self.logbook.save_profile(profile)
        if error is None:
            self.profile = profile
        return error

    # The history

    def on_history_screen_read_requested(self, message: HistoryScreen.ReadRequested) -> None:
        self.read_history(message.history)

    def read_history(self, screen: HistoryScreen) -> None:
        """(Re)read the log in a thread; `screen` is shown what was read."""
        self._read_history(screen, screen.weeks, screen.today)

    @work(thread=True, group="history", exit_on_error=False)
    def _read_history(self, screen: HistoryScreen, weeks: int, today: date | None) -> None:
        try:
            read = self.logbook.read_history(weeks=weeks, today=today)
        except Exception as exc:  # the logbook turns store errors into lines; not this one
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            read = HistoryRead(error=f"{self.logbook.db_path}: cannot read the session log ({first})")
        self.call_from_thread(self._deliver, screen, read)

    def _deliver(self, screen: HistoryScreen, read: HistoryRead) -> None:
        if screen in self.screen_stack:  # not to a screen closed meanwhile
            screen.show_read(read)

    def on_history_screen_session_chosen(self, message: HistoryScreen.SessionChosen) -> None:
        self._open_session(message.history, message.session_id)

    def on_history_screen_delete_chosen(self, message: HistoryScreen.DeleteChosen) -> None:
        screen, sid = message.history, message.session_id

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete_session(screen, sid)

        question = f"Delete {message.what}?\nIts samples and cues go with it; this cannot be undone."
        self.push_screen(ConfirmScreen(question, "Delete", "Keep it"), answered)

    @work(thread=True, exclusive=True, group="delete-session", exit_on_error=False)
    def _delete_session(self, screen: HistoryScreen, session_id: int) -> None:
        problem = self.logbook.delete_session(session_id)
        self.call_from_thread(self._deleted, screen, session_id, problem)

    def _deleted(self, screen: HistoryScreen, session_id: int, problem: Problem | None) -> None:
        if problem is not None:
            self.notify(problem.message, severity=problem.severity, timeout=10, markup=False)
        else:
            self.notify(f"Session {session_id} deleted", markup=False)
        if screen in self.screen_stack:
            self.read_history(screen)

    @work(thread=True, exclusive=True, group="open-session", exit_on_error=False)
    def _open_session(self, screen: HistoryScreen, session_id: int) -> None:
        opened = self.logbook.open_session(session_id)
        self.call_from_thread(self._opened, screen, opened)

    def _opened(self, screen: HistoryScreen, opened: StoredSession | Problem) -> None:
        if self.screen is not screen:  # the runner has moved on meanwhile
            return
        if isinstance(opened, Problem):
            timeout = 10 if opened.severity == "error" else None
            self.notify(opened.message, severity=opened.severity, timeout=timeout, markup=False)
            return
        self.push_screen(SummaryScreen(opened.result, window=opened.window))

    # The command palette

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if not isinstance(screen, SessionScreen):
            yield SystemCommand("History", "Weeks, streak and every session", self.action_history)
            yield SystemCommand(
                "Settings", "Edit your profile: age, HRmax, target, cue sound", self.action_settings
            )
        if isinstance(screen, SessionScreen):
            yield SystemCommand("Pause or resume", "Hold the session (space)", screen.action_toggle_pause)
            yield SystemCommand("Lap", "Mark a lap (l)", screen.action_lap)
            yield SystemCommand("Mute or unmute cues", "Cues stay on screen (m)", screen.action_toggle_mute)
            yield SystemCommand("End session", "Asks first (q)", screen.action_end)


def session_app(feed: Feed, setup: SessionSetup, profile: Profile, **kwargs: object) -> HrcoachApp:
    """The app opening straight on a session screen for `feed`."""
    return HrcoachApp(lambda app: app.start_session(feed, setup), profile=profile, **kwargs)  # type: ignore[arg-type]
