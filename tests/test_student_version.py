"""tools/student_version.py: solutions out, hidden tests out, nothing else touched."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

TOOLS = Path(__file__).resolve().parents[1] / "tools"
sys.path.insert(0, str(TOOLS))
_spec = importlib.util.spec_from_file_location("student_version", TOOLS / "student_version.py")
sv = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sv)

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
        [sys.executable, str(TOOLS / "student_version.py"), "--out", str(tmp_path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    chapters = sorted(p.name for p in (TOOLS.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == chapters
    assert done.stdout.count(".ipynb") == len(chapters)
    for name in chapters:
        text = (tmp_path / name).read_text()
        assert "### BEGIN SOLUTION" not in text and "### BEGIN HIDDEN TESTS" not in text
        nb = nbformat.read(tmp_path / name, as_version=4)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
