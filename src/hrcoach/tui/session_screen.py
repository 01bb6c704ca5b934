"""`SessionScreen`: one live (or replayed) session, coached on screen and out loud.

One async worker runs the session's `Driver` (feeds → session → log) and posts a `Ticked`
message per tick, which may replace an older one still waiting (unless that one carries a cue).
Widgets only show what the ticks say.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Callable
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer

from hrcoach.coach import Cue
from hrcoach.drive import Driver
from hrcoach.engine.summary import clock
from hrcoach.session import Session, SessionSetup, Tick
from hrcoach.sources.feeds import Feed, FeedError
from hrcoach.store.log import SessionLog
from hrcoach.tui.bpm import BpmReadout
from hrcoach.tui.chart import TrendChart
from hrcoach.tui.dialogs import ConfirmEndScreen, HelpScreen, help_text
from hrcoach.tui.gauge import ZoneGauge
from hrcoach.tui.panels import CueBanner, LinkStatus, WindowClocks
from hrcoach.tui.speaker import Speaker, cue_sound_kind
from hrcoach.tui.summary_screen import SessionResult, SummaryScreen

RISING, FALLING = 0.05, -0.05  # bpm/s of the 20-s trend shown as an arrow
BEHIND_S = 5.0  # the disk this far behind the session is said on the status line


class SessionScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_pause", "Pause"),
        Binding("l", "lap", "Lap"),
        Binding("m", "toggle_mute", "Mute"),
        Binding("q", "end", "End"),
        Binding("question_mark", "help", "Help", key_display="?"),
    ]

    class Ticked(Message):
        """The session after one event; an older one without cues is dropped for a newer one."""

        def __init__(self, tick: Tick) -> None:
            super().__init__()
            self.tick = tick

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, SessionScreen.Ticked) and not self.tick.cues

    class Stopped(Message):
        """The feed ended (recording over) or failed (`error`)."""

        def __init__(self, error: str | None = None) -> None:
            super().__init__()
            self.error = error

    def __init__(
        self,
        feed: Feed,
        setup: SessionSetup,
        log: SessionLog,
        speaker: Speaker,
        *,
        plan: Callable[[], str | None] | None = None,
    ) -> None:
        """`plan`: after the session is saved, the plan's next target and why (a live run with
        a plan, whose coach aims at today's target)."""
        super().__init__()
        self.plan = plan
        self.feed = feed
        self.setup = setup
        self.session = Session(setup)
        self.store_log = log
        self.driver = Driver(feed, self.session, log)
        self.speaker = speaker
        self.muted = False
        self.points: list[tuple[float, float]] = []  # (t, accepted bpm) not yet on the chart
        self.trace: list[tuple[float, float]] = []  # every (t, accepted bpm), for the summary chart
        self.last_cue: Cue | None = None
        self.last_tick: Tick | None = None
        self.ended = False
        self.failed: str | None = None  # why the feed stopped before anything was measured

    def compose(self) -> ComposeResult:
        yield LinkStatus(id="status")
        with Horizontal(id="readouts"):
            yield BpmReadout(id="bpm")
            source, *hints = self.setup.hrmax_source.split("; ")  # the fix is the summary's to say
            hrmax = f"HRmax {self.setup.params.hrmax} bpm, {source}" + (" (a default age)" if hints else "")
            yield WindowClocks(self.setup.coach.goal_s, hrmax, id="clocks")
        with Vertical(id="middle"):
            yield ZoneGauge(id="gauge")
            yield CueBanner("Waiting for the strap…", id="cue")
        yield TrendChart(span_s=600, id="trend")
        yield Footer()

    def on_mount(self) -> None:
        # What is loaded by now lives as long as the process: a full garbage collection need not
        # walk it again. Without this one took 60 ms, once a second in a fast replay (a stall).
        gc.freeze()
        hrmax = self.setup.params.hrmax
        window = self.setup.coach.window
        self.query_one(TrendChart).set_band(hrmax * window.lo / 100, hrmax * window.hi / 100)
        self._show_status()
        self.set_interval(1.0, self._show_status)  # the log catching up between ticks, too
        self.run_session()

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width >= 120 and event.size.height >= 40, "-large")

    @work(exclusive=True, group="session")
    async def run_session(self) -> None:
        error = None
        try:
            async for tick in self.driver.ticks():
                if self.ended:
                    break
                accepted = [(r.t, float(r.sample.bpm)) for r in tick.readings if r.accepted]
                self.points += accepted
                self.trace += accepted
                self.post_message(self.Ticked(tick))
                await asyncio.sleep(0)  # a feed that never waits (replay flat out) must not starve the screen
        except FeedError as exc:
            error = str(exc)
        self.post_message(self.Stopped(error))

    def on_session_screen_ticked(self, message: Ticked) -> None:
        tick = message.tick
        self.last_tick = tick
        readout = self.query_one(BpmReadout)
        readout.bpm = tick.bpm
        readout.pct = tick.pct
        readout.band = tick.band.value if tick.band else ""
        readout.no_signal = tick.no_signal
        readout.provisional = tick.provisional_bpm
        slope = next((r.trend_bpm_s for r in reversed(tick.readings) if r.accepted), None)
        if tick.no_signal:
            readout.trend = ""
        elif slope is not None:
            readout.trend = "▲ rising" if slope > RISING else "▼ falling" if slope < FALLING else "▶ steady"
        self.query_one(ZoneGauge).pct = tick.pct
        self.query_one(WindowClocks).tick = tick
        chart = self.query_one(TrendChart)
        for t, bpm in self.points:
            chart.add(t, bpm)
        self.points.clear()
        for cue in tick.cues:
            self.last_cue = cue
            if not self.muted:
                self.speaker.say(cue.message, cue_sound_kind(cue.kind))
        banner = self.query_one(CueBanner)
        if self.last_cue is not None:
            banner.show(self.last_cue.message, tick.band.value if tick.band else None)
        elif tick.bpm is not None:
            banner.show("Warming up: easy does it", tick.band.value if tick.band else None)
        self._show_status()

    @property
    def paused(self) -> bool:
        return self.driver.paused

    @property
    def laps(self) -> list[float]:
        return self.driver.laps

    def _show_status(self) -> None:
        extra = []
        if self.paused:
            extra.append("PAUSED")
        if self.muted:
            extra.append("muted")
        if self.laps:
            t_now = self.last_tick.t if self.last_tick else 0.0
            extra.append(f"lap {len(self.laps) + 1} {clock(t_now - self.laps[-1])}")
        self.query_one(LinkStatus).show(
            device=self.feed.device.get("name", ""),
            tick=self.last_tick,
            extra=" · ".join(extra),
            alert=" · ".join(self._log_state()),
        )

    def _log_state(self) -> list[str]:
        """What the status line says about the log: nothing while it keeps up."""
        log = self.store_log
        if self.ended:
            return []
        news = log.news()
        if news:
            failing, line = news
            self.notify(
                line[0].upper() + line[1:],
                severity="error" if failing else "information",
                timeout=15 if failing else 5,
                markup=False,
            )
        if log.error:
            return [f"NOT SAVING: {log.pending} rows in memory"]
        behind = log.behind_s(self.last_tick.t) if self.last_tick else 0.0
        return [f"saving {behind:.0f} s behind"] if behind >= BEHIND_S else []

    def on_session_screen_stopped(self, message: Stopped) -> None:
        if message.error and not self.session.samples:
            # nothing measured: say why here and let q leave, rather than an empty summary
            self.ended = True
            self.app.run_worker(self.driver.close(), group="close")
            self.app.run_worker(asyncio.to_thread(self.store_log.close), group="close")
            self.failed = message.error
            self.query_one(CueBanner).show(f"{message.error} (q quits)", "above")
            return
        if message.error:
            self.notify(message.error, severity="error", timeout=30, markup=False)
        self._finish()

    # Keys

    def action_toggle_pause(self) -> None:
        (self.driver.resume if self.paused else self.driver.pause)()
        self._show_status()

    def action_lap(self) -> None:
        t = self.driver.lap()
        self.notify(f"Lap {len(self.laps)} at {clock(t - (self.session.t0 or 0.0))}", timeout=3)
        self._show_status()

    def action_toggle_mute(self) -> None:
        self.muted = not self.muted
        self.notify("Cues muted (still shown)" if self.muted else "Cues heard again", timeout=3)
        self._show_status()

    def action_help(self) -> None:
        params = self.setup.params
        self.app.push_screen(
            HelpScreen(help_text(goal_s=self.setup.coach.goal_s, max_gap_s=params.max_gap_s))
        )

    def action_end(self) -> None:
        if self.ended:  # stopped before anything was measured
            self.app.exit(return_code=2, message=f"hrcoach: {self.failed}" if self.failed else None)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._finish()

        self.app.push_screen(ConfirmEndScreen(), confirmed)

    def _finish(self) -> None:
        if self.ended:
            return
        self.ended = True
        self.workers.cancel_group(self, "session")
        self.query_one(CueBanner).show("Saving the session…", None)
        self.save()

    @work(exclusive=True, group="save")
    async def save(self) -> None:
        """The last commit waits on the disk (another writer may hold it): off the event loop."""
        where = await self.driver.save()
        self.app.run_worker(self.driver.close(), group="close")  # outlives this screen
        plan = ""
        if self.plan is not None:
            with contextlib.suppress(Exception):  # the summary never waits on a plan it cannot read
                said: str | None = await asyncio.to_thread(self.plan)
                plan = said or ""
        result = SessionResult(
            plan=plan,
            target_s=self.setup.coach.goal_s if self.plan is not None else None,
            summary=self.session.summary(),
            cues=[(c.t - (self.session.t0 or 0.0), c.message) for c in self.session.cues],
            trace=self.trace,
            where=where,
            session_id=self.store_log.session_id if self.store_log.saved else None,
            laps=self.driver.lap_splits(),
        )
        self.app.switch_screen(SummaryScreen(result, window=self.setup.coach.window))
