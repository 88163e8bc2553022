"""Markdown (MyST) split into translatable messages: one per paragraph, heading, list item, table
row, blockquote or directive title, so that maths and code spans stay inside one message.

Everything else is kept verbatim: code fences, ``$$`` display-maths blocks, directive fences and
options (``:::{exercise} `` is kept, its title translated), ``(label)=`` targets and HTML lines.
A message is one line of text (the source's soft line breaks become spaces, so re-wrapping the
English does not make a translation fuzzy); a block without words outside maths and code is not
a message. ``render`` puts translations back; a block without one keeps its English lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# The parts of a message a translation must keep exactly (compared as multisets by the tests):
# display and inline maths, inline code, link targets, roles, HTML tags.
PROTECTED = re.compile(
    r"\$\$.+?\$\$|\$[^$\s](?:[^$]*[^$\s])?\$|`[^`]+`|\]\([^)\s]+\)|\{[\w:-]+\}|<[^>\n]+>",
    flags=re.S,
)
WORD = re.compile(r"[A-Za-z]{2,}")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
COLON = re.compile(r"^(\s*:{3,}(?:\{[\w-]+\})?[ \t]*)(.*)$")
OPTION = re.compile(r"^\s*:[\w-]+:")
TARGET = re.compile(r"^\s*\([^()\s]+\)=\s*$")
HEADING = re.compile(r"^(\s*#{1,6}[ \t]+)(.*?)\s*$")
ITEM = re.compile(r"^(\s*)([-*+]|\d{1,9}[.)])([ \t]+)(?=\S)")
QUOTE = re.compile(r"^(\s*>[ \t]?)")


def protected(text: str) -> list[str]:
    """The maths, code spans, link targets, roles and HTML tags of a text, in order."""
    return PROTECTED.findall(text)


def has_words(text: str) -> bool:
    """Whether a text has prose to translate once its maths, code and markup are removed."""
    return WORD.search(PROTECTED.sub(" ", text)) is not None


@dataclass
class Block:
    """Source lines, and the message they hold (``None``: kept verbatim)."""

    lines: list[str]
    line: int  # 1-based number of the first line
    message: str | None = None
    first: str = ""  # written before the translation's first line (a list marker, "## ", "> ")
    rest: str = ""  # written before each further line of a translation

    def render(self, translation: str | None) -> list[str]:
        if self.message is None or not translation:
            return self.lines
        first, *more = translation.split("\n")
        return [self.first + first] + [self.rest + m if m else m for m in more]


def _starts_block(line: str) -> bool:
    """Whether a line ends the paragraph or list item above it."""
    s = line.strip()
    return (
        not s
        or bool(FENCE.match(line))
        or s.startswith(("$$", "|", ">", "<"))
        or bool(COLON.match(line) and s.startswith(":::"))
        or bool(TARGET.match(line) or HEADING.match(line) or ITEM.match(line))
    )


def _joined(lines: list[str]) -> str:
    return " ".join(part.strip() for part in lines)


def split(text: str) -> list[Block]:
    """The blocks of a markdown text; ``"\\n".join`` of their lines gives the text back."""
    lines = text.split("\n")
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        line, start = lines[i], i
        s = line.strip()
        if fence := FENCE.match(line):
            mark = fence.group(1)
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(mark):
                i += 1
            blocks.append(Block(lines[start : i + 1], start + 1))
            i += 1
            continue
        if s.startswith("$$"):
            closed = len(s) > 3 and s.endswith("$$")
            i += 1
            while not closed and i < len(lines):
                closed = lines[i].rstrip().endswith("$$")
                i += 1
            blocks.append(Block(lines[start:i], start + 1))
            continue
        i += 1
        block = Block([line], start + 1)
        colon = COLON.match(line) if s.startswith(":::") else None
        heading = HEADING.match(line)
        item = ITEM.match(line)
        if not s or OPTION.match(line) or TARGET.match(line) or s.startswith("<"):
            pass
        elif colon:  # a directive's fence: its title is a message (a solution's is a label)
            if "{solution}" not in colon.group(1):
                block.first, block.message = colon.group(1), colon.group(2)
        elif heading:
            block.first, block.message = heading.group(1), heading.group(2)
        elif s.startswith("|"):
            block.message = line.strip()
            block.first = line[: len(line) - len(line.lstrip())]
        elif quote := QUOTE.match(line):
            while i < len(lines) and QUOTE.match(lines[i]) and lines[i].strip() != ">":
                i += 1
            block.lines = lines[start:i]
            block.message = _joined([QUOTE.sub("", x, count=1) for x in block.lines])
            block.first = block.rest = quote.group(1) if quote.group(1).endswith(" ") else "> "
        else:
            while i < len(lines) and not _starts_block(lines[i]):
                i += 1
            block.lines = lines[start:i]
            if item:
                block.first = item.group(0)
                block.rest = " " * len(block.first)
                block.message = _joined([line[len(block.first) :], *lines[start + 1 : i]])
            else:
                block.first = block.rest = line[: len(line) - len(line.lstrip())]
                block.message = _joined(block.lines)
        if block.message is not None and not has_words(block.message):
            block.message = None
        blocks.append(block)
    return blocks


def messages(text: str) -> list[tuple[str, int]]:
    """The messages of a markdown text with their line numbers, in order."""
    return [(b.message, b.line) for b in split(text) if b.message is not None]


def translate(text: str, lookup: Callable[[str], str | None]) -> str:
    """The text with each message replaced by ``lookup(message)`` where that is not empty."""
    return "\n".join(line for b in split(text) for line in b.render(lookup(b.message or "")))
