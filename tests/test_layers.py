"""The layer rule of DESIGN.md: each layer imports only from layers below it; siblings on one
row do not import each other; only tui/ imports textual, only sources/ble.py imports bleak.
`formats` (every file format, reader and writer side by side, the capture format among them) sits
between `session` and `store`: it decodes 0x2A37 payloads through `protocol` and needs neither
the store nor a source. `text` (cleaning untrusted strings where they enter) sits at the bottom:
everything may use it. `logbook` (what the TUI is shown of the log and the profile file) sits
beside `drive` (the session driver): the two things the app is given to work with."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "hrcoach"

# lowest first; modules on one row are siblings
LAYERS = [
    {"config", "models", "paths", "text"},
    {"protocol"},
    {"engine"},
    {"coach"},
    {"session"},
    {"formats"},
    {"store"},
    {"sources"},
    {"drive", "logbook"},
    {"tui"},
    {"cli"},
    {"__main__"},
]
RANK = {name: i for i, row in enumerate(LAYERS) for name in row}


def unit(path: Path) -> str:
    rel = path.relative_to(SRC).parts
    return rel[0].removesuffix(".py")


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_every_module_has_a_layer() -> None:
    for path in SRC.rglob("*.py"):
        if path.name != "__init__.py" or path.parent != SRC:
            assert unit(path) in RANK, path


def test_layers_only_import_downward() -> None:
    problems = []
    for path in SRC.rglob("*.py"):
        if path.parent == SRC and path.name == "__init__.py":
            continue
        me = unit(path)
        for mod in imports(path):
            parts = mod.split(".")
            if parts[0] in {"textual", "bleak"}:
                owner = "tui" if parts[0] == "textual" else "sources"
                if me != owner or (parts[0] == "bleak" and path.name != "ble.py"):
                    problems.append(f"{path.relative_to(SRC)} imports {mod}")
            if parts[0] != "hrcoach" or len(parts) < 2:
                continue
            other = parts[1]
            if other == me:
                continue
            if RANK[other] >= RANK[me]:
                problems.append(f"{path.relative_to(SRC)} ({me}) imports {mod} ({other})")
    assert not problems, problems
