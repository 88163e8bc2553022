"""What autograde runs for a submission, and how it scores it (nbgrader's rules, without nbgrader).

The grading notebook is the chapter's setup cells, then each answer as the student wrote it (found
by nbgrader's grade id, else by the function it defines) and each of the instructor's test cells,
hidden tests included; a test cell that runs without an error earns its points.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat

from teaching import student_version as sv

LANGUAGE_TAG = (
    "translation-language"  # a translated chapter's first cell (translation/korean_book.py)
)
LANGUAGE_LINE = re.compile(r"%env GANLIB_LANGUAGE=(\w+)")


def language_of(submission) -> str | None:
    """The language of a translated chapter's feedback, from its first cell; None: English."""
    # Imported here: ganlib imports torch (1-2 s), which the process that runs each submission's
    # sandbox runner never needs; only its kernel does.
    from ganlib.language import LANGUAGES

    for cell in submission.cells:
        if LANGUAGE_TAG in cell.get("metadata", {}).get("tags", []):
            found = LANGUAGE_LINE.fullmatch(cell.get("source", "").strip())
            if found and found.group(1) in LANGUAGES:
                return found.group(1)
    return None


def _defined(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def chapter_of(submission, sources: dict[str, nbformat.NotebookNode], filename: str) -> str | None:
    """The chapter a submission answers: the one whose grade ids it holds, else its file name."""
    ids = {_grade_id(c) for c in submission.cells} - {None}
    for name, nb in sources.items():
        if ids & {_grade_id(c) for c in nb.cells}:
            return name
    number = Path(filename).name[:2]
    found = [name for name in sources if name[:2] == number and number.isdigit()]
    return found[0] if len(found) == 1 else None


def grading_notebook(source, submission) -> nbformat.NotebookNode:
    """The cells autograde runs: setup, then each answer as the student wrote it and each test."""
    nb = nbformat.v4.new_notebook(metadata=source.metadata)
    cells = [
        c for c in source.cells[: sv.heading(source)] if sv.SETUP_TAG in c.metadata.get("tags", [])
    ]
    start = sv.heading(submission) if _has_heading(submission) else 0
    theirs = submission.cells[start:]
    by_id = {_grade_id(c): i for i, c in enumerate(theirs) if _grade_id(c)}
    for cell in source.cells[sv.heading(source) :]:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        if not meta.get("solution"):
            cells.append(cell)  # the instructor's tests, hidden tests included
            continue
        i = by_id.get(meta["grade_id"])
        if i is None:  # metadata lost (another editor): the cell defining the same function
            names = _defined(cell.source)
            found = [
                j
                for j, c in enumerate(theirs)
                if c.cell_type == "code" and names and names <= _defined(c.source)
            ]
            i = found[0] if found else None
        if i is None:  # not answered: the stub the student was given
            stub = nbformat.from_dict(cell)
            has_markers = "### BEGIN SOLUTION" in cell.source
            stub.source = sv.strip_code(cell.source, "") if has_markers else sv.CODE_STUB
            cells.append(stub)
            continue
        # The student's code under the grader's metadata: a submission cannot give its own
        # cells points, a grade id or tags.
        cells.append(_with_source(cell, theirs[i].source))
        for extra in theirs[i + 1 :]:  # cells the student added after their answer
            if extra.get("metadata", {}).get("nbgrader") or extra.cell_type != "code":
                break
            cells.append(nbformat.v4.new_code_cell(extra.source))
    nb.cells = [nbformat.from_dict(c) for c in cells]
    for c in nb.cells:
        c.outputs, c.execution_count = [], None
    return nb


def _with_source(cell, source) -> nbformat.NotebookNode:
    ours = nbformat.from_dict(cell)
    ours.source = source if isinstance(source, str) else "".join(source)
    return ours


def is_test(cell) -> bool:
    """An instructor's test cell: graded, not an answer (its hidden tests included)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def functions(source) -> list[str]:
    """The functions the chapter's exercises ask for: those its model answers define."""
    return sorted(
        {
            name
            for cell in source.cells[sv.heading(source) :]
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution")
            for name in _defined(cell.source)
        }
    )


def _has_heading(nb) -> bool:
    try:
        sv.heading(nb)
    except ValueError:
        return False
    return True


def scores(nb: nbformat.NotebookNode) -> list[dict]:
    """Per graded cell of an executed grading notebook: points earned, out of, and why not."""
    out, since = [], []  # since: the errors of the cells after the last graded one
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if not meta.get("grade") or cell.cell_type != "code":
            since += errors
            continue
        message = ""
        if errors:
            e = (since + errors)[0]  # the student's own cell may have failed first
            first = (e.get("evalue") or "").strip().splitlines()
            message = f"{e.get('ename')}: {first[0] if first else ''}".rstrip(": ")
            if e.get("ename") == "NotImplementedError":
                message = "not answered (NotImplementedError: this exercise, or a function it uses)"
            elif e.get("ename") == "KeyboardInterrupt":  # nbclient interrupts a cell over time
                message = "a cell ran over the time limit (--cell-timeout) and was interrupted"
        earned = 0 if errors or cell.execution_count is None else meta["points"]
        if cell.execution_count is None and not errors:
            message = "not run"
        out.append(
            {
                "grade_id": meta["grade_id"],
                "points": earned,
                "max": meta["points"],
                "message": message,
            }
        )
        since = []
    return out
