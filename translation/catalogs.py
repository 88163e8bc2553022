"""The Korean edition, from gettext catalogs of the English prose (``make translations``).

Usage: python -m translation           update the catalogs, write the Korean book (ko/)
       python -m translation --check   exit 1 if ko/ or a catalog is not up to date
       python -m translation export NAME FILE | import FILE | check FILE
                                       (a catalog as plain text for a translator, and back)

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

import argparse
import copy
import datetime as dt
import io
import re
from pathlib import Path

import nbformat
import yaml
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from markdown_it import MarkdownIt

from checkout import ROOT
from translation.markdown_messages import PROTECTED, messages, protected, translate

LANGUAGE = "ko"
GLOSSARY = ROOT / "locale" / LANGUAGE / "glossary.tsv"
OUT = ROOT / LANGUAGE
MARKDOWN = MarkdownIt("commonmark").enable("table")
# Fixed, so that regenerating a catalog that did not change leaves its file byte for byte.
DATE = dt.datetime(2026, 12, 4, tzinfo=dt.UTC)
LANGUAGE_CELL = nbformat.v4.new_code_cell(
    f"%env GANLIB_LANGUAGE={LANGUAGE}",
    metadata={"tags": ["remove-cell", "translation-language", "exercise-setup"]},
)
LANGUAGE_CELL["id"] = "ganlib-language"


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


def korean_notebook(path: Path, catalog: Catalog) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    find = lookup(catalog)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = translate(cell.source, find)
    nb.cells.insert(0, copy.deepcopy(LANGUAGE_CELL))
    return nb


def korean_config(book: Catalog, root: Path = ROOT) -> dict:
    """The English _config.yml, for the Korean book in ko/: stored outputs, no execution."""
    config = yaml.safe_load((root / "_config.yml").read_text())
    find = lookup(book)
    config["title"] = find(config["title"]) or config["title"]
    config["logo"] = f"../{config['logo']}"
    config["exclude_patterns"] = ["_build", "**/.ipynb_checkpoints"]
    config["execute"] = {"execute_notebooks": "off"}
    config["bibtex_bibfiles"] = [f"../{b}" for b in config["bibtex_bibfiles"]]
    config["repository"]["path_to_book"] = LANGUAGE
    config["html"]["favicon"] = f"../{config['html']['favicon']}"
    sphinx = config["sphinx"]
    sphinx["local_extensions"] = {k: f"../{v}" for k, v in sphinx["local_extensions"].items()}
    sphinx["config"]["html_extra_path"] = [f"../{p}" for p in sphinx["config"]["html_extra_path"]]
    sphinx["config"]["language"] = LANGUAGE
    sphinx["config"]["language_switch"] = {"path": "..", "label": "English", "hreflang": "en"}
    # book/_ext/english_outputs.py: the chapters show the outputs the English build computed.
    sphinx["local_extensions"]["english_outputs"] = "../book/_ext"
    sphinx["config"]["english_outputs"] = {"book": "..", "cache": "../_build/.jupyter_cache"}
    # myst-nb's button on a folded code cell (the book folds only code: hide-input).
    sphinx["config"]["nb_code_prompt_show"] = "코드 보기"
    sphinx["config"]["nb_code_prompt_hide"] = "코드 숨기기"
    return config


def korean_toc(book: Catalog, root: Path = ROOT) -> dict:
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    find = lookup(book)
    for part in toc["parts"]:
        part["caption"] = find(part["caption"]) or part["caption"]
    toc["parts"][-1]["chapters"].append({"file": "book/glossary"})
    return toc


def glossary_page() -> str:
    """The glossary: each term in Korean, the English the paper uses, and where it first appears."""
    rows = glossary_rows()
    lines = [
        "# 용어집 (glossary)",
        "",
        "이 책은 한국어 용어 뒤에, 각 장에서 처음 쓸 때 논문의 영어 용어를 괄호 안에 적습니다. "
        "기호는 논문의 기호를 그대로 씁니다.",
        "",
        "| 한국어 | English | 설명 |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {ko} | {en} | {note} |" for ko, en, note in rows]
    return "\n".join(lines) + "\n"


def glossary_rows() -> list[list[str]]:
    """Korean, English, note: each line of locale/ko/glossary.tsv after its header."""
    return [line.split("\t") for line in GLOSSARY.read_text().splitlines()[1:] if line.strip()]


def glossary() -> list[tuple[str, str]]:
    """(Korean, English) for every glossary term."""
    return [(row[0], row[1]) for row in glossary_rows()]


def yaml_text(data: dict) -> str:
    return (
        "# Generated by `make translations` from the English _config.yml/_toc.yml: do not edit.\n"
        + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    )


def notebook_text(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


def outputs(root: Path = ROOT) -> dict[Path, bytes]:
    """Every file ``make translations`` writes, catalogs first, with its contents."""
    files: dict[Path, bytes] = {}
    catalogs = {name: updated(name, root) for name in names(root)}
    for name, catalog in catalogs.items():
        files[catalog_path(name, root)] = dump(catalog)
    files[catalog_path(GANLIB, root).with_suffix(".mo")] = compiled(catalogs[GANLIB])
    out = root / LANGUAGE
    for path in sources(root):
        rel = path.relative_to(root)  # (the ganlib catalog has no page: it is compiled above)
        catalog = catalogs[path.stem]
        if path.suffix == ".ipynb":
            text = notebook_text(korean_notebook(path, catalog))
        else:
            text = translate(path.read_text(), lookup(catalog))
        files[out / rel] = text.encode()
    files[out / "book" / "glossary.md"] = glossary_page().encode()
    files[out / "_config.yml"] = yaml_text(korean_config(catalogs["book"], root)).encode()
    files[out / "_toc.yml"] = yaml_text(korean_toc(catalogs["book"], root)).encode()
    return files


def stale(root: Path = ROOT) -> list[Path]:
    """The files that ``make translations`` would change."""
    return [p for p, data in outputs(root).items() if not p.exists() or p.read_bytes() != data]


# --- plain text for translators: blocks of English and Korean, no PO escaping of TeX's "\" ---
BLOCK = re.compile(r"^@@ (\d+)\n<<<\n(.*?)\n===\n(.*?)\n?>>>$", flags=re.M | re.S)


def export(name: str, file: Path) -> None:
    catalog = updated(name)
    parts = []
    for n, message in enumerate(m for m in catalog if m.id):
        korean = "" if message.fuzzy else message.string
        parts.append(f"@@ {n}\n<<<\n{message.id}\n===\n{korean}\n>>>")
    file.write_text(f"# catalog: {name}\n" + "\n".join(parts) + "\n")


def parse(file: Path) -> tuple[str, list[tuple[str, str]]]:
    text = file.read_text()
    name = re.match(r"# catalog: (\S+)", text).group(1)
    return name, [(m.group(2), m.group(3).strip()) for m in BLOCK.finditer(text)]


# A field that ganlib fills in ("{what} should be {want}"), or a MyST role's name ({doc}).
FIELD = re.compile(r"\{(\w+)\}")


def problems(english: str, korean: str) -> list[str]:
    """What a translation changed that it must keep: maths, code, fields, link targets, roles."""
    found = []
    if sorted(protected(english)) != sorted(protected(korean)):
        missing = sorted(set(protected(english)) - set(protected(korean)))
        extra = sorted(set(protected(korean)) - set(protected(english)))
        found.append(f"maths/code differ: missing {missing}, added {extra}")
    if sorted(FIELD.findall(english)) != sorted(FIELD.findall(korean)):
        found.append(
            f"fields differ: {sorted(FIELD.findall(english))} in the English, "
            f"{sorted(FIELD.findall(korean))} in the translation"
        )
    if english.startswith("|") and english.count("|") != korean.count("|"):
        found.append(f"table row: {english.count('|')} '|' in the English, {korean.count('|')}")
    if "\n\n" in korean:
        found.append("a blank line inside one message")
    # CommonMark does not close ** or * after punctuation when a letter follows ("**(x)**는"):
    # the reader would see the asterisks.
    if stray_asterisks(korean) > stray_asterisks(english):
        found.append("an * or ** that markdown shows as text (bold/italic not closed)")
    return found


def stray_asterisks(text: str) -> int:
    """How many asterisks markdown-it leaves as text, outside maths and code."""
    # Each maths or code span becomes "%": like "$" and "`", punctuation to CommonMark's rules.
    tokens = [t for block in MARKDOWN.parse(PROTECTED.sub("%", text)) for t in block.children or []]
    return sum(t.content.count("*") for t in tokens if t.type == "text")


def settle(catalog: Catalog, english: str, korean: str) -> None:
    """Put a translator's Korean in: settled, or, with a problem, kept for them but not shown."""
    message = catalog[english]
    message.string = korean
    if problems(english, korean):
        message.flags.add("fuzzy")
    else:
        message.flags.discard("fuzzy")
        message.previous_id = ()  # the old English goes with the flag, as in Poedit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m translation", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--check", action="store_true")
    parser.add_argument("command", nargs="*")
    args = parser.parse_args(argv)
    if args.command[:1] == ["export"]:
        export(args.command[1], Path(args.command[2]))
        return 0
    if args.command[:1] in (["import"], ["check"]):
        name, pairs = parse(Path(args.command[1]))
        bad = 0
        for english, korean in pairs:
            for problem in problems(english, korean) if korean else []:
                bad += 1
                print(f"{name}: {english[:70]!r}: {problem}")
        missing = sum(1 for _, k in pairs if not k)
        print(f"{name}: {len(pairs)} messages, {missing} untranslated, {bad} problems")
        if args.command[0] == "import":
            catalog = updated(name)
            for english, korean in pairs:
                if korean and english in catalog:
                    settle(catalog, english, korean)
            catalog_path(name).parent.mkdir(parents=True, exist_ok=True)
            catalog_path(name).write_bytes(dump(catalog))
        return 1 if bad else 0
    if args.check:
        changed = stale()
        for path in changed:
            print(f"not up to date: {path.relative_to(ROOT)} (run `make translations`)")
        return 1 if changed else 0
    for path, data in outputs().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
    return 0
