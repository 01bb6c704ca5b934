"""Text that comes from a device or a file (a Bluetooth name, a capture header, a file's device
field) is untrusted: whoever advertises nearby chooses a strap's name. `clean()` it once, where
it enters: control and format characters (escape sequences, bell, backspace, bidi overrides)
are removed and the length is capped, so what is left is safe to print on a terminal and to put
in XML. Markup-parsing places (Textual) still escape it where they show it.
"""

from __future__ import annotations

import unicodedata
from typing import Any

NAME_MAX = 64  # longer than any strap's name (BLE local names are at most 29 bytes in one packet)


def clean(value: object, limit: int = NAME_MAX) -> str:
    """`value` as text without control, format or unassigned characters, whitespace runs as one
    space, at most `limit` characters (an ellipsis marks a cut)."""
    text = value if isinstance(value, str) else str(value)
    if text.isascii() and text.isprintable() and len(text) <= limit and "  " not in text:
        return text.strip()  # the common case: a plain name
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch.isspace() or cat == "Zs":
            kept.append(" ")
        elif cat[0] != "C":  # Cc control, Cf format (bidi, zero-width), Cs, Co, Cn
            kept.append(ch)
    out = " ".join("".join(kept).split())
    return out if len(out) <= limit else out[: limit - 1] + "…"


def clean_device(device: dict[str, Any]) -> dict[str, Any]:
    """A device description (capture header, session log) with every text value cleaned and
    anything that is not plain text dropped."""
    out: dict[str, Any] = {}
    for key, value in list(device.items())[:16]:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            continue
        out[clean(key, 32)] = clean(value) if isinstance(value, str) else value
    return out
