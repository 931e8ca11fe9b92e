"""The layout of docs/architecture.md, held against the package's own imports.

Read from the source with `ast` (nothing is imported): every import of a
module of the package, at any depth of a file, is an arrow. The arrows between
apps must point down the layers below, no module may take part in a cycle,
and no function may import a module of the package unless it is listed in
LOCAL_IMPORTS with its reason (dodging a cycle is not one).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "undersigned"

# Bottom first: an app may import the apps on the lines below its own, never
# one on its line or above. docs/architecture.md says why each stands where it does.
LAYERS = [
    ["ids", "memo", "migrating", "addresses", "plainsql"],
    ["outgoing"],
    ["privacy"],
    ["areas"],
    ["counting"],
    ["campaigns"],
    ["outbox"],
    ["signatures"],
    ["abuse"],
    ["deliveries", "updates"],
    ["participation"],
    ["integrations"],
    ["staff"],
    ["retention", "front", "api", "organise", "http"],
    ["demo"],
    ["urls", "settings", "wsgi", "__main__"],
]

# (file, function): why that function imports a module of the package.
LOCAL_IMPORTS = {
    # AppConfig.ready() is where Django lets an app import models and connect
    # its receivers: the app registry is not ready when apps.py is imported.
    ("campaigns/apps.py", "ready"): "connects the campaign cache's receivers",
    ("deliveries/apps.py", "ready"): "connects the milestone and waiting-letter receivers, "
    "registers its mail and its letters as outgoing work",
    ("integrations/apps.py", "ready"): "connects the webhook events' receivers, registers "
    "webhook deliveries as outgoing work",
    ("outbox/apps.py", "ready"): "registers its e-mails as outgoing work",
    ("updates/apps.py", "ready"): "registers what its e-mails say with the outbox",
    ("signatures/apps.py", "ready"): "registers what its e-mails say with the outbox, connects "
    "the placing of waiting signatures",
}


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = ["undersigned", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = modules()


def imported(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The package's modules an import statement names."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".")
            if path.name != "__init__.py":
                package.pop()
            package = package[: len(package) - node.level + 1]
            base = ".".join([*package, base] if base else package)
        names = [
            f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
            for alias in node.names
        ]
    return [name for name in names if name in MODULES]


def arrows() -> tuple[dict[str, set[str]], list[tuple[str, str, int]]]:
    """Every module's imports, and the function-local ones: (file, function, line)."""
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    local: list[tuple[str, str, int]] = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                graph[module].update(imported(module, path, node))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom) and imported(module, path, node):
                    local.append((str(path.relative_to(PACKAGE)), function.name, node.lineno))
    return graph, local


def app_of(module: str) -> str:
    return module.split(".")[1] if "." in module else module


def layer_of(app: str) -> int:
    for number, apps in enumerate(LAYERS):
        if app in apps:
            return number
    raise AssertionError(f"{app} is on no layer: add it to LAYERS and docs/architecture.md")


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


GRAPH, LOCAL = arrows()


def test_no_module_of_the_package_takes_part_in_an_import_cycle():
    assert cycles(GRAPH) == []


def test_every_arrow_between_apps_points_down_the_layers():
    upward = sorted(
        f"{source} -> {target}"
        for source, targets in GRAPH.items()
        for target in targets
        if app_of(source) != app_of(target) and layer_of(app_of(target)) >= layer_of(app_of(source))
    )
    assert upward == []


def test_no_function_imports_a_module_of_the_package_without_a_reason():
    unexplained = [
        f"{path}:{line} in {function}()"
        for path, function, line in LOCAL
        if (path, function) not in LOCAL_IMPORTS
    ]
    assert unexplained == []


def test_the_check_sees_the_package_and_its_arrows():
    # A check that read nothing would pass the tests above.
    assert len(MODULES) > 100
    assert "undersigned.counting.actions" in GRAPH["undersigned.signatures.actions"]
    assert "undersigned.outbox.models" in GRAPH["undersigned.deliveries.sending"]
    assert {path for path, _function, _line in LOCAL} == {path for path, _ in LOCAL_IMPORTS}


def test_the_check_finds_a_cycle_and_an_upward_arrow():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert layer_of("counting") < layer_of("signatures") < layer_of("deliveries")
