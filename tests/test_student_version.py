"""tools/student_version.py: solutions out, hidden tests out, nothing else touched."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tools import student_version as sv
from tools.chapters import chapters

ROOT = Path(__file__).resolve().parents[1]

EXERCISE = """\
def my_v(d_real, d_fake):
    \"\"\"V(D, G) on a minibatch.\"\"\"
    ### BEGIN SOLUTION
    a = torch.log(d_real).mean()
    return a + torch.log(1 - d_fake).mean()
    ### END SOLUTION
"""
TESTS = """\
check_value_function(my_v)
### BEGIN HIDDEN TESTS
assert abs(my_v(torch.tensor([0.5]), torch.tensor([0.5])) + 1.386) < 1e-3
### END HIDDEN TESTS
"""


def notebook():
    nb = nbformat.v4.new_notebook()
    ran = nbformat.v4.new_code_cell("x = 1", execution_count=1)
    ran.outputs = [nbformat.v4.new_output("stream", text="1\n")]
    tagged = nbformat.v4.new_code_cell("plot_solution()")
    tagged.metadata["tags"] = ["solution", "hide-input"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 1. Title"),
        ran,
        nbformat.v4.new_markdown_cell(":::{exercise} Derive V at D = ½\n:label: ex-a\n:::"),
        nbformat.v4.new_markdown_cell(":::{solution} ex-a\n:class: dropdown\nlog ½ + log ½\n:::"),
        nbformat.v4.new_code_cell(EXERCISE),
        nbformat.v4.new_code_cell(TESTS),
        tagged,
    ]
    return nb


def test_student_version():
    student = sv.student_version(notebook(), "ch")
    sources = [c.source for c in student.cells]
    assert len(student.cells) == 5  # the written solution and the tagged cell are gone
    assert sources[0] == "# 1. Title" and sources[1] == "x = 1"
    assert sources[2].startswith(":::{exercise}")
    assert sources[3] == (
        'def my_v(d_real, d_fake):\n    """V(D, G) on a minibatch."""\n    raise NotImplementedError'
    )
    assert sources[4] == "check_value_function(my_v)"
    assert student.cells[1].outputs == [] and student.cells[1].execution_count is None
    joined = "\n".join(sources)
    assert "torch.log" not in joined and "HIDDEN" not in joined and "SOLUTION" not in joined
    assert "log ½ + log ½" not in joined and "plot_solution" not in joined


def test_instructor_version_untouched():
    nb = notebook()
    before = nbformat.writes(nb)
    sv.student_version(nb, "ch")
    assert nbformat.writes(nb) == before


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("### BEGIN SOLUTION\nx = 1\n", "BEGIN SOLUTION has no END SOLUTION"),
        ("x = 1\n### END SOLUTION\n", "END SOLUTION without BEGIN SOLUTION"),
        ("### BEGIN SOLUTION\n### BEGIN HIDDEN TESTS\n", "BEGIN HIDDEN TESTS inside SOLUTION"),
        ("### BEGIN HIDDEN TESTS\nx\n### END SOLUTION\n", "END SOLUTION without BEGIN"),
    ],
)
def test_unpaired_markers_are_errors(source, message):
    with pytest.raises(sv.MarkerError, match=message):
        sv.strip_code(source, "ch, cell 4")


def test_command_writes_every_chapter(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "tools.student_version", "--out", str(tmp_path)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    names = [p.name for p in chapters()]
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == names
    assert done.stdout.count(".ipynb") == len(names)
    for name in names:
        text = (tmp_path / name).read_text()
        assert "### BEGIN SOLUTION" not in text and "### BEGIN HIDDEN TESTS" not in text
        nb = nbformat.read(tmp_path / name, as_version=4)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


CHAPTERS = chapters()
KINDS = ("Derivation:", "Implementation:", "Experiment:")


def exercises(nb):
    return [c.source for c in nb.cells if c.cell_type == "markdown" and ":::{exercise}" in c.source]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_ends_with_exercises(path):
    nb = nbformat.read(path, as_version=4)
    found = exercises(nb)  # every chapter, including any added later
    titles = [s.split(":::{exercise}", 1)[1].split("\n", 1)[0].strip() for s in found]
    for kind in KINDS:
        assert any(t.startswith(kind) for t in titles), f"{path.stem}: no '{kind}' exercise"
    labels = [s.split(":label:", 1)[1].split("\n", 1)[0].strip() for s in found]
    solutions = [
        c.source for c in nb.cells if c.cell_type == "markdown" and ":::{solution}" in c.source
    ]
    for label in labels:  # every exercise has a written solution, folded on the website
        ours = [s for s in solutions if s.lstrip().startswith(f":::{{solution}} {label}")]
        assert len(ours) == 1 and ":class: dropdown" in ours[0], f"{path.stem}: {label}"
    graded = [c for c in nb.cells if "### BEGIN SOLUTION" in c.get("source", "")]
    assert graded, f"{path.stem}: the implementation exercise has no ### BEGIN SOLUTION cell"
    # nbgrader's metadata (make notebooks sets it), so that nbgrader's own release clears every
    # solution: answer cells are cleared, hidden tests stripped from locked grade cells.
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader")
        solution_text = sv.is_written_solution(cell) or "### BEGIN SOLUTION" in cell.source
        if solution_text:
            assert meta and meta["solution"] is True, f"{path.stem} cell {i}: run make notebooks"
        if "### BEGIN HIDDEN TESTS" in cell.source:
            assert meta and meta["grade"] and meta["locked"] and meta["points"] > 0, i
        if meta and meta["solution"]:
            assert solution_text, (
                f"{path.stem} cell {i}: nbgrader would clear a cell with no answer"
            )
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids)), f"{path.stem}: grade_ids repeat"


# That each chapter's student version runs up to its stubs, in the Colab-like kernel, is checked
# in nbval's run of the chapter itself (tests/chapter_runs.py: `pytest --nbval`), so that no
# chapter is trained a second time for it.


def test_mark_for_nbgrader():
    nb = sv.mark_for_nbgrader(notebook(), "01_ch")
    meta = [c.metadata.get("nbgrader") for c in nb.cells]
    assert meta[:3] == [None, None, None]  # prose, code and the exercise text stay as they are
    assert meta[3]["grade_id"] == "ex-a-answer" and meta[3]["solution"] and meta[3]["points"] == 1
    assert meta[4]["grade_id"] == "ch01-ex1" and meta[4]["solution"] and not meta[4]["grade"]
    assert meta[5]["grade_id"] == "ch01-ex1-tests" and meta[5]["locked"] and meta[5]["points"] == 2
    assert meta[6]["grade_id"] == "ch01-code1" and meta[6]["solution"]
