"""The website in a real browser: headless Chromium over every page, with the network blocked.

`make test` installs Debian's chromium where it can (see the Makefile); Playwright drives it.
A screenshot of each page is kept under _build/screenshots/ for a person to look at.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import re
import shutil
import subprocess
import threading

import nbformat
import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if importlib.util.find_spec("playwright") is None or CHROMIUM is None:
    _WHY = (
        "the browser test needs chromium and playwright: `make test` installs chromium with "
        "apt-get where it runs as root (Debian, Ubuntu); elsewhere install it yourself"
    )
    if os.environ.get("CI"):  # CI must run every check: a missing browser fails, never skips
        pytest.fail(f"CI=true: {_WHY}", pytrace=False)
    pytest.skip(_WHY, allow_module_level=True)
from playwright.sync_api import sync_playwright  # noqa: E402

from checkout import ROOT, chapters  # noqa: E402
from tools.colab import read  # noqa: E402

pytestmark = pytest.mark.site

SHOTS = ROOT / "_build" / "screenshots"
WIDTH = 1280  # a laptop window: code cells must fit the column without sideways scrolling


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def base(site):
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


@pytest.fixture(scope="module")
def context(base):
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": WIDTH, "height": 900})
        context.outside = []  # what a page asked for from the internet: refused, and a failure

        def offline(route):
            url = route.request.url
            if url.startswith((base, "data:", "blob:")):
                route.continue_()
            else:
                context.outside.append(url)
                route.abort()

        context.route("**/*", offline)
        yield context
        browser.close()


def _pages(site) -> list[str]:
    """Every page of both sites (the English root and ko/), not the theme's files in _static/."""
    found = sorted(p.relative_to(site) for p in site.rglob("*.html"))
    return [p.as_posix() for p in found if not any(part[0] in "_." for part in p.parts)]


MEASURE = """() => {
  const maths = Array.from(document.querySelectorAll('span.math, div.math'));
  const code = Array.from(document.querySelectorAll('div.cell_input pre'));
  return {
    typeset: document.querySelectorAll('mjx-container').length,
    untypeset: maths.filter(m => !m.querySelector('mjx-container')).length,
    raw: (document.querySelector('article') || document.body).innerText.includes('$$'),
    broken: Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))
      .map(i => i.src.slice(0, 80)),
    wide: code.filter(e => e.scrollWidth > e.clientWidth + 1)
      .map(e => e.innerText.split('\\n').reduce((a, b) => a.length > b.length ? a : b)),
    wideOutput: Array.from(document.querySelectorAll('div.cell_output pre'))
      .filter(e => e.scrollWidth > e.clientWidth + 1)
      .map(e => e.innerText.split('\\n').reduce((a, b) => a.length > b.length ? a : b)),
    animations: document.querySelectorAll('div.animation').length,
  };
}"""


