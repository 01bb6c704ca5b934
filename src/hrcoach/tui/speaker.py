"""How cues are heard: the terminal bell, the platform's speech command, both, or nothing.

Speech uses the first of `espeak-ng`, `espeak`, `say` (macOS) or PowerShell's System.Speech
(Windows) that is installed; a newer cue cuts off one still being spoken. Without any of them,
speech falls back to the bell and says so once. What is spoken is written to be spoken
(`spoken`: "30:00" is "30 minutes", "60-80 %" is "60 to 80 percent"), and the kinds of cue sound
different where the platform allows: steering and warnings in a higher, quicker voice and with
two bells and three, milestones lower and slower.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from typing import Protocol

KINDS = ("info", "steer", "milestone", "warning")
# espeak's pitch (0-99, 50 its default) and speed (words a minute), and the bells, of each kind
_VOICE = {"info": ("50", "165"), "steer": ("62", "175"), "milestone": ("40", "150"), "warning": ("75", "185")}
_RINGS = {"info": 1, "steer": 2, "milestone": 1, "warning": 3}


def cue_sound_kind(kind: str) -> str:
    """How a coach cue of `kind` (a CueKind value) sounds: steer, warning, milestone or info."""
    if kind in ("ease_off", "pick_up"):
        return "steer"
    if kind in ("rising", "safety", "signal", "hrmax_exceeded"):
        return "warning"
    if kind in ("milestone", "goal", "hold_record"):
        return "milestone"
    return "info"


class Speaker(Protocol):
    def say(self, text: str, kind: str = "info") -> None: ...


_CLOCK = re.compile(r"\b(?:(\d+):)?(\d{1,2}):(\d{2})\b")
_RANGE = re.compile(r"\b(\d+)\s*[-–]\s*(\d+)\b")
_WORDS = [
    (re.compile(r"\s*%\s*HRmax\b"), " percent of your maximum heart rate"),
    (re.compile(r"\bHRmax\b"), "maximum heart rate"),
    (re.compile(r"\s*%"), " percent"),
    (re.compile(r"\bbpm\b"), "beats a minute"),
    (re.compile(r"\bkm/h\b"), "kilometres an hour"),
    (re.compile(r"\bBDNF\b"), "B D N F"),
    (re.compile(r"\s*[:;·]\s*"), ", "),
]


def _units(n: int, one: str) -> str:
    return f"{n} {one}{'s' * (n != 1)}"


def _clock(m: re.Match[str]) -> str:
    hours, minutes, seconds = int(m[1] or 0), int(m[2]), int(m[3])
    parts = [_units(hours, "hour")] if hours else []
    parts += [_units(minutes, "minute")] if minutes or not (hours or seconds) else []
    parts += [_units(seconds, "second")] if seconds else []
    return " ".join(parts)


def spoken(text: str) -> str:
    """A cue as a speech engine should read it: clocks in hours, minutes and seconds, ranges
    as "60 to 80", percent and units in words, colons as pauses."""
    out = _CLOCK.sub(_clock, text)
    out = _RANGE.sub(r"\1 to \2", out)
    for pattern, words in _WORDS:
        out = pattern.sub(words, out)
    return " ".join(out.split())


def speech_command(
    text: str, which: Callable[[str], str | None] | None = None, kind: str = "info"
) -> list[str] | None:
    """The command line that speaks `text` (as written) on this machine, or None."""
    which = which or shutil.which
    pitch, speed = _VOICE.get(kind, _VOICE["info"])
    for name in ("espeak-ng", "espeak"):
        if path := which(name):
            return [path, "-p", pitch, "-s", speed, text]
    if sys.platform == "darwin" and (path := which("say")):
        return [path, "-r", str(int(speed) + 15), text]
    for name in ("powershell", "pwsh"):
        if sys.platform == "win32" and (path := which(name)):
            quoted = text.replace("'", "''")
            script = (
                "Add-Type -AssemblyName System.Speech; "
                f"(New-Object System.Speech.Synthesis.SpeechSynthesizer).Speak('{quoted}')"
            )
            return [path, "-NoProfile", "-Command", script]
    return None


class Bell:
    """The terminal's bell: once for news, twice to steer, three times for a warning."""

    def __init__(self, ring: Callable[[], None]) -> None:
        self._ring = ring

    def say(self, text: str, kind: str = "info") -> None:
        for _ in range(_RINGS.get(kind, 1)):
            self._ring()


class Voice:
    """Speaks through the platform's speech command, one utterance at a time."""

    def __init__(self, which: Callable[[str], str | None] | None = None) -> None:
        self._which = which or shutil.which
        self._current: subprocess.Popen[bytes] | None = None
        self.available = speech_command("x", which) is not None

    def say(self, text: str, kind: str = "info") -> None:
        cmd = speech_command(spoken(text), self._which, kind)
        if cmd is None:
            return
        if self._current is not None and self._current.poll() is None:
            self._current.terminate()
        try:
            self._current = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        except OSError:
            self._current = None


class Both:
    def __init__(self, *speakers: Speaker) -> None:
        self.speakers = speakers

    def say(self, text: str, kind: str = "info") -> None:
        for s in self.speakers:
            s.say(text, kind)


class Silent:
    def say(self, text: str, kind: str = "info") -> None:
        """Cues are shown, not heard."""


def make_speaker(mode: str, ring: Callable[[], None]) -> tuple[Speaker, str]:
    """The speaker for the profile's `cue_sound`, and a note when speech is not available."""
    if mode == "off":
        return Silent(), ""
    if mode in ("speech", "both"):
        voice = Voice()
        if not voice.available:
            return Bell(ring), "no speech command found (install espeak-ng); cues ring the bell"
        return (Both(voice, Bell(ring)) if mode == "both" else voice), ""
    return Bell(ring), ""
