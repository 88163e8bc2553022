"""Where the book lives: the repository URL and the version every Colab link and install cell use.

Usage: python -m tools.colab                  check that everything agrees (exit 1 if not)
       python -m tools.colab --repository URL  move the book to URL (a GitHub repository)

The two facts are defined once:
  - the repository: ``repository.url`` (and ``branch``) in ``_config.yml``, which Jupyter Book's
    launch (Colab), repository and download buttons read;
  - the version: ``__version__`` in ``ganlib/__init__.py``, which ``pyproject.toml`` reads.
Everything else follows them: each chapter's first code cell installs
``ganlib @ git+URL@vVERSION`` (only where ganlib is missing), and the Colab links in the README
and the instructor guide open ``URL/blob/BRANCH/notebooks/NN_name.ipynb``. ``--repository``
rewrites all of them (the install cells' sources only: their stored outputs do not depend on the
URL); the tests (tests/test_colab.py) fail when any of them disagrees.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

from checkout import ROOT, chapters

MARKER = 'find_spec("ganlib")'  # how the install cell is recognised
GITHUB = re.compile(r"^https://github\.com/([\w.-]+)/([\w.-]+)$")
PROSE = ("README.md", "book/instructor.md")  # pages with Colab links to the chapters
CITATION = "CITATION.cff"  # names the repository and the version too


@dataclass(frozen=True)
class Book:
    repository: str  # https://github.com/OWNER/NAME
    branch: str
    version: str

    @property
    def slug(self) -> str:
        return self.repository.removeprefix("https://github.com/")

    def colab(self, notebook: str) -> str:
        """The Colab address of a notebook of the book, e.g. ``notebooks/01_value_function.ipynb``."""
        return f"https://colab.research.google.com/github/{self.slug}/blob/{self.branch}/{notebook}"

    @property
    def requirement(self) -> str:
        """What pip installs in Colab: ganlib at this book's version tag."""
        return f"ganlib @ git+{self.repository}@v{self.version}"


def check_repository(url: str) -> str:
    """The URL without a trailing slash or .git; a ValueError unless it is a GitHub repository."""
    url = url.strip().removesuffix("/").removesuffix(".git")
    if not GITHUB.match(url):
        raise ValueError(
            f"repository {url!r}: expected https://github.com/OWNER/NAME "
            "(Colab opens notebooks from GitHub)"
        )
    return url


def read(root: Path = ROOT) -> Book:
    config = yaml.safe_load((root / "_config.yml").read_text())
    init = (root / "ganlib" / "__init__.py").read_text()
    version = re.search(r'^__version__ = "([^"]+)"', init, flags=re.M)
    if version is None:
        raise ValueError("ganlib/__init__.py has no __version__ line")
    repo = config["repository"]
    return Book(check_repository(repo["url"]), repo.get("branch", "main"), version.group(1))


def install_cell(book: Book) -> str:
    """The source of every chapter's first code cell (tagged remove-cell: hidden on the website)."""
    return f'''\
# Colab: install ganlib {book.version}, the version this book was checked with (once per runtime).
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("ganlib") is None:
    GANLIB = "{book.requirement}"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", GANLIB], check=True)

import torch

import ganlib

gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else None
print(f"ganlib {{ganlib.__version__}}; GPU: {{gpu or 'none, the chapter runs on the CPU'}}")'''


def install_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code" and MARKER in c.source]


def disagreements(root: Path = ROOT) -> list[str]:
    """Every place that does not follow ``_config.yml`` and ``ganlib.__version__``."""
    book, found = read(root), []
    expected = install_cell(book)
    for path in chapters(root=root):
        nb = nbformat.read(path, as_version=4)
        cells = install_cells(nb)
        code = [c for c in nb.cells if c.cell_type == "code"]
        if len(cells) != 1 or cells[0] is not code[0]:
            found.append(f"{path.name}: the install cell must be the first code cell, once")
            continue
        if cells[0].source != expected:
            found.append(f"{path.name}: the install cell differs from tools/colab.py's")
        if "remove-cell" not in cells[0].metadata.get("tags", []):
            found.append(f"{path.name}: the install cell is not tagged remove-cell")
    for name in PROSE:
        text = (root / name).read_text()
        links = re.findall(
            r"colab\.research\.google\.com/github/([^/<]+/[^/]+)/blob/([^/]+)/", text
        )
        for slug, branch in links:  # (a <your-org>/<your-repo> placeholder is an instruction)
            if (slug, branch) != (book.slug, book.branch):
                found.append(
                    f"{name}: a Colab link to {slug}@{branch}, not {book.slug}@{book.branch}"
                )
        for pinned in re.findall(r"ganlib @ git\+[\w:/.-]+@v[\w.]+", text):
            if pinned != book.requirement:
                found.append(f"{name}: {pinned!r}, not {book.requirement!r}")
        pattern = r"colab\.research\.google\.com/github/[^/<]+/[^/]+/blob/[^/]+/([\w./-]+)"
        for target in re.findall(pattern, text):
            if not (root / target).exists():
                found.append(f"{name}: a Colab link to {target}, which does not exist")
    if (root / CITATION).exists():
        cff = yaml.safe_load((root / CITATION).read_text())
        for key, want in (("repository-code", book.repository), ("version", book.version)):
            if cff.get(key) != want:
                found.append(f"{CITATION}: {key} {cff.get(key)!r}, not {want!r}")
    return found


def move(root: Path, url: str) -> Book:
    """Point the whole book at ``url``: _config.yml, every install cell, the prose's links."""
    url, old = check_repository(url), read(root)
    config = root / "_config.yml"
    text, n = re.subn(
        r"^(repository:\n(?:  .*\n)*?  url: ).*$", rf"\g<1>{url}", config.read_text(), flags=re.M
    )
    if n != 1:
        raise ValueError("_config.yml: no `url:` line under `repository:`")
    config.write_text(text)
    book = read(root)
    for path in chapters(root=root):
        nb = nbformat.read(path, as_version=4)
        for cell in install_cells(nb):
            cell.source = install_cell(book)
            cell.metadata["tags"] = ["remove-cell"]  # Colab shows it; the website does not
        nbformat.write(nb, path)
    for name in PROSE:
        page = root / name
        text = page.read_text().replace(f"/github/{old.slug}/", f"/github/{book.slug}/")
        page.write_text(re.sub(r"ganlib @ git\+[\w:/.-]+@v[\w.]+", book.requirement, text))
    if (root / CITATION).exists():
        page = root / CITATION
        text = re.sub(
            r"^repository-code: .*$", f'repository-code: "{url}"', page.read_text(), flags=re.M
        )
        page.write_text(text)
    return book


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repository", help="https://github.com/OWNER/NAME")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repository:
        try:
            book = move(args.root, args.repository)
        except ValueError as error:
            parser.error(str(error))
        print(f"the book now lives at {book.repository} (branch {book.branch})")
        print(f"Colab installs: {book.requirement}  (tag the release v{book.version})")
    problems = disagreements(args.root)
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
