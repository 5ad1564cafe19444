"""The house stays in order: no module in geo/ over 700 lines, no function over 100 lines."""

from __future__ import annotations

import ast
from pathlib import Path

GEO = Path(__file__).resolve().parents[1] / "geo"
MAX_MODULE_LINES = 700
MAX_FUNCTION_LINES = 100


def _modules() -> list[Path]:
    return sorted(p for p in GEO.rglob("*.py") if "_data" not in p.parts)


def _long_functions(path: Path, root: Path = GEO.parent) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            if lines > MAX_FUNCTION_LINES:
                where = f"{path.relative_to(root).as_posix()}:{node.lineno}"
                out.append(f"{where} {node.name} ({lines})")
    return out


def test_the_checks_see_the_package():
    names = {p.relative_to(GEO).as_posix() for p in _modules()}
    assert {"pipeline.py", "render/events.py", "incidents/load.py"} <= names


def test_the_function_check_finds_a_long_function(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    path = tmp_path / "geo" / "long.py"
    path.parent.mkdir()
    path.write_text(f"def short():\n    pass\n\n\ndef long():\n{body}\n", encoding="utf-8")
    assert _long_functions(path, tmp_path) == [f"geo/long.py:5 long ({MAX_FUNCTION_LINES + 1})"]


def test_no_module_over_700_lines():
    long = {
        p.relative_to(GEO.parent).as_posix(): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}, "split these modules into rooms of one job each"


def test_no_function_over_100_lines():
    long = [f for p in _modules() for f in _long_functions(p)]
    assert long == [], "split these functions into named steps"
