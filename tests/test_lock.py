"""requirements.lock (goal T7): every runtime dependency pinned inside its range, with hashes.

The image installs the lock with ``pip --require-hashes`` and the helpline with ``--no-deps``
(deploy/Dockerfile), so a dependency missing from the lock, or pinned outside the range
pyproject.toml allows, would break the image or run a version the tests never saw. Offline: the
extras' own requirements are read from the installed packages' metadata.
"""

from __future__ import annotations

import importlib.util
import re
import tomllib
from importlib import metadata
from types import ModuleType

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from .conftest import ROOT

LOCK = ROOT / "requirements.lock"
AUDIT = ROOT / ".ci" / "audit_dependencies.py"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.MULTILINE)


def pinned() -> dict[str, Version]:
    return {canonicalize_name(name): Version(v) for name, v in PIN.findall(LOCK.read_text())}


def runtime_requirements() -> list[Requirement]:
    """pyproject.toml's dependencies, and what their extras (``[binary]``...) bring in."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found = [Requirement(line) for line in project["dependencies"]]
    for requirement in list(found):
        for extra in sorted(requirement.extras):
            for line in metadata.requires(requirement.name) or []:
                brought = Requirement(line)
                if brought.marker is not None and brought.marker.evaluate({"extra": extra}):
                    found.append(brought)
    return found


def test_every_runtime_dependency_is_pinned_inside_its_range() -> None:
    pins = pinned()
    requirements = runtime_requirements()
    assert len(requirements) > 7  # the extras were followed
    missing = [str(r) for r in requirements if canonicalize_name(r.name) not in pins]
    assert missing == [], f"not in requirements.lock (run deploy/lock): {missing}"
    outside = [
        f"{r} (locked {pins[canonicalize_name(r.name)]})"
        for r in requirements
        if not r.specifier.contains(pins[canonicalize_name(r.name)], prereleases=True)
    ]
    assert outside == [], f"locked outside pyproject.toml's range (run deploy/lock): {outside}"


def test_the_build_backend_is_locked_too() -> None:
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    pins = pinned()
    for line in build:
        requirement = Requirement(line)
        assert requirement.specifier.contains(pins[canonicalize_name(requirement.name)])


def test_every_pin_carries_hashes_and_nothing_is_unpinned() -> None:
    text = LOCK.read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 6)[-1].strip())
    assert len(entries) == len(pinned()) > 10
    for entry in entries:
        assert PIN.match(entry), f"not pinned with ==: {entry.splitlines()[0]}"
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", entry), entry.splitlines()[0]
    assert "-e " not in text and "file://" not in text and "--index-url" not in text


def test_the_image_installs_the_lock_with_hashes_and_the_helpline_without_dependencies() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "requirements.lock" in dockerfile.split("COPY bot")[0]
    assert "pip install --no-compile --require-hashes -r requirements.lock" in dockerfile
    assert "pip install --no-compile --no-deps --no-build-isolation ." in dockerfile
    assert "pip install --no-compile ." not in dockerfile


def audit_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_dependencies", AUDIT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_audit_skips_with_one_line_when_the_database_is_out_of_reach() -> None:
    audit = audit_script()
    status, lines = audit.verdict(None, "Traceback...\nConnectionError: Max retries exceeded\n")
    assert status == 0 and len(lines) == 1 and "skipped" in lines[0]
    assert "ConnectionError" in lines[0]
    unknown = {"dependencies": [{"name": "babel", "skip_reason": "not found"}], "fixes": []}
    status, lines = audit.verdict(unknown)
    assert status == 0 and len(lines) == 1 and "skipped" in lines[0]


def test_the_audit_fails_on_a_known_vulnerability_and_passes_without() -> None:
    audit = audit_script()
    clean = {"name": "babel", "version": "2.19.0", "vulns": []}
    bad = {
        "name": "cryptography",
        "version": "44.0.0",
        "vulns": [{"id": "GHSA-test", "fix_versions": ["44.0.1"], "aliases": []}],
    }
    status, lines = audit.verdict({"dependencies": [clean, bad]})
    assert status == audit.FOUND != 0
    assert lines[0] == "ci: dependency audit: cryptography 44.0.0: GHSA-test (fixed in 44.0.1)"
    status, lines = audit.verdict({"dependencies": [clean]})
    assert (status, lines) == (0, ["ci: dependency audit: 1 packages, no known vulnerabilities"])


def test_the_ci_script_audits_then_always_runs_the_tests() -> None:
    run = (ROOT / ".ci" / "run").read_text()
    assert run.index("audit_dependencies.py") < run.index("\nmake test\n")
    assert "apt-get install -y -qq postgresql" in run  # the PostgreSQL install is kept
    assert audit_script().ignored() == []
