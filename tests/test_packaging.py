"""The wheel a reader's `pip install` builds: its licence metadata and every file ganlib needs."""

from __future__ import annotations

import email
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(ROOT),
        ],
        check=True,
    )
    (path,) = out.glob("ganlib-*.whl")
    return zipfile.ZipFile(path)


def _metadata(wheel: zipfile.ZipFile) -> email.message.Message:
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    return email.message_from_bytes(wheel.read(name))


def test_the_wheel_declares_the_spdx_licence_and_ships_its_text(wheel: zipfile.ZipFile) -> None:
    meta = _metadata(wheel)
    assert meta["License-Expression"] == "MIT"
    assert meta.get_all("License-File") == ["LICENSE"]
    (licence,) = [n for n in wheel.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
    assert wheel.read(licence) == (ROOT / "LICENSE").read_bytes()


def test_the_wheel_holds_every_module_of_the_package(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    source = {p.relative_to(ROOT).as_posix() for p in (ROOT / "ganlib").rglob("*.py")}
    assert source and source <= names, sorted(source - names)


def test_citation_names_the_version_and_the_paper() -> None:
    import yaml

    import ganlib

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert cff["version"] == ganlib.__version__
    assert cff["license"] == "MIT"
    assert "preferred-citation" not in cff  # GitHub's "Cite this repository" gives the book
    assert cff["references"][0]["url"] == "https://arxiv.org/abs/1406.2661"
