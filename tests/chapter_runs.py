"""The one execution of each chapter under `make test`, and what else is checked in it.

nbval (``pytest --nbval``) runs a chapter cell by cell in one kernel, the Colab-like one under
`make test`, and compares every stored output. This plugin (registered by conftest.py) adds two
things to that same run, so that no chapter is trained twice:

- **The executed notebook.** Every kernel message nbval reads is also handed to nbclient's own
  output handling, the code that executes the chapters for Jupyter Book, so each cell gets the
  outputs a book build would store (nbval itself merges streams). When every cell of a chapter
  passed, the notebook goes to ``_build/executed/``; ``python -m tools.book_cache`` puts it into
  the book's execution cache, and `make book` then renders it instead of executing the chapter.
- **The student version** (teaching/student_version.py), checked in the kernel that just ran the
  chapter. Before the first code cell of "## Exercises" the kernel's names are noted; after the
  chapter's last cell every name the instructor's exercises defined is deleted, and the student
  version's exercise cells run there. The first error must be a stub's ``NotImplementedError``,
  and every other error too; the cells before the exercises must be the ones nbval just ran.
- **The output stays small.** Every kernel message a cell sends is counted: a progress bar that
  redraws too often floods the kernel (it once made nbval time out on a 140 s training), so a
  cell may send a few messages per second it runs, and a chapter's stored outputs stay under
  a size a browser and a repository take in their stride.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import nbval.kernel
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete
from nbval.plugin import IPyNbCell

from checkout import ROOT, SHARED_RUNS
from teaching import student_version as sv

EXECUTED = ROOT / "_build" / "executed"
EXERCISES = "## Exercises"
NAMES = "__names_before_exercises__"  # the kernel's names when the exercises begin
# Chapter 6's first Adam cell trains four populations: an estimated 450 s in the emulated-CPU kernel
# here (the whole chapter took 834 s), twice that on a CPU twice as slow; a hung cell still stops
# well inside CI's 90 minutes.
CELL_TIMEOUT_S = 1200
# The order in which `make test`'s two workers (pytest-xdist, --dist loadfile) are handed the
# files; each asks for the next as it finishes. Measured there (AMD EPYC, 2 workers): chapter 6
# takes 520-600 s, the grading round trip (the tests marked coursework) about 460 s beside it,
# chapters 5 and 7 about 110 s, chapter 8 30 s (125 s when it trains), the rest under 45 s each.
# - The two longest first, one on each worker. Queued last, chapter 6 once ran on alone for
#   minutes; queued after the chapters, so did the grading (nbval step 895-920 s; now 700-760 s).
# - Chapter 8 after chapters 7 to 1: it loads the GANs chapter 7 trained (the run cache). Handed
#   out while chapter 7 was still training on the other worker, it trained them again (125 s more);
#   after chapters 5 to 1 (over 200 s on the one worker that is not running chapter 7) it cannot be.
LONGEST, SECOND, LAST = "06_mode_collapse.ipynb", "coursework", f"{SHARED_RUNS[-1]}.ipynb"
# A progress bar redraws at most twice a second (ganlib.training), each redraw a few widget
# messages; any cell may send some messages beyond that (its outputs, a figure, a bar's start).
MESSAGES_PER_S, MESSAGES_FREE = 8, 200
OUTPUT_BYTES = 3_000_000  # a chapter's stored outputs, figures and animations included


class _Recorder:
    """Replays the kernel messages of one chapter through nbclient, as a book build records them."""

    def __init__(self, path: Path):
        self.path = path
        self.nb = nbformat.read(path, as_version=4)
        self.code = [c for c in self.nb.cells if c.cell_type == "code"]
        for cell in self.code:
            cell.outputs, cell.execution_count = [], None
        self.index = {id(c): i for i, c in enumerate(self.nb.cells)}
        self.client = NotebookClient(self.nb, record_timing=False)
        self.client.reset_execution_trackers()
        self.cell: int | None = None  # the code cell nbval is running
        self.msg_id: str | None = None
        self.passed: set[int] = set()
        self.seconds = 0.0
        self.messages: dict[int, int] = {}  # kernel messages per code cell, widget messages too
        self.cell_seconds: dict[int, float] = {}
        self.broken: str | None = (
            None  # why recording failed: nbval's run goes on, nothing is written
        )

    def tee(self, get_message):
        def get(*args, **kwargs):
            msg = get_message(*args, **kwargs)
            self.take(msg)
            return msg

        return get

    def take(self, msg: dict) -> None:
        if self.cell is None:
            return
        parent = msg.get("parent_header", {})
        if self.msg_id is None and msg["msg_type"] == "execute_input":
            self.msg_id = parent.get("msg_id")
        if self.msg_id is None or parent.get("msg_id") != self.msg_id:
            return
        self.messages[self.cell] = self.messages.get(self.cell, 0) + 1
        cell = self.code[self.cell]
        try:
            self.client.process_message(msg, cell, self.index[id(cell)])
        except CellExecutionComplete:
            pass
        except Exception as error:  # never let the recording fail nbval's own check
            self.broken = f"cell {self.cell}: {type(error).__name__}: {error}"

    def write(self) -> Path | None:
        """The executed notebook in _build/executed/, if every code cell passed."""
        if self.broken or self.passed != set(range(len(self.code))):
            print(
                f"{self.path.stem}: not handed to the book build ({self.broken or 'a cell failed'})"
            )
            return None
        for count, cell in enumerate(self.code, start=1):  # nbval keeps no history: number them
            cell.execution_count = count
            for out in cell.outputs:
                if out.output_type == "execute_result":
                    out.execution_count = count
        self.client.set_widgets_metadata()
        self.nb.metadata["gan_book"] = {
            "executed_s": round(self.seconds, 1),
            "messages": max(self.messages.values(), default=0),  # the most any one cell sent
        }
        nbformat.validate(self.nb)
        EXECUTED.mkdir(parents=True, exist_ok=True)
        out = EXECUTED / self.path.name
        nbformat.write(self.nb, out)
        return out


def _run(kernel, source: str) -> dict:
    """Execute source in nbval's kernel; the reply's content (status, ename, evalue)."""
    reply = kernel.kc.execute_interactive(
        source, store_history=False, allow_stdin=False, stop_on_error=False, timeout=CELL_TIMEOUT_S,
        output_hook=lambda msg: None,
    )  # fmt: skip
    return reply["content"]


class ExercisesBegin(pytest.Item):
    """Notes the kernel's names where the exercises begin (so the student check can drop the rest)."""

    def runtest(self):
        content = _run(self.parent.kernel, f"{NAMES} = set(globals())")
        assert content["status"] == "ok", content

    def reportinfo(self):
        return self.path, None, f"{self.parent.path.stem}: names before the exercises"


