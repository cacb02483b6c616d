"""The house rules of ARCHITECTURE.md, checked by parsing imports (no module is executed)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"
HEAVY = {"telegram", "sqlalchemy", "cryptography", "babel"}


def imports(path: Path) -> set[str]:
    """Return the top-level package of every import in a module."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def modules(*parts: str) -> list[Path]:
    target = BOT.joinpath(*parts)
    return sorted(target.rglob("*.py")) if target.is_dir() else [target.with_suffix(".py")]


PURE = [
    *modules("engine"),
    *modules("flowdefs"),
    *modules("calculators"),
    *modules("values"),
    *modules("inputs"),
    *modules("textnorm"),
    *modules("prefectures"),
    *modules("desk"),
    *modules("reports"),
]


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(BOT)))
def test_engine_and_flow_modules_import_no_framework(path: Path) -> None:
    assert not imports(path) & HEAVY


@pytest.mark.parametrize(
    ("package", "allowed"),
    [("telegram", {"telegram_adapter"}), ("babel", {"i18n"})],
)
def test_each_framework_has_one_home(package: str, allowed: set[str]) -> None:
    offenders = [
        str(path.relative_to(BOT))
        for path in BOT.rglob("*.py")
        if package in imports(path) and not (set(path.relative_to(BOT).parts) & allowed)
    ]
    assert offenders == []


def test_only_storage_may_import_database_or_crypto() -> None:
    offenders = [
        str(path.relative_to(BOT))
        for path in BOT.rglob("*.py")
        if imports(path) & {"sqlalchemy", "cryptography"} and "storage" not in path.parts
    ]
    assert offenders == []


def test_only_config_reads_the_environment() -> None:
    offenders = []
    for path in BOT.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name in {"config.py", "cli.py"}:
            continue  # cli.py hands os.environ to Settings.from_env and nothing else
        if "os.environ" in text or "getenv" in text:
            offenders.append(path.name)
    assert offenders == []


def test_yaml_is_only_ever_loaded_safely() -> None:
    offenders = [
        path.name
        for path in BOT.rglob("*.py")
        if "yaml.load(" in path.read_text(encoding="utf-8")
        or "yaml.unsafe_load" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_no_module_is_named_after_a_dependency() -> None:
    names = {path.stem for path in BOT.rglob("*.py")}
    assert not names & {"telegram", "babel", "sqlalchemy", "yaml", "cryptography"}
