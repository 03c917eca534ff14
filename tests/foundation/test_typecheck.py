"""`make test` type-checks the service modules: the Makefile runs mypy before pytest, and
setup.cfg's [mypy] list covers every services.py, reporting.py and jobs.py and the dispatcher,
and names no file that is gone (mypy itself runs in `make test`, not here: it is slow)."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("advisor_hub", "approvals", "content_library")


def mypy_patterns() -> list[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    return [p.strip() for p in config["mypy"]["files"].split(",") if p.strip()]


def checked() -> set[Path]:
    return {path for pattern in mypy_patterns() for path in ROOT.glob(pattern)}


def test_every_listed_pattern_names_a_file() -> None:
    assert all(list(ROOT.glob(pattern)) for pattern in mypy_patterns())


def test_the_service_modules_and_the_dispatcher_are_checked() -> None:
    expected = {path for package in PACKAGES for name in ("services", "reporting", "jobs")
                for path in ROOT.glob(f"{package}/**/{name}.py")}
    expected |= set(ROOT.glob("advisor_hub/publishing/dispatch/*.py"))
    expected |= {ROOT / "advisor_hub/publishing/upstream.py", ROOT / "approvals/claims.py",
                 ROOT / "approvals/decisions.py", ROOT / "content_library/curation.py",
                 ROOT / "content_library/use.py"}
    missing = sorted(str(p.relative_to(ROOT)) for p in expected - checked())
    assert not missing, f"not type-checked: {missing}"


def test_make_test_runs_mypy_before_pytest() -> None:
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe is not None
    commands = [line.strip() for line in recipe.group(1).splitlines()
                if not line.strip().startswith("@#")]
    mypy = next(i for i, c in enumerate(commands) if c == "$(BIN)/mypy")
    pytest_at = next(i for i, c in enumerate(commands) if "pytest" in c)
    assert mypy < pytest_at
