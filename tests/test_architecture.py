"""The house rules of ARCHITECTURE.md, checked by parsing imports (no module is executed)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

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
    *modules("matching"),
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


# The layers (issue 12): who may import whom inside bot/, read from the code.


def module_name(path: Path) -> str:
    """``bot/service/desk.py`` → ``bot.service.desk``; a package's ``__init__`` → the package."""
    parts = path.relative_to(BOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    module_name(path): path for path in sorted(BOT.rglob("*.py")) if "migrations" not in path.parts
}


def internal_imports(path: Path) -> set[str]:
    """The modules of bot/ a module imports (``from a import b`` names ``a.b`` if a module)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parents = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parents, base] if base else parents)
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {each for each in found if each in MODULES and each != name}


GRAPH = {name: internal_imports(path) for name, path in MODULES.items()}


def under(name: str, *prefixes: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def test_there_is_no_import_cycle_in_bot() -> None:
    """Tarjan's strongly connected components: every one must be a single module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in GRAPH[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in GRAPH:
        if node not in index:
            visit(node)
    assert cycles == []


IO_MODULES = {"os", "io", "socket", "logging", "time", "random", "asyncio", "threading"}
IO_MODULES |= {"subprocess", "sqlite3", "urllib", "http", "pathlib", "shutil", "tempfile"}
ENGINE_MAY_USE = ("bot.engine", "bot.flowdefs.model", "bot.flowdefs.conditions", "bot.values")
ENGINE_MAY_USE += ("bot.inputs", "bot.effects")
ENGINE_MAY_USE += ("bot.calculators", "bot.textnorm", "bot.prefectures")


@pytest.mark.parametrize("name", [n for n in MODULES if under(n, "bot.engine")])
def test_the_engine_reaches_nothing_with_io(name: str) -> None:
    assert not imports(MODULES[name]) & (IO_MODULES | HEAVY)
    assert {each for each in GRAPH[name] if not under(each, *ENGINE_MAY_USE)} == set()


@pytest.mark.parametrize("name", [n for n in MODULES if under(n, "bot.matching")])
def test_the_matcher_reaches_nothing_with_io(name: str) -> None:
    """Typed text goes in and is forgotten: no logging, no files, no clock (issue 16)."""
    assert not imports(MODULES[name]) & (IO_MODULES | HEAVY)
    may_use = ("bot.matching", "bot.flowdefs.model", "bot.textnorm")
    assert {each for each in GRAPH[name] if not under(each, *may_use)} == set()


@pytest.mark.parametrize("name", [n for n in MODULES if under(n, "bot.service")])
def test_the_service_knows_no_adapter_and_no_database(name: str) -> None:
    assert not imports(MODULES[name]) & {"telegram", "sqlalchemy", "cryptography"}
    forbidden = ("bot.telegram_adapter", "bot.storage", "bot.console", "bot.cli")
    assert {each for each in GRAPH[name] if under(each, *forbidden)} == set()


@pytest.mark.parametrize("name", [n for n in MODULES if under(n, "bot.telegram_adapter")])
def test_the_telegram_adapter_reaches_storage_only_through_its_face(name: str) -> None:
    inside = {each for each in GRAPH[name] if under(each, "bot.storage") and each != "bot.storage"}
    assert inside == set()


@pytest.mark.parametrize("name", [n for n in MODULES if under(n, "bot.desk", "bot.service.desk")])
def test_the_desk_rules_know_no_telegram(name: str) -> None:
    assert "telegram" not in imports(MODULES[name])
    assert {each for each in GRAPH[name] if under(each, "bot.telegram_adapter")} == set()


def test_no_module_is_over_400_lines() -> None:
    sizes = {
        name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in MODULES.items()
    }
    assert {name: size for name, size in sizes.items() if size > 400} == {}


def test_no_function_is_over_60_lines() -> None:
    long = {}
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 60:
                    long[f"{name}.{node.name}"] = length
    assert long == {}


def test_the_maintainers_commands_load_without_the_telegram_runtime() -> None:
    """`helpline flows check`, `i18n`, `doctor`...: no loops, no webhook server, no uvicorn."""
    code = (
        "import sys, bot.cli; "
        "loaded = {'uvicorn', 'bot.telegram_adapter.runtime', 'bot.telegram_adapter.webhook'}; "
        "print(sorted(loaded & set(sys.modules)))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "[]"
