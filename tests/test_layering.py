"""Layering: tfvae depends on nothing of ours except in its command-line entry point."""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _imported_top_levels(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module.split(".")[0]


@pytest.mark.parametrize(
    "package, forbidden",
    [("tfvae", {"pipelines", "tuning"}), ("pipelines", {"tuning"}), ("tuning", {"pipelines"})],
)
def test_package_imports_respect_layers(package, forbidden):
    offenders = []
    for path in (ROOT / package).rglob("*.py"):
        if package == "tfvae" and "cli" in path.relative_to(ROOT / package).parts:
            continue  # the one place that ties the three packages together
        offenders += [f"{path.relative_to(ROOT)} imports {name}" for name in _imported_top_levels(path) if name in forbidden]
    assert not offenders
