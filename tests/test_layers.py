"""The house rule: a folder is a layer and imports point down.

Every import of the project's own modules is read from the source (imports
inside functions too). A module may import its own package, or a package on
a lower layer; an import sideways (another package on the same layer) or up
is a violation, and so is any import circle between modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("scribe", "pipelines", "note_formats", "ui")

#: Bottom to top. A module belongs to the longest prefix that names it; a
#: prefix is a whole dotted name (``scribe.core`` holds ``scribe.core.errors``).
LAYERS: list[tuple[str, ...]] = [
    ("scribe", "scribe.core"),
    ("scribe.audio", "scribe.store"),
    ("scribe.asr", "scribe.speakers"),
    ("scribe.transcripts",),
    ("pipelines",),
    ("note_formats",),
    ("scribe.workflow",),
    ("ui",),
    ("scribe.cli",),  # the entry point: ``scribe ui`` starts the desk
]

#: Today's known violations, as ``"a -> b"`` (an arrow) or ``"circle: a, b"``.
#: The list only shrinks: a new violation fails, and so does an entry that no
#: longer happens (delete it).
ALLOWED: set[str] = set()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    """Every module of the project's packages, by dotted name."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


def _imported(node: ast.AST, module: str, is_package: bool, modules: dict[str, Path]) -> list[str]:
    """The project modules one import statement names (``from a import b`` names ``a.b`` if it is one)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - node.level + 1]
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        names = [
            f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source
            for alias in node.names
        ]
    else:
        return []
    out = []
    for name in names:
        if name.split(".")[0] not in PACKAGES:
            continue
        while name not in modules and "." in name:  # ``import a.b.attr`` -> module a.b
            name = name.rsplit(".", 1)[0]
        out.append(name)
    return out


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports (anywhere in the file)."""
    modules = project_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        targets = {t for node in ast.walk(tree) for t in _imported(node, name, is_package, modules)}
        graph[name] = targets - {name}
    return graph


def _home(module: str) -> tuple[int, str]:
    """(layer index, package prefix) of a module: its longest matching prefix."""
    best: tuple[int, str] | None = None
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (
                best is None or len(prefix) > len(best[1])
            ):
                best = (index, prefix)
    assert best is not None, f"{module} is in no layer: add its package to LAYERS"
    return best


def upward_arrows(graph: dict[str, set[str]]) -> set[str]:
    """Arrows into another package on the same or a higher layer."""
    bad = set()
    for source, targets in graph.items():
        layer, package = _home(source)
        for target in targets:
            t_layer, t_package = _home(target)
            if t_package == package or target == "scribe":
                continue
            if t_layer >= layer:
                bad.add(f"{source} -> {target}")
    return bad


def circles(graph: dict[str, set[str]]) -> set[str]:
    """Strongly connected groups of more than one module (Tarjan), as ``circle: a, b, ...``."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[str] = set()

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.add("circle: " + ", ".join(sorted(group)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_imports_inside_functions() -> None:
    graph = import_graph()
    assert graph, "no project modules found"
    assert all(target in graph for targets in graph.values() for target in targets)


def test_every_module_has_a_layer() -> None:
    for module in import_graph():
        _home(module)


def test_arrows_point_down_and_nothing_imports_in_a_circle() -> None:
    graph = import_graph()
    violations = upward_arrows(graph) | circles(graph)
    new = sorted(violations - ALLOWED)
    assert not new, "imports against the layers (see ARCHITECTURE.md):\n" + "\n".join(new)
    fixed = sorted(ALLOWED - violations)
    assert not fixed, "no longer happening, delete from ALLOWED:\n" + "\n".join(fixed)


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(k, ast.Name) and k.id in ("ImportError", "ModuleNotFoundError") for k in kinds)


def test_no_import_error_guard_around_the_projects_own_modules() -> None:
    """A guard may only wrap a third-party import: around our own code it turns a bug into a wrong message."""
    modules = project_modules()
    guarded = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Try) and any(_catches_import_error(h) for h in node.handlers):
                inner = [n for stmt in node.body for n in ast.walk(stmt)]
                if any(_imported(n, name, path.name == "__init__.py", modules) for n in inner):
                    guarded.append(f"{name}:{node.lineno}")
    assert not guarded, "ImportError guard around a project import: " + ", ".join(guarded)


def test_the_checker_catches_an_upward_arrow_and_a_circle() -> None:
    graph = {"scribe.core.a": {"ui.x"}, "ui.x": {"ui.y"}, "ui.y": {"ui.x"}}
    assert upward_arrows(graph) == {"scribe.core.a -> ui.x"}
    assert circles(graph) == {"circle: ui.x, ui.y"}
