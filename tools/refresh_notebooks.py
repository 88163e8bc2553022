"""Re-execute chapter notebooks in place so their stored outputs are the ones nbval compares.

Usage: python tools/refresh_notebooks.py [notebooks/NN_name.ipynb ...]   (default: all chapters)

Outputs of cells tagged ``nbval-ignore-output`` (widgets, JavaScript animations, timings) are not
stored: nbval does not compare them, the website re-executes every chapter anyway, and an
embedded animation would add about a megabyte to every commit of the notebook.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def refresh(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    seconds = time.perf_counter() - start
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code" and "nbval-ignore-output" in cell.metadata.get("tags", []):
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, path)
    return seconds


def main(paths: list[str]) -> None:
    for path in [Path(p) for p in paths] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        print(f"{path.name}: executed in {refresh(path):.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