def flooded_cells(messages: dict[int, int], seconds: dict[int, float]) -> list[str]:
    """The code cells that sent more kernel messages than their run time allows."""
    return [
        f"code cell {cell}: {n} messages in {seconds.get(cell, 0):.0f} s"
        for cell, n in sorted(messages.items())
        if n > MESSAGES_FREE + MESSAGES_PER_S * seconds.get(cell, 0)
    ]


class OutputStaysSmall(pytest.Item):
    """Every cell sent few kernel messages for its run time; the chapter's outputs are small."""

    recorder: _Recorder

    def runtest(self):
        rec, name = self.recorder, self.parent.path.stem
        flooded = flooded_cells(rec.messages, rec.cell_seconds)
        assert not flooded, (
            f"{name}: cells flooded the kernel (allowed: {MESSAGES_FREE} messages + "
            f"{MESSAGES_PER_S} per second): {flooded}"
        )
        size = sum(len(json.dumps(out)) for cell in rec.code for out in cell.outputs)
        assert size <= OUTPUT_BYTES, f"{name}: {size:,} bytes of outputs (at most {OUTPUT_BYTES:,})"

    def reportinfo(self):
        return self.path, None, f"{self.parent.path.stem}: output stays small"


class StudentVersion(pytest.Item):
    """The chapter's student version: no solution left, every stub in place, runs to the stubs."""

    def runtest(self):
        path = self.parent.path
        instructor = nbformat.read(path, as_version=4)
        student = sv.student_version(instructor, path.stem)
        _check_no_solution_left(instructor, student, path.stem)
        kernel = self.parent.kernel
        if kernel is None or not kernel.is_alive():
            pytest.fail(f"{path.stem}: the chapter's kernel died before its student version ran")
        drop = (
            f"for _n in set(globals()) - {NAMES}:\n    if not _n.startswith('_'): del globals()[_n]"
        )
        assert _run(kernel, drop)["status"] == "ok"
        start = _heading(student.cells)
        cells = [(i, c) for i, c in enumerate(student.cells) if i > start and c.cell_type == "code"]
        errors = []
        for i, cell in cells:
            content = _run(kernel, cell.source)
            if content["status"] == "error":
                errors.append((i, content["ename"], content["evalue"]))
        assert errors, f"{path.stem}: the student version raised nothing: is a solution left in?"
        stubs = [i for i, c in cells if "raise NotImplementedError" in c.source]
        assert stubs, f"{path.stem}: no exercise cell of the student version has a stub"
        assert errors[0][0] >= stubs[0], (
            f"{path.stem}: student cell {errors[0][0]} failed before the first stub "
            f"(cell {stubs[0]}): {errors[0][1]}: {errors[0][2]}"
        )
        wrong = [e for e in errors if e[1] != "NotImplementedError"]
        assert not wrong, (
            f"{path.stem}: the student version fails otherwise than at a stub: {wrong}"
        )

    def reportinfo(self):
        return self.path, None, f"{self.parent.path.stem}: student version"


