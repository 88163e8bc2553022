"""Re-execute chapter notebooks in place so their stored outputs are the ones nbval compares.

Usage: python -m tools.refresh_notebooks [notebooks/NN_name.ipynb ...]   (default: all chapters)

Outputs run on this machine's native kernels; `make test` then compares them under an emulated
other CPU, so an output that depends on the CPU fails here first. Text and figures are stored
for every cell, so a reader of the .ipynb sees the measured numbers. Not stored: HTML and
JavaScript outputs of cells tagged ``nbval-ignore-output`` (widgets, animations: about a
megabyte each, re-made by every website build) and the widget state in the metadata. Cells with
solutions or hidden tests get nbgrader's metadata (student_version.mark_for_nbgrader).
"""

from __future__ import annotations

import sys

import nbformat

from checkout import chapters
from teaching.student_version import mark_for_nbgrader
from tools.execution import execute, fresh_run_cache

BULKY = ("text/html", "application/javascript", "application/vnd.jupyter.widget-view+json")


def refresh(path) -> float:
    nb = nbformat.read(path, as_version=4)
    seconds = execute(nb, path, timeout=1200)  # (a loaded machine: chapter 6 near 600 s a cell)
    nb.metadata.pop("widgets", None)
    mark_for_nbgrader(nb, path.stem)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code" and "nbval-ignore-output" in cell.metadata.get("tags", []):
            cell.outputs = [o for o in cell.outputs if not set(o.get("data", {})) & set(BULKY)]
    nbformat.write(nb, path)
    return seconds


def main(names: list[str]) -> None:
    with fresh_run_cache():  # chapter 8 loads chapter 7's GANs, as in a reader's session
        for path in chapters(names):
            print(f"{path.name}: executed in {refresh(path):.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
