"""Grading the coursework, both ways, on every chapter: nbgrader's real round trip and `make grade`.

Three submissions of each chapter, made from nbgrader's own release (``generate_assignment``):
  (a) the model answers filled in → every autograded point (the experiments' code is left as
      released: it earns no automatic point, and nbval runs it with the chapter);
  (b) the release untouched → no autograded point;
  (c) the model answers with one known mistake in one implementation → only that exercise loses
      its points.
Each set goes through ``nbgrader autograde`` (with teaching/nbgrader_config.py) and through
``teaching.grade`` (`make grade`, no nbgrader), and both must give the same points per cell.
"""

from __future__ import annotations

import ast
import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from checkout import ROOT, chapters
from teaching import sandbox
from teaching import student_version as sv

pytestmark = pytest.mark.coursework

# Graded in the sandbox where it can run; elsewhere (not root, no bwrap) without it, except
# under CI=true, where make test installs it (tests/test_grading_sandbox.py fails without it).
UNSANDBOXED = ("--unsandboxed",) if sandbox.unavailable() and not os.environ.get("CI") else ()

# One mistake per chapter: (the answer cell's grade id, the wrong solution, in place of the model's).
MISTAKES = {
    "01": ("ex-01-value", "    return d_real.mean() + (1 - d_fake).mean()  # no log"),
    "02": ("ex-02-dstar", "    return p_g / (p_data + p_g)  # 1 - D*"),
    "03": ("ex-03-jsd", "    return torch.sum(p * torch.log(p / q))  # KL(p || q)"),
    "04": (
        "ex-04-costs",
        "    d = torch.sigmoid(fake_logits)  # sigma before the log\n"
        "    return torch.log(1 - d).mean() if kind == 'minimax' else -torch.log(d).mean()",
    ),
    "05": (
        "ex-05-step",
        "    z = noise(m)\n"
        "    for _ in range(k):\n"
        "        x = data(m)\n"
        "        d_loss = my_discriminator_loss(D(x), D(G(z).detach()))\n"
        "        opt_d.zero_grad()\n"
        "        d_loss.backward()\n"
        "        opt_d.step()\n"
        "    g_loss = -torch.nn.functional.logsigmoid(D(G(z))).mean()  # z reused\n"
        "    opt_g.zero_grad()\n"
        "    g_loss.backward()\n"
        "    opt_g.step()",
    ),
    "06": (
        "ex-06-coverage",
        "    d, nearest = torch.cdist(samples.double(), centers.double()).min(dim=1)\n"
        "    good = d**2 <= 3 * std  # squared distance\n"
        "    return len(torch.unique(nearest[good])), good.double().mean().item()",
    ),
    "07": (
        "ex-07-nearest",
        "    best, index = torch.cdist(samples.double(), train.double()).min(dim=1)\n"
        "    return best**2, index  # squared distances",
    ),
    "08": (
        "ex-08-parzen",
        "    sq = torch.cdist(x.double(), samples.double()) ** 2\n"
        "    k = torch.exp(-sq / (2 * sigma**2)) / (2 * math.pi * sigma**2) ** (samples.shape[1] / 2)\n"
        "    return torch.log(k.mean(dim=1))  # exp, then log",
    ),
}


def _without_markers(source: str) -> str:
    return "\n".join(
        line
        for line in source.split("\n")
        if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line
    )


def _with_mistake(source: str, wrong: str) -> str:
    a, b = source.index("### BEGIN SOLUTION"), source.index("### END SOLUTION")
    start = source.rindex("\n", 0, a) + 1
    return (
        source[:start]
        + wrong
        + source[source.index("\n", b) if "\n" in source[b:] else len(source) :]
    )


def fill(release, instructor, mistake: tuple[str, str] | None):
    """The release with the instructor's answers typed in (and one of them wrong)."""
    model = {
        c.metadata["nbgrader"]["grade_id"]: c for c in instructor.cells if "nbgrader" in c.metadata
    }
    nb = nbformat.from_dict(release)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("solution"):
            continue
        if meta["grade_id"].endswith("-code"):
            continue  # an experiment's code: read, not autograded, and nbval already runs it
        answer = model[meta["grade_id"]].source
        if mistake and meta["grade_id"] == mistake[0]:
            answer = _with_mistake(answer, mistake[1])
        cell.source = _without_markers(answer) if cell.cell_type == "code" else answer
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """An nbgrader course with every chapter released, and the three submissions of each."""
    root = tmp_path_factory.mktemp("course")
    (root / "nbgrader_config.py").write_text(
        (ROOT / "teaching" / "nbgrader_config.py").read_text()
        + f"\nc.CourseDirectory.root = {str(root)!r}\nc.Execute.timeout = 300\n"
    )
    paths = chapters([])
    for path in paths:
        (root / "source" / path.stem).mkdir(parents=True)
        shutil.copy(path, root / "source" / path.stem / path.name)
    env = {"PYTHONPATH": str(ROOT), "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"}
    for path in paths:
        subprocess.run(
            [sys.executable, "-m", "nbgrader", "generate_assignment", path.stem, "--force"],
            cwd=root, env=env, check=True, capture_output=True,
        )  # fmt: skip
    for path in paths:
        release = nbformat.read(root / "release" / path.stem / path.name, as_version=4)
        instructor = nbformat.read(path, as_version=4)
        for student, nb in (
            ("model", fill(release, instructor, None)),
            ("release", release),
            ("mistake", fill(release, instructor, MISTAKES[path.stem[:2]])),
        ):
            folder = root / "submitted" / student / path.stem
            folder.mkdir(parents=True)
            nbformat.write(nb, folder / path.name)
    return root, env, paths


