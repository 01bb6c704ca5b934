"""`hrcoach app`: the Textual home (history; settings and the rest from the palette)."""

from __future__ import annotations

import argparse

from hrcoach.cli import common


def run(args: argparse.Namespace) -> int:
    from hrcoach.tui.app import HrcoachApp
    from hrcoach.tui.history_screen import HistoryScreen

    HrcoachApp(lambda app: HistoryScreen(), profile=common.profile()).run()
    return 0
