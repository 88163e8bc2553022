"""Grade students' chapter notebooks without nbgrader: `make grade SUBMISSIONS=dir` → grades.csv.

Usage: python -m teaching.grade SUBMISSIONS [--out grades.csv] [--feedback DIR] [--timeout S]
       [--cell-timeout S] [--memory-gb G] [--max-output-mb M] [--unsandboxed]

SUBMISSIONS is a folder of notebooks, one per student (``alice.ipynb``), or one folder per student
(``alice/01_value_function.ipynb``, as nbgrader's ``submitted/`` is laid out). Each submission is
matched to its chapter (by nbgrader's cell ids, else by its file name), and graded as nbgrader's
autograde would grade it, without the chapter's training, but with every verdict reached outside
the student's process:
  - the chapter's setup cells (tagged ``exercise-setup``), then its exercises: the student's answer
    cells (found by grade id, else by the function they define; under the grader's own metadata)
    with any cells the student added after them, are executed in a fresh kernel in a sandbox
    (teaching/sandbox.py: bubblewrap) that sees its own copy and nothing else of the class: no
    other submission, no grades, no checkout but ganlib, no other process, no network; with a
    memory limit (``--memory-gb``), a cap on its processes, a time limit per cell
    (``--cell-timeout``: the cell is interrupted and scores 0) and one for the whole submission
    (``--timeout``), a cap on what it hands back, on any file it writes and on all it writes in
    its folder and in /tmp (``--max-output-mb`` each);
  - the instructor's test cells, hidden tests included, run in the judge (teaching/judge.py),
    a process of the grader's that runs no student code: there each of the student's functions
    is called by value (ganlib.coursework.byvalue): its arguments go to the sandbox's kernel,
    and only numbers, strings and tensors come back. The checks' comparisons, the points and the
    messages are all the judge's: code in a submission can change what its functions return,
    and nothing else of its grade;
  - a test cell that runs without an error earns its points; the first error is reported;
  - in the submission's language: a Korean chapter (ko/notebooks) sets ``GANLIB_LANGUAGE=ko`` in
    its first cell, and its checks' messages, the first failure included, are Korean.
``--unsandboxed`` grades without the sandbox (and says what is lost); without bwrap and without
that flag, nothing is graded.
One CSV row per submission: the points of every autograded cell, the total, the manually graded
cells left to read, and the first failing message; a submission that is not a notebook, matches
no chapter, or hangs gets a row that says so and the others go on. Submissions are read once and
never written; the CSV is rewritten atomically after every row, so a crash keeps the rows graded.
The executed notebooks go to ``--feedback`` (default: next to the CSV) for reading the
experiments' outputs (code cells only: the written answers are in the submissions).

The sandbox keeps the class apart; a throwaway container or VM keeps the machine apart too (the
instructor guide).
teaching/nbgrader_config.py gives nbgrader's autograde the same cells (tests/test_grading.py).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
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
from teaching import sandbox
from teaching import student_version as sv
from teaching.autograde import (
    chapter_of,
    functions,
    grading_notebook,
    is_test,
    language_of,
    scores,
)

RUNNER = Path(__file__).with_name("sandbox_runner.py")  # its text runs in the sandbox
UNSANDBOXED = (
    "grade without the sandbox: each submission's code can then read the other submissions and "
    "the instructor's model answers, rewrite them and the grades, and stop the whole run"
)


def _limits(memory_gb: float, max_output_mb: int, cgroup: Path | None) -> None:
    # In the child, before it starts (inherited by the sandbox and the kernel): a process group
    # of its own, killed whole on a timeout; the memory limit; the largest file it may write;
    # its processes. (What it hands back comes on a pipe, which the judge caps as it reads.)
    os.setsid()
    limit, size = int(memory_gb * 2**30), max_output_mb * 2**20
    with contextlib.suppress(ValueError, OSError):  # (macOS refuses RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    if cgroup is not None:
        (cgroup / "cgroup.procs").write_text(str(os.getpid()))


def _write_atomically(path: Path, text: str) -> None:
    """``path`` holds the old text or the new, never a part: a crash loses nothing written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def grade(
    path: Path,
    student: str,
    sources: dict,
    feedback: Path,
    *,
    timeout: int,
    cell_timeout: int,
    memory_gb: float,
    max_output_mb: int = 256,
    sandboxed: bool = True,
) -> dict:
    """One row of the CSV for one submission (never raises for a bad submission).

    The submission is read once, never written. Its code runs in the sandbox
    (:mod:`teaching.sandbox`) unless ``sandboxed`` is False; what comes back is scored here.
    """
    row = {"student": student, "file": path.name, "chapter": "", "status": "", "total": 0, "max": 0}
    try:
        submission = nbformat.reads(path.read_bytes().decode(), as_version=4)
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
    # The sandbox runs the setup cells and the student's; the test cells (graded, with points) run
    # in the judge, outside it, where each call of a student's function goes to the sandbox's
    # kernel and only its value comes back. The instructor's checks of a model answer (0 points)
    # earn nothing and run nowhere.
    tests = [i for i, c in enumerate(nb.cells) if is_test(c) and c.metadata.nbgrader["points"]]
    sent = nbformat.from_dict(nb)
    for cell in sent.cells:
        if is_test(cell):
            cell.source = ""  # (nbclient skips an empty cell)
    job = {
        "setup": [c.source for c in nb.cells if sv.SETUP_TAG in c.metadata.get("tags", [])],
        "tests": [nb.cells[i].source for i in tests],
        "functions": functions(source),
    }
    with (
        tempfile.TemporaryDirectory(prefix="grade-") as tmp,
        sandbox.pids_cgroup(f"ganlib-grade-{os.getpid()}-{Path(tmp).name}") as cgroup,
    ):
        work = Path(tmp) / "work"  # the grading notebook (the sandbox sees it read-only)
        work.mkdir()
        nbformat.write(sent, work / f"{name}.ipynb")
        (Path(tmp) / "job.json").write_text(json.dumps(job))
        home = sandbox.WORK if sandboxed else str(work)
        env = {
            k: v
            for k, v in os.environ.items()
            if k in ("PATH", "LANG", "LC_ALL", "OMP_NUM_THREADS")
        }
        env |= {"HOME": home, "MPLBACKEND": "Agg", "PYTHONPATH": ""}
        if language := language_of(submission):  # the kernel inherits it, as %env sets it
            env["GANLIB_LANGUAGE"] = language
        argv = [sys.executable, "-I", "-c", RUNNER.read_text(), f"{home}/{name}.ipynb",
                str(cell_timeout)]  # fmt: skip
        if sandboxed:
            argv = sandbox.command(work, argv, env, size_mb=max_output_mb)
        with (
            (Path(tmp) / "err").open("wb") as err_file,
            (Path(tmp) / "judged").open("w+b") as judged,
        ):
            runner = subprocess.Popen(
                argv, cwd=work, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=err_file, preexec_fn=lambda: _limits(memory_gb, max_output_mb, cgroup),
            )  # fmt: skip
            # The judge talks to the runner over the runner's two pipes, and the grader keeps no
            # end of them, so each side sees the other end. The judge's verdicts come back in a file.
            replies, requests = runner.stdout.fileno(), runner.stdin.fileno()
            judge = subprocess.Popen(
                [sys.executable, "-m", "teaching.judge", str(Path(tmp) / "job.json"),
                 str(Path(tmp) / "returned"), str(replies), str(requests),
                 str(max_output_mb * 2**20)],
                cwd=ROOT, env=os.environ | {"MPLBACKEND": "Agg", "GANLIB_LANGUAGE": language or "",
                                            "IPYTHONDIR": str(Path(tmp) / "ipython")},
                stdin=subprocess.DEVNULL, stdout=judged, stderr=subprocess.PIPE,
                pass_fds=(replies, requests), start_new_session=True,
            )  # fmt: skip
            runner.stdout.close()
            runner.stdin.close()
            finished = False
            try:
                judge_err = judge.communicate(timeout=timeout)[1]
                finished = True
            except subprocess.TimeoutExpired:
                return row | {"status": f"timed out after {timeout} s (no result)"}
            finally:
                # The judge is done: unsandboxed, the runner shuts its kernel down and ends (1 s);
                # a sandbox ends whole, its kernel with it, when it is killed below.
                if finished and not sandboxed:
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        runner.wait(timeout=10)
                for proc in (judge, runner):  # anything left (the timeout, unsandboxed)
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            judged.seek(0)
            try:  # a judge that died mid-write (out of memory) leaves no verdict, not a crash
                verdict = json.loads(judged.read() or b"{}")
            except ValueError:
                verdict = {}
        err = (Path(tmp) / "err").read_bytes()[-2000:]
        returned = Path(tmp) / "returned"
        back = returned.read_bytes() if returned.exists() else b""
    if verdict.get("status") == "output":
        return row | {
            "status": f"grading failed: its output reached --max-output-mb ({max_output_mb})"
        }
    if verdict.get("status") != "graded":
        if judge.returncode != 0 or "status" not in verdict:  # the grader's own failure
            tail = judge_err.decode(errors="replace").strip().splitlines()[-1:]
            return row | {"status": "grading failed (the judge stopped)",
                          "first failure": " ".join(tail)[:200]}  # fmt: skip
        tail = err.decode(errors="replace").strip().splitlines()[-1:] if err else []
        why = verdict["status"] if verdict["status"] != "none" else " ".join(tail)
        return row | {"status": "grading failed (no result came back)",
                      "first failure": why[:200]}  # fmt: skip
    try:
        outcome = json.loads(back)
        status = str(outcome["status"])[:300]
        executed = _outputs_onto(sent, outcome["notebook"])
    except Exception:  # what came back is not a notebook of the cells sent
        return row | {"status": "grading failed (no result came back)"}
    for i, judged_cell in zip(tests, verdict["tests"], strict=True):
        executed.cells[i] = nbformat.from_dict(nb.cells[i])
        executed.cells[i].outputs = [nbformat.from_dict(o) for o in judged_cell["outputs"]]
        executed.cells[i].execution_count = judged_cell["execution_count"]
    for i, cell in enumerate(nb.cells):  # (the 0-point checks keep their source, unrun)
        if is_test(cell) and i not in tests:
            executed.cells[i] = nbformat.from_dict(cell)
    nbformat.validate(executed)
    graded = scores(executed)
    _write_atomically(feedback / student / f"{name}.ipynb", nbformat.writes(executed))
    row["status"] = status
    failures = []
    for s in graded:
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


