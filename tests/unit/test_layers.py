"""The package's layering, enforced on every import statement (including imports inside
functions and under ``TYPE_CHECKING``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "modelport"

# layer -> layers of modelport it must never import
FORBIDDEN: dict[str, set[str]] = {
    "dialects": {"engines", "gateway", "control", "store", "services", "app", "portal", "cli"},
    "engines": {"gateway", "control", "dialects", "portal", "cli", "services", "app"},
    "inference": {"control", "gateway", "dialects", "portal", "cli", "services", "app"},
    "policy": {"control", "gateway", "dialects", "portal", "cli", "services", "app"},
    "billing": {"control", "gateway", "dialects", "portal", "cli", "app"},
}
DOMAIN_MAY_IMPORT = {"errors", "domain"}


def imports_of(path: Path) -> set[str]:
    """The modelport sub-packages/modules ``path`` imports (first component after modelport)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.ImportFrom) and node.level:
            pytest.fail(f"{path}: relative import; use absolute modelport imports")
        for name in names:
            parts = name.split(".")
            if parts[0] == "modelport" and len(parts) > 1:
                found.add(parts[1])
    return found


def modules(layer: str) -> list[Path]:
    root = PACKAGE / layer
    return sorted(root.rglob("*.py")) if root.is_dir() else [PACKAGE / f"{layer}.py"]


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_never_imports_the_layers_above(layer: str) -> None:
    problems = [
        f"{path.relative_to(PACKAGE.parent)} imports modelport.{name}"
        for path in modules(layer)
        for name in sorted(imports_of(path) & FORBIDDEN[layer])
    ]
    assert not problems, "\n".join(problems)


def test_domain_imports_only_errors() -> None:
    problems = [
        f"{path.relative_to(PACKAGE.parent)} imports modelport.{name}"
        for path in modules("domain")
        for name in sorted(imports_of(path) - DOMAIN_MAY_IMPORT)
    ]
    assert not problems, "\n".join(problems)


def test_the_checker_sees_imports_inside_functions(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from modelport.control.views import X\n"
        "def f():\n    import modelport.engines.base\n"
    )
    assert imports_of(source) == {"control", "engines"}
