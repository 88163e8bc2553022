"""The website: a clean Jupyter Book build with warnings as errors, as `make book` runs it."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    cmd = [
        str(jupyter_book),
        "build",
        str(ROOT),
        "--path-output",
        str(out),
        "-W",
        "-n",
        "--keep-going",
        "--all",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=1500)
    assert result.returncode == 0, (result.stdout[-6000:], result.stderr[-6000:])
    return out / "_build" / "html"


def test_intro_and_notation(site):
    page = (site / "book" / "intro.html").read_text()
    assert (site / "index.html").exists()
    assert "Notation" in page and "p_z(z)" in page


def test_chapter_1_has_maths_figures_and_the_animation(site):
    page = (site / "notebooks" / "01_value_function.html").read_text()
    assert r"\min_G \max_D V(D, G)" in page  # display maths, typeset by MathJax in the browser
    assert "mathjax" in page.lower()
    figures = list((site / "_images").glob("*.png"))
    assert len(figures) >= 2 and all(f.stat().st_size > 5_000 for f in figures)
    assert (
        "animation" in page.lower() and "data:image/png;base64" in page
    )  # the kernel-free explorer
    assert "colab.research.google.com" in page  # the launch button


def test_references_resolve(site):
    page = (site / "book" / "references.html").read_text()
    assert "Generative Adversarial Nets" in page and "Goodfellow" in page


def test_faq_answers_all_twelve_questions_and_its_links_resolve(site):
    page = (site / "book" / "faq.html").read_text()
    for n in range(1, 13):
        assert f"<strong>{n}. " in page, f"question {n} is missing"
    links = re.findall(r'href="\.\./notebooks/([0-9a-z_]+\.html)#([\w-]+)"', page)
    answered = {int(anchor.rsplit("-", 1)[1]) for _, anchor in links}
    assert answered == set(range(1, 13)), (
        f"questions without a link to a chapter: {set(range(1, 13)) - answered}"
    )
    for target, anchor in links:
        html = (site / "notebooks" / target).read_text()
        assert f'id="{anchor}"' in html, f"{target}#{anchor} does not exist"


def test_chapter_5_animates_figure_1_without_a_kernel(site):
    page = (site / "notebooks" / "05_training.html").read_text()
    # matplotlib's to_jshtml: the frames inline as PNGs, played by JavaScript in the page
    assert 'class="animation"' in page and "new Animation(" in page
    assert page.count("data:image/png;base64") >= 36  # the 36 snapshots (plus the static figures)