def _outputs_onto(nb: nbformat.NotebookNode, returned: dict) -> nbformat.NotebookNode:
    """The grader's own grading notebook with the outputs that came back, cell by cell.

    Only outputs and execution counts are taken from what the sandbox returned: the cells, their
    points and grade ids stay the grader's, and a notebook with other cells is refused.
    """
    cells = returned["cells"]
    if len(cells) != len(nb.cells) or any(
        c.get("source") != ours.source for c, ours in zip(cells, nb.cells, strict=True)
    ):
        raise ValueError("the notebook that came back is not the one sent")
    executed = nbformat.from_dict(nb)
    for cell, back in zip(executed.cells, cells, strict=True):
        if cell.cell_type == "code":
            cell.outputs = [nbformat.from_dict(o) for o in back.get("outputs", [])]
            cell.execution_count = back.get("execution_count")
    nbformat.validate(executed)
    return executed


def _csv(rows: list[dict]) -> str:
    fixed = ["student", "file", "chapter", "status", "total", "max"]
    tail = ["to read", "first failure"]
    columns = fixed + sorted({k for r in rows for k in r} - set(fixed) - set(tail)) + tail
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue()


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
    parser.add_argument(
        "--max-output-mb",
        type=int,
        default=256,
        help="the most it may hand back, write to a file, or write in all",
    )
    parser.add_argument("--unsandboxed", action="store_true", help=UNSANDBOXED)
    args = parser.parse_args(argv)
    if not args.submissions or not Path(args.submissions).is_dir():
        parser.error(f"SUBMISSIONS must be a folder of notebooks, got {args.submissions!r}")
    if not args.unsandboxed and (why := sandbox.unavailable()):
        parser.error(f"no sandbox: {why}. Install it, or pass --unsandboxed ({UNSANDBOXED})")
    sources = {
        p.stem: sv.mark_for_nbgrader(nbformat.read(p, as_version=4), p.stem) for p in chapters([])
    }
    out = Path(args.out)
    feedback = Path(args.feedback) if args.feedback else out.parent / "feedback"
    rows = []
    for student, path in submissions(Path(args.submissions)):
        row = grade(
            path, student, sources, feedback, timeout=args.timeout,
            cell_timeout=args.cell_timeout, memory_gb=args.memory_gb,
            max_output_mb=args.max_output_mb, sandboxed=not args.unsandboxed,
        )  # fmt: skip
        rows.append(row)
        _write_atomically(out, _csv(rows))  # every row kept as soon as it is graded
        print(
            f"{student:20} {row['chapter'] or '-':24} {row['total']}/{row['max']}  {row['status']}",
            flush=True,
        )
    _write_atomically(out, _csv(rows))
    print(f"{len(rows)} submissions graded: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
