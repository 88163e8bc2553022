"""Hostile submissions to `make grade`, each written as a student of the class would write it.

Each is chapter 1's release with its answer cell replaced by the attack (and, where it says so, an
answer). They run beside honest classmates; none may change anyone's marks or files, and each gets
its own row. The sandbox (teaching/sandbox.py) needs Debian's bubblewrap: `make test` installs it,
and under CI=true these tests fail without it instead of being skipped.
"""

from __future__ import annotations

import ast
import hashlib
import os
import socket
import threading
from pathlib import Path

import nbformat
import pytest
from test_grading import MODEL_V, _chapter_1_with, _grade, _without_markers

from checkout import ROOT
from teaching import sandbox

pytestmark = pytest.mark.coursework

WHY = sandbox.unavailable()
if WHY and os.environ.get("CI"):
    raise RuntimeError(f"CI=true and no sandbox for make grade: {WHY}")
needs_sandbox = pytest.mark.skipif(WHY is not None, reason=f"no sandbox: {WHY}")

RIGHT = _without_markers(MODEL_V)
WRONG = "def my_value_function(d_real, d_fake):\n    return d_real.mean() * 0 + 42"

# Attack 2 of the issue: find the grader on /proc, and overwrite every notebook under its
# command line's folders and its working folder with a wrong answer.
REWRITE = r"""
import json, os, pathlib
wrong = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
seen = []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        args = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        places = [a.decode() for a in args if a.startswith(b"/")] + [os.readlink(f"/proc/{pid}/cwd")]
    except OSError:
        continue
    for place in places:
        for nb in pathlib.Path(place).rglob("*.ipynb") if pathlib.Path(place).is_dir() else []:
            try:
                nb.write_text(json.dumps(wrong)); seen.append(str(nb))
            except OSError:
                pass
for nb in TARGETS:  # the paths, as a classmate who knows the course's layout would guess them
    try:
        pathlib.Path(nb).write_text(json.dumps(wrong)); seen.append(nb)
    except OSError:
        pass
print("rewrote", seen)
"""

# Attack 3: kill every process that looks like the grader (and, failing that, every process).
KILL = r"""
import os, signal
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        if b"teaching.grade" in open(f"/proc/{pid}/cmdline", "rb").read():
            os.kill(int(pid), signal.SIGKILL)
    except OSError:
        pass
os.kill(-1, signal.SIGKILL)
"""

# Copy the instructor's model answer out of the checkout (the chapter notebook holds it).
COPY = r"""
import json
try:
    source = json.load(open(MODEL))
    cell = next(c for c in source["cells"] if "def my_value_function" in "".join(c["source"]))
    exec("".join(l for l in cell["source"] if "###" not in l))
    print("copied the model answer")
except OSError as e:
    print("no model answer:", e)
    exec(WRONG)
"""

# Hand back a forged result: write a notebook with full marks into every open file of every
# other process (the runner's pipe to the grader among them).
FORGE = r"""
import json, os
forged = json.dumps({"status": "graded", "notebook": {"cells": [], "metadata": {},
                     "nbformat": 4, "nbformat_minor": 5}})
hits = []
for pid in filter(str.isdigit, os.listdir("/proc")):
    if int(pid) == os.getpid():
        continue
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        continue
    for fd in fds:
        try:
            with open(f"/proc/{pid}/fd/{fd}", "w") as f:
                f.write(forged); hits.append((pid, fd))
        except OSError:
            pass
print("forged into", hits)
"""

# Attack 1 of the issue: a wrong answer, with the checks and every comparison it might meet
# replaced by ones that always agree.
FAKE_CHECKS = r"""
import math
import numpy as np
import torch
import ganlib.coursework as coursework
for name in dir(coursework):
    if name.startswith("check_"):
        setattr(coursework, name, lambda *args, **kwargs: "check passed ✓")
math.isclose = np.allclose = torch.allclose = lambda *args, **kwargs: True
torch.testing.assert_close = lambda *args, **kwargs: None
"""

# Patch the builtins a test might lean on.
PATCH_BUILTINS = r"""
import builtins
builtins.float = lambda x=0: -1.3862943611198906
builtins.abs = lambda x: 0
builtins.all = builtins.any = lambda iterable: True
builtins.round = lambda x, digits=None: -1.3862943611198906
"""

# Forge the replies: the function the grader calls in the kernel replies -log 4 to everything.
FORGE_REPLIES = r"""
import math
from IPython.display import display
import ganlib.coursework.byvalue as byvalue
byvalue.serve = lambda request: display({byvalue.MIME: {"value": -math.log(4)}}, raw=True)
"""

