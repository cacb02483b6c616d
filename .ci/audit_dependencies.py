"""Audit requirements.lock for known vulnerabilities (goal T7), without ever needing a network.

Run by .ci/run with the project's virtual environment, after ``pip install -e '.[audit]'``:
``pip-audit`` looks up every locked package and version in PyPI's vulnerability data.

* It finds vulnerabilities: each is printed on one line, and the exit status is 3 (CI fails).
  To accept one for a while, put its id in ``.ci/audit-ignore`` with the reason.
* The vulnerability data cannot be reached (no network, or a mirror that holds only the
  packages, so that every package comes back "not found"): one line says the audit was skipped
  and why, and the exit status is 0. CI must not fail because a database is out of reach.
* Otherwise one line says how many packages were audited.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
IGNORE = ROOT / ".ci" / "audit-ignore"
FOUND = 3
"""The exit status when known vulnerabilities are found (any other failure is not a finding)."""


def ignored() -> list[str]:
    """The vulnerability ids listed in .ci/audit-ignore (one a line, ``#`` starts a comment)."""
    if not IGNORE.exists():
        return []
    lines = (line.split("#", 1)[0].strip() for line in IGNORE.read_text().splitlines())
    return [line for line in lines if line]


def run_pip_audit(output: Path) -> subprocess.CompletedProcess[str]:
    """Run pip-audit on the lock (its hashes make resolving and installing unnecessary)."""
    command = [
        str(Path(sys.executable).with_name("pip-audit")),
        *("--requirement", str(LOCK), "--disable-pip", "--require-hashes"),
        *("--progress-spinner", "off", "--timeout", "20"),
        *("--format", "json", "--output", str(output)),
    ]
    for vulnerability in ignored():
        command += ["--ignore-vuln", vulnerability]
    return subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603


def verdict(report: dict[str, object] | None, error: str = "") -> tuple[int, list[str]]:
    """Turn pip-audit's JSON report (None: it wrote none) into an exit status and lines."""
    if report is None:
        why = (error.strip().splitlines() or ["no report"])[-1][:160]
        return 0, [f"ci: dependency audit skipped: the vulnerability data is out of reach ({why})"]
    dependencies = report.get("dependencies")
    found = dependencies if isinstance(dependencies, list) else []
    audited = [d for d in found if "skip_reason" not in d]
    if not audited:
        return 0, [
            f"ci: dependency audit skipped: the vulnerability data knows none of the {len(found)}"
            " locked packages (offline, or an index without that data)"
        ]
    lines = [
        f"ci: dependency audit: {d['name']} {d['version']}: {v['id']}"
        f" (fixed in {', '.join(v.get('fix_versions') or []) or 'no release yet'})"
        for d in audited
        for v in d.get("vulns", [])
    ]
    if lines:
        lines.append(
            "ci: dependency audit failed: run deploy/lock --upgrade, or list the id in"
            " .ci/audit-ignore with the reason"
        )
        return FOUND, lines
    unchecked = len(found) - len(audited)
    more = f" ({unchecked} not in the vulnerability data)" if unchecked else ""
    return 0, [f"ci: dependency audit: {len(audited)} packages, no known vulnerabilities{more}"]


def main() -> int:
    """Audit the lock and print the verdict; return the exit status."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "audit.json"
        try:
            result = run_pip_audit(output)
        except OSError as error:
            status, lines = verdict(None, f"pip-audit could not run: {error}")
        else:
            try:
                report = json.loads(output.read_text()) if output.exists() else None
            except (OSError, ValueError):
                report = None
            status, lines = verdict(report, result.stderr)
    for line in lines:
        print(line)  # noqa: T201
    return status


if __name__ == "__main__":
    sys.exit(main())
