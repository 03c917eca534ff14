"""What ships: a wheel built from a clean checkout holds every template and every compiled
French catalogue; ``make extract-messages`` refreshes every catalogue from its own folder.

Both work on a copy of the files git tracks (no ``.mo``, no ``build/``, no ``instance/``), so
they see what a fresh clone or a CI checkout sees.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations
from packaging.requirements import Requirement

from advisor_hub import ROOT
from tests.conftest import unavailable

pytestmark = pytest.mark.slow


def _tracked_files() -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        unavailable("not a git checkout: cannot tell a clean checkout's files")
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout.decode()
    return [name for name in listing.split("\0") if name and (ROOT / name).is_file()]


def _clean_copy(target: Path) -> Path:
    for name in _tracked_files():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    return target


def _catalogue_dirs(tree: Path) -> list[Path]:
    """Every ``translations`` folder of a package or sub-package (as i18n.py finds them)."""
    return sorted(tree.glob("*/translations")) + sorted(tree.glob("advisor_hub/*/translations"))


def _first_translation(po_path: Path) -> tuple[str, str]:
    with po_path.open("rb") as handle:
        for message in read_po(handle):
            if message.id and isinstance(message.id, str) and message.string:
                return message.id, message.string
    raise AssertionError(f"{po_path} translates nothing")


def _missing_build_requirements() -> list[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    missing = []
    for spec in pyproject["build-system"]["requires"]:
        requirement = Requirement(spec)
        try:
            installed = version(requirement.name)
        except PackageNotFoundError:
            missing.append(spec)
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            missing.append(f"{spec} (installed: {installed})")
    return missing


def test_wheel_from_a_clean_checkout_ships_templates_and_french(tmp_path: Path) -> None:
    missing = _missing_build_requirements()
    assert not missing, f"build requirements absent (pip install -e '.[test]'): {missing}"
    source = _clean_copy(tmp_path / "src")
    assert not list(source.rglob("*.mo")), "the clean copy must not hold compiled catalogues"
    templates = {str(p.relative_to(source)) for p in source.glob("*/**/templates/**/*")
                 if p.is_file()}
    assert templates, "no template found in the checkout"
    catalogues = _catalogue_dirs(source)
    assert len(catalogues) >= 6

    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-input", "-v", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True, timeout=600,
    )
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
    output = built.stdout + built.stderr
    assert "absent from the `packages` configuration" not in output, output[-4000:]
    (wheel,) = (tmp_path / "dist").glob("advisor_hub-*.whl")

    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert sorted(templates - names) == []
        for catalogue in catalogues:
            for po_path in sorted(catalogue.glob("*/LC_MESSAGES/messages.po")):
                mo_name = str(po_path.relative_to(source).with_suffix(".mo"))
                assert mo_name in names, f"{mo_name} is not in the wheel"
                msgid, msgstr = _first_translation(po_path)
                with archive.open(mo_name) as handle:
                    assert Translations(handle).gettext(msgid) == msgstr, mo_name


def test_extract_messages_refreshes_every_catalogue_from_its_own_folder(
    tmp_path: Path,
) -> None:
    if shutil.which("make") is None:
        unavailable("make is not installed")
    pybabel = Path(sys.executable).parent / "pybabel"
    assert pybabel.exists(), f"{pybabel} absent: pip install -e '.[test]'"
    tree = _clean_copy(tmp_path / "src")
    catalogues = _catalogue_dirs(tree)
    for catalogue in catalogues:
        (catalogue / "messages.pot").unlink(missing_ok=True)

    # -o: take the virtualenv as installed; never (re)install it from the copy.
    refreshed = subprocess.run(
        ["make", "-s", "-o", ".venv/.installed", "extract-messages", f"PYBABEL={pybabel}"],
        cwd=tree, capture_output=True, text=True, timeout=600,
    )
    assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr

    packages = [c.parent for c in catalogues]
    for catalogue in catalogues:
        package = catalogue.parent
        own = {p for p in packages if p != package and p.is_relative_to(package)}
        with (catalogue / "messages.pot").open("rb") as handle:
            template = read_po(handle)
        sources = {Path(tree, filename) for message in template
                   for filename, _line in message.locations}
        assert sources, f"{catalogue}: nothing extracted"
        assert all(s.is_relative_to(package) for s in sources), catalogue
        swallowed = sorted(str(s.relative_to(tree)) for s in sources
                           if any(s.is_relative_to(p) for p in own))
        assert swallowed == [], f"{catalogue} took strings of a sub-package with its own"
        assert any(s.suffix == ".html" for s in sources), f"{catalogue}: no template strings"
        with (catalogue / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            french = {m.id for m in read_po(handle) if m.id}
        assert french >= {m.id for m in template if m.id}, f"{catalogue}: not updated"
