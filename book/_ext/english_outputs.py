"""Sphinx extension for the Korean build: each chapter shows the outputs the English build computed.

The Korean chapters (ko/notebooks, written by `make translations`) have the English code cells, so
the English chapters' executed outputs fit them too. Those are in the English build's execution
cache (jupyter-cache, ``_build/.jupyter_cache``): `make book` puts every chapter it executes there,
and `make test` the chapters its nbval run executed (tools/book_cache.py). The Korean book
executes nothing: as Sphinx reads a Korean chapter, this finds its English chapter's record in
that cache (matched by its code, as myst-nb matches) and puts the outputs into the Korean code
cells, one for one, so both sites show the same figures, animations and numbers (the stored
outputs alone lack what `make notebooks` does not store, such as the explorers' animations).
Configured in ko/_config.yml, relative to the Korean book's folder::

    english_outputs = {"book": "..", "cache": "../_build/.jupyter_cache"}

A chapter the cache does not hold (the English book not built, or its code changed since) keeps
its stored outputs, and the build log says so.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import nbformat
from jupyter_cache import get_cache
from sphinx.errors import ExtensionError
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
LANGUAGE_CELL = "translation-language"  # the Korean chapters' first cell: no English twin


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [
        c
        for c in nb.cells
        if c.cell_type == "code" and LANGUAGE_CELL not in c.metadata.get("tags", [])
    ]


def with_outputs(nb: nbformat.NotebookNode, english: nbformat.NotebookNode, name: str) -> None:
    """Copy ``english``'s outputs into ``nb``'s code cells, which must be the same code."""
    ours, theirs = code_cells(nb), code_cells(english)
    if [c.source for c in ours] != [c.source for c in theirs]:
        raise ExtensionError(
            f"{name}: the Korean chapter's code differs from the English build's "
            f"({len(ours)} code cells against {len(theirs)}); run `make translations`"
        )
    for cell, twin in zip(ours, theirs, strict=True):
        cell.outputs, cell.execution_count = twin.outputs, twin.execution_count


def merge(app, docname: str, source: list[str]) -> None:
    where = app.config.english_outputs
    if not where or not docname.startswith("notebooks/"):
        return
    english = (Path(app.srcdir) / where["book"] / f"{docname}.ipynb").resolve()
    cache = (Path(app.srcdir) / where["cache"]).resolve()
    executed = None
    if english.exists() and cache.exists():
        with contextlib.suppress(KeyError):  # no record of this code: not executed yet
            _, executed = get_cache(str(cache)).merge_match_into_notebook(
                nbformat.read(english, as_version=4)
            )
    if executed is None:
        LOGGER.info(f"{docname}: the English build's cache at {cache} has no run of {english}")
        return
    app.env.note_dependency(str(english))  # re-read when the English chapter changes ...
    app.env.note_dependency(str(cache / "global.db"))  # ... or its outputs do
    nb = nbformat.reads(source[0], as_version=4)
    with_outputs(nb, executed, docname)
    source[0] = nbformat.writes(nb)


def setup(app):
    app.add_config_value("english_outputs", {}, "env", types=[dict])
    app.connect("source-read", merge)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