def _heading(cells) -> int:
    found = [
        i
        for i, c in enumerate(cells)
        if c.cell_type == "markdown" and c.source.startswith(EXERCISES)
    ]
    if len(found) != 1:
        raise ValueError(f"a chapter has one '{EXERCISES}' heading, found {len(found)}")
    return found[0]


def _check_no_solution_left(instructor, student, name: str) -> None:
    start_i, start_s = _heading(instructor.cells), _heading(student.cells)
    before = [c.source for c in instructor.cells[:start_i]]
    assert before == [c.source for c in student.cells[:start_s]], (
        f"{name}: the student version changes cells before the exercises (nbval ran the originals)"
    )
    text = "\n".join(c.source for c in student.cells)
    for marker in (
        "### BEGIN SOLUTION",
        "### END SOLUTION",
        "### BEGIN HIDDEN TESTS",
        ":::{solution}",
    ):
        assert marker not in text, f"{name}: {marker!r} is in the student version"
    written = {c.source for c in instructor.cells if sv.is_written_solution(c)}
    assert not written & {c.source for c in student.cells}, f"{name}: a written solution is left"
    for cell in student.cells:
        if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution"):
            assert cell.source == sv.TEXT_STUB, f"{name}: an answer cell is not {sv.TEXT_STUB!r}"
    blocks = [b for c in instructor.cells if c.cell_type == "code" for b in _solutions(c.source)]
    for block in blocks:
        assert block not in text, f"{name}: a solution is still in the student version:\n{block}"
    by_id = {c.get("id"): c for c in student.cells}
    for cell in instructor.cells:
        found = _solutions(cell.source) if cell.cell_type == "code" else []
        if not found or sv.is_written_solution(cell):
            continue
        assert cell.get("id") in by_id, f"{name}: an exercise cell is missing: {cell.source[:80]}"
        stub = "raise NotImplementedError"
        inside = sum(b.count(stub) for b in found)
        stubs = by_id[cell.get("id")].source.count(stub) - (cell.source.count(stub) - inside)
        assert stubs == len(found), f"{name}: {len(found)} solutions but {stubs} stubs in a cell"
    assert blocks, f"{name}: no ### BEGIN SOLUTION in the chapter"
    for cell in student.cells:
        if cell.cell_type == "code":
            compile(cell.source, f"{name} (student)", "exec")  # a stub leaves valid Python


