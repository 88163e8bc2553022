"""The language of ganlib's words to readers, the exercises' feedback (not part of the paper).

English is the default. ``GANLIB_LANGUAGE=ko`` (the Korean notebooks set it in their first cell,
``%env GANLIB_LANGUAGE=ko``) gives the Korean of ``locale/ko/LC_MESSAGES/ganlib.po``. The variable
is read each time a message is made, not at import, so setting it after ``import ganlib`` works.
Messages are gettext templates with named fields (``"{what} should be {want}"``), filled in after
translation: a language can put the fields in its own order.
"""

from __future__ import annotations

import gettext
import os
from functools import cache
from pathlib import Path

LOCALE = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "ko")
DOMAIN = "ganlib"


def language() -> str:
    """The language ganlib's messages are in: ``GANLIB_LANGUAGE``, ``en`` when unset or empty."""
    value = os.environ.get("GANLIB_LANGUAGE", "").strip() or "en"
    # "ko_KR.UTF-8" and "KO" mean Korean as a locale name would.
    short = value.split(".")[0].split("_")[0].split("-")[0].lower()
    if short not in LANGUAGES:
        raise ValueError(
            f"GANLIB_LANGUAGE={value!r} is not a language ganlib's messages are in; "
            f"choose one of {LANGUAGES} (or leave it unset for English)"
        )
    return short


@cache
def _catalog(short: str) -> gettext.NullTranslations:
    if short == "en":
        return gettext.NullTranslations()
    # No fallback: a Korean reader whose catalog is missing from the install should hear why.
    return gettext.translation(DOMAIN, LOCALE, languages=[short])


def _(message: str) -> str:
    """``message`` in the reader's language (itself in English, or where it is not translated)."""
    return _catalog(language()).gettext(message)


def N_(message: str) -> str:  # gettext's name for "mark for translation, translate later"
    """Marks a message for the catalog without translating it: ``_(message)`` where it is used."""
    return message
