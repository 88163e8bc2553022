"""A catalog as plain text for a translator, and back: blocks of English and Korean, no PO
escaping of TeX's backslashes; and the checks a translation must pass before it is shown.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from markdown_it import MarkdownIt

from translation.catalogs import updated
from translation.markdown_messages import PROTECTED, protected

MARKDOWN = MarkdownIt("commonmark").enable("table")
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