def _solutions(source: str) -> list[str]:
    """The code between each ### BEGIN SOLUTION and ### END SOLUTION."""
    blocks, current = [], None
    for line in source.splitlines():
        if line.strip() == "### BEGIN SOLUTION":
            current = []
        elif line.strip() == "### END SOLUTION":
            blocks.append("\n".join(current).strip("\n"))
            current = None
        elif current is not None:
            current.append(line)
    return [b for b in blocks if b.strip()]


KERNEL_STARTS = 3  # tries at starting a chapter's kernel


def _retrying(start):
    """nbval's kernel start, tried again when the kernel dies before it answers.

    A fresh clone's `make test` once lost chapter 8 whole to "Kernel died before replying to
    kernel_info" (its 28 cells errored at setup; the same commit's other runs started it): a
    kernel that cannot start says nothing about the chapter, so its start is tried again.
    """

    def start_new_kernel(*args, **kwargs):
        for attempt in range(1, KERNEL_STARTS + 1):
            try:
                return start(*args, **kwargs)
            except RuntimeError:
                if attempt == KERNEL_STARTS:
                    raise
                time.sleep(2 * attempt)
        raise AssertionError("unreachable")

    return start_new_kernel


class ChapterRuns:
    """The pytest plugin: executed notebooks for the book, and the student checks."""

    def __init__(self):
        self.recorders: dict[Path, _Recorder] = {}
        nbval.kernel.start_new_kernel = _retrying(nbval.kernel.start_new_kernel)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, session, config, items):
        chapters, others, second = {}, [], []
        for item in items:
            if isinstance(item, IPyNbCell):
                chapters.setdefault(item.parent, []).append(item)
            else:
                (second if item.get_closest_marker(SECOND) else others).append(item)
        blocks = {}  # a chapter's file name: its cells and the checks added around them
        for file, cells in chapters.items():
            recorder = self.recorders[file.path] = _Recorder(file.path)
            file.get_kernel_message = recorder.tee(file.get_kernel_message)
            index = {id(c): i for i, c in enumerate(file.nb.cells)}
            start = _heading(file.nb.cells)
            first = next((c for c in cells if index[id(c.cell)] > start), None)
            block = blocks[file.path.name] = []
            for cell in cells:
                if cell is first:
                    block.append(ExercisesBegin.from_parent(file, name="exercises begin"))
                block.append(cell)
            small = OutputStaysSmall.from_parent(file, name="output stays small")
            small.recorder = recorder
            block.append(small)
            if first is not None:
                block.append(StudentVersion.from_parent(file, name="student version"))
        head, tail = blocks.pop(LONGEST, []), blocks.pop(LAST, [])
        middle = [item for name in sorted(blocks, reverse=True) for item in blocks[name]]
        items[:] = head + second + middle + tail + others

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        recorder = self.recorders.get(item.path) if isinstance(item, IPyNbCell) else None
        if recorder is not None:
            recorder.cell, recorder.msg_id = item.cell_num, None
            recorder.client.clear_before_next_output = False  # as nbclient starts each cell
            # nbclient answers an ipywidgets Output widget's messages, as a browser would
            recorder.client.kc = item.parent.kernel.kc
        start = time.perf_counter()
        outcome = yield
        if recorder is not None:
            recorder.seconds += time.perf_counter() - start
            recorder.cell_seconds[item.cell_num] = time.perf_counter() - start
            if outcome.excinfo is None:
                recorder.passed.add(item.cell_num)
            recorder.cell = None

    def pytest_runtest_teardown(self, item, nextitem):
        recorder = self.recorders.get(item.path)
        if recorder is not None and getattr(nextitem, "path", None) != item.path:
            recorder.write()  # the chapter's last item: its kernel is still running, then stops
