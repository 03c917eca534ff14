"""Build hook: the message catalogues are compiled when the package is built.

The compiled ``.mo`` files are build artefacts (gitignored). ``build_py`` compiles every
``<package>/translations/<lang>/LC_MESSAGES/*.po`` into ``.mo``: into the build folder for a
wheel (so a plain ``pip install .`` serves French), and next to the ``.po`` in the source tree for
an editable install (``pip install -e .``), whose packages are the source folders. Everything
else is declared in setup.cfg.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py


def compile_catalogue(po_path: Path, mo_path: Path) -> None:
    """``pybabel compile -f``: fuzzy entries included, like ``make translations``."""
    with po_path.open("rb") as handle:
        catalogue = read_po(handle)
    mo_path.parent.mkdir(parents=True, exist_ok=True)
    with mo_path.open("wb") as handle:
        write_mo(handle, catalogue, use_fuzzy=True)


class BuildPyWithCatalogues(build_py):
    """``build_py`` that also writes each package's compiled catalogues."""

    def run(self) -> None:
        super().run()
        for mo_path, po_path in self._catalogues().items():
            compile_catalogue(po_path, mo_path)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        if self.editable_mode:  # written into the source tree: not an output of the build
            return outputs
        return sorted({*outputs, *map(str, self._catalogues())})

    def _catalogues(self) -> dict[Path, Path]:
        """Each ``.mo`` to write, mapped to the ``.po`` it is compiled from."""
        found = {}
        for package in self.packages or ():
            source = Path(self.get_package_dir(package))
            target = source if self.editable_mode else Path(self.build_lib, *package.split("."))
            for po_path in sorted(source.glob("translations/*/LC_MESSAGES/*.po")):
                found[target / po_path.relative_to(source).with_suffix(".mo")] = po_path
        return found


setup(cmdclass={"build_py": BuildPyWithCatalogues})
