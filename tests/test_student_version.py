"""teaching/student_version.py: solutions out, hidden tests out, nothing else touched."""

import ast
import re
import subprocess
import sys

import nbformat
import pytest

import ganlib
from checkout import ROOT, chapters
from teaching import student_version as sv

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
CHECK = """\
# The instructor's version checks the model answer here.
### BEGIN HIDDEN TESTS
assert abs(2 * math.log(0.5) + math.log(4)) < 1e-12
### END HIDDEN TESTS"""


def notebook():
    nb = nbformat.v4.new_notebook()
    ran = nbformat.v4.new_code_cell("x = 1", execution_count=1)
    ran.outputs = [nbformat.v4.new_output("stream", text="1\n")]
    experiment = nbformat.v4.new_code_cell("plot_solution()")
    experiment.metadata["tags"] = ["solution", "hide-input"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 1. Title"),
        ran,
        nbformat.v4.new_markdown_cell(
            "## Exercises\n\n:::{exercise} Derivation: V at D = ½\n:label: ex-a\n:::"
        ),
        nbformat.v4.new_markdown_cell(":::{solution} ex-a\n:class: dropdown\nlog ½ + log ½\n:::"),
        nbformat.v4.new_code_cell(CHECK),
        nbformat.v4.new_markdown_cell(":::{exercise} Implementation: V\n:label: ex-b\n:::"),
        nbformat.v4.new_code_cell(EXERCISE),
        nbformat.v4.new_code_cell(TESTS),
        nbformat.v4.new_markdown_cell(":::{exercise} Experiment: V by sampling\n:label: ex-c\n:::"),
        experiment,
        nbformat.v4.new_markdown_cell(":::{solution} ex-c\n:class: dropdown\nabout 0.3\n:::"),
    ]
    return nb


def test_student_version():
    student = sv.student_version(notebook(), "ch")
    sources = [c.source for c in student.cells]
    assert len(student.cells) == 11  # every cell stays, as in nbgrader's release
    assert sources[0] == "# 1. Title" and sources[1] == "x = 1"
    assert sources[3] == sources[10] == "YOUR ANSWER HERE"  # the written answers' places
    assert sources[4] == "# The instructor's version checks the model answer here."
    assert sources[6] == (
        'def my_v(d_real, d_fake):\n    """V(D, G) on a minibatch."""\n'
        "    # YOUR CODE HERE\n    raise NotImplementedError()"
    )
    assert sources[7] == "check_value_function(my_v)"
    assert sources[9] == "# YOUR CODE HERE\nraise NotImplementedError()"  # the experiment's code
    assert student.cells[1].outputs == [] and student.cells[1].execution_count is None
    joined = "\n".join(sources)
    assert "torch.log" not in joined and "HIDDEN" not in joined and "SOLUTION" not in joined
    assert "log ½ + log ½" not in joined and "plot_solution" not in joined
    assert "math.log(4)" not in joined and "about 0.3" not in joined


def test_instructor_version_untouched():
    nb = notebook()
    before = nbformat.writes(nb)
    sv.student_version(nb, "ch")
    assert nbformat.writes(nb) == before


