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
import contextlib
import csv
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from checkout import ROOT, chapters
from teaching import student_version as sv
from teaching.autograde import chapter_of, grading_notebook, language_of, scores


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
