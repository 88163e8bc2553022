"""Sphinx extension: pages that work with no internet and no kernel.

Jupyter Book 1.x always loads sphinx-thebe (live code through a Binder kernel from unpkg.com).
This book has no live-code button, so its scripts are dead weight, and Sphinx 7 registers them
twice: the second ``const THEBE_JS_URL`` is a SyntaxError in every page's console. The book's
interactive parts run without a kernel (matplotlib's JavaScript animations), so those scripts go,
and any other script registered twice keeps one copy.

matplotlib's ``to_jshtml`` links Font Awesome 4 from a CDN for its buttons' icons. The theme
already ships Font Awesome (as JavaScript that draws the same ``fa fa-play`` icons), so the link
goes too: offline, the buttons keep their icons.
"""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "_static"


def _is_thebe(script) -> bool:
    name = str(script.filename or "")
    return "thebe" in name or "THEBE_JS_URL" in script.attributes.get("body", "")


def _key(script) -> tuple:
    # An inline script is registered with filename None by one extension and "" by another.
    return (script.filename or "", tuple(sorted(script.attributes.items())))


def prune_scripts(app, pagename, templatename, context, doctree) -> None:
    """One copy of each script, none of sphinx-thebe's."""
    seen, kept = set(), []
    for script in context.get("script_files", []):
        if _is_thebe(script) or _key(script) in seen:
            continue
        seen.add(_key(script))
        kept.append(script)
    context["script_files"] = kept


CDN_FONT_AWESOME = re.compile(
    r'<link rel="stylesheet"\s+href="https://maxcdn\.bootstrapcdn\.com/font-awesome/[^"]*">'
)


def drop_cdn_icons(app, pagename, templatename, context, doctree) -> None:
    """No Font Awesome from a CDN inside the page's outputs: the theme's own draws the icons."""
    if "body" in context:
        context["body"] = CDN_FONT_AWESOME.sub("", context["body"])


def add_static(app) -> None:
    app.config.html_static_path.append(str(STATIC))


def setup(app):
    # MathJax on every page, not only those with equations: the navigation's chapter titles
    # hold maths too (genindex, search), and would stay raw TeX there.
    app.set_html_assets_policy("always")
    app.connect("builder-inited", add_static)
    app.add_css_file("gan-book.css")
    app.connect("html-page-context", prune_scripts, priority=900)
    app.connect("html-page-context", drop_cdn_icons)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
