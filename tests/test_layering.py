"""The shape of ``archive/``: packages by concern, imports flowing one way (issue 20).

Every module of ``archive/`` is parsed (not imported); every import of an ``archive``
module is an edge, at module level, inside a function or under ``TYPE_CHECKING`` alike.
Each module belongs to a *part*: its package (``warc``, ``index``, ...) or, for a module
directly under ``archive/``, the module itself. Each part has a level, and a part may
import only parts of a lower level (and itself):

====  ======================================  =====================================
level part                                    what it is
====  ======================================  =====================================
0     ``archive`` (the package), ``layout``,   imported by all; they import only each
      ``faults``, ``plural``                   other
1     ``lock``, ``store``                      the archive's lock; WARC files copied to
                                               S3 (both import ``layout`` only)
2     ``warc``                                 WARC records, written, read, scanned (and
                                               read from the store: ``warc.stored``)
3     ``index``                                SQLite rows, CDXJ, search, merge
4     ``access``, ``recorder``                 the index opened read-only; the writer of
                                               records and rows together: they import
                                               the levels 0 to 3 only, so neither warc/
                                               nor index/ may import them
5     ``integrity``, ``extract``               verify, repair, reindex; article text:
                                               neither imports the other
6     ``discover``                             what the crawler reads to find pages
7     ``web``                                  the replay web application
8     ``cli``                                  the command line (may start ``web``)
9     ``__main__``                             ``python -m archive``
====  ======================================  =====================================

So: warc/ imports nothing of index, integrity, extract, discover, cli or web (of the
parts above level 0, only store); index/
only warc/; integrity/ and extract/ only warc/ and index/ (and the top-level modules);
discover/ nothing of cli/ or web/; nothing imports ``archive.cli`` but ``__main__``; and
there is no import circle, between parts or between modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import archive

ROOT = Path(archive.__file__).parent
CRAWLER = ROOT.parent / "crawler"

LEVELS = {
    "archive": 0,
    "layout": 0,
    "faults": 0,
    "plural": 0,
    "metricsserver": 0,
    "lock": 1,
    "store": 1,
    "warc": 2,
    "index": 3,
    "access": 4,
    "recorder": 4,
    "integrity": 5,
    "extract": 5,
    "discover": 6,
    "web": 7,
    "cli": 8,
    "__main__": 9,
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _imports(name: str, path: Path) -> Iterator[str]:
    """The archive modules that the module *name* at *path* imports, anywhere in it."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            # ``from archive.x import y``: y is a module of its own, or a name of archive.x
            targets = [
                f"{module}.{alias.name}" if f"{module}.{alias.name}" in MODULES else module
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            if target == "archive" or target.startswith("archive."):
                # ``import archive.a.b`` binds (and runs) archive.a.b: its own module
                while target not in MODULES:
                    target = target.rpartition(".")[0]
                if target != name:
                    yield target


GRAPH = {name: sorted(set(_imports(name, path))) for name, path in MODULES.items()}


def part(module: str) -> str:
    """``archive.index.cdxj`` → ``index``; ``archive.lock`` → ``lock``; ``archive`` → itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "archive"


def _cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """One import circle of *graph*, or ``None``."""
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_every_part_has_a_level() -> None:
    """A new package or top-level module must be given its place above."""
    parts = {part(module) for module in MODULES}
    assert parts <= set(LEVELS), f"give these a level in LEVELS: {sorted(parts - set(LEVELS))}"
    assert {"warc", "index", "integrity", "extract", "discover", "cli", "web"} <= parts


def test_imports_flow_down() -> None:
    wrong = [
        f"{module} ({part(module)}, level {LEVELS[part(module)]}) imports {target} "
        f"({part(target)}, level {LEVELS[part(target)]})"
        for module, targets in GRAPH.items()
        for target in targets
        if part(target) != part(module) and LEVELS[part(target)] >= LEVELS[part(module)]
    ]
    assert not wrong, "\n".join(wrong)


def test_only_main_imports_the_command_line() -> None:
    """Library code never imports a command: archive.cli is for ``python -m archive``
    and the ``news-archive`` script only (crawler/ included)."""
    importers = {
        module
        for module, targets in GRAPH.items()
        for target in targets
        if part(target) == "cli" and part(module) != "cli"
    }
    assert importers <= {"archive.__main__"}
    for path in sorted(CRAWLER.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert not (name == "archive.cli" or name.startswith("archive.cli.")), path
                if name == "archive" and isinstance(node, ast.ImportFrom):
                    assert "cli" not in [alias.name for alias in node.names], path


def test_no_import_circle_between_parts() -> None:
    parts: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        parts.setdefault(part(module), set()).update(
            part(t) for t in targets if part(t) != part(module)
        )
    assert _cycle({p: sorted(t) for p, t in parts.items()}) is None


def test_no_import_circle_between_modules() -> None:
    assert _cycle(GRAPH) is None


def test_the_named_back_imports_stay_gone() -> None:
    """The ones issue 20 named: crash repair does not reach the verify command, the
    extraction pool does not take decode_content from the show command, the CDXJ and
    the SQLite index do not import each other."""

    def reaches(start: str) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for nxt in GRAPH[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    assert "archive.integrity.verify" not in reaches("archive.integrity.repair")
    assert not {m for m in reaches("archive.extract.pool") if part(m) == "cli"}
    assert "archive.index.sqlite" not in GRAPH["archive.index.cdxj"]
    assert "archive.index.cdxj" not in reaches("archive.warc.writer")


def test_the_graph_sees_imports_inside_functions() -> None:
    """The parse finds a function-level import (cmd_replay starts the web application)."""
    assert "archive.web.serve" in GRAPH["archive.cli.replay"]
    assert GRAPH["archive.__main__"] == ["archive.cli.parser"]
