"""The Korean edition, from gettext catalogs of the English prose (``make translations``).

The command is ``python -m translation`` (translation/__main__.py); the Korean book it writes
from these catalogs is translation/korean_book.py, and the translators' plain-text exchange
translation/review.py.

The English notebooks and pages stay the only source of code and structure. Their prose is split
into messages (translation/markdown_messages.py: paragraphs, headings, list items, table rows,
directive titles) and kept in one catalog per chapter or page, ``locale/ko/LC_MESSAGES/NAME.po``,
plus ``book.po`` for the book's title and the table of contents' captions. Updating a catalog from the
English is msgmerge's rule (Babel's ``Catalog.update``): a message whose English changed becomes
fuzzy, with the old English kept beside it, and a new one untranslated; either way the Korean page
shows the English paragraph until a translator settles it, never a stale translation.

Babel, not polib/mdpo/sphinx-intl: it is already here (Sphinx depends on it), it reads, writes and
merges catalogs and compiles ``.mo`` files; mdpo splits CommonMark, not MyST (it knows neither
``:::{exercise}`` nor ``$$``); sphinx-intl translates Sphinx's doctrees, so it could make the website
but not the Korean notebooks that Colab opens.

The Korean notebooks are the English ones with the markdown cells translated and one code cell
added first, ``%env GANLIB_LANGUAGE=ko``: the English code cells, their stored outputs and the
install cell are copied unchanged. That variable makes the exercises' feedback Korean
(ganlib/language.py): the check messages of the package ganlib/coursework/, marked ``_("...")`` or
``N_("...")``, are extracted (Babel's extractor) into one more catalog,
``ganlib/locale/ko/LC_MESSAGES/ganlib.po``, under the same rules, and compiled beside it to the
``ganlib.mo`` that ganlib ships and reads with the standard library's gettext.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import nbformat
import yaml
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from checkout import ROOT
from translation.markdown_messages import messages

LANGUAGE = "ko"
# Fixed, so that regenerating a catalog that did not change leaves its file byte for byte.
DATE = dt.datetime(2026, 12, 4, tzinfo=dt.UTC)


def sources(root: Path = ROOT) -> list[Path]:
    """Every page and chapter of the English book, in the order of its table of contents."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    found = []
    for name in files:
        path = root / f"{name}.ipynb" if (root / f"{name}.ipynb").exists() else root / f"{name}.md"
        found.append(path)
    return found


def markdown_texts(path: Path) -> list[str]:
    """The markdown of a page, or of each markdown cell of a notebook."""
    if path.suffix == ".md":
        return [path.read_text()]
    nb = nbformat.read(path, as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


def book_messages(root: Path = ROOT) -> list[str]:
    """The book's title and the captions of its table of contents."""
    config = yaml.safe_load((root / "_config.yml").read_text())
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    return [config["title"]] + [part["caption"] for part in toc["parts"]]


# The feedback ganlib gives on the exercises: its own catalog, shipped inside the package.
GANLIB = "ganlib"
GANLIB_SOURCES = "ganlib/coursework"  # every module of the package that words the feedback
KEYWORDS = {"_": None, "N_": None}  # ganlib.language's gettext and its "translate later" marker


def ganlib_messages(root: Path = ROOT) -> list[tuple[str, tuple[str, int]]]:
    """(message, (file, line)) for every message ganlib's code marks for translation."""
    found = []
    for path in sorted((root / GANLIB_SOURCES).glob("*.py")):
        rel = path.relative_to(root).as_posix()
        for line, message, _comments, _context in extract_from_file(
            "python", path, keywords=KEYWORDS
        ):
            found.append((message, (rel, line)))
    return found


def template(name: str, root: Path = ROOT) -> Catalog:
    """The catalog of one page or chapter (or ``book``, or ``ganlib``), every message untranslated."""
    catalog = Catalog(
        locale=LANGUAGE,
        domain=name,
        project="Generative Adversarial Nets, checked",
        creation_date=DATE,
        revision_date=DATE,
        fuzzy=False,
    )
    if name == "book":
        for message in book_messages(root):
            catalog.add(message, locations=[("_config.yml/_toc.yml", 0)])
        return catalog
    if name == GANLIB:
        for message, where in ganlib_messages(root):
            if message in catalog:
                catalog[message].locations.append(where)
            else:
                catalog.add(message, locations=[where], flags=["python-brace-format"])
        return catalog
    path = next(p for p in sources(root) if p.stem == name)
    rel = path.relative_to(root).as_posix()
    for n, text in enumerate(markdown_texts(path)):
        for message, line in messages(text):
            where = (f"{rel}#{n}" if path.suffix == ".ipynb" else rel, line)
            if message in catalog:
                catalog[message].locations.append(where)
            else:
                catalog.add(message, locations=[where])
    return catalog


def names(root: Path = ROOT) -> list[str]:
    return [p.stem for p in sources(root)] + ["book", GANLIB]


def catalog_path(name: str, root: Path = ROOT) -> Path:
    if name == GANLIB:
        return root / "ganlib" / "locale" / LANGUAGE / "LC_MESSAGES" / f"{GANLIB}.po"
    return root / "locale" / LANGUAGE / "LC_MESSAGES" / f"{name}.po"


def compiled(catalog: Catalog) -> bytes:
    """The ``.mo`` file gettext reads: translated messages only (fuzzy ones stay English)."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def read(path: Path) -> Catalog:
    with path.open("rb") as f:
        catalog = read_po(f, locale=LANGUAGE)
    # Babel reads msgmerge's "#| msgid" lines (the old English of a fuzzy message) back as
    # translator comments, broken where they were wrapped; these catalogs hold no comments of
    # their own, so any there are such remnants.
    for message in catalog:
        message.user_comments = []
    return catalog


def dump(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    # Without the "#|" lines: Babel cannot read them back (above). A fuzzy message keeps its old
    # Korean for the translator, and the English it now translates is its msgid.
    write_po(buffer, catalog, width=100, ignore_obsolete=True, include_previous=False)
    return buffer.getvalue()


def updated(name: str, root: Path = ROOT) -> Catalog:
    """The catalog on disk merged with today's English (msgmerge's rules), or a new one."""
    fresh = template(name, root)
    path = catalog_path(name, root)
    if not path.exists():
        return fresh
    catalog = read(path)
    catalog.update(fresh, update_header_comment=False, update_creation_date=True)
    catalog.revision_date = DATE
    return catalog


def lookup(catalog: Catalog):
    """Message -> its translation, or None where it is untranslated or fuzzy (English shown)."""

    def find(message: str) -> str | None:
        found = catalog.get(message) if message else None
        if found is None or found.fuzzy or not found.string:
            return None
        return found.string

    return find
