"""The package's shape: no import cycles between minidl's modules, and every
package folder installed by pyproject.toml.

The import graph is read from the source with ``ast`` (module-level and
function-level imports alike), so a cycle hidden inside a function is found
too."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# where each installed package lives in the repository
LOCATIONS = {"minidl": ROOT / "minidl", "minidl.kernels": ROOT / "kernels",
             "minidl.models": ROOT / "models"}


def _modules():
    """{dotted module name: path} for every module of the three trees."""
    found = {}
    for package, folder in LOCATIONS.items():
        for path in folder.rglob("*.py"):
            if "__pycache__" in path.parts:
                continue
            parts = path.relative_to(folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            name = ".".join((package,) + parts)
            # kernels/ and models/ install inside minidl: minidl/kernels does not exist
            found[name] = path
    return found


def _imports(name, path, modules):
    """The minidl modules ``name`` imports anywhere in its source."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("minidl"):
                    targets.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if not module.startswith("minidl"):
                continue
            for alias in node.names:
                child = f"{module}.{alias.name}"
                targets.add(child if child in modules else module)
    return {t for t in targets if t in modules and t != name}


def _cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, result = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return result


def test_no_import_cycles():
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    # A package's __init__ importing its own submodules is how packages work, not a cycle.
    for name in graph:
        graph[name] = {t for t in graph[name] if not (
            modules[name].name == "__init__.py" and t.startswith(name + "."))}
    assert _cycles(graph) == []


def test_every_package_folder_is_installed():
    text = (ROOT / "pyproject.toml").read_text()
    listed = set(re.findall(r'"(minidl[\w.]*)"', text.split("packages = [", 1)[1]
                            .split("]", 1)[0]))
    packages = {name for name, path in _modules().items() if path.name == "__init__.py"}
    assert packages == listed
