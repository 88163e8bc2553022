"""Grade students' chapter notebooks without nbgrader: `make grade SUBMISSIONS=dir` → grades.csv.

Usage: python -m teaching.grade SUBMISSIONS [--out grades.csv] [--feedback DIR] [--timeout S]
       [--cell-timeout S] [--memory-gb G]

SUBMISSIONS is a folder of notebooks, one per student (``alice.ipynb``), or one folder per student
(``alice/01_value_function.ipynb``, as nbgrader's ``submitted/`` is laid out). Each submission is
matched to its chapter (by nbgrader's cell ids, else by its file name), and graded as nbgrader's
autograde would grade it, without the chapter's training:
  - the chapter's setup cells (tagged ``exercise-setup``), then its exercises: the student's answer
    cells (found by grade id, else by the function they define) with any cells the student added
    after them, and the instructor's test cells, hidden tests included, in place of the student's;
  - executed in a fresh kernel, in an empty temporary folder, in a process of its own with a
    memory limit (``--memory-gb``), a time limit per cell (``--cell-timeout``: the cell is
    interrupted and scores 0) and one for the whole submission (``--timeout``);
  - a test cell that runs without an error earns its points; the first error is reported;
  - in the submission's language: a Korean chapter (ko/notebooks) sets ``GANLIB_LANGUAGE=ko`` in
    its first cell, and its checks' messages, the first failure included, are Korean.
One CSV row per submission: the points of every autograded cell, the total, the manually graded
cells left to read, and the first failing message; a submission that is not a notebook, matches
no chapter, or hangs gets a row that says so and the others go on. The executed notebooks go to
``--feedback`` (default: next to the CSV) for reading the experiments' outputs
(code cells only: the written answers are in the submissions).

It runs code that students wrote: run it in a throwaway container or VM (the instructor guide).
teaching/nbgrader_config.py gives nbgrader's autograde the same cells (tests/test_grading.py).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import csv
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from checkout import ROOT, chapters
from teaching import student_version as sv

LANGUAGE_TAG = "translation-language"  # a translated chapter's first cell (translation/korean_book.py)
LANGUAGE_LINE = re.compile(r"%env GANLIB_LANGUAGE=(\w+)")


def language_of(submission) -> str | None:
    """The language of a translated chapter's feedback, from its first cell; None: English."""
    # Imported here: ganlib imports torch (1-2 s), which the process that runs each submission's
    # kernel (`--one`, below) never needs; only its kernel does.
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
        cells.append(theirs[i])
        for extra in theirs[i + 1 :]:  # cells the student added after their answer
            if extra.get("metadata", {}).get("nbgrader") or extra.cell_type != "code":
                break
            cells.append(extra)
    nb.cells = [nbformat.from_dict(c) for c in cells]
    for c in nb.cells:
        c.outputs, c.execution_count = [], None
    return nb


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


def _limits(memory_gb: float) -> None:  # in the child, before it starts: inherited by its kernel
    os.setsid()  # a process group of its own, killed whole on a timeout
    limit = int(memory_gb * 2**30)
    with contextlib.suppress(ValueError, OSError):  # (macOS refuses RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run_one(notebook: Path, result: Path, cell_timeout: int) -> None:
    """Execute one grading notebook here (the child process) and write its scores as JSON."""
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(
        nb, timeout=cell_timeout, interrupt_on_timeout=True, allow_errors=True,
        kernel_name="python3", resources={"metadata": {"path": str(notebook.parent)}},
    )  # fmt: skip
    try:
        client.execute()
        status = "graded"
    except Exception as e:  # the kernel died (memory), or nbclient gave up
        status = f"kernel failed: {type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"
    nbformat.write(nb, notebook)
    result.write_text(json.dumps({"status": status, "scores": scores(nb)}))


