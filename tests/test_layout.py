"""The tree shows the stages, and imports follow the data: a stage imports only the
stages before it, and nothing in the product (the package, the DAGs, the plugin) imports
the harnesses in tools/ or anything in tests/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from treasury_warehouse.config import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "include" / "treasury_warehouse"
# In the order data flows; a module may import its own stage and those before it.
STAGES = ["config", "errors", "ingest", "warehouse", "report", "orchestration", "__main__"]
RANK = {"config": 0, "errors": 0, "ingest": 1, "warehouse": 2, "report": 3, "orchestration": 4, "__main__": 5}
PRODUCT = [
    *sorted(PACKAGE.rglob("*.py")),
    *sorted((PROJECT_ROOT / "dags").glob("*.py")),
    *sorted((PROJECT_ROOT / "plugins").glob("*.py")),
]


def imported(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def stage(module: str) -> str | None:
    """The stage of a dotted name inside the package (treasury_warehouse.<stage>...)."""
    parts = module.split(".")
    if parts[0] != "treasury_warehouse" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in RANK else None


@pytest.mark.parametrize("path", PRODUCT, ids=[str(p.relative_to(PROJECT_ROOT)) for p in PRODUCT])
def test_the_product_imports_no_harness_and_no_test(path: Path) -> None:
    wrong = sorted(m for m in imported(path) if m.split(".")[0] in ("tools", "tests", "conftest"))
    assert wrong == [], f"{path.relative_to(PROJECT_ROOT)} imports {wrong}"


def test_each_stage_imports_only_the_stages_before_it() -> None:
    backwards = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        own = relative.parts[0].removesuffix(".py")
        if own == "__init__":
            continue
        assert own in RANK, f"{relative}: not in a stage ({', '.join(STAGES)}); add it to one"
        for module in imported(path):
            target = stage(module)
            if target is not None and RANK[target] > RANK[own]:
                backwards.append(f"{relative} ({own}) imports {module} ({target})")
    assert backwards == []


def test_the_stages_are_folders_with_a_docstring() -> None:
    for name in ("ingest", "warehouse", "report", "orchestration"):
        init = PACKAGE / name / "__init__.py"
        assert ast.get_docstring(ast.parse(init.read_text())), f"{name}/__init__.py says what the stage does"
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "config.py", "errors.py"], top
