"""Execute chapter notebooks: shared by refresh_notebooks, timings, seed_sweep and controls.

A chapter sets ``SEED = 0`` once in its setup cell and derives every seed from it, so a chapter
can be re-run on another seed by rewriting that one line.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import nbformat
from nbclient import NotebookClient

SEED_LINE = re.compile(r"^SEED = \d+", flags=re.M)
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # colour codes in stored tracebacks


def with_seed(nb: nbformat.NotebookNode, seed: int) -> nbformat.NotebookNode:
    """The notebook with its one ``SEED = 0`` line set to ``seed``."""
    cells = [c for c in nb.cells if c.cell_type == "code" and SEED_LINE.search(c.source)]
    if len(cells) != 1:
        raise ValueError(f"a chapter sets SEED in exactly one code cell, found {len(cells)}")
    cells[0].source = SEED_LINE.sub(f"SEED = {seed}", cells[0].source)
    return nb


@contextmanager
def environment(extra: dict[str, str]):
    """Kernels started inside inherit these variables (nbclient copies os.environ)."""
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextmanager
def fresh_run_cache():
    """ganlib's run cache (train(reuse=True)) in a new temporary folder for this command.

    Chapters run under it share runs with each other, as in a reader's session (chapter 8 loads
    the GANs chapter 7 trained), and never with an earlier command: every command trains anew.
    """
    with (
        tempfile.TemporaryDirectory(prefix="ganlib-runs-") as folder,
        environment({"GANLIB_CACHE": folder}),
    ):
        yield folder


def execute(
    nb: nbformat.NotebookNode,
    path: Path,
    timeout: int = 600,
    allow_errors: bool = False,
    kernel_name: str = "python3",
) -> float:
    """Run every cell in a fresh kernel (this environment's python3), in place; return seconds.

    With ``allow_errors`` a failing cell stores its error output and execution goes on.
    """
    start = time.perf_counter()
    NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel_name,
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    return time.perf_counter() - start


def errors(nb: nbformat.NotebookNode) -> list[str]:
    """One line per cell that stored an error: its number, the exception and the failing line."""
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                frames = [ANSI.sub("", line) for line in out.traceback if "---->" in line]
                where = frames[-1].split("---->", 1)[1].strip() if frames else ""
                found.append(f"cell {i}: {out.ename} {out.evalue} at {where}".strip())
    return found
