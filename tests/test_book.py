"""The website: a clean Jupyter Book build with warnings as errors, as `make book` runs it."""

import re
from pathlib import Path

import pytest

from checkout import chapters

pytestmark = pytest.mark.site


def test_intro_and_notation(site):
    page = (site / "book" / "intro.html").read_text()
    # The site's address opens on the introduction: index.html is Jupyter Book's redirect to it.
    assert "book/intro.html" in (site / "index.html").read_text()
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
    """Every page of both sites (the English root and ko/), not the theme's files in _static/."""
    return sorted(
        p
        for p in site.rglob("*.html")
        if not any(part[0] in "_." for part in p.relative_to(site).parts)
    )


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


# --- The Korean edition, built beside the English one in ko/ (`make book`, make test's step) ---

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _twin_sources(site):
    """(English page, Korean page) for every page of the English book, by its source."""
    english = [p for p in _pages(site) if p.relative_to(site).parts[0] != "ko"]
    return [(p, site / "ko" / p.relative_to(site)) for p in english]


def test_the_korean_site_has_every_page_in_korean(site):
    ko = site / "ko"
    assert (ko / "index.html").exists(), "no Korean site: `make book` builds ko/ too"
    for page, twin in _twin_sources(site):
        assert twin.exists(), f"{page.relative_to(site)} has no Korean page"
    for page in _pages(ko):
        html = page.read_text()
        if page != ko / "index.html":  # (the redirect to book/intro.html)
            assert '<html lang="ko"' in html, page.name
    for path in chapters():
        html = (ko / "notebooks" / f"{path.stem}.html").read_text()
        article = re.search(r"<article.*?</article>", html, flags=re.S).group(0)
        text = re.sub(r"<[^>]+>", " ", article)
        assert len(HANGUL.findall(text)) > 1000, f"{path.stem}: hardly any Korean"
        # the same figures and animations as the English page, from the stored outputs
        english = (site / "notebooks" / f"{path.stem}.html").read_text()
        assert html.count("<img") == english.count("<img"), path.stem
        assert html.count("new Animation(") == english.count("new Animation("), path.stem
        assert "find_spec" not in html, f"{path.stem}: the install cell shows"
        assert "GANLIB_LANGUAGE" not in html, f"{path.stem}: the language cell shows"
        assert "Show code cell" not in html, f"{path.stem}: myst-nb's button in English"
        assert html.count("코드 보기") == english.count("Show code cell source"), path.stem
    glossary = (ko / "book" / "glossary.html").read_text()
    assert "판별자" in glossary and "discriminator" in glossary


def test_every_page_links_to_its_twin_in_the_other_language(site):
    switch = re.compile(r'<p class="language-switch"><a href="([^"]+)" hreflang="(\w+)"')
    alternate = re.compile(r'<link rel="alternate" hreflang="(\w+)" href="([^"]+)"')
    for page in _pages(site):
        rel = page.relative_to(site)
        if rel.name == "index.html":  # the redirects to book/intro.html
            continue
        korean = rel.parts[0] == "ko"
        html = page.read_text()
        if rel.stem in ("genindex", "search"):  # no article to put the link in: the head's only
            lang, href = alternate.search(html).groups()
        else:
            found = switch.search(html)
            assert found, f"{rel}: no language switch"
            href, lang = found.groups()
        assert lang == ("en" if korean else "ko"), rel
        target = (page.parent / href).resolve()
        assert target.exists(), f"{rel}: the switch leads to a missing {href}"
        expected = rel.relative_to("ko") if korean else Path("ko") / rel
        if (site / expected).exists():  # every page but the Korean glossary has a twin
            assert target == (site / expected).resolve(), f"{rel} -> {href}"
        assert alternate.search(html).groups() == (lang, href), rel


def test_the_korean_front_page_links_the_faq_and_the_glossary(site):
    page = (site / "ko" / "book" / "intro.html").read_text()
    assert re.search(r'<a class="reference internal" href="faq\.html">', page), "no FAQ link"
    assert 'href="glossary.html"' in page  # in the navigation: the Korean-only glossary
    faq = (site / "ko" / "book" / "faq.html").read_text()
    for n in range(1, 13):
        assert f"<strong>{n}. " in faq, f"question {n} is missing from the Korean FAQ"
    for target, anchor in re.findall(r'href="\.\./notebooks/([0-9a-z_]+\.html)#([\w-]+)"', faq):
        html = (site / "ko" / "notebooks" / target).read_text()
        assert f'id="{anchor}"' in html, f"ko: {target}#{anchor} does not exist"
