"""Write the student version of every chapter into a folder: `make student` (→ student/).

Usage: python -m teaching.student_version [--out student] [chapter ...]

The chapters are the instructor versions: each ends with exercises (a derivation, an
implementation, an experiment) whose model answers sit in the places a student's answers go.
``mark_for_nbgrader`` (run on every chapter by `make notebooks`) gives those cells nbgrader's
metadata, and the student version is what nbgrader's own release (`nbgrader
generate_assignment`) makes of the chapter, cell for cell (a test runs both and compares):
  - a written answer (a markdown cell opening ``:::{solution}``, for a derivation or an
    experiment's findings) becomes ``YOUR ANSWER HERE``: a manually graded answer;
  - an experiment's code (a code cell tagged ``solution``) becomes ``# YOUR CODE HERE`` and
    ``raise NotImplementedError()``: an answer, graded with the findings;
  - in an implementation, the lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION`` become
    the same two lines at the marker's indentation: an autograded answer;
  - the lines from ``### BEGIN HIDDEN TESTS`` to ``### END HIDDEN TESTS`` are removed from
    the locked cells that hold them: an implementation's tests (its points), and the check of
    a derivation's model answer (0 points);
  - every output and execution count is cleared.
A marker without its end, or an end without its start, is an error naming the chapter and cell:
nothing is written for a chapter that would leak a solution.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

from checkout import ROOT, chapters

_MARK = re.compile(r"^(\s*)### (BEGIN|END) (SOLUTION|HIDDEN TESTS)\s*$")
EXERCISES = "## Exercises"
# nbgrader's own stubs (ClearSolutions' defaults), so that both releases agree.
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"
# Points per graded cell, by the kind of exercise it belongs to (the instructor guide's table).
POINTS = {"Derivation": 3, "Implementation": 3, "Experiment": 3}
# A title's kind in the Korean edition (ko/notebooks, locale/ko): "유도: …" is a derivation.
KINDS = {"유도": "Derivation", "구현": "Implementation", "실험": "Experiment"}
POINTS_BY_LABEL = {"ex-05-step": 5}  # Algorithm 1 written out: the chapter's main exercise
SETUP_TAG = "exercise-setup"  # cells before the exercises that grading runs first


class MarkerError(ValueError):
    """The solution or hidden-test markers of a cell do not pair up."""


def strip_code(source: str, where: str) -> str:
    """The cell's source with solutions replaced by the code stub and hidden tests removed."""
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
                out += [indent + stub for stub in CODE_STUB.split("\n")]
            open_block = None
            continue
        if open_block is None:
            out.append(line)
    if open_block:
        raise MarkerError(f"{where}: BEGIN {open_block} has no END {open_block}")
    return "\n".join(out)


def is_written_solution(cell: nbformat.NotebookNode) -> bool:
    """A model answer that is the whole cell: a folded solution block, or a tagged code cell."""
    if cell.cell_type == "markdown":
        return cell.source.lstrip().startswith((":::{solution}", "::::{solution}", "```{solution}"))
    return "solution" in cell.get("metadata", {}).get("tags", [])


def exercises(nb: nbformat.NotebookNode) -> list[tuple[int, str, str]]:
    """(cell index, kind, label) of each ``:::{exercise}`` prompt, in order."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and ":::{exercise}" in cell.source:
            title = cell.source.split(":::{exercise}", 1)[1].split("\n", 1)[0].strip()
            label = re.search(r":label: (\S+)", cell.source)
            kind = title.split(":", 1)[0].strip()
            kind = KINDS.get(kind, kind)
            if kind not in POINTS:
                raise ValueError(
                    f"cell {i}: the exercise {title!r} starts with no kind; a title starts with "
                    f"one of {sorted(POINTS)} (or {sorted(KINDS)} in Korean) and a colon"
                )
            found.append((i, kind, label.group(1) if label else f"cell-{i}"))
    return found


def heading(nb: nbformat.NotebookNode) -> int:
    """The index of the chapter's one ``## Exercises`` heading."""
    found = [
        i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.startswith(EXERCISES)
    ]  # fmt: skip
    if len(found) != 1:
        raise ValueError(f"a chapter has one '{EXERCISES}' heading, found {len(found)}")
    return found[0]


def _nbgrader(grade_id: str, *, solution: bool, grade: bool, points: int = 0) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": not solution}
    meta |= {"schema_version": 3, "solution": solution, "task": False}
    return meta | ({"points": points} if grade else {})


def mark_for_nbgrader(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """Set (in place) nbgrader's metadata on every answer and test cell of the exercises."""
    prompts = {i: (kind, label) for i, kind, label in exercises(nb)}
    kind = label = None
    for i, cell in enumerate(nb.cells):
        cell.metadata.pop("nbgrader", None)
        if i in prompts:
            kind, label = prompts[i]
        if kind is None:
            continue
        points = POINTS_BY_LABEL.get(label, POINTS[kind])
        if cell.cell_type == "markdown":
            if is_written_solution(cell):
                if kind == "Implementation":
                    raise ValueError(
                        f"{name}, cell {i}: an implementation's explanation goes in its solution "
                        "code as comments (a written answer would ask students for prose)"
                    )
                meta = _nbgrader(f"{label}-answer", solution=True, grade=True, points=points)
                cell.metadata["nbgrader"] = meta
        elif "### BEGIN SOLUTION" in cell.source:
            cell.metadata["nbgrader"] = _nbgrader(label, solution=True, grade=False)
        elif "### BEGIN HIDDEN TESTS" in cell.source:
            tests = kind == "Implementation"
            grade_id = f"{label}-tests" if tests else f"{label}-check"
            meta = _nbgrader(grade_id, solution=False, grade=True, points=points if tests else 0)
            cell.metadata["nbgrader"] = meta
        elif is_written_solution(cell):
            cell.metadata["nbgrader"] = _nbgrader(f"{label}-code", solution=True, grade=False)
    return nb


def student_version(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """A copy of the chapter as students get it (see the module docstring)."""
    nb = mark_for_nbgrader(nbformat.from_dict(nb), name)  # a deep copy, its metadata current
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown":
            if meta.get("solution"):
                cell.source = TEXT_STUB
            continue
        if meta.get("solution") and "### BEGIN SOLUTION" not in cell.source:
            cell.source = CODE_STUB
        else:
            cell.source = strip_code(cell.source, f"{name}, cell {i}")
        cell.outputs, cell.execution_count = [], None
    return nb


def points(nb: nbformat.NotebookNode) -> list[tuple[str, int, bool]]:
    """(grade_id, points, autograded) of every graded cell: what the chapter is marked out of."""
    out = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            out.append((meta["grade_id"], meta["points"], cell.cell_type == "code"))
    return out


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