def test_an_implementation_asks_for_no_prose():
    # Issue 23: a written solution under an implementation became a 1-point "YOUR ANSWER HERE"
    # cell that asked for prose nobody requested; its explanation belongs in the code.
    nb = notebook()
    nb.cells.insert(
        8, nbformat.v4.new_markdown_cell(":::{solution} ex-b\n:class: dropdown\nx\n:::")
    )
    with pytest.raises(ValueError, match="implementation's explanation goes in its solution"):
        sv.mark_for_nbgrader(nb, "01_ch")


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
        [sys.executable, "-m", "teaching.student_version", "--out", str(tmp_path)],
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
    kinds = dict(zip(labels, (t.split(":", 1)[0] for t in titles), strict=True))
    for label, kind in kinds.items():
        # A derivation and an experiment have one written answer, folded on the website; an
        # implementation none (its explanation is in its solution code, folded too).
        ours = [s for s in solutions if s.lstrip().startswith(f":::{{solution}} {label}")]
        want = 0 if kind == "Implementation" else 1
        assert len(ours) == want, f"{path.stem}: {label} has {len(ours)} written solutions"
        assert all(":class: dropdown" in s for s in ours), f"{path.stem}: {label}"
    graded = [c for c in nb.cells if "### BEGIN SOLUTION" in c.get("source", "")]
    assert graded, f"{path.stem}: the implementation exercise has no ### BEGIN SOLUTION cell"
    assert all("hide-input" in c.metadata.get("tags", []) for c in graded), path.stem
    setup = [c for c in nb.cells[: sv.heading(nb)] if sv.SETUP_TAG in c.metadata.get("tags", [])]
    assert setup, f"{path.stem}: no cell tagged {sv.SETUP_TAG} for grading to run first"
    # nbgrader's metadata (make notebooks sets it), so that nbgrader's own release clears every
    # solution: answer cells are cleared, hidden tests stripped from locked grade cells.
    assert nb == sv.mark_for_nbgrader(nbformat.from_dict(nb), path.stem), "run make notebooks"
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader")
        solution_text = sv.is_written_solution(cell) or "### BEGIN SOLUTION" in cell.source
        if solution_text:
            assert meta and meta["solution"] is True, f"{path.stem} cell {i}: run make notebooks"
        if "### BEGIN HIDDEN TESTS" in cell.source:
            assert meta and meta["grade"] and meta["locked"], (path.stem, i)
        if meta and meta["solution"]:
            assert solution_text, (
                f"{path.stem} cell {i}: nbgrader would clear a cell with no answer"
            )
    tests = [p for gid, p, auto in sv.points(nb) if gid.endswith("-tests")]
    assert tests and all(p > 0 for p in tests), f"{path.stem}: implementation tests earn points"
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids)), f"{path.stem}: grade_ids repeat"


# That each chapter's student version runs up to its stubs, in the Colab-like kernel, is checked
# in nbval's run of the chapter itself (tests/chapter_runs.py: `pytest --nbval`), so that no
# chapter is trained a second time for it.


def test_mark_for_nbgrader():
    nb = sv.mark_for_nbgrader(notebook(), "01_ch")
    meta = [c.metadata.get("nbgrader") for c in nb.cells]
    assert meta[:3] == [None, None, None]  # prose, code and the prompts stay as they are
    assert meta[3]["grade_id"] == "ex-a-answer" and meta[3]["solution"] and meta[3]["points"] == 3
    assert meta[4]["grade_id"] == "ex-a-check" and meta[4]["locked"] and meta[4]["points"] == 0
    assert meta[6]["grade_id"] == "ex-b" and meta[6]["solution"] and not meta[6]["grade"]
    assert meta[7]["grade_id"] == "ex-b-tests" and meta[7]["locked"] and meta[7]["points"] == 3
    assert meta[9]["grade_id"] == "ex-c-code" and meta[9]["solution"] and not meta[9]["grade"]
    assert meta[10]["grade_id"] == "ex-c-answer" and meta[10]["points"] == 3
    assert sv.points(nb) == [("ex-a-answer", 3, False), ("ex-a-check", 0, True),
                             ("ex-b-tests", 3, True), ("ex-c-answer", 3, False)]  # fmt: skip


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_hidden_tests_are_independent_of_ganlib(path):
    """Issue 23: the hidden tests compared students' answers with the ganlib function that solves
    the exercise, so calling it earned the points. They now compare with numpy, scipy or sums
    written out."""
    nb = nbformat.read(path, as_version=4)
    imported = set()  # the names the chapter imports from ganlib
    for cell in nb.cells[: sv.heading(nb)]:
        if cell.cell_type == "code":
            for node in ast.walk(ast.parse(cell.source)):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ganlib"):
                    imported |= {alias.asname or alias.name for alias in node.names}
    assert imported, path.stem
    # Inputs may be built with ganlib (ring(), Gaussian): what must not appear is a function of
    # the modules that compute answers.
    answers = (
        "ganlib.theory",
        "ganlib.losses",
        "ganlib.metrics",
        "ganlib.images",
        "ganlib.algorithm1",
        "ganlib.training",
    )
    imported = {
        n for n in imported if getattr(getattr(ganlib, n, None), "__module__", "") in answers
    }
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("grade_id", "").endswith("-tests"):
            continue
        hidden = cell.source.split("### BEGIN HIDDEN TESTS", 1)[1].split("### END HIDDEN TESTS")[0]
        names = set(re.findall(r"[A-Za-z_][A-Za-z_0-9.]*", hidden))
        # (ganlib.coursework, the checks' own code, may run the student's function: it computes
        # no answer.)
        found = [
            n for n in names if n.startswith("ganlib") and not n.startswith("ganlib.coursework")
        ]
        assert not found, (path.stem, meta["grade_id"], found)
        assert not names & imported, (path.stem, meta["grade_id"], names & imported)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_students_are_not_told_the_solution_follows(path):
    """Issue 23: the exercises' preamble said the solution follows right after, in the student
    version too (where it does not)."""
    student = sv.student_version(nbformat.read(path, as_version=4), path.stem)
    text = " ".join(c.source.replace("\n", " ") for c in student.cells if c.cell_type == "markdown")
    for phrase in ("follows right after", "stop reading", "stop there"):
        assert phrase not in text, f"{path.stem}: {phrase!r} in the student version"