def test_release_is_the_student_version(course):
    """One student version: nbgrader's release and `make student` give the same cells."""
    root, _, paths = course
    for path in paths:
        release = nbformat.read(root / "release" / path.stem / path.name, as_version=4)
        ours = sv.student_version(nbformat.read(path, as_version=4), path.stem)
        assert [c.cell_type for c in release.cells] == [c.cell_type for c in ours.cells], path.stem
        for i, (a, b) in enumerate(zip(release.cells, ours.cells, strict=True)):
            assert a.source == b.source, (
                f"{path.stem} cell {i}:\nnbgrader: {a.source!r}\nours: {b.source!r}"
            )


def nbgrader_points(root: Path, env: dict, paths) -> dict[tuple[str, str], dict[str, float]]:
    for path in paths:
        subprocess.run(
            [sys.executable, "-m", "nbgrader", "autograde", path.stem, "--create", "--force"],
            cwd=root, env=env, check=True, capture_output=True,
        )  # fmt: skip
    script = (
        "import json, sys\nfrom nbgrader.api import Gradebook\n"
        f"gb = Gradebook('sqlite:///{root}/gradebook.db')\nout = {{}}\n"
        "for a in gb.assignments:\n"
        "    for s in gb.students:\n"
        "        sub = gb.find_submission(a.name, s.id)\n"
        "        for nb in sub.notebooks:\n"
        "            out[f'{s.id}/{a.name}'] = {g.name: g.score for g in nb.grades if g.auto_score is not None}\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    import json

    return {tuple(k.split("/")): v for k, v in json.loads(done.stdout).items()}


def grade_points(root: Path, env: dict) -> dict[tuple[str, str], dict[str, float]]:
    out = root / "grades" / "grades.csv"
    subprocess.run(
        [sys.executable, "-m", "teaching.grade", str(root / "submitted"), "--out", str(out),
         *UNSANDBOXED],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    rows = list(csv.DictReader(out.open()))
    points = {}
    for row in rows:
        assert row["status"] == "graded", row
        ids = [k for k in row if k.endswith("-tests") and row[k] != ""]
        points[(row["student"], row["chapter"])] = {k: float(row[k]) for k in ids}
    return points, {(r["student"], r["chapter"]): r for r in rows}


def test_both_ways_give_the_expected_points(course):
    root, env, paths = course
    by_nbgrader = nbgrader_points(root, env, paths)
    by_us, rows = grade_points(root, env)
    for path in paths:
        instructor = nbformat.read(path, as_version=4)
        full = {gid: p for gid, p, auto in sv.points(instructor) if auto and p > 0}
        wrong_id = MISTAKES[path.stem[:2]][0] + "-tests"
        expected = {
            "model": full,
            "release": dict.fromkeys(full, 0),
            "mistake": {gid: (0 if gid == wrong_id else p) for gid, p in full.items()},
        }
        for student, want in expected.items():
            key = (student, path.stem)
            ours = by_us[key]
            theirs = {g: s for g, s in by_nbgrader[key].items() if g in full}
            assert ours == want, (
                f"make grade, {key}: {ours} != {want}: {rows[key]['first failure']}"
            )
            assert theirs == want, f"nbgrader, {key}: {theirs} != {want}"
        message = rows[("mistake", path.stem)]["first failure"]
        assert message.startswith(wrong_id), message
        assert "not answered (NotImplementedError" in rows[("release", path.stem)]["first failure"]
    assert re.search(r"forget the log", rows[("mistake", "01_value_function")]["first failure"])


def _chapter_1_with(answer: str):
    """Chapter 1's release with its implementation answered by ``answer``."""
    path = chapters(["01_value_function"])[0]
    nb = sv.student_version(nbformat.read(path, as_version=4), path.stem)
    cell = next(
        c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex-01-value"
    )
    cell.source = answer
    return nb


def _grade(folder: Path, *options: str) -> dict[str, dict]:
    out = folder.parent / "grades.csv"
    subprocess.run(
        [sys.executable, "-m", "teaching.grade", str(folder), "--out", str(out), *options,
         *UNSANDBOXED],
        cwd=ROOT, check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    return {row["student"]: row for row in csv.DictReader(out.open())}


def test_bad_submissions_get_a_row_and_never_stop_the_others(tmp_path):
    folder = tmp_path / "submitted"
    folder.mkdir()
    (folder / "garbage.ipynb").write_text("{ this is not json")
    (folder / "notes.txt").write_text("my answers are on paper")
    nbformat.write(nbformat.v4.new_notebook(), folder / "stranger.ipynb")
    answers = {
        "raiser": 'raise RuntimeError("boom")',
        "looper": "import time\ntime.sleep(10**6)  # hangs (without keeping a core busy)",
        "hog": "hog = bytearray(6 * 2**30)  # more than --memory-gb allows\n"
        + _without_markers(MODEL_V),
        "snoop": "import importlib.util as u, os\nprint('grader:', u.find_spec('teaching'), u.find_spec('checkout'))\n"
        "print('cwd', os.getcwd(), sorted(os.listdir('.')))\n" + _without_markers(MODEL_V),
    }
    for student, answer in answers.items():
        (folder / student).mkdir()
        nbformat.write(_chapter_1_with(answer), folder / student / "01_value_function.ipynb")
    rows = _grade(folder, "--cell-timeout", "20", "--memory-gb", "4")
    assert rows["garbage"]["status"].startswith("not a notebook")
    assert rows["notes"]["status"].startswith("not a notebook")
    assert rows["stranger"]["status"].startswith("matches no chapter")
    for student in ("raiser", "looper", "hog"):
        assert rows[student]["status"] == "graded" and rows[student]["total"] == "0", rows[student]
    assert "RuntimeError: boom" in rows["raiser"]["first failure"]
    hog = nbformat.read(tmp_path / "feedback" / "hog" / "01_value_function.ipynb", as_version=4)
    errors = [
        o["ename"]
        for c in hog.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert errors[0] == "MemoryError", errors  # (6 GB fit in this machine, but not in the limit)
    assert rows["snoop"]["total"] == rows["snoop"]["max"] == "3", rows["snoop"]
    executed = nbformat.read(
        tmp_path / "feedback" / "snoop" / "01_value_function.ipynb", as_version=4
    )
    printed = "".join(
        o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs
    )
    cwd = printed.split("cwd ", 1)[1].split(" ", 1)[0]
    assert not cwd.startswith(str(tmp_path)), printed  # an empty folder of its own
    assert "grader: None None" in printed, printed  # the grader's own code is not importable there
    listed = ast.literal_eval(printed.split(cwd, 1)[1].split("\n", 1)[0].strip())
    # Nothing but its own notebook (and the kernel's dot-folders: HOME is that folder too).
    assert [n for n in listed if not n.startswith(".")] == ["01_value_function.ipynb"], printed


def test_a_hung_submission_times_out(tmp_path):
    folder = tmp_path / "submitted"
    (folder / "looper").mkdir(parents=True)
    nbformat.write(
        _chapter_1_with("import time\ntime.sleep(10**6)  # hangs (without keeping a core busy)"),
        folder / "looper" / "01_value_function.ipynb",
    )
    rows = _grade(folder, "--timeout", "30", "--cell-timeout", "600")
    assert rows["looper"]["status"] == "timed out after 30 s (no result)", rows["looper"]


def test_the_process_that_runs_a_submission_never_imports_torch():
    # It starts once per submission, and only the kernel it starts needs torch (1-2 s to import).
    code = "import sys, teaching.grade; print(sorted({'torch', 'ganlib'} & set(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True
    )
    assert done.stdout.strip() == "[]", done.stdout


MODEL_V = nbformat.read(chapters(["01_value_function"])[0], as_version=4)
MODEL_V = next(
    c.source
    for c in MODEL_V.cells
    if c.metadata.get("nbgrader", {}).get("grade_id") == "ex-01-value"
)


def test_a_korean_submission_gets_korean_feedback_and_the_same_points(tmp_path):
    """The Korean chapter (ko/notebooks) is graded like the English one; its first cell makes the
    checks speak Korean, so the first failure a student reads is Korean too."""
    path = ROOT / "ko" / "notebooks" / "01_value_function.ipynb"
    release = sv.student_version(nbformat.read(path, as_version=4), path.stem)
    assert release.cells[0].source == "%env GANLIB_LANGUAGE=ko"  # kept in the student version
    folder = tmp_path / "submitted"
    for student, answer in (
        ("model", _without_markers(MODEL_V)),
        ("mistake", _with_mistake(MODEL_V, MISTAKES["01"][1])),
    ):
        nb = nbformat.from_dict(release)
        cell = next(
            c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "ex-01-value"
        )
        cell.source = answer
        (folder / student).mkdir(parents=True)
        nbformat.write(nb, folder / student / path.name)
    rows = _grade(folder)
    assert rows["model"]["total"] == rows["model"]["max"] == "3", rows["model"]
    assert rows["mistake"]["total"] == "0", rows["mistake"]
    failure = rows["mistake"]["first failure"]
    assert failure.startswith("ex-01-value-tests") and "log를 빠뜨리지 않았나요?" in failure, (
        failure
    )
