"""The shape of the source tree (issue 12): small modules, short public functions, layers.

These checks read the source with :mod:`ast`; they fail with the list of offenders so that a
new long function or a grown module is named in the test output.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "hotspots"
MAX_MODULE_LINES = 600
MAX_PUBLIC_BODY_LINES = 80


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _is_public(path: Path, qualname: str) -> bool:
    parts = path.relative_to(SRC).with_suffix("").parts
    return not any(p.startswith("_") and p != "__init__" for p in parts) and not any(
        q.startswith("_") for q in qualname.split("."))


def _functions(tree: ast.Module):
    """Top-level functions and methods of top-level classes, with qualified names."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node.name, node
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    yield f"{node.name}.{item.name}", item


def body_lines(func: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of a function body, not counting its docstring."""
    body = func.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    if not body:
        return 0
    return body[-1].end_lineno - body[0].lineno + 1


def test_no_module_over_600_lines_outside_stats():
    long = {str(p.relative_to(SRC)): n for p in _modules()
            if p.relative_to(SRC).parts[0] != "stats"
            and (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def test_no_public_function_body_over_80_lines():
    long = {}
    for path in _modules():
        tree = ast.parse(path.read_text())
        for name, func in _functions(tree):
            if _is_public(path, name) and (n := body_lines(func)) > MAX_PUBLIC_BODY_LINES:
                long[f"{path.relative_to(SRC)}:{name}"] = n
    assert long == {}


@pytest.mark.parametrize(("source", "expected"), [
    ("def f():\n    '''doc\n    more'''\n    a = 1\n    return a\n", 2),
    ("def f():\n    return 1\n", 1),
])
def test_body_lines_leaves_the_docstring_out(source, expected):
    func = ast.parse(source).body[0]
    assert body_lines(func) == expected


def test_nothing_inside_the_package_imports_the_package_root():
    offenders = []
    for path in _modules():
        if path == SRC / "__init__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import) and any(a.name == "hotspots" for a in node.names):
                offenders.append(str(path.relative_to(SRC)))
            if isinstance(node, ast.ImportFrom) and node.module == "hotspots" and any(
                    a.name not in _subpackages() for a in node.names):
                offenders.append(str(path.relative_to(SRC)))
    assert offenders == []


def _subpackages() -> set[str]:
    return {p.stem if p.is_file() else p.name for p in SRC.iterdir()
            if (p.suffix == ".py" or (p / "__init__.py").exists())}
