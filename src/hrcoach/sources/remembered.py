"""The strap used last, remembered in the data dir so the next session finds it first."""

from __future__ import annotations

import json
from pathlib import Path

from hrcoach import paths
from hrcoach.text import clean


def _file() -> Path:
    return paths.data_dir() / "last_device.json"


def last_device() -> str | None:
    """The address of the strap used last, if any."""
    try:
        value = json.loads(_file().read_text()).get("address")
    except (OSError, ValueError, AttributeError):
        return None
    return clean(value) or None if isinstance(value, str) else None


def remember_device(name: str, address: str) -> None:
    paths.write_private(_file(), json.dumps({"name": clean(name), "address": clean(address)}).encode())