def grade(
    path: Path,
    student: str,
    sources: dict,
    feedback: Path,
    *,
    timeout: int,
    cell_timeout: int,
    memory_gb: float,
) -> dict:
    """One row of the CSV for one submission (never raises for a bad submission)."""
    row = {"student": student, "file": path.name, "chapter": "", "status": "", "total": 0, "max": 0}
    try:
        submission = nbformat.read(path, as_version=4)
    except Exception as e:  # not JSON, not a notebook, unreadable: say so and go on
        return row | {
            "status": f"not a notebook ({type(e).__name__})",
            "first failure": str(e)[:200],
        }
    name = chapter_of(submission, sources, path.name)
    if name is None:
        return row | {"status": "matches no chapter (no grade ids, no NN_ file name)"}
    source = sources[name]
    row["chapter"] = name
    nb = grading_notebook(source, submission)
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        work = Path(tmp) / f"{name}.ipynb"
        nbformat.write(nb, work)
        result = Path(tmp) / "result.json"
        env = {
            k: v
            for k, v in os.environ.items()
            if k in ("PATH", "LANG", "LC_ALL", "OMP_NUM_THREADS")
        }
        env |= {"HOME": tmp, "MPLBACKEND": "Agg", "PYTHONPATH": ""}
        if language := language_of(submission):  # the kernel inherits it, as %env sets it
            env["GANLIB_LANGUAGE"] = language
        cmd = [
            sys.executable,
            "-m",
            "teaching.grade",
            "--one",
            str(work),
            str(result),
            "--cell-timeout",
            str(cell_timeout),
        ]
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,  # (python -m finds teaching/ in cwd)
            stderr=subprocess.PIPE, preexec_fn=lambda: _limits(memory_gb),
        )  # fmt: skip
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return row | {"status": f"timed out after {timeout} s (no result)"}
        if not result.exists():
            tail = err.decode(errors="replace").strip().splitlines()[-1:] if err else []
            return row | {"status": "grading failed", "first failure": " ".join(tail)[:200]}
        outcome = json.loads(result.read_text())
        out_dir = feedback / student
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / f"{name}.ipynb").write_text(work.read_text())
    row["status"] = outcome["status"]
    failures = []
    for s in outcome["scores"]:
        if s["max"] == 0:  # the instructor's own check of a model answer: nothing to earn
            continue
        row[s["grade_id"]] = s["points"]
        row["total"] += s["points"]
        row["max"] += s["max"]
        if s["message"]:
            failures.append(f"{s['grade_id']}: {s['message']}")
    manual = [gid for gid, _, auto in sv.points(source) if not auto]
    row["to read"] = " ".join(manual)
    row["first failure"] = failures[0][:300] if failures else ""
    return row


def submissions(folder: Path) -> list[tuple[str, Path]]:
    """(student, file) for every file under the folder: a folder per student, or a file each."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        rel = path.relative_to(folder)
        found.append((rel.parts[0] if len(rel.parts) > 1 else path.stem, path))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submissions", nargs="?")
    parser.add_argument("--out", default="grades.csv")
    parser.add_argument(
        "--feedback", default=None, help="executed notebooks (default: OUT's folder/feedback)"
    )
    parser.add_argument("--timeout", type=int, default=900, help="seconds per submission")
    parser.add_argument("--cell-timeout", type=int, default=300, help="seconds per cell")
    parser.add_argument("--memory-gb", type=float, default=8.0)
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)  # the child: NOTEBOOK RESULT
    args = parser.parse_args(argv)
    if args.one:
        run_one(Path(args.one[0]), Path(args.one[1]), args.cell_timeout)
        return 0
    if not args.submissions or not Path(args.submissions).is_dir():
        parser.error(f"SUBMISSIONS must be a folder of notebooks, got {args.submissions!r}")
    sources = {
        p.stem: sv.mark_for_nbgrader(nbformat.read(p, as_version=4), p.stem) for p in chapters([])
    }
    out = Path(args.out)
    feedback = Path(args.feedback) if args.feedback else out.parent / "feedback"
    rows = []
    for student, path in submissions(Path(args.submissions)):
        row = grade(
            path, student, sources, feedback,
            timeout=args.timeout, cell_timeout=args.cell_timeout, memory_gb=args.memory_gb,
        )  # fmt: skip
        rows.append(row)
        print(
            f"{student:20} {row['chapter'] or '-':24} {row['total']}/{row['max']}  {row['status']}"
        )
    fixed = ["student", "file", "chapter", "status", "total", "max"]
    tail = ["to read", "first failure"]
    columns = fixed + sorted({k for r in rows for k in r} - set(fixed) - set(tail)) + tail
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} submissions graded: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
