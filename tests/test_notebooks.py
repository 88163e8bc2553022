"""Structure of the chapters (nbval checks their outputs, test_book the website).

Execution times are not tested here: a loaded machine measures more for reasons unrelated to
the code. `make timings` checks each chapter against its budget.
"""

import re

import nbformat
import pytest
import yaml

from checkout import ROOT, chapters

CHAPTERS = chapters()


def _code(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def test_there_are_chapters_and_all_are_in_the_toc():
    assert CHAPTERS, "no notebooks/NN_slug.ipynb found"
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = {c["file"] for part in toc["parts"] for c in part["chapters"]}
    for path in CHAPTERS:
        assert f"notebooks/{path.stem}" in files, f"{path.name} is missing from _toc.yml"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_shape(path):
    nb = nbformat.read(path, as_version=4)
    code = _code(nb)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# "), (
        "title first"
    )
    assert 'find_spec("ganlib")' in code, "the Colab install cell is missing"
    assert code.count("assert ") >= 5, "claims in the text must be checked by asserts"
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.output_type != "error", f"{path.name} stores an error output"
    # Colab renders plain $…$ maths, not MyST roles or directives.
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert not re.search(r"\{(math|eq|ref|numref)\}`", prose)
    assert "p_x(z)" not in prose.replace("z \\sim p_x(z)", ""), "use z ~ p_z(z)"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_is_seeded_once_for_the_seed_sweep(path):
    # `make seeds` re-runs a chapter on other seeds by rewriting its one `SEED = 0` line, so
    # every seed in the chapter must follow from SEED: no literal seed anywhere else.
    code = _code(nb := nbformat.read(path, as_version=4))
    setters = [
        c for c in nb.cells if c.cell_type == "code" and re.search(r"^SEED = 0\b", c.source, re.M)
    ]
    assert len(setters) == 1, "set SEED = 0 in exactly one cell, the setup cell"
    assert "torch.manual_seed(SEED)" in setters[0].source
    literal = re.findall(r"(?:manual_seed\(|seed=)\s*\d+", code)
    assert not literal, f"seeds must derive from SEED, found {literal}"


def test_readme_lists_every_chapter_with_the_paper_it_covers():
    readme = (ROOT / "README.md").read_text()
    for path in CHAPTERS:
        rows = [line for line in readme.splitlines() if line.startswith(f"| `{path.stem}` |")]
        assert len(rows) == 1, f"README's chapter table has no row for {path.stem}"
        assert rows[0].count(" | ") == 2, f"{path.stem}: a row is the chapter, the paper, the idea"


def test_a_progress_bar_redrawing_ten_times_a_second_floods_the_kernel():
    from chapter_runs import flooded_cells

    # ganlib's bar: 2 redraws a second, ~2.5 widget messages each (chapter 7 measured ~4/s);
    # tqdm's default (0.1 s) would redraw ten times a second.
    seconds = {3: 300.0}
    assert flooded_cells({3: int(300 * 2 * 2.5) + 20}, seconds) == []
    assert flooded_cells({3: int(300 * 10 * 2.5)}, seconds) == [
        "code cell 3: 7500 messages in 300 s"
    ]
