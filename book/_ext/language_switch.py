"""Sphinx extension: a link on every page to the same page in the book's other language.

The English site is the site root and the Korean one lives in ``ko/`` under it (`make book`
builds both and copies the second there). Each build is told where the other one's source is,
relative to its own, with the config value ``language_switch``::

    language_switch = {"path": "ko", "label": "한국어", "hreflang": "ko"}    # in _config.yml
    language_switch = {"path": "..", "label": "English", "hreflang": "en"}  # in ko/_config.yml

The source folders mirror the built sites, so the same relative path leads from a page's source
to its twin's source and from its HTML to its twin's HTML. A page the other language lacks (the
Korean glossary) links to the other book's front page instead of to a missing file. Each page
also names its twin with ``<link rel="alternate" hreflang>``, as search engines expect.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

SUFFIXES = (".md", ".ipynb")
GENERATED = ("genindex", "search")  # pages Sphinx writes in every build, with no source


def twin(srcdir: Path, path: str, pagename: str) -> str:
    """The other language's page for ``pagename``, as a path relative to this page's HTML."""
    up = "../" * pagename.count("/")
    other = srcdir / path
    exists = pagename in GENERATED or any(
        (other / f"{pagename}{suffix}").exists() for suffix in SUFFIXES
    )
    return f"{up}{path}/{pagename if exists else 'index'}.html"


def add_switch(app, pagename, templatename, context, doctree) -> None:
    """The link at the top of the article, and the alternate-language link in the head."""
    switch = app.config.language_switch
    if not switch:
        return
    href = escape(twin(Path(app.srcdir), switch["path"], pagename))
    lang = escape(switch["hreflang"])
    link = f'<a href="{href}" hreflang="{lang}" lang="{lang}">{escape(switch["label"])}</a>'
    if "body" in context:  # a page of the book (genindex and search have no body: the head only)
        context["body"] = f'<p class="language-switch">{link}</p>\n' + context["body"]
    context["metatags"] = (
        context.get("metatags", "") + f'\n<link rel="alternate" hreflang="{lang}" href="{href}" />'
    )


def check_config(app, config) -> None:
    switch = config.language_switch
    missing = {"path", "label", "hreflang"} - set(switch)
    if switch and missing:
        raise ValueError(
            f"language_switch={switch!r} lacks {sorted(missing)}; it needs path (the other "
            "language's source folder, relative to this one), label and hreflang"
        )


def setup(app):
    app.add_config_value("language_switch", {}, "html", types=[dict])
    app.connect("config-inited", check_config)
    app.connect("html-page-context", add_switch)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
