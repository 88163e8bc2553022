"""Write the student version of every chapter into a folder: `make student` (→ student/).

Usage: python -m tools.student_version [--out student] [chapter ...]

The chapters are the instructor versions: exercises with their solutions and hidden tests, in
nbgrader's markers so a course that uses nbgrader can import them as they are. The student
version, made without nbgrader:
  - in code cells, the lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION`` become one
    ``raise NotImplementedError`` at the marker's indentation;
  - the lines from ``### BEGIN HIDDEN TESTS`` to ``### END HIDDEN TESTS`` are removed;
  - written solutions are removed: markdown cells that open a ``:::{solution}`` block, and code
    cells tagged ``solution``;
  - every output and execution count is cleared.
A marker without its end, or an end without its start, is an error naming the chapter and cell:
nothing is written for a chapter that would leak a solution.

``mark_for_nbgrader`` (run on every chapter by `make notebooks`) gives the same cells nbgrader's
metadata, so that nbgrader's own release (`nbgrader generate_assignment`) clears them too:
solution code cells are autograded answers, hidden-test cells locked grade cells (2 points),
written solutions manually graded answers (1 point), tagged solution code cells answers.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

from tools.chapters import chapters

ROOT = Path(__file__).resolve().parents[1]
_MARK = re.compile(r"^(\s*)### (BEGIN|END) (SOLUTION|HIDDEN TESTS)\s*$")


class MarkerError(ValueError):
    """The solution or hidden-test markers of a cell do not pair up."""


def strip_code(source: str, where: str) -> str:
    """The cell's source with solutions replaced and hidden tests removed."""
    out, open_block, indent = [], None, ""
    for number, line in enumerate(source.splitlines(), start=1):
        m = _MARK.match(line)
        if m:
            edge, block = m.group(2), m.group(3)
            if edge == "BEGIN":
                if open_block:
                    raise MarkerError(f"{where}, line {number}: BEGIN {block} inside {open_block}")
                open_block, indent = block, m.group(1)
                continue
            if open_block != block:
                raise MarkerError(
                    f"{where}, line {number}: END {block} without BEGIN {block} before it"
                )
            if block == "SOLUTION":
                out.append(f"{indent}raise NotImplementedError")
            open_block = None
            continue
        if open_block is None:
            out.append(line)
    if open_block:
        raise MarkerError(f"{where}: BEGIN {open_block} has no END {open_block}")
    return "\n".join(out)


def is_written_solution(cell: nbformat.NotebookNode) -> bool:
    if cell.cell_type == "markdown":
        return cell.source.lstrip().startswith((":::{solution}", "::::{solution}", "```{solution}"))
    return "solution" in cell.get("metadata", {}).get("tags", [])


def _nbgrader(grade_id: str, *, solution: bool, points: int = 0) -> dict:
    meta = {"grade": points > 0, "grade_id": grade_id, "locked": not solution}
    meta |= {"schema_version": 3, "solution": solution, "task": False}
    return meta | ({"points": points} if points else {})


def mark_for_nbgrader(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """Set (in place) nbgrader's metadata on every cell with a solution or hidden tests."""
    chapter, exercise, code = name.split("_", 1)[0], 0, 0
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
        if cell.cell_type == "markdown":
            if is_written_solution(cell):
                label = cell.source.lstrip().split("\n", 1)[0].split("}", 1)[1].strip()
                cell.metadata["nbgrader"] = _nbgrader(f"{label}-answer", solution=True, points=1)
        elif "### BEGIN SOLUTION" in cell.source:
            exercise += 1
            cell.metadata["nbgrader"] = _nbgrader(f"ch{chapter}-ex{exercise}", solution=True)
        elif "### BEGIN HIDDEN TESTS" in cell.source:
            grade_id = f"ch{chapter}-ex{exercise}-tests"
            cell.metadata["nbgrader"] = _nbgrader(grade_id, solution=False, points=2)
        elif is_written_solution(cell):
            code += 1
            cell.metadata["nbgrader"] = _nbgrader(f"ch{chapter}-code{code}", solution=True)
    return nb


def student_version(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """A copy of the chapter as students get it (see the module docstring)."""
    nb = nbformat.from_dict(nb)  # a deep copy
    cells = []
    for i, cell in enumerate(nb.cells):
        if is_written_solution(cell):
            continue
        if cell.cell_type == "code":
            cell.source = strip_code(cell.source, f"{name}, cell {i}")
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    nb.cells = cells
    return nb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*")
    parser.add_argument("--out", default=str(ROOT / "student"), help="folder (default: student/)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for path in chapters(args.chapters):
        try:
            nb = student_version(nbformat.read(path, as_version=4), path.stem)
        except MarkerError as e:
            print(f"error: {e}; nothing written for {path.stem}", file=sys.stderr)
            return 1
        nbformat.write(nb, out / path.name)
        print(out / path.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
