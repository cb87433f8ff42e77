"""Architecture checks over the ``kgmine`` sources (AST only, nothing is imported).

* no import cycle between kgmine modules: the graph counts every import statement, also those inside
  functions, relative imports, ``importlib.import_module`` of a literal ``"kgmine...."`` name, the lazy
  ``_EXPORTS`` tables of package ``__init__`` files, and the package ``__init__`` that importing a
  submodule runs first;
* no function longer than :data:`MAX_FUNCTION_LINES` lines except the named :data:`LONG_FUNCTIONS`.

``python tests/test_architecture.py`` prints the cycles and the long functions.
"""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "kgmine"
MAX_FUNCTION_LINES = 80

#: (path relative to the repository, function name) -> why it may be longer
LONG_FUNCTIONS = {
    ("kgmine/io/demo.py", "generate_world"): "the demo world generator: one seeded random stream, step order is "
                                             "the world (splitting it would have to thread the generator state)",
}


def module_names(package: Path = PACKAGE) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file under ``package``."""
    root = package.parent
    names = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _lazy_exports(tree: ast.Module, package: str) -> dict[str, str]:
    """A package ``__init__``'s ``_EXPORTS = {name: module}`` table (absolute or relative to the package)."""
    for node in tree.body:
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "_EXPORTS" for t in node.targets)
                and isinstance(node.value, ast.Dict)):
            table = {}
            for key, value in zip(node.value.keys, node.value.values):
                if isinstance(key, ast.Constant) and isinstance(value, ast.Constant):
                    module = str(value.value)
                    table[str(key.value)] = module if module.startswith(package) else f"{package}.{module}"
            return table
    return {}


def _called_name(func: ast.AST) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _imported(node: ast.AST, module: str, is_package: bool, exports: dict[str, dict[str, str]]) -> list[str]:
    """The dotted names an import statement ``node`` of ``module`` may load."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.Call):  # import_module("kgmine.x"), Thread(target=import_module, args=("kgmine.x",))
        parts = [node.func, *node.args, *(kw.value for kw in node.keywords)]
        if any(_called_name(p) == "import_module" for p in parts):
            return [c.value for p in parts[1:] for c in ast.walk(p)
                    if isinstance(c, ast.Constant) and isinstance(c.value, str) and c.value.startswith("kgmine.")]
        return []
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    names = [source]
    for alias in node.names:
        names.append(exports.get(source, {}).get(alias.name, f"{source}.{alias.name}"))
    return names


def import_graph(package: Path = PACKAGE) -> nx.DiGraph:
    """Module -> imported module, for every import anywhere in a module (module level or in a function)."""
    modules = module_names(package)
    trees = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in modules.items()}
    exports = {name: _lazy_exports(tree, name) for name, tree in trees.items() if modules[name].name == "__init__.py"}
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, tree in trees.items():
        is_package = modules[name].name == "__init__.py"
        for node in ast.walk(tree):
            for target in _imported(node, name, is_package, exports):
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if not target or target == name:
                    continue
                graph.add_edge(name, target)
                parts = target.split(".")
                for i in range(2, len(parts)):  # importing a.b.c runs a.b's __init__ first
                    ancestor = ".".join(parts[:i])
                    if ancestor in modules and not f"{name}.".startswith(f"{ancestor}."):
                        graph.add_edge(name, ancestor)
    return graph


def import_cycles(package: Path = PACKAGE) -> list[list[str]]:
    """Every simple cycle of :func:`import_graph`, shortest first."""
    return sorted(nx.simple_cycles(import_graph(package)), key=lambda c: (len(c), c))


def long_functions(package: Path = PACKAGE, limit: int = MAX_FUNCTION_LINES) -> list[tuple[str, str, int]]:
    """(path, function name, lines) of every function or method longer than ``limit`` lines."""
    root = package.parent
    found = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > limit:
                    found.append((path.relative_to(root).as_posix(), node.name, lines))
    return found


def test_no_import_cycle_between_kgmine_modules():
    assert import_cycles() == []


def test_the_import_graph_sees_function_level_imports():
    graph = import_graph()
    assert graph.has_edge("kgmine.io", "kgmine.io.demo")
    assert graph.has_edge("kgmine.serve", "kgmine.serve.app")  # imported inside a function
    assert graph.has_edge("kgmine.serve.app", "kgmine.recommend.serve")  # importlib.import_module("...")
    assert graph.has_edge("kgmine.graph.text_edges", "kgmine.extract.resolve")


def test_no_function_over_80_lines_except_the_named_ones():
    unexpected = [f for f in long_functions() if (f[0], f[1]) not in LONG_FUNCTIONS]
    assert unexpected == []


if __name__ == "__main__":
    print("import cycles:", import_cycles() or "none")
    for path, name, lines in long_functions():
        print(f"{lines:4d}  {path} {name}" + ("  (named exception)" if (path, name) in LONG_FUNCTIONS else ""))
