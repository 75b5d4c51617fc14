"""The layering in docs/architecture.md, enforced."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = {"interlude", "messaging", "crypto", "web", "worker"}
FORBIDDEN = {
    "crypto": FIRST_PARTY - {"crypto"}
    | {"sqlalchemy", "starlette", "socketio", "aiosmtplib", "alembic"},
    "messaging": {"interlude", "web", "worker", "starlette", "socketio", "aiosmtplib", "uvicorn"},
    "web": {"interlude", "worker", "aiosmtplib"},
    "worker": {"interlude", "web", "starlette", "socketio", "uvicorn"},
}
CRYPTO_ALLOWED_THIRD_PARTY = {"nacl"}


def imported_top_level_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_each_package_imports_only_what_its_layer_allows(package: str) -> None:
    violations = {
        str(path.relative_to(ROOT)): sorted(imported_top_level_modules(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {file: names for file, names in violations.items() if names} == {}


def test_crypto_uses_only_pynacl_and_the_standard_library() -> None:
    for path in (ROOT / "crypto").rglob("*.py"):
        outside = {
            name
            for name in imported_top_level_modules(path)
            if name not in sys.stdlib_module_names
            and name not in CRYPTO_ALLOWED_THIRD_PARTY
            and name not in {"crypto", "__future__"}
        }
        assert outside == set(), f"{path.relative_to(ROOT)} imports {sorted(outside)}"