# Return an object that is equal to everything and converts to the right number.
EQUAL_TO_ALL = r"""
class Anything:
    __eq__ = __le__ = __ge__ = lambda self, other: True
    __float__ = lambda self: -1.3862943611198906
    __bool__ = lambda self: True


def my_value_function(d_real, d_fake):
    return Anything()
"""

# An endless fork, then the network.
FORK = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
CONNECT = r"""
import socket
try:
    socket.create_connection(("127.0.0.1", PORT), timeout=5).sendall(b"answers")
    print("connected")
except OSError as e:
    print("no network:", e)
"""


def _hash(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _printed(feedback: Path, student: str) -> str:
    nb = nbformat.read(feedback / student / "01_value_function.ipynb", as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


@needs_sandbox
def test_hostile_submissions_change_no_ones_marks_or_files(tmp_path):
    folder = tmp_path / "submitted"
    chapters_before = _hash(ROOT / "notebooks")
    victims = [f"victim{i}" for i in range(2)]  # graded before and after the attackers
    targets = [str(folder / v / "01_value_function.ipynb") for v in victims]
    targets += [str(ROOT / "notebooks" / "01_value_function.ipynb")]
    targets += [str(tmp_path / "feedback" / v / "01_value_function.ipynb") for v in victims]
    listener = socket.create_server(("127.0.0.1", 0))
    received = []
    threading.Thread(
        target=lambda: received.append(listener.accept()), daemon=True
    ).start()  # anything that reaches it is recorded
    model = ROOT / "notebooks" / "01_value_function.ipynb"
    answers = {
        "victim0": RIGHT,
        "a_rewriter": f"TARGETS = {targets!r}\n{REWRITE}\n{RIGHT}",
        "b_killer": KILL,
        "c_copier": f"MODEL = {str(model)!r}\nWRONG = {WRONG!r}\n{COPY}",
        "d_forger": f"{FORGE}\n{WRONG}",
        "e_networker": f"PORT = {listener.getsockname()[1]}\n{CONNECT}\n{WRONG}",
        "f_faker": f"{FAKE_CHECKS}\n{WRONG}",
        "g_builtins": f"{PATCH_BUILTINS}\n{WRONG}",
        "h_points": WRONG,  # with its answer cell's metadata claiming 100 points (below)
        "i_replier": f"{FORGE_REPLIES}\n{WRONG}",
        "j_equal": EQUAL_TO_ALL,
        "victim1": RIGHT,
    }
    for student, answer in answers.items():
        (folder / student).mkdir(parents=True)
        nb = _chapter_1_with(answer)
        if student == "h_points":
            cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
            cell.metadata.nbgrader.update(grade=True, points=100, solution=False)
        nbformat.write(nb, folder / student / "01_value_function.ipynb")
    before = _hash(folder)
    rows = _grade(folder, "--timeout", "120")
    assert _hash(folder) == before  # every submission byte for byte as handed in
    assert _hash(ROOT / "notebooks") == chapters_before  # the instructor's chapters too
    assert sorted(rows) == sorted(answers)  # the run completed: a row for everyone
    for victim in victims:
        assert rows[victim]["status"] == "graded", rows[victim]
        assert rows[victim]["total"] == rows[victim]["max"] == "3", rows[victim]
    feedback = tmp_path / "feedback"
    rewrote = _printed(feedback, "a_rewriter").split("rewrote ", 1)[1].split("\n", 1)[0]
    rewrote = ast.literal_eval(rewrote)
    assert all(p.startswith(f"{sandbox.WORK}/") for p in rewrote), rewrote  # only its own copy
    assert rows["a_rewriter"]["total"] == "3"  # (its own answer was right)
    assert rows["b_killer"]["total"] == "0", rows["b_killer"]  # killed only its own sandbox
    assert "no model answer" in _printed(feedback, "c_copier")
    assert rows["c_copier"]["total"] == "0", rows["c_copier"]
    assert rows["d_forger"]["total"] == "0", rows["d_forger"]
    assert "forged into []" in _printed(feedback, "d_forger")
    assert rows["e_networker"]["total"] == "0" and not received
    assert "no network" in _printed(feedback, "e_networker")
    # The verdicts are reached outside the kernel: the wrong answer fails as it would honestly.
    honest = "V at D = ½ everywhere should be -1.386, yours is 42. It matches none of the usual"
    for faker in ("f_faker", "h_points"):
        assert rows[faker]["status"] == "graded" and rows[faker]["max"] == "3", rows[faker]
        assert rows[faker]["total"] == "0" and honest in rows[faker]["first failure"], rows[faker]
    for faker in ("g_builtins", "i_replier", "j_equal"):
        assert rows[faker]["status"] == "graded" and rows[faker]["total"] == "0", rows[faker]
    assert "should be 0, yours is -1.386" in rows["i_replier"]["first failure"]  # (a perfect D)
    assert "returned a Anything" in rows["j_equal"]["first failure"]
    listener.close()


@needs_sandbox
def test_an_endless_fork_stops_in_its_own_sandbox(tmp_path):
    with sandbox.pids_cgroup(f"ganlib-test-{os.getpid()}") as group:
        if group is None:
            pytest.skip("no pids cgroup can be made here (not root): an endless fork is not capped")
    folder = tmp_path / "submitted"
    for student, answer in (("forker", FORK), ("victim", RIGHT)):
        (folder / student).mkdir(parents=True)
        nbformat.write(_chapter_1_with(answer), folder / student / "01_value_function.ipynb")
    rows = _grade(folder, "--timeout", "60", "--cell-timeout", "10")
    assert rows["forker"]["total"] == "0", rows["forker"]
    assert rows["victim"]["total"] == rows["victim"]["max"] == "3", rows["victim"]


@needs_sandbox
def test_a_flood_of_output_stops_at_its_cap(tmp_path):
    # 8 MB printed, then a 6 MB file (refused: EFBIG), against a cap of 4 MB: its row says so.
    # (Without the caps on its folder and /tmp, the filler wrote 128 MB, in the grader's RAM.)
    flood = "print('x' * 8_000_000)\nopen('big', 'wb').write(b'0' * 6 * 2**20)\n" + RIGHT
    # Many files of 1 MB, each under the cap, in its folder and in /tmp: in all, at most the cap.
    fill = r"""
written = 0
for folder in (".", "/tmp"):
    for i in range(64):
        try:
            with open(f"{folder}/fill{i}", "wb") as f:
                f.write(b"0" * 2**20)
            written += 1
        except OSError:
            break
print("wrote", written, "MB")
"""
    folder = tmp_path / "submitted"
    for student, answer in (("flooder", flood), ("filler", fill + RIGHT), ("victim", RIGHT)):
        (folder / student).mkdir(parents=True)
        nbformat.write(_chapter_1_with(answer), folder / student / "01_value_function.ipynb")
    rows = _grade(folder, "--max-output-mb", "4")
    assert rows["flooder"]["status"] == "grading failed: its output reached --max-output-mb (4)"
    assert rows["flooder"]["total"] == "0", rows["flooder"]
    assert rows["filler"]["total"] == rows["filler"]["max"] == "3", rows["filler"]  # graded
    nb = nbformat.read(tmp_path / "feedback" / "filler" / "01_value_function.ipynb", as_version=4)
    printed = "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )
    assert 0 < int(printed.split("wrote ", 1)[1].split(" MB")[0]) <= 2 * 4, printed
    assert rows["victim"]["total"] == rows["victim"]["max"] == "3", rows["victim"]


def test_without_a_sandbox_nothing_is_graded_unless_told(tmp_path, monkeypatch):
    from teaching import grade

    monkeypatch.setattr(sandbox, "unavailable", lambda: "bwrap is not installed (a test)")
    (tmp_path / "submitted").mkdir()
    with pytest.raises(SystemExit) as stopped:
        grade.main([str(tmp_path / "submitted"), "--out", str(tmp_path / "grades.csv")])
    assert stopped.value.code == 2 and not (tmp_path / "grades.csv").exists()


def test_only_outputs_come_back_from_the_sandbox():
    """A forged notebook cannot add cells, change a test cell or raise its points."""
    from teaching.grade import _outputs_onto

    graded = {"grade": True, "grade_id": "t", "points": 3, "solution": False}
    sent = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("assert answer() == 2", metadata={"nbgrader": graded})]
    )
    back = nbformat.from_dict(sent)
    back.cells[0].metadata.nbgrader["points"] = 300
    back.cells[0].execution_count = 1
    kept = _outputs_onto(sent, back)
    assert kept.cells[0].metadata.nbgrader["points"] == 3 and kept.cells[0].execution_count == 1
    for forged in ("pass", None):
        back = nbformat.from_dict(sent)
        if forged is None:
            back.cells.append(nbformat.v4.new_code_cell("pass"))
        else:
            back.cells[0].source = forged
        with pytest.raises(ValueError, match="not the one sent"):
            _outputs_onto(sent, back)
