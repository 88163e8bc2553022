"""Colab: one repository URL and one version, followed by every install cell and link."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import ganlib
from checkout import ROOT, chapters
from tools import colab

COLAB_PYTHON = ROOT / ".venv-colab" / "bin" / "python"


def _copy_of_the_book(tmp_path: Path) -> Path:
    for name in (
        "_config.yml",
        "README.md",
        "book/instructor.md",
        "ganlib/__init__.py",
        "CITATION.cff",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks", ignore=shutil.ignore_patterns(".*"))
    return tmp_path


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tools.colab", *args], capture_output=True, text=True, cwd=ROOT
    )


def test_every_chapter_and_link_follows_the_config():
    assert colab.disagreements() == []
    book = colab.read()
    assert book.version == ganlib.__version__
    assert book.requirement == f"ganlib @ git+{book.repository}@v{ganlib.__version__}"
    pyproject = (ROOT / "pyproject.toml").read_text()  # the version lives in ganlib alone
    assert 'dynamic = ["version"]' in pyproject and '\nversion = "' not in pyproject
    assert 'version = { attr = "ganlib.__version__" }' in pyproject


def test_the_install_cell_installs_only_where_ganlib_is_missing_and_names_the_gpu():
    source = colab.install_cell(colab.read())
    assert 'if importlib.util.find_spec("ganlib") is None:' in source
    assert "check=True" in source and "torch.cuda.is_available()" in source
    compile(source, "install cell", "exec")  # valid Python, whatever the URL


def test_moving_the_book_rewrites_every_place(tmp_path):
    root = _copy_of_the_book(tmp_path)
    before = {p.name: nbformat.read(p, as_version=4) for p in chapters(root=root)}
    done = _run("--root", str(root), "--repository", "https://github.com/someone/gan-notes.git")
    assert done.returncode == 0, done.stderr
    book = colab.read(root)
    assert book.repository == "https://github.com/someone/gan-notes"
    assert colab.disagreements(root) == []
    for path in chapters(root=root):
        nb = nbformat.read(path, as_version=4)
        assert "git+https://github.com/someone/gan-notes@v" in nb.cells[1].source
        assert [c.get("outputs") for c in nb.cells] == [
            c.get("outputs") for c in before[path.name].cells
        ]  # nothing else in the chapter moves
    readme = (root / "README.md").read_text()
    assert book.colab("notebooks/01_value_function.ipynb") in readme
    old = colab.read().slug
    for name in ("_config.yml", "README.md", "book/instructor.md", "CITATION.cff"):
        assert f"github.com/{old}" not in (root / name).read_text(), name
    assert colab.disagreements(root) == []


def test_a_stale_install_cell_or_link_is_reported(tmp_path):
    root = _copy_of_the_book(tmp_path)
    path = chapters(root=root)[2]
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].source = nb.cells[1].source.replace("@v", "@main#")
    nbformat.write(nb, path)
    readme = root / "README.md"
    readme.write_text(readme.read_text().replace("/blob/main/notebooks/", "/blob/dev/notebooks/"))
    problems = colab.disagreements(root)
    assert any(path.name in p and "install cell differs" in p for p in problems)
    assert any("README.md: a Colab link" in p and "@dev" in p for p in problems)
    citation = root / "CITATION.cff"
    citation.write_text(citation.read_text().replace("version: 0.1.0", "version: 0.0.9"))
    assert "CITATION.cff: version '0.0.9', not '0.1.0'" in colab.disagreements(root)
    assert _run("--root", str(root)).returncode == 1


def test_a_repository_colab_cannot_open_is_refused(tmp_path):
    root = _copy_of_the_book(tmp_path)
    config = (root / "_config.yml").read_text()
    with pytest.raises(ValueError, match=r"'https://gitlab\.com/a/b': expected https://github"):
        colab.check_repository("https://gitlab.com/a/b")
    done = _run("--root", str(root), "--repository", "github.com/a")
    assert done.returncode == 2 and "expected https://github.com/OWNER/NAME" in done.stderr
    assert (root / "_config.yml").read_text() == config  # nothing written


@pytest.mark.skipif(not COLAB_PYTHON.exists(), reason="`make test` makes .venv-colab")
def test_the_colab_like_environment_has_only_what_colab_has():
    probe = """
import importlib.util, json, os, ganlib
from ganlib.language import _
os.environ["GANLIB_LANGUAGE"] = "ko"  # as a Korean chapter's first cell sets it
print(json.dumps({
    "korean": _("D's loss"),
    "missing": [m for m in ("jupyter_book", "nbval", "nbgrader", "myst_nb", "pytest")
                if importlib.util.find_spec(m) is None],
    "present": [m for m in ("torch", "numpy", "matplotlib", "ipywidgets", "sympy", "scipy",
                            "tqdm", "ipykernel", "sklearn") if importlib.util.find_spec(m)],
    "ganlib": [ganlib.__version__, ganlib.__file__],
}))
"""
    import json

    done = subprocess.run(
        [str(COLAB_PYTHON), "-c", probe], capture_output=True, text=True, cwd="/", check=True
    )
    seen = json.loads(done.stdout)
    assert seen["missing"] == ["jupyter_book", "nbval", "nbgrader", "myst_nb", "pytest"]
    assert len(seen["present"]) == 9  # scikit-learn came with ganlib: pyproject declares it
    version, location = seen["ganlib"]
    assert version == ganlib.__version__
    assert ".venv-colab" in location and "site-packages" in location  # installed, not the checkout
    # the Korean check messages came with it (pyproject's package-data: the compiled catalog)
    assert seen["korean"] != "D's loss" and re.search("[\uac00-\ud7a3]", seen["korean"])
