"""The snapshot tests are pictures of one Textual release: the suite runs on exactly that one."""

from __future__ import annotations

import tomllib
from importlib.metadata import version

from tests.conftest import ROOT


def test_the_snapshots_run_on_the_textual_release_they_were_taken_with() -> None:
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]["dev"]
    (pin,) = [d for d in dev if d.startswith("textual==")]
    assert version("textual") == pin.removeprefix("textual=="), "re-take the snapshots for a new Textual"
