"""The Korean edition's machinery: messages, catalogs and the generated ko/ book.

Checked against markdown-it-py (an independent CommonMark parser): splitting a page into messages
and putting them back, translated or not, leaves its structure as markdown-it parses it.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from babel.messages.catalog import Catalog
from markdown_it import MarkdownIt

from translation import catalogs as tr
from translation import korean_book, review
from translation.markdown_messages import has_words, messages, protected, split, translate

PARSER = MarkdownIt("commonmark").enable("table")


def structure(text: str, prose: bool = True) -> list[tuple]:
    out = []
    for token in PARSER.parse(text):
        if token.type == "inline":
            out.append(("inline", re.sub(r"\s+", " ", token.content).strip() if prose else ""))
        else:
            out.append((token.type, token.tag, token.markup))
    return out


def texts() -> list[tuple[str, str]]:
    found = []
    for path in tr.sources():
        for n, text in enumerate(tr.markdown_texts(path)):
            found.append((f"{path.name}#{n}", text))
    return found


TEXTS = texts()


def test_every_page_has_messages():
    assert len(TEXTS) > 100
    assert sum(len(messages(t)) for _, t in TEXTS) > 500


@pytest.mark.parametrize("name,text", TEXTS, ids=[n for n, _ in TEXTS])
def test_split_round_trip(name, text):
    assert "\n".join(line for b in split(text) for line in b.lines) == text
    # Each message as one line: the same markdown (soft line breaks are spaces).
    assert structure(translate(text, lambda m: m or None)) == structure(text)
    # Each message replaced by other text: the same blocks, lists, tables and headings.
    other = translate(text, lambda m: m.replace(" ", " X ", 1) if m else None)
    assert structure(other, prose=False) == structure(text, prose=False)


def test_code_and_maths_are_not_messages():
    text = "```python\nx = 1  # a comment\n```\n\n$$\nV(D, G) = 1\n$$\n\n(label)=\n## Heading\n"
    assert [m for m, _ in messages(text)] == ["Heading"]
    assert not has_words("$D(x)$, `torch.cat` | 0.5 |") and has_words("$D(x)$ is")
    assert protected("a $x$ b `c` [d](e.md) {cite}`k`") == [
        "$x$",
        "`c`",
        "](e.md)",
        "{cite}",
        "`k`",
    ]


def changed(english: str, korean: str, new_english: str) -> Catalog:
    """A catalog holding ``korean`` for ``english``, merged after the English became ``new_english``."""
    catalog = Catalog(locale="ko")
    catalog.add(english, string=korean)
    fresh = Catalog(locale="ko")
    fresh.add(new_english)
    catalog.update(fresh)  # msgmerge's rule
    return catalog


def test_a_changed_english_message_becomes_fuzzy_and_shows_the_english():
    new = "The discriminator $D$ is a binary classifier."
    old = changed("The discriminator $D$ is a classifier.", "판별자 $D$는 분류기입니다.", new)
    message = old[new]
    assert message.fuzzy and message.string  # the old Korean kept for the translator
    find = tr.lookup(old)
    text = new + "\n"
    assert translate(text, find) == text  # but the page shows the English


def test_settling_a_fuzzy_message_drops_the_old_english():
    new = "$D$ is a binary classifier."
    old = changed("$D$ is a classifier.", "$D$는 분류기입니다.", new)
    assert old[new].previous_id  # msgmerge keeps the old English
    review.settle(old, new, "$D$는 이진 분류기입니다.")
    assert not old[new].fuzzy
    assert not old[new].previous_id
    review.settle(old, new, "D는 이진 분류기입니다.")  # maths lost
    assert old[new].fuzzy  # kept for the translator, not shown


def test_a_catalog_survives_a_round_trip_without_comment_debris(tmp_path):
    long = "The discriminator $D$ is a classifier of samples, " * 4  # wrapped when written
    old = changed(long, "판별자 $D$는 표본의 분류기입니다.", long + "Changed.")
    path = tmp_path / "x.po"
    for _ in range(2):  # write, read, write again: what make translations and import do
        path.write_bytes(tr.dump(old))
        old = tr.read(path)
    text = path.read_text()
    assert "#|" not in text and "# |" not in text and "\n# " not in text.split("msgid", 1)[1]
    message = old[long + "Changed."]
    assert message.fuzzy and message.string == "판별자 $D$는 표본의 분류기입니다."


def test_korean_files_are_up_to_date():
    assert korean_book.stale() == [], "run `make translations`"


def test_korean_notebooks_have_the_english_code_and_outputs():
    for path in tr.sources():
        if path.suffix != ".ipynb":
            continue
        english = nbformat.read(path, as_version=4)
        korean = nbformat.read(korean_book.OUT / path.relative_to(tr.ROOT), as_version=4)
        first, *cells = korean.cells
        assert "translation-language" in first.metadata["tags"]
        assert len(cells) == len(english.cells)
        for e, k in zip(english.cells, cells, strict=True):
            assert e.cell_type == k.cell_type
            if e.cell_type == "code":
                assert (e.source, e.outputs, e.metadata) == (k.source, k.outputs, k.metadata)


def test_translations_keep_maths_and_code():
    for name in tr.names():
        for message in tr.read(tr.catalog_path(name)):
            if message.id and message.string and not message.fuzzy:
                assert review.problems(message.id, message.string) == [], (name, message.id[:60])


def first_use(text: str, term: str, longer: list[str]) -> int:
    """Where a term first appears on its own (not as part of a longer glossary term), or -1."""
    for m in re.finditer(re.escape(term), text):
        inside = False
        for other in longer:
            at = m.start() - other.find(term)
            inside = inside or text[at : at + len(other)] == other
        if not inside:
            return m.start()
    return -1


def test_glossary_terms_carry_the_english_at_first_use():
    terms = korean_book.glossary()
    wrong = []
    for path in tr.sources():
        korean = korean_book.OUT / path.relative_to(tr.ROOT)
        body = "\n".join(
            "\n".join(b.lines)
            for text in tr.markdown_texts(korean)
            for b in split(text)
            if b.message is not None and not b.first.lstrip().startswith("#")
        )
        for term, english in terms:
            longer = [other for other, _ in terms if term in other and other != term]
            at = first_use(body, term, longer)
            after = body[at + len(term) :][: len(english) + 2]
            if at >= 0 and after.lower() != f" ({english.lower()}":
                wrong.append(f"{path.stem}: {body[max(0, at - 20) : at + len(term) + 20]!r}")
    assert not wrong, f"{len(wrong)} first uses without the English term: {wrong[:5]}"


def test_every_message_is_translated():
    """The Korean edition is whole: no catalog (chapters, pages, book, ganlib) leaves English."""
    left = []
    for name in tr.names():
        for message in tr.updated(name):
            if message.id and (message.fuzzy or not message.string):
                state = "fuzzy" if message.fuzzy else "untranslated"
                left.append(f"{name}: {state}: {message.id[:70]!r}")
    assert not left, f"{len(left)} messages not translated, the first: {left[:5]}"


def test_directive_titles_are_messages_and_labels_are_not():
    text = (
        ":::{admonition} How this was measured\n:class: dropdown\nOver ten seeds.\n:::\n\n"
        ":::{exercise} Implementation: the value function\n:label: ex-01-value\nWrite $V$.\n:::\n\n"
        ":::{solution} ex-01-value\n:class: dropdown\nThe mean of the logs.\n:::\n"
    )
    assert [m for m, _ in messages(text)] == [
        "How this was measured",
        "Over ten seeds.",
        "Implementation: the value function",
        "Write $V$.",
        "The mean of the logs.",
    ]
    korean = translate(text, {"How this was measured": "측정 방법"}.get)
    assert korean.startswith(":::{admonition} 측정 방법\n:class: dropdown\n")
    assert ":::{solution} ex-01-value\n" in korean  # the label stays
