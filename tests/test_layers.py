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
    {"coach", "plan"},
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


# The import graph: every module of the package, every import in it (top level, inside
# functions, under TYPE_CHECKING), relative imports resolved. `from pkg import name` is an edge to
# the submodule pkg.name when there is one, else to pkg itself.


def module_name(path: Path) -> str:
    parts = ("hrcoach", *path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in SRC.rglob("*.py")}


def targets(name: str, path: Path) -> set[str]:
    """The modules of the package that module `name` (at `path`) imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                mod = alias.name
                while mod and mod not in MODULES:  # `import a.b.c` of a name inside a.b
                    mod = mod.rpartition(".")[0]
                if mod:
                    found.add(mod)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            for alias in node.names:
                if f"{source}.{alias.name}" in MODULES:
                    found.add(f"{source}.{alias.name}")
                elif source in MODULES:
                    found.add(source)
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    return {name: targets(name, path) for name, path in MODULES.items()}


def tangles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected parts of `graph` with more than one module (Kosaraju)."""
    order: list[str] = []
    seen: set[str] = set()
    for root in sorted(graph):
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(sorted(graph[root])))]
        while stack:
            node, edges = stack[-1]
            nxt = next(edges, None)
            if nxt is None:
                stack.pop()
                order.append(node)
            elif nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, iter(sorted(graph[nxt]))))
    back: dict[str, set[str]] = {n: set() for n in graph}
    for n, outs in graph.items():
        for m in outs:
            back[m].add(n)
    parts: list[set[str]] = []
    placed: set[str] = set()
    for root in reversed(order):
        if root in placed:
            continue
        part, todo = set(), [root]
        while todo:
            n = todo.pop()
            if n not in placed:
                placed.add(n)
                part.add(n)
                todo += back[n] - placed
        if len(part) > 1:
            parts.append(part)
    return parts


def cycle_in(graph: dict[str, set[str]], part: set[str]) -> list[str]:
    """One cycle through the modules of `part` (a tangle of `graph`), its first at the end again."""
    start = min(part)
    came_from: dict[str, str] = {}
    todo = [start]
    while todo:  # breadth first from `start` until an edge leads back to it
        n = todo.pop(0)
        for m in sorted(graph[n] & part):
            if m == start:
                path = [n]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if m not in came_from:
                came_from[m] = n
                todo.append(m)
    raise AssertionError(f"{part} is not a tangle")


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    return [cycle_in(graph, part) for part in tangles(graph)]


def cycle_report(graph: dict[str, set[str]]) -> str:
    return "\n".join(
        f"{' -> '.join(cycle_in(graph, part))}   (tangled: {', '.join(sorted(part))})"
        for part in tangles(graph)
    )


def test_the_graph_sees_every_kind_of_import() -> None:
    graph = import_graph()
    assert "hrcoach.store.log" in graph["hrcoach.tui.app"]  # top level
    assert "hrcoach.cli.render" in graph["hrcoach.cli.live"]  # inside a function
    assert "hrcoach.formats.capture" in graph["hrcoach.cli.live"]  # under TYPE_CHECKING
    assert "hrcoach.cli.readout" in graph["hrcoach.cli.live"]  # `from pkg.mod import name`
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b", "d"}, "b": {"a"}, "c": {"d"}, "d": {"c"}}) == [["a", "b", "a"], ["c", "d", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles() -> None:
    graph = import_graph()
    assert not tangles(graph), "import cycles:\n" + cycle_report(graph)


# Screens and widgets only show what they are given: the app (tui/app.py) hands them data and
# does their navigation; the reading and writing of what is kept goes through hrcoach.logbook's
# Logbook, which only the app holds. The session screen is handed its log writer (it writes the
# session it runs, never reads the log).
NOT_IN_SCREENS = {
    "hrcoach.paths": "where files are",
    "hrcoach.store": "the session log",
    "hrcoach.sources.remembered": "the remembered-device file",
    "hrcoach.engine.batch": "whole-session engine work",
    "hrcoach.config.load_profile": "the profile file",
    "hrcoach.config.profile_toml": "the profile file",
    "hrcoach.logbook.Logbook": "the log's reader and writer",
    "hrcoach.tui.app": "the app (screens ask it with messages and actions)",
}
HANDED = {("tui/session_screen.py", "hrcoach.store.log")}


def imports_of(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names taken from it) for every import in `path`, wherever it is."""
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert not node.level, f"{path}: a relative import"
            found.append((node.module or "", [a.name for a in node.names]))
    return found


def banned(name: str) -> str | None:
    return next((why for b, why in NOT_IN_SCREENS.items() if name == b or name.startswith(b + ".")), None)


def test_screens_and_widgets_only_show() -> None:
    problems = []
    for path in sorted((SRC / "tui").glob("*.py")):
        me = str(path.relative_to(SRC))
        if path.name == "app.py":
            continue
        for module, names in imports_of(path):
            if (me, module) in HANDED:
                continue
            if why := banned(module):
                problems.append(f"{me} imports {module} ({why})")
                continue
            problems += [
                f"{me} imports {module}.{n} ({why})" for n in names if (why := banned(f"{module}.{n}"))
            ]
    assert not problems, "\n".join(problems)
