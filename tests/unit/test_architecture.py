"""The imports follow the data: each layer imports only what lies below it, and nothing cycles.

Layers, lowest first (docs/architecture.md explains them). A module may import its own layer
and the layers below; the CLI reaches the flows only through `newsetl_flows.entry`.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {"newsetl": ROOT / "src" / "newsetl", "newsetl_flows": ROOT / "flows"}

LAYERS: list[tuple[str, ...]] = [
    # records and settings everything shares
    (
        "newsetl.records",
        "newsetl.schema",
        "newsetl.config",
        "newsetl.urls",
        "newsetl.dates",
        "newsetl.words",
        "newsetl.sources",
        "newsetl.serve",
        "newsetl.progress",  # progress reports, heard by whoever listens (the CLI's bars)
        "newsetl.kept",  # where the warm runner lives (stdlib only)
    ),
    ("newsetl.storage",),  # lake, raw archive, conditional-GET state, warehouse
    ("newsetl.transport",),  # polite HTTP, robots.txt: what discover and fetch ask through
    ("newsetl.discover",),
    ("newsetl.fetch",),
    ("newsetl.extract",),
    ("newsetl.clean",),
    ("newsetl.enrich",),
    # the stages composed, no orchestrator; worker processes that run them
    ("newsetl.pipeline", "newsetl.parallel", "newsetl.parallel_preload"),
    ("newsetl.report",),  # run summaries built from the stages' results
    ("newsetl.analysis",),  # search queries, the HTML report and its charts
    ("newsetl_flows",),  # Prefect
    ("newsetl.cli", "newsetl.cli_analysis", "newsetl.console", "newsetl.__main__", "newsetl.warm"),
]
CLI_DOOR = "newsetl_flows.entry"


def module_files() -> dict[str, Path]:
    found = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            parts = [package, *path.relative_to(folder).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imports_of(name: str, source: str, known: set[str]) -> set[str]:
    """Our modules that `source` imports, anywhere in it (functions and TYPE_CHECKING too)."""
    package = name if name in known and source_is_package(name, known) else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target:
                found.add(target)
    # `from pkg import submodule` also names pkg: keep the package only when nothing deeper.
    return {t for t in found if not any(o.startswith(t + ".") for o in found)} - {name}


def source_is_package(name: str, known: set[str]) -> bool:
    return any(other.startswith(name + ".") for other in known)


def layer_of(name: str) -> int:
    if name == "newsetl":  # the package itself: a version string, nothing to import
        return 0
    for index, members in enumerate(LAYERS):
        if any(name == m or name.startswith(m + ".") for m in members):
            return index
    raise AssertionError(f"{name} is in no layer: add it to LAYERS and docs/architecture.md")


def graph(sources: dict[str, str]) -> dict[str, set[str]]:
    known = set(sources)
    return {name: imports_of(name, text, known) for name, text in sources.items()}


def wrong_way(edges: dict[str, set[str]]) -> list[str]:
    problems = []
    for name, targets in sorted(edges.items()):
        for target in sorted(targets):
            if layer_of(target) > layer_of(name):
                problems.append(f"{name} -> {target} points up")
            library_to_flows = name.startswith("newsetl.") and target.startswith("newsetl_flows")
            if library_to_flows and not (name == "newsetl.cli" and target == CLI_DOOR):
                problems.append(f"{name} -> {target}: the library reaches flows only via cli")
    return problems


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    found, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == "open":
                found.append(stack[stack.index(target) :] + [target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


def project_sources() -> dict[str, str]:
    return {name: path.read_text(encoding="utf-8") for name, path in module_files().items()}


def test_every_module_has_a_layer():
    for name in module_files():
        layer_of(name)


def test_imports_point_down_the_layers():
    assert wrong_way(graph(project_sources())) == []


def test_no_import_cycles():
    assert cycles(graph(project_sources())) == []


def test_the_checks_catch_an_arrow_up_and_a_cycle():
    sources = project_sources()
    sources["newsetl.storage.warehouse"] += "\nfrom newsetl.enrich.stories import assign_stories\n"
    sources["newsetl.transport.robots"] += "\nfrom newsetl.transport.http import Fetcher\n"
    assert wrong_way(graph(sources)) == [
        "newsetl.storage.warehouse -> newsetl.enrich.stories points up"
    ]
    assert ["newsetl.transport.http", "newsetl.transport.robots", "newsetl.transport.http"] in (
        cycles(graph(sources))
    )


def test_the_cli_reaches_the_flows_through_one_door():
    edges = graph(project_sources())
    assert {t for t in edges["newsetl.cli"] if t.startswith("newsetl_flows")} == {CLI_DOOR}