def test_instructor_guide_points_table_matches_the_notebooks():
    text = (ROOT / "book" / "instructor.md").read_text()
    table = text.split("## Points", 1)[1].split("\n\n", 2)[2].split("\n\n", 1)[0]
    listed = dict(re.findall(r"(ex-[\w-]+): (\d+)", table))
    actual = {}
    for path in CHAPTERS:
        for gid, pts, _ in sv.points(nbformat.read(path, as_version=4)):
            if pts:
                actual[gid.rsplit("-", 1)[0]] = str(pts)
    assert listed == actual
    total = sum(int(p) for p in actual.values())
    assert f"{total} points in all" in text


def test_chapter_5_has_the_student_write_algorithm_1():
    """Issue 23: chapter 5 handed Algorithm 1 over; now the student writes its iteration."""
    nb = nbformat.read(next(p for p in CHAPTERS if p.stem.startswith("05")), as_version=4)
    kinds = {label: kind for _, kind, label in sv.exercises(nb)}
    assert kinds.get("ex-05-step") == "Implementation"
    tests = [
        c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex-05-step-tests"
    ]
    assert len(tests) == 1 and "check_training_step(my_training_step)" in tests[0].source
    student = sv.student_version(nb, "05")
    answer = next(
        c for c in student.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex-05-step"
    )
    assert "opt_d.step()" not in answer.source and "raise NotImplementedError()" in answer.source


def test_the_korean_chapters_give_the_same_exercises_and_points():
    """`make student` writes student/ko/ too: the same graded cells, ids and points."""
    for path in chapters():
        korean = ROOT / "ko" / "notebooks" / path.name
        ours = sv.student_version(nbformat.read(korean, as_version=4), path.stem)
        english = sv.student_version(nbformat.read(path, as_version=4), path.stem)
        assert sv.points(ours) == sv.points(english), path.stem
        assert [k for _, k, _ in sv.exercises(ours)] == [k for _, k, _ in sv.exercises(english)]


def test_an_exercise_title_without_a_kind_is_refused_by_name():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(":::{exercise} Think about it\n:label: ex-x\n:::")]
    with pytest.raises(ValueError, match=r"'Think about it' starts with no kind.*Derivation"):
        sv.exercises(nb)
