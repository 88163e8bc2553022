"""Sphinx extension for the Korean build: each chapter shows the outputs the English build computed.

The Korean chapters (ko/notebooks, written by `make translations`) have the English code cells, so
the English build's executed notebooks (``_build/jupyter_execute``, whether myst-nb ran them or
took them from the execution cache that `make test` fills) hold their outputs too. The Korean
book executes nothing: as Sphinx reads a Korean chapter, this puts the English outputs into its
code cells, one for one, so both sites show the same figures, animations and numbers (the stored
outputs alone lack what `make notebooks` does not store, such as the explorers' animations).
Configured in ko/_config.yml, relative to the Korean book's folder::

    english_outputs = "../_build/jupyter_execute"

Where the English build has not run, a chapter keeps its stored outputs.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
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
    folder = app.config.english_outputs
    if not folder or not docname.startswith("notebooks/"):
        return
    executed = (Path(app.srcdir) / folder / f"{docname}.ipynb").resolve()
    if not executed.exists():
        LOGGER.info(f"{docname}: no English build's outputs at {executed}; the stored ones shown")
        return
    app.env.note_dependency(str(executed))  # re-read when the English outputs change
    nb = nbformat.reads(source[0], as_version=4)
    with_outputs(nb, nbformat.read(executed, as_version=4), docname)
    source[0] = nbformat.writes(nb)


def setup(app):
    app.add_config_value("english_outputs", "", "env", types=[str])
    app.connect("source-read", merge)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