@pytest.fixture(scope="module")
def visits(site, base, context):
    """Every page once: what the browser saw, a screenshot, and each animation stepped."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    seen = {}
    for rel in _pages(site):
        page = context.new_page()
        problems = []
        page.on("console", lambda m, p=problems: p.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e, p=problems: p.append(f"uncaught: {e}"))
        page.on("requestfailed", lambda r, p=problems: p.append(f"failed: {r.url[:100]}"))
        before = len(context.outside)
        page.goto(base + rel, wait_until="load")
        if rel in ("index.html", "ko/index.html"):  # each site's root forwards to its introduction
            page.wait_for_url("**/book/intro.html")
            page.wait_for_load_state("load")
        page.wait_for_function(
            "() => !window.MathJax || (MathJax.startup && MathJax.startup.promise)"
        )
        page.evaluate("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        record = page.evaluate(MEASURE)
        record["steps"] = _step_every_animation(page)
        record["errors"] = problems
        record["outside"] = context.outside[before:]
        record["colab"] = page.eval_on_selector_all(
            "a[href*='colab.research.google.com']", "els => els.map(e => e.href)"
        )
        record["downloads"] = page.eval_on_selector_all(
            "a[href$='.ipynb']:not([href*='colab'])", "els => els.map(e => e.getAttribute('href'))"
        )
        name = rel.removesuffix(".html").replace("/", "_")
        page.screenshot(path=SHOTS / f"{name}.jpg", full_page=True, type="jpeg", quality=60)
        seen[rel] = record
        page.close()
    return seen


def _step_every_animation(page) -> list[tuple[int, int, bool]]:
    """For each animation: (slider before, slider after "Next frame", did the image change)."""
    steps = []
    for animation in page.query_selector_all("div.animation"):
        animation.scroll_into_view_if_needed()
        slider, image = (
            animation.query_selector("input.anim-slider"),
            animation.query_selector("img"),
        )
        before, src = int(slider.input_value()), image.get_attribute("src")
        animation.query_selector("button[title='Next frame']").click()
        page.wait_for_timeout(50)
        steps.append((before, int(slider.input_value()), image.get_attribute("src") != src))
    return steps


def test_every_page_loads_offline_without_console_errors(visits):
    assert len(visits) >= 12  # intro, 8 chapters, instructor guide, FAQ, references, search ...
    assert len([rel for rel in visits if rel.startswith("ko/")]) >= 13  # ... and the glossary
    for rel, seen in visits.items():
        assert not seen["outside"], f"{rel} asked the internet for {seen['outside']}"
        assert not seen["errors"], f"{rel}: {seen['errors']}"


def test_maths_is_typeset_everywhere(visits):
    for rel, seen in visits.items():
        assert seen["untypeset"] == 0 and not seen["raw"], f"{rel}: raw TeX left on the page"
    for rel in ("book/intro.html", "book/faq.html", *_chapter_pages()):
        assert visits[rel]["typeset"] > 20, f"{rel}: hardly any maths typeset"
        assert visits[f"ko/{rel}"]["typeset"] == visits[rel]["typeset"], f"ko/{rel}: maths lost"


def test_every_image_loads(visits):
    for rel, seen in visits.items():
        assert not seen["broken"], f"{rel}: images that did not load: {seen['broken']}"


def test_every_animation_steps_when_clicked(visits):
    for rel in _chapter_pages()[:5]:  # chapters 1-4: the explorers' twins; 5: Figure 1 in motion
        assert visits[rel]["animations"] >= 1, f"{rel} has no animation"
        assert visits[f"ko/{rel}"]["animations"] == visits[rel]["animations"], f"ko/{rel}"
    for rel, seen in visits.items():
        assert len(seen["steps"]) == seen["animations"]
        for before, after, changed in seen["steps"]:
            assert after == before + 1 and changed, f"{rel}: an animation did not step"


def test_code_cells_fit_the_column(visits):
    for rel, seen in visits.items():
        assert not seen["wide"], f"{rel} at {WIDTH} px: cells scroll sideways: {seen['wide']}"
        assert not seen["wideOutput"], (
            f"{rel} at {WIDTH} px: printed output scrolls sideways: {seen['wideOutput']}"
        )


@pytest.mark.parametrize("edition", ["", "ko/"])
def test_colab_and_download_buttons_open_this_chapter(site, visits, edition):
    book = read()
    for path in chapters():
        seen = visits[f"{edition}notebooks/{path.stem}.html"]
        assert seen["colab"] == [book.colab(f"{edition}notebooks/{path.name}")], seen["colab"]
        (download,) = seen["downloads"]
        # what a reader gets: the English chapter, or the Korean one with its language cell first
        nb = nbformat.read(site / edition / "notebooks" / download, as_version=4)
        if edition:
            assert nb.cells[0].source == "%env GANLIB_LANGUAGE=ko"
            title = nb.cells[1].source  # the chapter's title, in Korean
            assert title.startswith("# ") and re.search("[\uac00-\ud7a3]", title), title
        install = nb.cells[2 if edition else 1].source
        assert book.requirement in install, "the download's install cell"


def test_navigation_and_search(base, context, visits):
    page = context.new_page()
    page.goto(base + "book/intro.html")
    toc = page.eval_on_selector_all("nav.bd-links a", "els => els.map(e => e.href)")
    assert len(toc) >= len(_chapter_pages()) + 3  # every chapter and the three About pages
    page.click("a.right-next")
    assert page.url.endswith("notebooks/01_value_function.html")
    assert page.title().startswith("1. The value function")
    page.goto(base + "search.html?q=discriminator")
    page.wait_for_selector("ul.search li", timeout=15_000)
    hits = page.eval_on_selector_all("ul.search li a", "els => els.map(e => e.href)")
    assert any("02_optimal_discriminator" in h for h in hits), hits[:5]
    page.close()


def test_the_language_switch_and_the_korean_search(base, context, visits):
    page = context.new_page()
    page.goto(base + "notebooks/03_global_optimum.html")
    page.click("p.language-switch a")
    assert page.url == base + "ko/notebooks/03_global_optimum.html"
    assert page.title().startswith("3. ") and "전역 최적" in page.title(), page.title()
    page.click("p.language-switch a")
    assert page.url == base + "notebooks/03_global_optimum.html"
    page.goto(base + "ko/search.html?q=판별자")
    page.wait_for_selector("ul.search li", timeout=15_000)
    hits = page.eval_on_selector_all("ul.search li a", "els => els.map(e => e.href)")
    assert any("ko/notebooks/02_optimal_discriminator" in h for h in hits), hits[:5]
    page.close()


def test_korean_text_has_a_korean_font():
    """The screenshots show Korean, not empty boxes: a font with Hangul is installed."""
    fonts = (
        shutil.which("fc-list")
        and subprocess.run(
            ["fc-list", ":lang=ko", "family"], capture_output=True, text=True
        ).stdout.strip()
    )
    if not fonts:
        why = "no font with Hangul (`make test` installs fonts-nanum with apt-get as root)"
        if os.environ.get("CI"):
            pytest.fail(f"CI=true: {why}", pytrace=False)
        pytest.skip(why)


def _chapter_pages() -> list[str]:
    return [f"notebooks/{p.stem}.html" for p in chapters()]
