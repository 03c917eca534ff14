"""What the Makefile promises a new user: quiet installs (``make run`` shows the demo logins,
not pip's noise), and ``make test`` installs axe-core from the project's own lock file."""

from __future__ import annotations

import re
from pathlib import Path

from advisor_hub import ROOT

MAKEFILE = (Path(ROOT) / "Makefile").read_text()


def _recipe_lines() -> list[str]:
    return [line.strip() for line in MAKEFILE.splitlines() if line.startswith("\t")]


def test_every_pip_install_is_quiet() -> None:
    pip = re.search(r"^PIP := (.+)$", MAKEFILE, re.M)
    # Twice: once still prints warnings (one per package for a missing find-links folder).
    assert pip and pip.group(1).count("--quiet") == 2 \
        and "--disable-pip-version-check" in pip.group(1)
    installs = [line for line in _recipe_lines() if "install" in line and "pip" in line.lower()]
    assert installs and all(line.startswith("$(PIP) install") for line in installs), installs


def test_make_test_installs_axe_core_with_npm_ci() -> None:
    test = re.search(r"^test: (.+)$", MAKEFILE, re.M)
    assert test and "$(AXE)" in test.group(1).split()
    assert "cd tests/browser/axe && npm ci --no-audit --no-fund" in MAKEFILE
    lock = Path(ROOT) / "tests" / "browser" / "axe" / "package-lock.json"
    assert '"node_modules/axe-core"' in lock.read_text()
