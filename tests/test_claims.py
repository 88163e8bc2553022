"""The claims machinery of `make controls` and `make seeds` (tools/claims.py, tools/controls.py).

The rewritten cells are executed here with plain ``exec`` (no kernel), and the control's optimizer
switch in a subprocess, so that it cannot leak into the other tests.
"""

import subprocess
import sys

import nbformat
import pytest

from checkout import chapters
from tools.claims import TAG, chapter_cell, claims_of, held, instrument
from tools.controls import NO_TRAINING, verdicts


def chapter(*cells: tuple[str, bool]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    for source, tagged in cells:
        cell = nbformat.v4.new_code_cell(source)
        if tagged:
            cell.metadata["tags"] = [TAG]
        nb.cells.append(cell)
    return nb


def run(nb: nbformat.NotebookNode) -> dict:
    """Execute an instrumented notebook's cells in one namespace; an exception ends a cell only."""
    namespace: dict = {}
    for cell in nb.cells[:-1]:  # (the last cell only prints the outcomes)
        try:
            exec(cell.source, namespace)
        except Exception:
            pass
    return namespace["__trained_claims__"]


def test_each_tagged_assert_and_each_part_of_a_conjunction_is_a_claim():
    nb = chapter(
        ("x = 3\nassert x == 3", False),
        ("assert x > 1 and x < 2\nfor i in range(3):\n    assert i < 2", True),
    )
    claims = claims_of(nb)
    assert [(c.key, c.source) for c in claims] == [
        ("cell 1, line 1 (1 of 2)", "x > 1"),
        ("cell 1, line 1 (2 of 2)", "x < 2"),
        ("cell 1, line 3", "i < 2"),
    ]
    assert nb.cells[1].source.startswith("assert x > 1")  # claims_of leaves the chapter as it was


def test_every_claim_is_judged_even_after_one_fails():
    nb = chapter(
        ("x = 3", False),
        ("assert x < 2\nassert x > 1\nfor i in range(3):\n    assert i < 2\nassert 1 / 0", True),
        ("assert x == 4", False),  # untagged: stays an assert
    )
    claims = instrument(nb)
    done = run(nb)
    assert done == {
        "cell 1, line 1": ["failed"],
        "cell 1, line 2": ["passed"],
        "cell 1, line 4": ["passed", "passed", "failed"],
        "cell 1, line 5": ["failed: ZeroDivisionError: division by zero"],
    }
    assert [held(done[c.key]) for c in claims] == [False, True, False, False]
    assert "assert x == 4" in nb.cells[3].source  # (one setup cell was put first)


def test_a_claim_after_an_error_in_its_cell_did_not_run():
    nb = chapter(("assert 1 > 0\nundefined_name\nassert 2 > 1", True))
    claims = instrument(nb)
    judged = verdicts(claims, run(nb))
    assert [v for v, _ in judged] == ["HOLDS UNTRAINED", "DID NOT RUN"]


def test_errors_name_the_cell_as_the_chapter_numbers_it():
    nb = chapter(("x = 1", False), ("undefined_name", False))
    instrument(nb)  # one cell goes first: the chapter's cell 1 is now cell 2
    assert "undefined_name" in nb.cells[2].source
    assert chapter_cell("cell 2: NameError name 'undefined_name' is not defined at") == (
        "cell 1: NameError name 'undefined_name' is not defined at"
    )
    assert chapter_cell("the run did not finish: DeadKernelError") == (
        "the run did not finish: DeadKernelError"
    )


def test_a_tagged_cell_without_an_assert_is_refused_by_name():
    with pytest.raises(ValueError, match="cell 0 is tagged 'trained-claim' but has no assert"):
        claims_of(chapter(("x = 1", True)))


def test_every_chapter_tags_only_cells_that_assert():
    for path in chapters():
        claims_of(nbformat.read(path, as_version=4))  # raises on a tagged cell without one


# The control: every torch optimizer's step leaves the parameters where they were, also for a
# loop written by hand and for ganlib.train; without the switch the same code moves them.
CONTROL_CHECK = """
import torch, ganlib
torch.manual_seed(0)
G, D = ganlib.Generator(1, 1, hidden=(8,)), ganlib.Discriminator(1, hidden=(8,))
before = [p.detach().clone() for p in (*G.parameters(), *D.parameters())]
ganlib.train(G, D, ganlib.Gaussian(4.0, 1.0), steps=20, optimizer="adam", progress=False)
opt = torch.optim.SGD(G.parameters(), lr=0.1, momentum=0.5)
G(G.sample_latent(16)).sum().backward()
opt.step()
after = [p.detach() for p in (*G.parameters(), *D.parameters())]
print(all(torch.equal(a, b) for a, b in zip(before, after)))
"""


@pytest.mark.parametrize("controlled", [False, True])
def test_the_control_takes_every_optimizer_step_away(controlled):
    code = (NO_TRAINING if controlled else "") + CONTROL_CHECK
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(controlled)
