"""The website: a clean Jupyter Book build with warnings as errors, as `make book` runs it."""

import re

import pytest

from tools.chapters import chapters

pytestmark = pytest.mark.site


def test_intro_and_notation(site):
    page = (site / "book" / "intro.html").read_text()
    assert (site / "index.html").exists()
    assert "Notation" in page and "p_z(z)" in page
    # Readers arriving with the twelve questions find the FAQ from the first page.
    assert re.search(r'<a class="reference internal" href="faq\.html">', page), "no link to the FAQ"


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


def _pages(site):
    return sorted(p for p in site.rglob("*.html") if p.relative_to(site).parts[0][0] not in "_.")


def test_pages_need_nothing_from_the_internet(site):
    # Scripts, stylesheets, fonts and icons all come from the build: the site works offline.
    external = re.compile(r'<(?:script|link)\b[^>]*\b(?:src|href)="(?:https?:)?//[^"]*"', re.I)
    for page in _pages(site):
        html = page.read_text()
        assert not external.findall(html), f"{page.name} loads {external.findall(html)}"
        assert "require.min.js" not in html and "html-manager" not in html, page.name
        assert "THEBE_JS_URL" not in html, f"{page.name}: sphinx-thebe's scripts are back"
        scripts = re.findall(r"<script\b[^>]*>.*?</script>", html, flags=re.S)
        repeated = {s[:120] for s in scripts if scripts.count(s) > 1}
        assert not repeated, f"{page.name} registers a script twice: {repeated}"


def test_widgets_show_on_colab_and_their_twins_on_the_website(site):
    every = chapters()
    for number in ("01", "02", "03", "04"):  # each theory chapter has an explorer ...
        assert any(p.name.startswith(number) for p in every)
    for path in every:
        source = path.read_text()
        html = (site / "notebooks" / f"{path.stem}.html").read_text()
        assert "widget-view+json" not in html, f"{path.stem}: a widget without a kernel"
        if "widgets.interact" in source or path.stem[:2] in ("01", "02", "03", "04"):
            # ... and every ipywidgets explorer a kernel-free twin: an animation in the page
            assert "new Animation(" in html, f"{path.stem}: no JavaScript animation"


def test_the_colab_install_cell_is_hidden_on_the_website(site):
    for path in chapters():
        assert "find_spec" in path.read_text()  # in the notebook (Colab runs it) ...
        html = (site / "notebooks" / f"{path.stem}.html").read_text()
        assert "find_spec" not in html and "pip install" not in html, path.stem  # ... not here


def test_logo_favicon_and_title(site):
    page = (site / "notebooks" / "01_value_function.html").read_text()
    assert 'rel="icon"' in page and "logo" in page
    assert "<title>1. The value function" in page and "Generative Adversarial Nets, checked" in page
