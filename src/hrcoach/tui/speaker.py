"""How cues are heard: the terminal bell, the platform's speech command, both, or nothing.

Speech uses the first of `espeak-ng`, `espeak`, `say` (macOS) or PowerShell's System.Speech
(Windows) that is installed; a newer cue cuts off one still being spoken. Without any of them,
speech falls back to the bell and says so once.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from typing import Protocol


class Speaker(Protocol):
    def say(self, text: str) -> None: ...


def speech_command(text: str, which: Callable[[str], str | None] | None = None) -> list[str] | None:
    """The command line that speaks `text` on this machine, or None."""
    which = which or shutil.which
    for name in ("espeak-ng", "espeak"):
        if path := which(name):
            return [path, "-s", "165", text]
    if sys.platform == "darwin" and (path := which("say")):
        return [path, text]
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
    def __init__(self, ring: Callable[[], None]) -> None:
        self._ring = ring

    def say(self, text: str) -> None:
        self._ring()


class Voice:
    """Speaks through the platform's speech command, one utterance at a time."""

    def __init__(self, which: Callable[[str], str | None] | None = None) -> None:
        self._which = which or shutil.which
        self._current: subprocess.Popen[bytes] | None = None
        self.available = speech_command("x", which) is not None

    def say(self, text: str) -> None:
        cmd = speech_command(text, self._which)
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

    def say(self, text: str) -> None:
        for s in self.speakers:
            s.say(text)


class Silent:
    def say(self, text: str) -> None:
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
